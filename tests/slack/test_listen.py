"""▶ Listen in-process: signed buttons, access checks, a link or a DM upload, and audit lines."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.listen import tokens
from bot.sample_api.audio import ToneWav
from bot.signing import Signer
from bot.slack import blocks
from tests.conftest import CHANNEL, SIGNING_SECRET, USER, Harness, HarnessFactory
from tests.slack.test_app import assert_valid, only

PUBLIC = "https://bot.example.com"


def listen_values(message: dict[str, Any]) -> list[str]:
    return [
        block["accessory"]["value"]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == blocks.ACTION_LISTEN
    ]


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "bot.audit"]


async def first_value(h: Harness) -> str:
    _, posted = await h.command("conference=sales last 7 days")
    values = listen_values(only(posted))
    assert values
    return values[0]


async def test_a_page_carries_signed_listen_buttons_and_no_media_url(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(public_url=PUBLIC)
    _, posted = await h.command("conference=sales last 7 days")
    page = only(posted)
    assert "media.plivo.com" not in json.dumps(page) and "/Recording/" not in json.dumps(page)
    signer = Signer(SIGNING_SECRET, "button")
    for value in listen_values(page):
        assert signer.verify(value, team="T0FAKE", channel=CHANNEL)
    # Next ▶ re-renders the page: its Listen buttons are signed for the same place.
    nxt = blocks.ACTION_NEXT
    _, clicked = await h.click(nxt, only(posted)["blocks"][-1]["elements"][0]["value"])
    for value in listen_values(only(clicked)):
        assert signer.verify(value, team="T0FAKE", channel=CHANNEL)


async def test_click_gives_the_clicker_a_link(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.audit")
    h = await make_harness(public_url=PUBLIC, listen_link_ttl_s=600)
    value = await first_value(h)
    ack, posted = await h.click(blocks.ACTION_LISTEN, value)
    answer = only(posted)
    assert ack.status == 200 and ack.body == ""
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    text = answer["blocks"][0]["text"]["text"]
    assert f"<{PUBLIC}/listen/" in text and "10 minutes" in text
    token = text.split(f"{PUBLIC}/listen/", 1)[1].split("|", 1)[0]
    grant = tokens.read(Signer(SIGNING_SECRET, "listen"), token)
    assert (grant.recording_id, grant.user, grant.team) == (value.split("~")[0], USER, "T0FAKE")
    issued = [line for line in audit_lines(caplog) if line["event"] == "listen.link_issued"]
    assert issued == [
        {
            "event": "listen.link_issued",
            "user": USER,
            "team": "T0FAKE",
            "channel": CHANNEL,
            "outcome": "ok",
            "recording_id": grant.recording_id,
            "expires_in_s": 600,
        }
    ]


@pytest.mark.parametrize("where", ["tampered", "other_channel", "not_allowed", "garbage"])
async def test_refused_clicks_do_nothing_but_say_so(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    caplog.set_level(logging.INFO, logger="bot.audit")
    h = await make_harness(
        public_url=PUBLIC, allow_everyone=False, allowed_user_ids="U0TESTER,U0OTHER"
    )
    value = await first_value(h)
    before = len(h.plivo_requests)
    user, channel = USER, CHANNEL
    if where == "tampered":
        other = h.sample.recordings[-1]["recording_id"]
        value = other + value[value.index("~") :]
    elif where == "other_channel":
        channel = "C0ELSEWHERE"
    elif where == "not_allowed":
        user = "U0STRANGER"
    else:
        value = "x" * 3000
    _, posted = await h.click(blocks.ACTION_LISTEN, value, user=user, channel=channel)
    answer = only(posted)
    assert answer["replace_original"] is False and "listen/" not in json.dumps(answer)
    assert ("can't use" if where == "not_allowed" else "damaged") in answer["text"]
    assert len(h.plivo_requests) == before  # nothing was asked of Plivo
    refused = [line for line in audit_lines(caplog) if line["event"] == "click.refused"]
    assert len(refused) == 1 and refused[0]["user"] == user
    reasons = {"not_allowed": "user", "garbage": "button_malformed"}
    assert refused[0]["reason"] == reasons.get(where, "button_signature")


async def test_upload_mode_sends_the_file_to_the_dm(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.audit")
    h = await make_harness(listen_mode="upload")
    value = await first_value(h)
    rid = value.split("~")[0]
    _, posted = await h.click(blocks.ACTION_LISTEN, value)
    assert "sent to your DMs" in only(posted)["text"]
    assert h.slack.calls_to("conversations.open")[-1]["users"] == USER
    ticket = h.slack.calls_to("files.getUploadURLExternal")[-1]
    expected = ToneWav(rid).read()
    assert ticket["filename"] == f"recording-{rid}.wav" and int(ticket["length"]) == len(expected)
    (file_id,) = h.slack.uploaded
    assert h.slack.uploaded[file_id] == expected
    (done,) = h.slack.completed
    assert done["channel_id"] == "D" + USER.removeprefix("U") and done["files"][0]["id"] == file_id
    sent = [line for line in audit_lines(caplog) if line["event"] == "listen.upload_sent"]
    assert sent[-1]["bytes"] == len(expected) and sent[-1]["recording_id"] == rid
    for body in h.slack.bodies():
        assert "media.plivo.com" not in body


async def test_upload_mode_refuses_what_is_too_big_or_gone(make_harness: HarnessFactory) -> None:
    h = await make_harness(listen_mode="upload", listen_max_mb=1)
    value = await first_value(h)
    rid = value.split("~")[0]
    h.sample.media_sizes[rid] = 3 * 1024 * 1024
    try:
        _, posted = await h.click(blocks.ACTION_LISTEN, value)
    finally:
        del h.sample.media_sizes[rid]
    assert "3 MB, more than the 1 MB" in only(posted)["text"]
    gone = Signer(SIGNING_SECRET, "button").sign(
        "00000000-0000-0000-0000-000000000000", team="T0FAKE", channel=CHANNEL
    )
    _, posted = await h.click(blocks.ACTION_LISTEN, gone)
    assert_valid(only(posted))
    assert "no longer has this recording" in only(posted)["text"]
    assert h.slack.uploaded == {}
