"""Who may see recordings: one check that every command and every click goes through.

Closed by default. A person is let in when all of these hold:
- the bot's admin granted access at all (`ALLOWED_USER_IDS`, `ALLOWED_USERGROUP_IDS`,
  `ALLOWED_CHANNEL_IDS` or `ALLOW_EVERYONE`); with none of them every request is refused with a
  message telling the admin what to set;
- they belong to the bot's own organisation (learned from `auth.test` at start-up): their team on a
  plain workspace, the Enterprise Grid organisation on Grid, or an id listed in `ALLOWED_TEAM_IDS`.
  Slack Connect lets people of other companies into a shared channel; they must not get our calls;
- they are named by `ALLOWED_USER_IDS` or are in a user group of `ALLOWED_USERGROUP_IDS` (one
  union), unless `ALLOW_EVERYONE` is set, or only a channel list is given;
- when `ALLOWED_CHANNEL_IDS` is set, the request comes from one of those channels.

A refusal leaves a WARNING line and an audit line here, so no caller can forget them. The signed
button values (`bot.signing`, purpose "button") are opened here too, bound to the request's team
and channel, so a value edited in flight or carried to another channel is refused the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.audit import audit
from bot.config import Settings
from bot.logs import fields
from bot.query import is_query_value
from bot.sealing import Sealer, Unsealable, is_sealed
from bot.signing import BadSignature, Signer

log = logging.getLogger("bot.slack.access")

Kind = Literal["command", "click"]

USERGROUP_TTL_S = 300.0  # membership changes show within five minutes; Slack is asked that often
USERGROUP_TIMEOUT_S = 2.0
ORGANISATION_RETRY_S = 10.0  # after a failed auth.test, ask again at most this often

NOT_CONFIGURED = (
    "This app has not been told who may see call recordings yet, so it shows them to nobody. "
    "The app's admin must set `ALLOWED_USER_IDS`, `ALLOWED_USERGROUP_IDS` or "
    "`ALLOWED_CHANNEL_IDS` (or `ALLOW_EVERYONE=true`) and restart it."
)
NOT_ALLOWED = (
    "You can't use `/recordings` here. Call recordings are only shown to the people and "
    "channels the app's admin has allowed; ask them if you need access."
)
OTHER_ORGANISATION = (
    "Call recordings are only shown to members of the organisation that installed this app, "
    "and your Slack account belongs to another one."
)
ORGANISATION_UNKNOWN = (
    "I can't tell yet which Slack organisation I belong to (Slack did not answer `auth.test`), "
    "so I show recordings to nobody for now. Try again in a minute; if it keeps happening, "
    "the app's admin should check `SLACK_BOT_TOKEN`."
)
GROUPS_UNKNOWN = (
    "I couldn't check your user groups with Slack just now. Try again in a minute; if it keeps "
    "happening, tell the app's admin (the app needs the `usergroups:read` scope)."
)
DAMAGED_BUTTON = (
    "This button is damaged or belongs elsewhere, so I won't follow it. "
    "Run the command again to get fresh buttons."
)
SHARE_EXTERNAL = (
    "I won't share recordings in a channel shared with another organisation. "
    "Run the search without `share` to see it yourself (the app's admin can allow this with "
    "`ALLOW_SHARE_EXTERNAL=true`)."
)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


@dataclass(frozen=True)
class Requester:
    """Who is asking, from where, as Slack's payload says."""

    kind: Kind
    user: str
    channel: str
    team: str  # the workspace the request came from (what button values are bound to)
    user_team: str  # the person's own team
    enterprise: str  # the person's Enterprise Grid organisation, if any
    ext_shared: bool = False  # Slack says the channel is shared with another organisation

    @classmethod
    def from_command(cls, command: dict[str, Any]) -> Requester:
        team = _str(command.get("team_id"))
        return cls(
            kind="command",
            user=_str(command.get("user_id")),
            channel=_str(command.get("channel_id")),
            team=team,
            user_team=_str(command.get("user_team")) or team,
            enterprise=_str(command.get("enterprise_id")),
            ext_shared=_flag(command.get("is_ext_shared_channel")),
        )

    @classmethod
    def from_action(cls, body: dict[str, Any]) -> Requester:
        user = _dict(body.get("user"))
        channel = _dict(body.get("channel"))
        team = _str(_dict(body.get("team")).get("id"))
        enterprise = _str(user.get("enterprise_id")) or _str(
            _dict(body.get("enterprise")).get("id")
        )
        return cls(
            kind="click",
            user=_str(user.get("id")),
            channel=_str(channel.get("id")) or _str(_dict(body.get("container")).get("channel_id")),
            team=team,
            user_team=_str(user.get("team_id")) or team,
            enterprise=enterprise or _str(body.get("enterprise_id")),
            ext_shared=_flag(channel.get("is_ext_shared_channel"))
            or _flag(body.get("is_ext_shared_channel")),
        )


