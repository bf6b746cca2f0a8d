"""Exports over the real `python -m bot serve` (the Procfile's web line): the sample Plivo API over
HTTP and the fake Slack on 127.0.0.1 (DM, progress updates, the external file upload).

One bot for the module; `EXPORT_MAX_ROWS` is set to exactly the 70-day export's count, so the same
bot exports that and refuses the whole data set. Nothing sleeps: tests wait on the fake's events.
"""

from __future__ import annotations

import csv
import io
import itertools
import statistics
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.export import csvfile
from bot.query import Query, parse
from bot.sample_api import SampleApi
from tests.conftest import action_body, command_body
from tests.e2e.test_serve import SECRET, Stack
from tests.fakes.servers import AsgiServer, BotProcess
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.slack.test_app import assert_valid, buttons

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXPORTER, SEARCHER = "U0EXPORTER", "U0TESTER"
TZ = "America/New_York"
PLIVO_LATENCY_S = 0.02  # each answer of the fake Plivo, so a search costs something real


def _iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def sample() -> SampleApi:
    return SampleApi()  # 6,000 recordings over the 75 days before now


def seventy_days(sample: SampleApi) -> str:
    end = sample.now.replace(microsecond=0)
    return f"since={_iso(end - timedelta(days=70))} until={_iso(end)}"


def everything(sample: SampleApi) -> str:
    end = sample.now.replace(microsecond=0)
    return f"since={_iso(end - timedelta(days=76))} until={_iso(end)}"


def query_of(sample: SampleApi, text: str) -> Query:
    return parse(text, sample.now + timedelta(seconds=1), TZ)


def matching(sample: SampleApi, text: str) -> list[str]:
    rows = sample.query(query_of(sample, text).plivo_params(), enforce_span=False)
    return [row["recording_id"] for row in rows]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(sample: SampleApi) -> AsyncIterator[Stack]:
    plivo = await AsgiServer(sample.asgi(latency_s=PLIVO_LATENCY_S)).start()
    slack = await FakeSlack(user_zones={EXPORTER: TZ, SEARCHER: TZ}).start()
    bot = BotProcess(
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
            "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
            "PLIVO_BASE_URL": plivo.url,
            "ALLOW_EVERYONE": "true",
            "EXPORT_MAX_ROWS": str(len(matching(sample, seventy_days(sample)))),
        }
    )
    await bot.start()
    async with httpx.AsyncClient(timeout=10) as http:
        yield Stack(bot, slack, sample, http)
    assert await bot.stop() == 0
    await slack.stop()
    await plivo.stop()


async def export(stack: Stack, text: str, user: str = EXPORTER) -> dict[str, Any]:
    """Ask for an export; returns the command's ack (the bot's answer in the HTTP response)."""
    body = command_body(f"export {text}", stack.slack.response_url(stack.key()), user=user)
    response = await stack.post(body)
    assert response.status_code == 200
    ack: dict[str, Any] = response.json()
    assert_valid(ack)
    return ack


def progress_of(stack: Stack, ts: str) -> list[dict[str, Any]]:
    return [update for update in stack.slack.updates if update["ts"] == ts]


async def ended(stack: Stack, ts: str, timeout: float = 60.0) -> dict[str, Any]:
    """The progress message's last state, once it no longer offers Cancel."""

    def final() -> bool:
        updates = progress_of(stack, ts)
        return bool(updates) and "recordings_export_cancel" not in buttons(updates[-1])

    await stack.slack.wait_until(final, timeout)
    return progress_of(stack, ts)[-1]


