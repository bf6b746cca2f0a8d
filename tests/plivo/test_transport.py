"""The production transport (aiohttp's pool under httpx): a dropped kept-alive connection is not
silently re-sent (the client's rate limiter must see every request), and a refused connection is
reported as one, not as a timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest
import pytest_asyncio

from bot.plivo.transport import pooled_transport

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class StaleKeepAlive:
    """An HTTP server on 127.0.0.1 that answers the first GET on its first connection, keeps that
    connection open, then drops it without a word when a second GET arrives on it, as a server
    does when its keep-alive timeout beats the client's. Later connections are answered."""

    def __init__(self) -> None:
        self.gets = 0
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> StaleKeepAlive:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        first_connection = self.connections == 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if head.startswith(b"GET "):
                    self.gets += 1
                if first_connection and served == 1:
                    return  # the drop: close without answering
                writer.write(OK)
                await writer.drain()
                served += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest_asyncio.fixture
async def stale() -> AsyncIterator[StaleKeepAlive]:
    server = await StaleKeepAlive().start()
    yield server
    await server.stop()


def test_aiohttp_still_has_the_switch() -> None:
    # The attribute pooled_transport turns off; renamed, the assignment would silently do nothing.
    assert "_retry_connection" in aiohttp.ClientSession.ATTRS


async def test_a_dropped_keep_alive_get_is_not_resent_behind_the_clients_back(
    stale: StaleKeepAlive,
) -> None:
    async with httpx.AsyncClient(transport=pooled_transport()) as client:
        assert (await client.get(stale.url)).status_code == 200
        with pytest.raises(httpx.TransportError):
            await client.get(stale.url)  # the connection is dropped: the client must hear of it
    assert stale.gets == 2  # and nothing went out that the client did not send


async def test_without_the_switch_aiohttp_would_resend(stale: StaleKeepAlive) -> None:
    """The control: what pooled_transport prevents really happens with aiohttp's default. If a
    release stops re-sending on its own, this fails, and the switch can go."""
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            async with session.get(stale.url) as response:
                assert response.status == 200
    assert stale.gets == 3  # the second GET went out twice
    assert stale.connections == 2


async def test_a_refused_connection_is_a_network_error_not_a_timeout() -> None:
    async with httpx.AsyncClient(transport=pooled_transport()) as client:
        with pytest.raises(httpx.NetworkError) as info:
            await client.get("http://127.0.0.1:9/")
    assert not isinstance(info.value, httpx.TimeoutException)
    assert isinstance(info.value.__cause__, aiohttp.ClientConnectionError)
