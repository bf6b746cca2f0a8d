"""`python -m bot socket` while Slack is unreachable: one log line per failed attempt, and a stop
signal is obeyed at once (not after the SDK's endless connect retries)."""

from __future__ import annotations

import asyncio
import re
import signal
import time

import pytest

from tests.fakes.servers import BotProcess, free_port
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN

FAILED = "Failed to connect"
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+ "
)


def unreachable_bot() -> BotProcess:
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there: refused at once
    return BotProcess(
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": closed,
            "PLIVO_SAMPLE_DATA": "true",
        },
        process_type="worker",
        ready_line=FAILED,
    )


async def attempts(bot: BotProcess, count: int, deadline_s: float) -> None:
    """Wait until the bot has logged `count` failed attempts (the SDK retries every 10 s)."""
    give_up = time.monotonic() + deadline_s
    while sum(FAILED in line for line in bot.logs) < count:
        assert time.monotonic() < give_up, "\n".join(bot.logs)
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(("sig", "tries"), [(signal.SIGTERM, 2), (signal.SIGINT, 1)])
async def test_a_signal_stops_it_while_slack_is_unreachable(sig: int, tries: int) -> None:
    bot = await unreachable_bot().start()
    try:
        await attempts(bot, tries, deadline_s=30)
        await bot.signal(sig)
        code = await bot.wait(timeout=5)
    finally:
        await bot.kill()
    assert code == 0, "\n".join(bot.logs)
    assert all(LOG_LINE.match(line) for line in bot.logs), "\n".join(bot.logs)
    failures = [line for line in bot.logs if FAILED in line]
    assert len(failures) == tries, "\n".join(bot.logs)
    assert "Connect call failed" in failures[0] or "Cannot connect" in failures[0]
    assert not any("Traceback" in line for line in bot.logs)
