"""Who may see recordings: closed by default, one organisation, user groups, signed buttons.

Through the real app in-process (Bolt, the listeners, the fake Slack's `auth.test` and
`usergroups.users.list`), plus the pieces of `bot.slack.access` on their own.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.query import Query, parse
from bot.sealing import Sealer, is_sealed
from bot.signing import Signer
from bot.slack import blocks, listeners
from bot.slack.access import Organisation, Requester, UserGroups
from tests.conftest import CHANNEL, NOW, TEAM, USER, Harness, HarnessFactory
from tests.slack.test_app import TZ, assert_valid, button_query, buttons, only

TEXT = "conference=sales last 30 days"


def _value(h: Harness, *, channel: str = CHANNEL, team: str = TEAM) -> str:
    return h.button(
        parse("conference=sales yesterday", NOW, TZ).encode(), channel=channel, team=team
    )


def _audit(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "bot.audit"]


# --- closed by default ---------------------------------------------------------------------------


async def test_no_allow_list_refuses_everyone_and_says_what_to_set(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    h: Harness = await make_harness(allow_everyone=False)
    assert any("every command is refused" in r.getMessage() for r in caplog.records)
    ack, posted = await h.command(TEXT)
    refusal = json.loads(ack.body)
    assert_valid(refusal)
    for name in ("ALLOWED_USER_IDS", "ALLOWED_USERGROUP_IDS", "ALLOWED_CHANNEL_IDS"):
        assert name in refusal["text"]
    _, clicked = await h.click(blocks.ACTION_NEXT, _value(h))
    assert "ALLOW_EVERYONE" in only(clicked)["text"]
    assert posted == [] and h.plivo_requests == []
    events = [(a["event"], a["reason"]) for a in _audit(caplog)]
    assert events == [("command.refused", "not_configured"), ("click.refused", "not_configured")]


async def test_help_is_refused_too_when_nobody_is_allowed(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(allowed_user_ids="U0SOMEONE")
    ack, _ = await h.command("help")
    assert "can't use" in json.loads(ack.body)["text"]


async def test_allow_everyone_still_honours_the_channel_list(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(allow_everyone=True, allowed_channel_ids="C0OPS")
    ack, _ = await h.command(TEXT, channel="C0OPS")
    assert ack.body == ""
    ack, _ = await h.command(TEXT)
    assert "can't use" in json.loads(ack.body)["text"]


# --- user groups ---------------------------------------------------------------------------------


async def test_a_user_group_member_is_allowed_and_others_are_not(
    make_harness: HarnessFactory,
) -> None:
    h: Harness = await make_harness(
        allowed_usergroup_ids="S0LEADS,S0EMPTY",
        user_zones={USER: TZ, "U0OUTSIDER": TZ},
        slack_options={"usergroups": {"S0LEADS": ["U0LEAD", USER], "S0EMPTY": []}},
    )
    ack, posted = await h.command(TEXT)
    assert ack.body == "" and len(posted) == 1
    ack, _ = await h.command(TEXT, user="U0OUTSIDER")
    assert "can't use" in json.loads(ack.body)["text"]
    await h.command(TEXT)
    # Cached: each group asked once, however many commands.
    assert sorted(c["usergroup"] for c in h.slack.calls_to("usergroups.users.list")) == [
        "S0EMPTY",
        "S0LEADS",
    ]


async def test_a_failed_user_group_lookup_is_a_clear_refusal(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(
        allowed_usergroup_ids="S0LEADS", slack_options={"usergroups_fail": True}
    )
    ack, _ = await h.command(TEXT)
    assert "usergroups:read" in json.loads(ack.body)["text"] and h.plivo_requests == []


async def test_user_groups_are_cached_and_kept_when_slack_fails() -> None:
    now = [0.0]
    answers: list[Any] = [["U1"], RuntimeError("down"), ["U2"]]

    async def members(group: str) -> list[str]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    groups = UserGroups(members, ttl_s=60, clock=lambda: now[0])
    assert await groups.members("S1") == {"U1"}
    now[0] = 30
    assert await groups.members("S1") == {"U1"}  # cached: not asked
    now[0] = 61
    assert await groups.members("S1") == {"U1"}  # Slack failed: the last known members stand
    assert await groups.members("S1") == {"U2"}
    assert answers == []


# --- one organisation ----------------------------------------------------------------------------


async def test_a_user_of_another_team_is_refused(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    h: Harness = await make_harness()  # everyone allowed: the organisation still decides
    ack, _ = await h.command(TEXT, team_id="T0PARTNER")
    assert "another one" in json.loads(ack.body)["text"]
    ack, _ = await h.command(TEXT, user_team="T0PARTNER")  # a Slack Connect guest
    assert "another one" in json.loads(ack.body)["text"]
    _, clicked = await h.click(blocks.ACTION_NEXT, _value(h), user_team="T0PARTNER")
    assert "another one" in only(clicked)["text"]
    assert h.plivo_requests == []
    reasons = {a["reason"] for a in _audit(caplog)}
    assert reasons == {"other_organisation"}


async def test_allowed_team_ids_let_a_partner_in(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(allowed_team_ids="T0PARTNER")
    ack, posted = await h.command(TEXT, user_team="T0PARTNER")
    assert ack.body == "" and len(posted) == 1


async def test_enterprise_grid_the_organisation_decides(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(slack_options={"team_id": "", "enterprise_id": "E0ACME"})
    # An org-wide install: no team in the payload; the enterprise is ours.
    ack, posted = await h.command(TEXT, team_id="", enterprise_id="E0ACME")
    assert ack.body == "" and len(posted) == 1
    ack, _ = await h.command(TEXT, team_id="T0OTHERWS", enterprise_id="E0ACME")
    assert ack.body == ""
    ack, _ = await h.command(TEXT, team_id="T0PARTNER", enterprise_id="E0PARTNER")
    assert "another one" in json.loads(ack.body)["text"]
    ack, _ = await h.command(TEXT, team_id="T0PARTNER")  # not on Grid at all
    assert "another one" in json.loads(ack.body)["text"]
    value = _value(h, team="T0WS")
    _, clicked = await h.click(blocks.ACTION_NEXT, value, team="T0WS", enterprise="E0ACME")
    assert only(clicked)["replace_original"] is True
    _, clicked = await h.click(blocks.ACTION_NEXT, value, team="T0WS", enterprise="E0OTHER")
    assert "another one" in only(clicked)["text"]


async def test_unknown_organisation_refuses_until_auth_test_answers() -> None:
    answers: list[tuple[str, str] | None] = [None, ("T1", "")]
    now = [0.0]

    async def lookup() -> tuple[str, str] | None:
        return answers.pop(0)

    organisation = Organisation(lookup, clock=lambda: now[0])
    assert await organisation.resolve() is False
    assert await organisation.resolve() is False  # not asked again at once
    now[0] = 60
    assert await organisation.resolve() is True and organisation.team_id == "T1"


async def test_a_slow_check_acks_in_time_and_answers_by_response_url(
    make_harness: HarnessFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    h: Harness = await make_harness()
    organisation = h.services.access.organisation
    organisation.team_id = None  # as if auth.test had not answered yet
    answered = asyncio.Event()

    async def slow() -> tuple[str, str]:
        await answered.wait()
        return TEAM, ""

    organisation._lookup, organisation._task = slow, None
    monkeypatch.setattr(listeners, "ACCESS_BUDGET_S", 0.0)  # the check outlives the ack's budget
    asyncio.get_running_loop().call_soon(answered.set)
    ack, posted = await h.command(TEXT)
    assert ack.body == "" and len(posted) == 1 and posted[0]["text"].startswith("Recordings")


# --- signed buttons ------------------------------------------------------------------------------


async def test_prev_next_values_are_signed_for_the_team_and_channel(
    make_harness: HarnessFactory,
) -> None:
    h: Harness = await make_harness()
    _, posted = await h.command(TEXT)
    value = buttons(only(posted))[blocks.ACTION_NEXT]["value"]
    payload = h.services.signer.verify(value, team=TEAM, channel=CHANNEL)
    # Sealed: the query (phone numbers included) cannot be read from the message's JSON.
    assert is_sealed(payload) and "sales" not in payload
    assert button_query(value) == Query.decode(h.services.access.sealer.open(payload))


@pytest.mark.parametrize("where", ["tampered", "other_channel", "other_team", "unsigned"])
async def test_a_damaged_or_foreign_button_is_refused(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    caplog.set_level(logging.INFO)
    h: Harness = await make_harness(allowed_team_ids="T0SISTER")
    _, posted = await h.command(TEXT)
    value = buttons(only(posted))[blocks.ACTION_NEXT]["value"]
    payload, _, rest = value.partition("~")
    sealer = h.services.access.sealer
    query = Query.decode(sealer.open(payload))
    shared = sealer.seal(query.model_copy(update={"share": True}).encode())
    team, channel = TEAM, CHANNEL
    if where == "tampered":
        value = f"{shared}~{rest}"  # the share flag turned on, signature kept
    elif where == "other_channel":
        channel = "C0ELSEWHERE"
    elif where == "other_team":
        team = "T0SISTER"
    else:
        value = shared
    before = len(h.plivo_requests)
    _, clicked = await h.click(blocks.ACTION_NEXT, value, channel=channel, team=team)
    message = only(clicked)
    assert "damaged or belongs elsewhere" in message["text"]
    assert message["replace_original"] is False
    assert len(h.plivo_requests) == before
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "reason=button_" in r.msg
    ]
    assert warnings
    assert _audit(caplog)[-1]["event"] == "click.refused"


async def test_an_expired_button_is_refused(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(button_ttl_s=60)
    old = Signer("test-signing-secret-5f2a", "button", clock=lambda: 0.0)
    value = old.sign(parse("yesterday", NOW, TZ).encode(), team=TEAM, channel=CHANNEL, ttl_s=60)
    _, clicked = await h.click(blocks.ACTION_NEXT, value)
    assert "damaged or belongs elsewhere" in only(clicked)["text"]


async def test_button_secret_signs_instead_of_the_signing_secret(
    make_harness: HarnessFactory,
) -> None:
    h: Harness = await make_harness(button_secret="another-secret-for-buttons")
    payload = parse("yesterday", NOW, TZ).encode()
    by_signing_secret = Signer("test-signing-secret-5f2a", "button").sign(
        payload, team=TEAM, channel=CHANNEL
    )
    _, clicked = await h.click(blocks.ACTION_NEXT, by_signing_secret)
    assert "damaged or belongs elsewhere" in only(clicked)["text"]
    by_button_secret = Signer("another-secret-for-buttons", "button").sign(
        payload, team=TEAM, channel=CHANNEL
    )
    _, clicked = await h.click(blocks.ACTION_NEXT, by_button_secret)
    assert only(clicked)["replace_original"] is True


def test_the_largest_signed_value_fits_in_a_button() -> None:
    """Every filter at its longest, the longest zone, a 366-day range, every count at its top."""
    sip = "sip:" + "a" * 96
    uuid = "c2c128e2-1c8c-11e4-9bff-1db8a9db0432"
    end = datetime(2026, 3, 11, 22, 30, 0, 999_999, tzinfo=UTC)
    query = Query(
        filters={
            "from_number": sip,
            "to_number": sip,
            "conference_name": "\U0001f600" * 100,  # four bytes each in UTF-8
            "conference_uuid": uuid,
            "mpc_name": '"' * 100,  # doubled by JSON escaping
            "mpc_uuid": uuid,
            "call_uuid": uuid,
            "subaccount": "SA1234567890ABCDEFGH",
        },
        start=end - timedelta(days=366),
        end=end,
        start_op="gt",
        end_op="lte",
        end_is_now=True,
        tz="America/Argentina/ComodRivadavia",
        page_size=20,
        offset=1_000_000,
        share=True,
        window_counts=(10**9,) * 16,
    )
    signer, sealer = Signer("k" * 64, "button"), Sealer("k" * 64)
    for payload in (query.encode(), sealer.seal(query.encode())):  # plain, and as the bot sends it
        value = signer.sign(payload, team="T" * 20, channel="C" * 20, ttl_s=366 * 24 * 3600)
        assert len(value) < 2000
        opened = signer.verify(value, team="T" * 20, channel="C" * 20)
        assert Query.decode(sealer.open(opened) if is_sealed(opened) else opened) == query


def test_requester_reads_what_slack_sends() -> None:
    command = {"user_id": "U1", "channel_id": "C1", "team_id": "T1", "enterprise_id": "E1"}
    assert Requester.from_command(command) == Requester("command", "U1", "C1", "T1", "T1", "E1")
    body = {
        "user": {"id": "U1", "team_id": "T2"},
        "team": {"id": "T1"},
        "container": {"channel_id": "C1"},
        "enterprise": {"id": "E1"},
        "channel": {"id": "C1", "is_ext_shared_channel": True},
    }
    assert Requester.from_action(body) == Requester("click", "U1", "C1", "T1", "T2", "E1", True)
    # Whatever shape arrives, a requester comes out (refused later), never a crash.
    odd = Requester.from_action({"user": "U1", "team": None, "channel": []})
    assert odd.user == "" and odd.team == ""


# --- sharing and the audit trail -----------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [{"is_ext_shared_channel": "true"}, {"user_team": "T0PARTNER"}],
    ids=["ext_shared", "partner_team"],
)
async def test_share_is_refused_in_a_channel_shared_with_another_organisation(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture, fields: dict[str, str]
) -> None:
    caplog.set_level(logging.INFO)
    h: Harness = await make_harness(allowed_team_ids="T0PARTNER")
    ack, posted = await h.command(f"{TEXT} share", **fields)
    assert "shared with another organisation" in json.loads(ack.body)["text"]
    assert posted == [] and h.plivo_requests == []
    assert _audit(caplog)[-1]["reason"] == "share_external"
    ack, posted = await h.command(TEXT, **fields)  # for themselves: fine
    assert ack.body == "" and only(posted)["response_type"] == "ephemeral"


async def test_allow_share_external_lets_it_through(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(allow_share_external=True)
    ack, posted = await h.command(f"{TEXT} share", is_ext_shared_channel="true")
    assert ack.body == "" and only(posted)["response_type"] == "in_channel"


async def test_every_page_shown_leaves_an_audit_line(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    h: Harness = await make_harness()
    _, posted = await h.command(f"{TEXT} share")
    await h.click(blocks.ACTION_NEXT, buttons(only(posted))[blocks.ACTION_NEXT]["value"])
    shown = [line for line in _audit(caplog) if line["event"] == "page.shown"]
    assert [(line["via"], line["offset"], line["shown"]) for line in shown] == [
        ("command", 0, 10),
        ("click", 10, 10),
    ]
    for line in shown:
        assert (line["user"], line["team"], line["channel"]) == (USER, TEAM, CHANNEL)
        assert line["outcome"] == "ok" and line["shared"] is True
        assert line["filters"]["conference_name"] == "sales"
        assert {"add_time__gte", "add_time__lte"} <= set(line["filters"])