@dataclass(frozen=True)
class Refusal:
    reason: str  # for logs and the audit trail
    message: str  # for the person (mrkdwn)


AuthTest = Callable[[], Awaitable["tuple[str, str] | None"]]


class Organisation:
    """The bot's own team and Enterprise Grid organisation, from `auth.test`.

    Asked in the background at start-up; a check that comes before the answer waits for it, and a
    failed lookup is asked again (at most every ORGANISATION_RETRY_S) rather than trusted away.
    """

    def __init__(
        self,
        lookup: AuthTest | None = None,
        *,
        team_id: str | None = None,
        enterprise_id: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self.team_id = team_id
        self.enterprise_id = enterprise_id
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._failed_at: float | None = None

    @property
    def known(self) -> bool:
        return self.team_id is not None

    def start(self) -> None:
        if self.known or self._lookup is None:
            return
        if self._task is not None and not self._task.done():
            return
        if self._failed_at is not None and self._clock() - self._failed_at < ORGANISATION_RETRY_S:
            return
        self._task = asyncio.get_running_loop().create_task(self._ask())

    async def _ask(self) -> None:
        assert self._lookup is not None
        found = await self._lookup()
        if found is None:
            self._failed_at = self._clock()
            return
        self.team_id, self.enterprise_id = found
        log.info(fields(event="organisation", team=self.team_id, enterprise=self.enterprise_id))

    async def resolve(self) -> bool:
        """Whether the organisation is known, asking Slack (again) if need be."""
        self.start()
        if not self.known and self._task is not None:
            await asyncio.shield(self._task)
        return self.known

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


Members = Callable[[str], Awaitable[list[str]]]


class UserGroups:
    """Members of Slack user groups (`usergroups.users.list`), kept USERGROUP_TTL_S.

    One lookup per group at a time; when Slack fails, the last known members stand in.
    """

    def __init__(
        self,
        members: Members,
        *,
        ttl_s: float = USERGROUP_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._members = members
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._inflight: dict[str, asyncio.Task[frozenset[str]]] = {}

    async def members(self, group: str) -> frozenset[str]:
        """The group's members; raises when Slack fails and nothing is known of the group."""
        cached = self._cache.get(group)
        if cached is not None and self._clock() - cached[0] < self._ttl_s:
            return cached[1]
        task = self._inflight.get(group)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch(group))
            self._inflight[group] = task
            task.add_done_callback(lambda _: self._inflight.pop(group, None))
        try:
            return await asyncio.shield(task)
        except Exception as exc:
            if cached is not None:
                log.warning(fields(event="usergroup", group=group, outcome="stale", error=exc))
                return cached[1]
            raise

    async def _fetch(self, group: str) -> frozenset[str]:
        try:
            async with asyncio.timeout(USERGROUP_TIMEOUT_S):
                found = frozenset(await self._members(group))
        except Exception as exc:
            log.error(fields(event="usergroup", group=group, outcome="failed", error=exc))
            raise
        self._cache[group] = (self._clock(), found)
        return found


def slack_members(client: Any) -> Members:
    """`usergroups.users.list` through slack-sdk's client (needs the usergroups:read scope)."""

    async def members(group: str) -> list[str]:
        response = await client.usergroups_users_list(usergroup=group)
        return [str(user) for user in response.get("users") or []]

    return members


class Access:
    """The one access check (`check`), the share check, and signed button values."""

    def __init__(
        self,
        settings: Settings,
        organisation: Organisation,
        groups: UserGroups | None,
        signer: Signer,
        sealer: Sealer | None = None,
    ) -> None:
        self.settings = settings
        self.organisation = organisation
        self.groups = groups
        self.signer = signer
        self.sealer = sealer

    def log_configuration(self) -> None:
        """At start-up: say when the bot answers nobody, and why."""
        if not self.settings.grants_access:
            log.warning(
                "access: no ALLOWED_USER_IDS, ALLOWED_USERGROUP_IDS, ALLOWED_CHANNEL_IDS or "
                "ALLOW_EVERYONE is set, so every command is refused; set one of them"
            )

    async def check(self, who: Requester) -> Refusal | None:
        """None when `who` may see recordings; else the refusal (already logged and audited)."""
        refusal = await self._decide(who)
        if refusal is not None:
            self.refused(who, refusal)
        return refusal

    async def check_command(self, command: dict[str, Any]) -> Refusal | None:
        return await self.check(Requester.from_command(command))

    async def check_action(self, body: dict[str, Any]) -> Refusal | None:
        return await self.check(Requester.from_action(body))

    def refused(self, who: Requester, refusal: Refusal, **details: object) -> None:
        log.warning(
            fields(
                event=who.kind,
                user=who.user,
                team=who.user_team,
                channel=who.channel,
                outcome="refused",
                reason=refusal.reason,
            )
        )
        audit(
            f"{who.kind}.refused",
            user=who.user,
            team=who.user_team,
            channel=who.channel,
            outcome="refused",
            reason=refusal.reason,
            **details,
        )

    async def _decide(self, who: Requester) -> Refusal | None:
        settings = self.settings
        if not settings.grants_access:
            return Refusal("not_configured", NOT_CONFIGURED)
        if not await self.organisation.resolve():
            return Refusal("organisation_unknown", ORGANISATION_UNKNOWN)
        if not self.same_organisation(who):
            return Refusal("other_organisation", OTHER_ORGANISATION)
        channels = settings.allowed_channel_ids
        if channels and who.channel not in channels:
            return Refusal("channel", NOT_ALLOWED)
        return await self._user_allowed(who)

    async def _user_allowed(self, who: Requester) -> Refusal | None:
        settings = self.settings
        users, groups = settings.allowed_user_ids, settings.allowed_usergroup_ids
        if settings.allow_everyone or not (users or groups):  # only a channel list was given
            return None
        if who.user and who.user in users:
            return None
        if groups and who.user and self.groups is not None:
            failed = False
            for group in sorted(groups):
                try:
                    if who.user in await self.groups.members(group):
                        return None
                except Exception:
                    failed = True
            if failed:
                return Refusal("usergroup_lookup_failed", GROUPS_UNKNOWN)
        return Refusal("user", NOT_ALLOWED)

    def same_organisation(self, who: Requester) -> bool:
        """Whether the person belongs to the bot's organisation (or one ALLOWED_TEAM_IDS names)."""
        extra = self.settings.allowed_team_ids
        if who.enterprise in extra or who.user_team in extra:
            return bool(who.enterprise or who.user_team)
        if self.organisation.enterprise_id:
            # Enterprise Grid: the organisation decides; an org-wide install may send no team.
            return who.enterprise == self.organisation.enterprise_id
        return bool(who.user_team) and who.user_team == self.organisation.team_id

    def share_refusal(self, who: Requester) -> Refusal | None:
        """Whether a page may be posted for everyone in `who`'s channel (logged when not)."""
        if self.settings.allow_share_external:
            return None
        external = (
            who.ext_shared
            or (bool(who.team) and who.team != who.user_team)
            or not self.same_organisation(who)
        )
        if not external:
            return None
        refusal = Refusal("share_external", SHARE_EXTERNAL)
        self.refused(who, refusal)
        return refusal

    # --- signed button values --------------------------------------------------------------

    def sign_button(self, payload: str, who: Requester) -> str:
        """`payload` as a button value that only works in `who`'s team and channel. A query (the
        Prev/Next/Export values: filters, phone numbers included) is also sealed, so that nobody
        who can read the message's JSON, on a shared page say, can read it (`bot.sealing`)."""
        if self.sealer is not None and is_query_value(payload):
            payload = self.sealer.seal(payload)
        return self.signer.sign(
            payload, team=who.team, channel=who.channel, ttl_s=self.settings.button_ttl_s
        )

    def open_button(self, value: str, who: Requester) -> str | None:
        """The payload of a button value signed for `who`'s team and channel; else None, logged
        at WARNING and audited (the person is told DAMAGED_BUTTON)."""
        try:
            payload = self.signer.verify(value, team=who.team, channel=who.channel)
        except BadSignature as exc:
            self.refused(who, Refusal(f"button_{exc.reason}", DAMAGED_BUTTON))
            return None
        if self.sealer is None or not is_sealed(payload):
            return payload  # signed but not sealed: a value with nothing private (Cancel's job id)
        try:
            return self.sealer.open(payload)
        except Unsealable:
            # Signed by us yet not sealed by us: only a changed key gets here.
            self.refused(who, Refusal("button_unsealable", DAMAGED_BUTTON))
            return None


def button_signer(settings: Settings, secret: str | None = None) -> Signer:
    """The signer of button values: BUTTON_SECRET, else SLACK_SIGNING_SECRET, else `secret`."""
    return Signer(_button_key(settings, secret), "button", ttl_s=settings.button_ttl_s)


def button_sealer(settings: Settings, secret: str | None = None) -> Sealer:
    """The sealer of button payloads, from the same secret as `button_signer`."""
    return Sealer(_button_key(settings, secret))


def _button_key(settings: Settings, secret: str | None) -> str:
    key = settings.button_key or secret
    if not key:
        raise ValueError("no BUTTON_SECRET or SLACK_SIGNING_SECRET to sign button values with")
    return key
