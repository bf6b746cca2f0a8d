"""Exports in-process: `/recordings export …` and the buttons through the real Bolt app, Slack faked
on 127.0.0.1 (DM, progress, upload), Plivo the sample API. Waits are on the fake's events."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
from typing import Any

import httpx
import pytest

from bot.export import csvfile
from bot.query import Query, parse
from bot.slack import blocks
from tests.conftest import (
    CHANNEL,
    NOW,
    USER,
    Harness,
    HarnessFactory,
    action_body,
    command_body,
    mock_plivo,
)
from tests.slack.test_app import assert_valid, buttons

DM = "D" + USER.lstrip("U")


async def harness(make_harness: HarnessFactory, **settings: Any) -> Harness:
    h: Harness = await make_harness(**settings)
    assert h.services.exports is not None
    h.services.exports.progress_every_s = 0.0  # the 2 s pacing is checked end to end
    return h


def audits(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "bot.audit"]


def uploaded_rows(h: Harness) -> list[list[str]]:
    (data,) = [body for body in h.slack.uploaded.values() if body]
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def expected(h: Harness, query: Query) -> list[str]:
    return [r["recording_id"] for r in h.sample.query(query.plivo_params(), enforce_span=False)]


async def test_export_command_sends_the_csv_to_the_dm(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    h = await harness(make_harness)
    caplog.set_level(logging.INFO, logger="bot.audit")
    text = "export conference=sales last 40 days"
    response, _ = await h.command(text)
    ack = json.loads(response.body)
    assert_valid(ack)
    assert ack["text"] == "Exporting — I'll send the file to your DMs."
    assert h.slack.calls_to("conversations.open") == [{"users": USER}]
    (progress,) = h.slack.posted
    assert progress["channel"] == DM and "Exporting" in progress["text"]
    assert_valid(progress)
    query = parse("conference=sales last 40 days", NOW, "America/Los_Angeles")
    want = expected(h, query)
    rows = uploaded_rows(h)
    assert rows[0] == list(csvfile.HEADER)
    assert [row[csvfile.HEADER.index("recording_id")] for row in rows[1:]] == want
    (done,) = h.slack.completed
    assert done["channel_id"] == DM and done["thread_ts"] == progress["ts"]
    assert done["files"][0]["title"] == csvfile.filename(query)
    final = h.slack.updates[-1]
    assert final["ts"] == progress["ts"] and final["text"].startswith(f"Done: {len(want):,} rec")
    assert "recordings_export_cancel" not in buttons(final)
    assert_valid(final)
    started, finished = audits(caplog)
    assert started["event"] == "export.started" and started["user"] == USER
    assert started["filters"]["conference_name"] == "sales"
    assert finished["event"] == "export.finished" and finished["rows"] == len(want)
    assert finished["bytes"] == len(h.slack.uploaded[done["files"][0]["id"]])


async def test_a_mistake_in_the_export_is_the_ack(make_harness: HarnessFactory) -> None:
    h = await harness(make_harness)
    response, _ = await h.command("export confrence=sales")
    ack = json.loads(response.body)
    assert "confrence" in ack["blocks"][0]["text"]["text"]
    assert h.slack.posted == [] and h.slack.calls_to("conversations.open") == []


async def test_access_is_checked_before_the_export(make_harness: HarnessFactory) -> None:
    h = await harness(make_harness, allowed_user_ids="U0SOMEONE")
    response, _ = await h.command("export last 3 days")
    assert "can't use" in json.loads(response.body)["blocks"][0]["text"]["text"]
    assert h.slack.posted == [] and h.slack.calls_to("conversations.open") == []


async def test_over_the_row_limit_says_how_many_and_sends_nothing(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    h = await harness(make_harness, export_max_rows=100)
    caplog.set_level(logging.INFO, logger="bot.audit")
    await h.command("export last 60 days")
    matched = len(expected(h, parse("last 60 days", NOW, "America/Los_Angeles")))
    final = h.slack.updates[-1]
    assert f"{matched:,} recordings match" in final["text"] and "100" in final["text"]
    assert "Narrow it" in json.dumps(final["blocks"])
    assert h.slack.completed == [] and not any(h.slack.uploaded.values())
    assert audits(caplog)[-1] | {"matched": matched} == audits(caplog)[-1]
    assert audits(caplog)[-1]["outcome"] == "too_many"


async def test_no_dm_is_explained_on_the_response_url(make_harness: HarnessFactory) -> None:
    h = await harness(make_harness)
    h.slack.dm_error = "missing_scope"
    _, replies = await h.command("export last 3 days")
    (reply,) = replies
    assert "missing_scope" in reply["text"] and "im:write" in reply["blocks"][0]["text"]["text"]
    assert h.services.exports.queue.of(USER) is None  # free to try again


class Gate:
    """A Plivo that answers `open_for` requests, then holds the rest until released."""

    def __init__(self, h_sample: Any, open_for: int) -> None:
        self.sample = h_sample
        self.open_for = open_for
        self.calls = 0
        self.held = asyncio.Event()
        self.release = asyncio.Event()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls > self.open_for:
            self.held.set()
            await self.release.wait()
        return await self.sample.handler(request)


async def test_cancel_stops_it_and_no_file_is_sent(
    make_harness: HarnessFactory, sample: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gate = Gate(sample, open_for=6)
    h = await harness(make_harness, plivo=mock_plivo(gate.handler))
    caplog.set_level(logging.INFO, logger="bot.audit")
    await h.dispatch(command_body("export last 60 days", h.slack.response_url(h.next_key())))
    async with asyncio.timeout(10):
        await gate.held.wait()
    # The same person cannot start a second one meanwhile.
    second = await h.dispatch(command_body("export last 2 days", h.slack.response_url("x")))
    assert "already have an export" in json.loads(second.body)["blocks"][0]["text"]["text"]
    cancel = buttons(h.slack.posted[0])["recordings_export_cancel"]["value"]
    # A forged or misplaced value stops nothing.
    key = h.next_key()
    await h.dispatch(
        action_body("recordings_export_cancel", cancel, h.slack.response_url(key), channel=CHANNEL)
    )
    (refused,) = await h.slack.wait_for(key)
    assert "nothing to stop" in refused["text"]
    assert h.services.exports.queue.of(USER) is not None
    await h.dispatch(
        action_body("recordings_export_cancel", cancel, h.slack.response_url("c"), channel=DM)
    )
    await h.services.tasks.drain(10)
    final = h.slack.updates[-1]
    assert final["text"].startswith("Export cancelled") and "No file was sent" in json.dumps(
        final["blocks"]
    )
    assert h.slack.completed == [] and not any(h.slack.uploaded.values())
    assert audits(caplog)[-1]["event"] == "export.failed"
    assert audits(caplog)[-1]["outcome"] == "cancelled"
    gate.release.set()


async def click(
    h: Harness, action: str, value: str, *, channel: str = CHANNEL, drain: bool = True
) -> tuple[Any, list[dict[str, Any]]]:
    key = h.next_key()
    response = await h.dispatch(
        action_body(action, value, h.slack.response_url(key), channel=channel)
    )
    if drain:
        await h.services.tasks.drain(30)
    return response, list(h.slack.responses.get(key, []))


async def test_a_plivo_failure_says_where_it_stopped_and_why(
    make_harness: HarnessFactory, sample: Any, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls > 12:
            return httpx.Response(503, json={"api_id": "x", "error": "unavailable"})
        return await sample.handler(request)

    h = await harness(make_harness, plivo=mock_plivo(handler, max_retries=1))
    caplog.set_level(logging.INFO, logger="bot.audit")
    await h.command("export last 60 days")
    final = h.slack.updates[-1]
    shown = json.dumps(final["blocks"])
    assert final["text"].startswith("Export failed while fetching the recordings")
    assert "No file was sent" in shown and "Plivo" in shown
    assert " of about " in final["text"]  # where it stopped
    assert h.slack.completed == [] and not any(h.slack.uploaded.values())
    assert audits(caplog)[-1]["outcome"] == "plivo_error"


async def test_export_button_runs_the_signed_query(make_harness: HarnessFactory) -> None:
    h = await harness(make_harness)
    query = parse("conference=standup last 10 days", NOW, "America/Los_Angeles")
    value = h.services.exports.signer.sign(query.encode(), team="T0FAKE", channel=CHANNEL)
    _, replies = await click(h, blocks.ACTION_EXPORT, value)
    (reply,) = replies
    assert reply["text"].startswith("Exporting") and reply["replace_original"] is False
    rows = uploaded_rows(h)
    assert [row[csvfile.HEADER.index("recording_id")] for row in rows[1:]] == expected(h, query)


async def test_export_button_refuses_a_value_from_elsewhere_or_altered(
    make_harness: HarnessFactory,
) -> None:
    h = await harness(make_harness)
    query = parse("last 10 days", NOW, "UTC")
    value = h.services.exports.signer.sign(query.encode(), team="T0FAKE", channel="C0OTHER")
    _, replies = await click(h, blocks.ACTION_EXPORT, value)
    assert "damaged or belongs elsewhere" in replies[0]["text"]
    _, replies = await click(h, blocks.ACTION_EXPORT, query.encode())
    assert "damaged or belongs elsewhere" in replies[0]["text"]
    assert h.slack.posted == []


async def test_export_button_checks_access(make_harness: HarnessFactory) -> None:
    h = await harness(make_harness, allowed_channel_ids="C0ELSEWHERE")
    query = parse("last 10 days", NOW, "UTC")
    value = h.services.exports.signer.sign(query.encode(), team="T0FAKE", channel=CHANNEL)
    _, replies = await click(h, blocks.ACTION_EXPORT, value)
    assert "can't use" in replies[0]["text"] and h.slack.posted == []


async def test_more_than_the_concurrency_wait_in_line_with_their_place(
    make_harness: HarnessFactory, sample: Any
) -> None:
    gate = Gate(sample, open_for=4)
    other = "U0OTHER"
    h = await harness(
        make_harness,
        plivo=mock_plivo(gate.handler),
        export_concurrency=1,
        user_zones={USER: "UTC", other: "UTC"},
    )
    text = "export conference=sales last 60 days"
    await h.dispatch(command_body(text, h.slack.response_url(h.next_key())))
    async with asyncio.timeout(10):
        await gate.held.wait()
    await h.dispatch(
        command_body("export last 2 days", h.slack.response_url(h.next_key()), user=other)
    )
    waiting = "D" + other.lstrip("U")
    await h.slack.wait_until(
        lambda: any(
            u["channel"] == waiting and "next in line" in u["text"] for u in h.slack.updates
        )
    )
    assert h.services.exports.queue.running == 1
    gate.release.set()
    await h.services.tasks.drain(30)
    finals = {u["channel"]: u["text"] for u in h.slack.updates}
    assert finals[DM].startswith("Done: ") and finals[waiting].startswith("Done: ")
    assert len(h.slack.completed) == 2


async def test_nothing_matching_sends_no_file(make_harness: HarnessFactory) -> None:
    h = await harness(make_harness)
    await h.command('export conference="no such room" last 3 days')
    final = h.slack.updates[-1]
    assert final["text"].startswith("Nothing to export") and h.slack.completed == []


async def test_cancel_works_from_the_dm_when_only_some_channels_are_allowed(
    make_harness: HarnessFactory, sample: Any
) -> None:
    gate = Gate(sample, open_for=4)
    h = await harness(make_harness, plivo=mock_plivo(gate.handler), allowed_channel_ids=CHANNEL)
    await h.dispatch(command_body("export last 60 days", h.slack.response_url(h.next_key())))
    async with asyncio.timeout(10):
        await gate.held.wait()
    cancel = buttons(h.slack.posted[0])["recordings_export_cancel"]["value"]
    await h.dispatch(
        action_body("recordings_export_cancel", cancel, h.slack.response_url("c"), channel=DM)
    )
    await h.services.tasks.drain(10)
    assert h.slack.updates[-1]["text"].startswith("Export cancelled")
    gate.release.set()


async def test_a_refused_upload_says_so_and_shares_nothing(make_harness: HarnessFactory) -> None:
    h = await harness(make_harness)
    h.slack.upload_status = 500
    await h.command("export conference=standup last 10 days")
    final = h.slack.updates[-1]
    assert final["text"].startswith("Export failed while sending the file")
    assert "HTTP 500" in final["text"] and h.slack.completed == []
