"""The transport under the Plivo client's `httpx.AsyncClient` in production: aiohttp's.

httpx stays the interface (tests and sample mode swap in `httpx.MockTransport`); underneath,
aiohttp's C-accelerated HTTP/1.1 does the work. Profiled under load, httpcore, anyio and h11 took
about a third of the server's CPU per command; aiohttp does the same requests for a fraction of
that. `bot/runtime.py` chooses it and hands it to the client. The pool is opened lazily, inside the
running event loop, and closed with the client.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


def pooled_transport(max_connections: int = 100) -> httpx.AsyncBaseTransport:
    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=30)
        pool = aiohttp.ClientSession(connector=connector)
        # aiohttp silently re-sends a GET whose kept-alive connection was dropped. The client above
        # owns retries: each request must pass its rate limiter and count in its tally, so none
        # may go out unseen. No public switch exists; the attribute is aiohttp's own, so
        # tests/plivo/test_transport.py fails if a release renames it or it stops working.
        pool._retry_connection = False
        return pool

    return _HonestTransport(client=session)


class _HonestTransport(AiohttpTransport):
    """httpx-aiohttp reports a refused or dropped connection as `ConnectTimeout`, which would tell
    users Plivo is slow when it is unreachable: report it as the network error it is."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _honest_errors(httpx.ConnectError):
            response = await super().handle_async_request(request)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers.raw,
            stream=_HonestStream(response.stream),
            request=request,
            extensions=response.extensions,
        )


class _HonestStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream) -> None:
        assert isinstance(inner, httpx.AsyncByteStream)
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _honest_errors(httpx.ReadError):
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        with _honest_errors(httpx.ReadError):
            await self._inner.aclose()


@contextlib.contextmanager
def _honest_errors(kind: type[httpx.NetworkError]) -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException as exc:
        cause = exc.__cause__
        if isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(cause, TimeoutError):
            raise kind(f"{type(cause).__name__}: {cause}") from cause
        raise
