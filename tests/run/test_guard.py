"""The connection guard (`bot.run.guard`) on uvicorn's httptools protocol, fed by hand through fake
transports: header size, the connection limit (making room, or refusing when all are busy), and
the sweep that closes connections whose time is up. The real server under the same abuse is in
tests/e2e/test_hostile_traffic.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from bot.run.guard import GuardedHttpToolsProtocol, Limits, guarded


class FakeTransport(asyncio.Transport):
    def __init__(self, port: int) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.port = port

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("192.0.2.1", self.port), "sockname": ("127.0.0.1", 3000)}.get(
            name, default
        )

    def write(self, data: Any) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def never_answers(scope: Any, receive: Any, send: Any) -> None:
    await asyncio.Event().wait()  # a request in progress for as long as the test needs


class Server:
    def __init__(self, limits: Limits) -> None:
        self.config = Config(never_answers, lifespan="off", log_level="warning")
        self.config.load()
        self.state = ServerState()
        self.protocol = guarded(limits)
        self.ports = iter(range(40000, 50000))

    def connect(self) -> tuple[GuardedHttpToolsProtocol, FakeTransport]:
        conn = self.protocol(config=self.config, server_state=self.state, app_state={})
        transport = FakeTransport(next(self.ports))
        conn.connection_made(transport)
        return conn, transport

    def stop(self) -> None:
        for task in self.state.tasks:
            task.cancel()
        sweep = self.protocol._sweep
        if sweep is not None:
            sweep.cancel()


@pytest.fixture
async def server() -> Any:
    made = Server(Limits(max_connections=3, max_header_bytes=1024))
    yield made
    made.stop()


async def test_headers_over_the_limit_in_pieces_are_431(server: Server) -> None:
    conn, transport = server.connect()
    conn.data_received(b"POST /slack/events HTTP/1.1\r\nx-pad: ")
    for _ in range(5):
        conn.data_received(b"a" * 300)
        if transport.closed:
            break
    assert transport.written.startswith(b"HTTP/1.1 431 ") and transport.closed
    assert conn not in server.state.connections


async def test_headers_over_the_limit_in_one_piece_with_a_body_are_431(server: Server) -> None:
    conn, transport = server.connect()
    conn.data_received(
        b"POST /x HTTP/1.1\r\nx-pad: " + b"a" * 1100 + b"\r\ncontent-length: 2\r\n\r\n{}"
    )
    assert transport.written.startswith(b"HTTP/1.1 431 ") and transport.closed


async def test_a_big_body_after_small_headers_in_one_read_is_not_431(server: Server) -> None:
    conn, transport = server.connect()
    conn.data_received(b"POST /x HTTP/1.1\r\ncontent-length: 5000\r\n\r\n" + b"a" * 5000)
    await asyncio.sleep(0)  # the app's task starts
    assert not transport.closed and len(server.state.tasks) == 1


async def test_at_the_limit_the_connection_waiting_longest_makes_room(server: Server) -> None:
    _first, first_transport = server.connect()
    busy, busy_transport = server.connect()
    busy.data_received(b"GET /x HTTP/1.1\r\n\r\n")  # a request in progress
    _third, third_transport = server.connect()
    _new, new_transport = server.connect()  # the fourth: over the limit of 3
    assert first_transport.closed and first_transport.written == b""
    assert not busy_transport.closed and not third_transport.closed
    assert not new_transport.closed
    assert len(server.state.connections) == 3


async def test_when_every_connection_is_busy_a_new_one_is_refused_at_once(server: Server) -> None:
    for _ in range(3):
        conn, _transport = server.connect()
        conn.data_received(b"GET /x HTTP/1.1\r\n\r\n")
    _new, transport = server.connect()
    assert transport.written.startswith(b"HTTP/1.1 503 ") and transport.closed
    assert len(server.state.connections) == 3


async def test_the_sweep_closes_slow_heads_with_408_and_stalled_bodies_silently(
    server: Server,
) -> None:
    slow, slow_transport = server.connect()
    slow.data_received(b"POST /x HTTP/1.1\r\nx-sl")
    stalled, stalled_transport = server.connect()
    stalled.data_received(b"POST /x HTTP/1.1\r\ncontent-length: 10\r\n\r\n{")
    fresh, fresh_transport = server.connect()
    loop = asyncio.get_running_loop()
    now = loop.time()
    slow._deadline = stalled._deadline = now - 0.001  # as if their time were up
    assert fresh._deadline is not None and fresh._deadline > now
    server.protocol._sweep_once(loop, server.state.connections)
    assert slow_transport.closed and slow_transport.written.startswith(b"HTTP/1.1 408 ")
    assert stalled_transport.closed and stalled_transport.written == b""
    assert not fresh_transport.closed
    assert server.protocol.refusals.total == 2


async def test_deadlines_follow_the_request(server: Server) -> None:
    conn, _transport = server.connect()
    limits = server.protocol.limits
    loop = asyncio.get_running_loop()
    assert conn._deadline is not None
    assert conn._deadline <= loop.time() + limits.header_timeout_s
    conn.data_received(b"POST /x HTTP/1.1\r\ncontent-length: 2\r\n\r\n")
    assert conn._reading_head is False and conn._deadline is not None  # the body's time
    conn.data_received(b"{}")
    assert conn._deadline is None  # the request is the app's now: no timeout of ours
    assert GuardedHttpToolsProtocol.limits == Limits()  # `guarded` left the base class alone
