"""`python -m bot console`: type what you would type after `/recordings`, see what Slack would show.

It runs the real app: each line becomes a signed slash-command request dispatched through the same
Bolt app, listeners, query language and Plivo client; `n` and `p` send the real `block_actions`
request with the real button value, and `l N` clicks ▶ Listen on recording N, which saves the
recording to a file in the current folder. Only Slack's transport is replaced: answers posted to a
`response_url` are caught here and drawn in the terminal instead.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.query.tokens import as_slack_sends
from bot.run.console_export import export_to_folder
from bot.runtime import Runtime
from bot.slack.access import Organisation
from bot.slack.blocks import ACTION_LISTEN, ACTION_NEXT, ACTION_PREV, COMMAND
from bot.slack.export import subcommand
from bot.slack.timezones import UserTimezones

Message = dict[str, Any]

KEYS_HELP = (
    "Type what you would type after /recordings (e.g. conference=sales since yesterday).\n"
    "  n  Next ▶    p  ◀ Prev    l N  ▶ Listen to recording N (saved to a file here)\n"
    "  j  the last message's Block Kit JSON    ?  these keys    q  quit\n"
    "  help  the bot's own help    export …  writes a CSV of the whole search to this folder"
)
TEAM_ID = "TCONSOLE"
_DATE_TOKEN = re.compile(r"<!date\^(\d+)\^([^|>]*)\|([^>]*)>")
_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")


class CapturingReplier:
    """Stands in for Slack's `response_url`: keeps what the app posts."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, Message]] = []

    async def reply(self, response_url: str, message: Message) -> bool:
        self.posted.append((response_url, message))
        return True


