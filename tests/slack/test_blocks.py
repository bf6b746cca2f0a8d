"""Rendering: pure functions from a Query and a page to Block Kit, within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.plivo import RangePage, Recording
from bot.query import parse
from bot.signing import Signer
from bot.slack import blocks
from tests.slack.test_app import assert_valid, buttons

SIGNER = Signer("test-button-secret", "button")


def SIGN(payload: str) -> str:
    return SIGNER.sign(payload, team="T1", channel="C1")


NOW = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)


def _query(text: str = "conference=sales yesterday", **update: object):
    return parse(text, NOW, "America/Los_Angeles").model_copy(update=update)


def _recording(i: int = 0, **fields: object) -> Recording:
    base = {
        "recording_id": f"{i:08x}-1c8c-1124-a664-0026b945b522",
        "call_uuid": "c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
        "add_time": "2026-03-10 16:15:15.852059+05:30",
        "conference_name": "sales",
        "recording_duration_ms": "345100.00000",
        "recording_start_ms": "1773139515852.00000",
        "recording_format": "mp3",
        "recording_type": "conference",
        "recording_url": f"https://media.plivo.com/v1/Account/MA1/Recording/{i}.mp3",
        "from_number": "+14155550100",
        "to_number": "+442071838750",
    }
    base.update(fields)
    return Recording.model_validate(base)


def _page(n: int, *, offset: int = 0, total: int | None = 948, more: bool = True) -> RangePage:
    recs = [_recording(i) for i in range(n)]
    return RangePage(recs, offset, 10, total, more, (500, 448), 1)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0:00"),
        (9.4, "0:09"),
        (61, "1:01"),
        (345.1, "5:45"),
        (3600, "1:00:00"),
        (3725, "1:02:05"),
        (None, "?:??"),
    ],
)
def test_durations(seconds: float | None, shown: str) -> None:
    assert blocks.format_duration(seconds) == shown


def test_date_token_has_epoch_and_utc_fallback() -> None:
    moment = datetime(2026, 3, 10, 10, 45, 15, tzinfo=UTC)
    token = blocks.slack_date(moment)
    assert (
        token
        == f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|2026-03-10 10:45 UTC>"
    )


def test_recording_section_shows_everything_known() -> None:
    section = blocks.render_recording(_recording(), lambda rid: f"{rid}~signed")
    text = section["text"]["text"]
    for part in (
        "<!date^1773139515^",
        "5:45",
        "conference *sales*",
        "+14155550100 → +442071838750",
        "c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
        "mp3",
    ):
        assert part in text
    accessory = section["accessory"]
    assert accessory["action_id"] == blocks.ACTION_LISTEN
    assert accessory["value"] == "00000000-1c8c-1124-a664-0026b945b522~signed"
    assert "url" not in accessory and "media.plivo.com" not in json.dumps(section)


def test_no_listen_button_without_a_signer() -> None:
    assert "accessory" not in blocks.render_recording(_recording())


def test_meaningless_names_and_missing_fields_are_left_out() -> None:
    for name in ("noname", "", None):
        text = blocks.render_recording(
            _recording(conference_name=name, from_number=None, to_number=None)
        )["text"]["text"]
        assert "conference *" not in text
        assert "→" not in text
    bare = blocks.render_recording(Recording(recording_id="x"))
    assert "time unknown" in bare["text"]["text"] and "accessory" not in bare


def test_user_text_in_names_is_escaped() -> None:
    text = blocks.render_recording(_recording(conference_name="<!channel> & co"))["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; co" in text


def test_header_says_slice_and_total() -> None:
    message = blocks.render_page(_query(), _page(10, offset=10), sign=SIGN)
    assert message["blocks"][0]["text"]["text"] == "Recordings 11–20 of 948 · newest saved first"
    unknown = blocks.render_page(_query(), _page(10, total=None, more=True), sign=SIGN)
    assert unknown["blocks"][0]["text"]["text"] == "Recordings 1–10 of more · newest saved first"


def test_paging_buttons_carry_offset_and_counts() -> None:
    message = blocks.render_page(_query(), _page(10, offset=10), sign=SIGN)
    assert_valid(message)
    found = buttons(message)
    nxt = _query().decode(
        SIGNER.verify(found[blocks.ACTION_NEXT]["value"], team="T1", channel="C1")
    )
    prev = _query().decode(
        SIGNER.verify(found[blocks.ACTION_PREV]["value"], team="T1", channel="C1")
    )
    assert (nxt.offset, prev.offset) == (20, 0)
    assert nxt.window_counts == prev.window_counts == (500, 448)
    first = buttons(blocks.render_page(_query(), _page(10, offset=0), sign=SIGN))
    assert blocks.ACTION_PREV not in first
    last = buttons(blocks.render_page(_query(), _page(8, offset=940, more=False), sign=SIGN))
    assert blocks.ACTION_NEXT not in last


def test_share_and_fallback_text() -> None:
    message = blocks.render_page(_query("conference=sales yesterday share"), _page(3), sign=SIGN)
    assert message["response_type"] == "in_channel"
    assert message["text"].startswith("Recordings 1–3 of 948")


def test_reproducible_command_is_shown() -> None:
    query = _query()
    message = blocks.render_page(query, _page(3), sign=SIGN)
    assert f"/recordings {query.command()}" in json.dumps(message, ensure_ascii=False)


def test_help_and_errors_are_valid_ephemeral_messages() -> None:
    for message in (
        blocks.render_help(),
        blocks.render_error("conf=x", "bad"),
        blocks.render_refusal("x", "not for you"),
        blocks.render_stale_button(),
        blocks.render_internal_error("today"),
        blocks.render_empty(_query()),
    ):
        assert_valid(message)
        assert message["response_type"] == "ephemeral"


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 20),
    name=st.text(max_size=200),
    url=st.text(min_size=1, max_size=2500).map(lambda s: "https://x.test/" + s),
    command_text=st.text(max_size=5000),
)
def test_any_page_stays_within_limits(n: int, name: str, url: str, command_text: str) -> None:
    recs = [_recording(i, conference_name=name, recording_url=url) for i in range(n)]
    assert_valid(
        blocks.render_page(_query(), RangePage(recs, 0, 20, 10_000, True, None, 1), sign=SIGN)
    )
    assert_valid(blocks.render_error(command_text, "problem"))


def _texts(message: dict) -> str:
    """Everything a reader of `message` sees, button values left out."""
    shown = [message["text"]]
    for block in message["blocks"]:
        for part in [block.get("text"), *block.get("elements", [])]:
            if isinstance(part, dict) and part.get("type") in ("mrkdwn", "plain_text"):
                shown.append(part["text"])
    return "\n".join(shown)


def test_a_shared_page_masks_every_number() -> None:
    text = "from=+14155550100 to=sip:alice4242@sip.example.com conference=ops yesterday share"
    recs = [
        _recording(0),
        _recording(1, conference_name="bridge 4155550177", to_number="sip:bob9876@pbx.test"),
    ]
    page = RangePage(recs, 0, 10, 2, False, None, 1)
    message = blocks.render_page(_query(text), page, sign=SIGN)
    assert message["response_type"] == "in_channel"
    seen = _texts(message)
    for full in ("4155550100", "442071838750", "alice4242", "4155550177", "bob9876"):
        assert full not in seen, full
    for masked in ("…0100", "…8750", "sip:…4242@sip.example.com", "…0177", "sip:…9876@pbx.test"):
        assert masked in seen, masked
    assert "Same search any time: `/recordings from=…0100" in seen
    # The person's own (not shared) answer shows the numbers in full, as before.
    own = _texts(blocks.render_page(_query(text.removesuffix(" share")), page, sign=SIGN))
    assert "+14155550100" in own and "alice4242" in own and "4155550177" in own


def test_an_empty_shared_page_masks_the_summary() -> None:
    message = blocks.render_empty(_query("from=+14155550100 yesterday share"))
    assert "4155550100" not in _texts(message) and "…0100" in _texts(message)


def test_plivo_texts_are_escaped_and_data_is_verbatim() -> None:
    rec = _recording(
        recording_type="<!channel>",
        call_uuid="<@U1>`x",
        recording_format="<http://evil.test|mp3>",
        conference_name="https://evil.test #general",
    )
    block = blocks.render_recording(rec)
    text = block["text"]["text"]
    for raw in ("<!channel>", "<@U1>", "<http://evil.test"):
        assert raw not in text
    assert "&lt;http://evil.test|mp3&gt;" in text and "`&lt;@U1&gt;ˋx`" in text
    assert block["text"]["verbatim"] is True
    rec = _recording(conference_name="", mpc_name=None, recording_type="<!here>")
    assert "&lt;!here&gt;" in blocks.render_recording(rec)["text"]["text"]
    message = blocks.render_page(_query(), _page(3), sign=SIGN)
    for block in message["blocks"]:
        for part in [block.get("text"), *block.get("elements", [])]:
            if isinstance(part, dict) and part.get("type") == "mrkdwn":
                assert part["verbatim"] is True


def test_plivo_error_text_is_escaped() -> None:
    from bot.plivo.errors import PlivoBadRequest

    error = PlivoBadRequest("400", error="<!channel> bad & <http://x|y>")
    text = json.dumps(blocks.render_plivo_error("today", error))
    assert "<!channel>" not in text and "&lt;!channel&gt; bad &amp; &lt;http://x|y&gt;" in text


def test_listen_and_export_messages_are_verbatim_and_escaped() -> None:
    from bot.slack import export_blocks, listen_messages

    failed = listen_messages.render_listen_failed("Plivo said <!channel> & more")
    section = failed["blocks"][0]["text"]
    assert section["verbatim"] is True and "&lt;!channel&gt; &amp; more" in section["text"]
    started = export_blocks.started("export conference=https://evil.test")
    (echo,) = [block for block in started["blocks"] if block["type"] == "context"]
    assert echo["elements"][0]["verbatim"] is True  # the command's text, a URL in it