async def test_a_70_day_export_is_every_match_in_order_with_progress(
    stack: Stack, sample: SampleApi
) -> None:
    text = seventy_days(sample)
    want = matching(sample, text)
    assert len(want) > 4000  # thousands: many pages across three of Plivo's 30-day windows
    posted_before = len(stack.slack.posted)
    ack = await export(stack, text)
    assert ack["text"] == "Exporting — I'll send the file to your DMs."
    await stack.slack.wait_until(lambda: len(stack.slack.posted) > posted_before)
    progress = stack.slack.posted[-1]
    assert progress["channel"] == "D0EXPORTER" and "Exporting" in progress["text"]
    final = await ended(stack, progress["ts"])
    assert final["text"].startswith(f"Done: {len(want):,} recordings")

    (done,) = [c for c in stack.slack.completed if c.get("thread_ts") == progress["ts"]]
    assert done["channel_id"] == "D0EXPORTER"
    query = query_of(sample, text)
    assert done["files"][0]["title"] == csvfile.filename(query)
    data = stack.slack.uploaded[done["files"][0]["id"]].decode("utf-8")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert rows[0] == list(csvfile.HEADER)
    assert [row[csvfile.HEADER.index("recording_id")] for row in rows[1:]] == want
    assert "media.plivo.com" not in data and data.endswith("\r\n")

    updates = progress_of(stack, progress["ts"])
    counting = [u["text"] for u in updates if " of about " in u["text"]]
    assert counting, "progress updates arrive while it runs"
    assert all("%" in t for t in counting)
    times = [
        t
        for u, t in zip(stack.slack.updates, stack.slack.update_times, strict=True)
        if u in updates
    ]
    assert all(b - a >= 1.9 for a, b in itertools.pairwise(times)), times


async def test_cancel_stops_it_and_no_file_is_sent(stack: Stack, sample: SampleApi) -> None:
    uploads = len(stack.slack.completed)
    posted_before = len(stack.slack.posted)
    await export(stack, seventy_days(sample))
    await stack.slack.wait_until(lambda: len(stack.slack.posted) > posted_before)
    progress = stack.slack.posted[-1]
    cancel = buttons(progress)["recordings_export_cancel"]["value"]
    key = stack.key()
    click = action_body(
        "recordings_export_cancel",
        cancel,
        stack.slack.response_url(key),
        user=EXPORTER,
        channel=progress["channel"],
    )
    assert (await stack.post(click)).status_code == 200
    final = await ended(stack, progress["ts"], timeout=10)
    assert final["text"].startswith("Export cancelled")
    assert len(stack.slack.completed) == uploads
    assert any("event=export" in line and "outcome=cancelled" in line for line in stack.bot.logs)


async def test_over_the_row_limit_is_refused_with_the_count(
    stack: Stack, sample: SampleApi
) -> None:
    uploads = len(stack.slack.completed)
    posted_before = len(stack.slack.posted)
    text = everything(sample)
    matched = len(matching(sample, text))
    limit = len(matching(sample, seventy_days(sample)))
    assert matched > limit
    await export(stack, text)
    await stack.slack.wait_until(lambda: len(stack.slack.posted) > posted_before)
    final = await ended(stack, stack.slack.posted[-1]["ts"], timeout=20)
    assert final["text"].startswith(f"Not exported: {matched:,} recordings match")
    assert f"{limit:,}" in final["text"]
    assert len(stack.slack.completed) == uploads


async def search_latency(stack: Stack) -> float:
    key = stack.key()
    body = command_body(
        "conference=sales last 14 days", stack.slack.response_url(key), user=SEARCHER
    )
    began = time.perf_counter()
    response = await stack.post(body)
    assert response.status_code == 200
    await stack.slack.wait_for(key)
    return time.perf_counter() - began


async def test_a_search_during_an_export_is_as_quick_as_when_idle(
    stack: Stack, sample: SampleApi
) -> None:
    await search_latency(stack)  # warm: connections, the user's zone
    idle = statistics.median([await search_latency(stack) for _ in range(7)])
    posted_before = len(stack.slack.posted)
    await export(stack, seventy_days(sample))
    await stack.slack.wait_until(lambda: len(stack.slack.posted) > posted_before)
    progress = stack.slack.posted[-1]
    # Wait until rows are flowing (the export is spending Plivo's budget), then search.
    await stack.slack.wait_until(
        lambda: any(" of about " in u["text"] for u in progress_of(stack, progress["ts"]))
    )
    during = statistics.median([await search_latency(stack) for _ in range(7)])
    still_running = "recordings_export_cancel" in buttons(progress_of(stack, progress["ts"])[-1])
    cancel = buttons(progress)["recordings_export_cancel"]["value"]
    click = action_body(
        "recordings_export_cancel",
        cancel,
        stack.slack.response_url(stack.key()),
        user=EXPORTER,
        channel=progress["channel"],
    )
    await stack.post(click)
    await ended(stack, progress["ts"], timeout=10)
    assert still_running, "the searches were measured while the export ran"
    print(f"search latency: idle {idle * 1000:.0f} ms, during an export {during * 1000:.0f} ms")
    assert during <= 2 * idle, (idle, during)