class ConsoleSession:
    """One person in one channel, talking to the app in-process."""

    def __init__(
        self,
        runtime: Runtime,
        replier: CapturingReplier,
        secret: str,
        *,
        user_id: str,
        channel_id: str,
        tz: str,
    ) -> None:
        self.runtime = runtime
        self.replier = replier
        self.verifier = SignatureVerifier(secret)
        self.user_id = user_id
        self.channel_id = channel_id
        self.tz = tz
        self.last: Message | None = None
        self._serial = 0

    @classmethod
    async def open(
        cls, settings: Settings, *, tz: str, user_id: str, channel_id: str
    ) -> ConsoleSession:
        replier = CapturingReplier()
        secret = secrets.token_hex(16)
        # The person at the terminal is the one the console speaks for: an allowed user, in an
        # allowed channel, whatever the allow-lists (closed by default) say about others.
        channels = settings.allowed_channel_ids
        settings = settings.model_copy(
            update={
                "allowed_user_ids": settings.allowed_user_ids | {user_id},
                "allowed_channel_ids": channels | {channel_id} if channels else channels,
            }
        )

        async def authorize(**_: Any) -> AuthorizeResult:
            # No Slack workspace behind the console, so no auth.test to call.
            return AuthorizeResult(
                enterprise_id=None, team_id=TEAM_ID, bot_user_id="UBOT", bot_id="BBOT"
            )

        runtime = await Runtime.start(
            settings,
            replier=replier,
            timezones=UserTimezones(None, tz),
            signing_secret=secret,
            authorize=authorize,
            # No auth.test here: the console's workspace is the bot's own organisation.
            organisation=Organisation(team_id=TEAM_ID),
            listen_mode="file",  # no Slack to send it to: ▶ Listen saves it in this folder
        )
        return cls(runtime, replier, secret, user_id=user_id, channel_id=channel_id, tz=tz)

    async def close(self) -> None:
        await self.runtime.stop()

    def _response_url(self) -> str:
        self._serial += 1
        return f"https://console.invalid/response/{self._serial}"

    async def _dispatch(self, body: str) -> list[Message]:
        timestamp = str(int(time.time()))
        headers = {
            "content-type": ["application/x-www-form-urlencoded"],
            "x-slack-request-timestamp": [timestamp],
            "x-slack-signature": [self.verifier.generate_signature(timestamp=timestamp, body=body)],
        }
        seen = len(self.replier.posted)
        response = await self.runtime.app.async_dispatch(
            AsyncBoltRequest(body=body, headers=headers)
        )
        shown: list[Message] = []
        if response.status != 200:
            raise RuntimeError(f"the app answered HTTP {response.status}: {response.body}")
        if response.body:
            shown.append(
                json.loads(response.body)
                if response.body.startswith("{")
                else {"text": response.body}
            )
        await self.runtime.services.tasks.drain()
        shown.extend(message for _, message in self.replier.posted[seen:])
        for message in shown:
            if message.get("replace_original") is not False:
                self.last = message
        return shown

    async def command(self, text: str) -> list[Message]:
        """Send `text` as typed after `/recordings`; Slack's escaping is applied here, as Slack
        would apply it, so a pasted "Same search any time" command reads back the same."""
        body = urlencode(
            {
                "token": "console",
                "team_id": TEAM_ID,
                "team_domain": "console",
                "channel_id": self.channel_id,
                "channel_name": "console",
                "user_id": self.user_id,
                "user_name": "console",
                "command": COMMAND,
                "text": as_slack_sends(text),
                "api_app_id": "ACONSOLE",
                "response_url": self._response_url(),
                "trigger_id": f"console.{self._serial}",
            }
        )
        return await self._dispatch(body)

    def button(self, action_id: str) -> dict[str, Any] | None:
        for block in (self.last or {}).get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    return {**element, "block_id": block.get("block_id", "")}
        return None

    def listen_buttons(self) -> list[dict[str, Any]]:
        """The ▶ Listen buttons of the last page, in order (recording 1 first)."""
        found = []
        for block in (self.last or {}).get("blocks", []):
            accessory = block.get("accessory") or {}
            if block.get("type") == "section" and accessory.get("action_id") == ACTION_LISTEN:
                found.append({**accessory, "block_id": block.get("block_id", "")})
        return found

    async def click(
        self, action_id: str, button: dict[str, Any] | None = None
    ) -> list[Message] | None:
        button = button or self.button(action_id)
        if button is None:
            return None
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "console"},
            "user": {"id": self.user_id, "team_id": TEAM_ID},
            "api_app_id": "ACONSOLE",
            "container": {"type": "message", "is_ephemeral": True, "channel_id": self.channel_id},
            "channel": {"id": self.channel_id, "name": "console"},
            "trigger_id": f"console.click.{self._serial}",
            "response_url": self._response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": button["block_id"],
                    "value": button.get("value", ""),
                    "text": button.get("text"),
                    "action_ts": str(time.time()),
                }
            ],
        }
        return await self._dispatch(urlencode({"payload": json.dumps(payload)}))


class Renderer:
    """Draws Block Kit as terminal text: styled on a terminal, plain when piped."""

    def __init__(self, console: Console, tz: str) -> None:
        self.out = console
        self.zone = ZoneInfo(tz)
        self._listen = 0

    def mrkdwn(self, text: str) -> str:
        def date(match: re.Match[str]) -> str:
            moment = datetime.fromtimestamp(int(match.group(1)), UTC).astimezone(self.zone)
            # Slack shows `{time}` alone as the time alone (a recording's end).
            if "{date" not in match.group(2):
                return moment.strftime("%H:%M")
            return moment.strftime("%a %d %b %Y %H:%M")

        text = _DATE_TOKEN.sub(date, text)
        text = _LINK.sub(lambda m: m.group(2), text)
        text = html.unescape(text)
        text = escape(text)
        text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"[bold]\1[/bold]", text)
        return re.sub(r"`([^`\n]+)`", r"[cyan]\1[/cyan]", text)

    def message(self, message: Message) -> None:
        blocks = message.get("blocks") or []
        if not blocks:
            self.out.print(self.mrkdwn(str(message.get("text", ""))))
            return
        self._listen = 0
        for block in blocks:
            self.block(block)
        self.out.print()

    def block(self, block: dict[str, Any]) -> None:
        kind = block.get("type")
        if kind == "header":
            self.out.print(f"[bold underline]{escape(block['text']['text'])}[/]")
        elif kind == "section":
            lines = self.mrkdwn(block.get("text", {}).get("text", "")).split("\n")
            accessory = block.get("accessory") or {}
            if accessory.get("action_id") == ACTION_LISTEN:
                self._listen += 1
                # The signed value begins with the recording id (signed, not secret).
                recording = str(accessory.get("value", "")).split("~", 1)[0]
                lines.append(f"[bold]\\[l {self._listen}][/bold] ▶ Listen · recording {recording}")
            # A section whose text is already a list keeps its own bullets (no "• •").
            self.out.print(lines[0] if lines[0].startswith("•") else "• " + lines[0])
            for line in lines[1:]:
                self.out.print("  " + line)
        elif kind == "context":
            for element in block.get("elements", []):
                self.out.print(f"[dim]{self.mrkdwn(element.get('text', ''))}[/dim]")
        elif kind == "divider":
            self.out.print("[dim]" + "─" * 60 + "[/dim]")
        elif kind == "actions":
            keys = {ACTION_PREV: "p", ACTION_NEXT: "n"}
            labels = [
                f"[bold]\\[{keys[e['action_id']]}][/bold] {escape(e['text']['text'])}"
                for e in block.get("elements", [])
                if e.get("action_id") in keys
            ]
            self.out.print("   ".join(labels))


