"""Assembling the app: `bot.runtime.plivo_client` picks Plivo itself (over aiohttp's pool) or the
built-in sample API (in-process) from the settings; the Plivo client knows neither."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot import runtime
from bot.config import Settings
from bot.plivo import PlivoUnavailable
from bot.plivo.transport import pooled_transport
from bot.runtime import plivo_client
from bot.sample_api import SampleApi
from tests.fakes.servers import AsgiServer
from tests.plivo.test_client import basic, fixture

NOW = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_sample_mode_serves_the_embedded_api_in_process() -> None:
    config = settings(plivo_sample_data=True, plivo_sample_now=NOW, plivo_max_retries=0)
    client = plivo_client(config)
    assert isinstance(client._http._transport, httpx.MockTransport)
    async with client:
        page = await client.list_recordings({}, limit=2)
    expected = SampleApi(now=NOW).recordings
    assert page.meta.total_count  # the last 7 days', as Plivo counts without a time filter
    assert [r.recording_id for r in page.objects] == [r["recording_id"] for r in expected[:2]]


async def test_production_clients_cache_pages() -> None:
    async with plivo_client(settings(plivo_sample_data=True)) as client:
        assert client._cache is not None


async def test_real_mode_uses_the_base_url_credentials_and_aiohttp_pool() -> None:
    body = fixture("recordingListResponse.json")
    seen: list[dict[str, Any]] = []

    async def plivo(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    server = await AsgiServer(plivo).start()
    config = settings(
        plivo_auth_id="MAREAL00000000000000",
        plivo_auth_token="real-token",
        plivo_base_url=server.url,
    )
    try:
        async with plivo_client(config) as client:
            assert type(client._http._transport) is type(pooled_transport())
            page = await client.list_recordings({"conference_name": "x"}, limit=3)
    finally:
        await server.stop()
    assert len(page.objects) == 3
    (sent,) = seen
    assert sent["path"] == "/v1/Account/MAREAL00000000000000/Recording/"
    headers = dict(sent["headers"])
    assert headers[b"authorization"].decode() == basic("MAREAL00000000000000", "real-token")
    assert headers[b"user-agent"].startswith(b"recordings-bot/")
    assert b"conference_name=x" in sent["query_string"]


async def test_an_unreachable_plivo_is_unavailable_not_slow() -> None:
    config = settings(
        plivo_auth_id="MAREAL00000000000000",
        plivo_auth_token="real-token",
        plivo_base_url="http://127.0.0.1:9",
        plivo_max_retries=0,
    )
    async with plivo_client(config) as client:
        with pytest.raises(PlivoUnavailable) as info:
            await client.list_recordings({}, limit=3)
    assert type(info.value) is PlivoUnavailable  # not its subclass PlivoTimeout
    assert "could not reach Plivo" in str(info.value)


async def test_a_failed_start_closes_the_session_it_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []
    real = runtime.aiohttp.ClientSession

    def session(*args: Any, **kwargs: Any) -> Any:
        opened.append(real(*args, **kwargs))
        return opened[-1]

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("no Plivo client today")

    monkeypatch.setattr(runtime.aiohttp, "ClientSession", session)
    monkeypatch.setattr(runtime, "plivo_client", broken)
    with pytest.raises(RuntimeError, match="no Plivo client today"):
        await runtime.Runtime.start(settings(plivo_sample_data=True))
    (made,) = opened
    assert made.closed
