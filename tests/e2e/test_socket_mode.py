"""The real `python -m bot socket` (the Procfile's `worker:` line) over a real WebSocket: a fake
Slack hands out the Socket Mode URL, pushes a slash command envelope, and reads the app's ack and
the answer at the command's response_url."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import pytest_asyncio

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.sample_api import SampleApi
from bot.sample_api.audio import ToneWav
from bot.slack.blocks import ACTION_LISTEN
from tests.conftest import action_body, command_body
from tests.fakes.servers import AsgiServer, BotProcess
from tests.fakes.slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.slack.test_app import assert_valid, button_query, buttons, shown_ids

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def socket_stack() -> AsyncIterator[tuple[BotProcess, FakeSlack, SampleApi]]:
    sample = SampleApi()
    plivo = await AsgiServer(sample.asgi()).start()
    sample.media_base = plivo.url  # recordings' audio on this fake, as Plivo's are on its host
    slack = await FakeSlack(user_zones={"U0TESTER": "Europe/London"}).start()
    bot = BotProcess(
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": slack.api_url,
            "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
            "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
            "ALLOW_EVERYONE": "true",  # closed by default
            "PLIVO_BASE_URL": plivo.url,
            "MEDIA_HOSTS": plivo.url,
        },
        process_type="worker",
        ready_line="connected to Slack over Socket Mode",
    )
    await bot.start()
    await slack.socket_connected()
    yield bot, slack, sample
    await bot.stop()
    await slack.stop()
    await plivo.stop()


def envelope(envelope_id: str, text: str, response_url: str) -> dict[str, Any]:
    payload = dict(parse_qsl(command_body(text, response_url)))
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": payload,
    }


async def test_a_command_is_acked_over_the_socket_and_answered(
    socket_stack: tuple[BotProcess, FakeSlack, SampleApi],
) -> None:
    _, slack, sample = socket_stack
    await slack.push(envelope("env-1", "conference=sales last 14 days", slack.response_url("s1")))
    ack = await slack.socket_reply("env-1")
    assert not ack.get("payload")  # an empty ack: the answer follows at response_url
    (answer,) = await slack.wait_for("s1")
    assert_valid(answer)
    query = button_query(buttons(answer)["recordings_next"]["value"], APP_TOKEN)
    assert query.tz == "Europe/London"  # users.info, through the bot token
    expected = sample.query(query.plivo_params(), enforce_span=False)
    assert shown_ids(answer) == [row["recording_id"] for row in expected[:10]]


async def test_help_rides_in_the_socket_ack(
    socket_stack: tuple[BotProcess, FakeSlack, SampleApi],
) -> None:
    _, slack, _ = socket_stack
    await slack.push(envelope("env-2", "help", slack.response_url("s2")))
    ack = await slack.socket_reply("env-2")
    assert_valid(ack["payload"])
    assert ack["payload"]["blocks"][0]["text"]["text"] == "/recordings help"


async def test_listen_sends_the_recording_to_the_dm(
    socket_stack: tuple[BotProcess, FakeSlack, SampleApi],
) -> None:
    """No web server, so no link: the file goes to the clicker's DMs through the external upload."""
    _, slack, _ = socket_stack
    await slack.push(envelope("env-3", "last 7 days", slack.response_url("s3")))
    await slack.socket_reply("env-3")
    (page,) = await slack.wait_for("s3")
    value = next(
        block["accessory"]["value"]
        for block in page["blocks"]
        if block.get("accessory", {}).get("action_id") == ACTION_LISTEN
    )
    body = action_body(ACTION_LISTEN, value, slack.response_url("s4"))
    payload = json.loads(dict(parse_qsl(body))["payload"])
    await slack.push({"envelope_id": "env-4", "type": "interactive", "payload": payload})
    await slack.socket_reply("env-4")
    (answer,) = await slack.wait_for("s4")
    assert "sent to your DMs" in answer["text"] and answer["replace_original"] is False
    done = (await slack.wait_for_upload(1))[-1]
    assert done["channel_id"] == "D0TESTER"
    assert slack.uploaded[done["files"][0]["id"]] == ToneWav(value.split("~")[0]).read()
    for sent in slack.bodies():
        assert "/Recording/" not in sent


async def test_last_sigterm_exits_0(socket_stack: tuple[BotProcess, FakeSlack, SampleApi]) -> None:
    bot, _, _ = socket_stack
    assert await bot.stop() == 0
    assert not any(BOT_TOKEN in line or APP_TOKEN in line for line in bot.logs)