async def _loop(session: ConsoleSession, renderer: Renderer, interactive: bool) -> int:
    out = renderer.out
    loop = asyncio.get_running_loop()
    while True:
        try:
            if interactive:
                line = await loop.run_in_executor(None, input, "/recordings ")
            else:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    return 0
        except (EOFError, KeyboardInterrupt):
            out.print()
            return 0
        line = line.strip()
        if line.startswith(COMMAND):
            line = line[len(COMMAND) :].strip()
        elif not line:
            continue
        if not interactive:
            out.print(f"[bold]> /recordings {escape(line)}[/bold]")
        lowered = line.lower()
        if lowered in ("q", "quit", "exit"):
            return 0
        if lowered == "?":
            out.print(KEYS_HELP)
            continue
        if lowered == "j":
            out.print_json(json.dumps(session.last or {}, ensure_ascii=False))
            continue
        if (number := _listen_key(lowered)) is not None:
            found = session.listen_buttons()
            if not 1 <= number <= len(found):
                shown = f"1 to {len(found)}" if found else "none on the last page"
                out.print(f"[yellow]There is no recording {number} here ({shown}).[/yellow]")
                continue
            messages = await session.click(ACTION_LISTEN, found[number - 1])
        elif lowered in ("n", "p"):
            action = ACTION_NEXT if lowered == "n" else ACTION_PREV
            messages = await session.click(action)
            if messages is None:
                where = "next" if lowered == "n" else "previous"
                out.print(f"[yellow]There is no {where} page here.[/yellow]")
                continue
        elif subcommand(line) is not None:
            await export_to_folder(session, line, out)
            continue
        else:
            messages = await session.command(line)
        for message in messages:
            renderer.message(message)


def _listen_key(text: str) -> int | None:
    """N from `l N` (or `lN`); None when `text` is not that key."""
    match = re.fullmatch(r"l\s*(\d{1,3})", text)
    return int(match.group(1)) if match else None


async def _run(settings: Settings, tz: str, user_id: str, channel_id: str) -> int:
    interactive = sys.stdin.isatty()
    out = Console(soft_wrap=True, highlight=False)
    session = await ConsoleSession.open(settings, tz=tz, user_id=user_id, channel_id=channel_id)
    source = (
        "built-in sample data (no Plivo account needed)"
        if settings.plivo_sample_data
        else f"Plivo account {settings.plivo_credentials[0]}"
    )
    out.print(f"[dim]/recordings console · {source} · times in {tz} · ? for keys, q to quit[/dim]")
    try:
        return await _loop(session, Renderer(out, tz), interactive)
    finally:
        await session.close()


def run_console(settings: Settings, *, tz: str | None, user_id: str, channel_id: str) -> int:
    zone = tz or settings.default_timezone
    try:
        ZoneInfo(zone)
    except Exception:
        print(f"configuration error: --tz {zone!r} is not an IANA time zone name", file=sys.stderr)
        return 2
    return asyncio.run(_run(settings, zone, user_id, channel_id))
