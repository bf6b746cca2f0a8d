"""The benchmark's local stand-ins for Slack and Plivo, and the servers it measures as subprocesses.

- `FastSlack`: a lean fake of Slack in the driver's own event loop (aiohttp): `auth.test`,
  `users.info` (a zone for every simulated user) and the `response_url` receiver, which stamps each
  answer with `time.perf_counter()` and resolves the future the sender is waiting on. It keeps no
  log of what it received, so it stays cheap and flat however long the run.
- `python -m bench.fakes --port 0 --latency-ms 150`: the project's sample Plivo API
  (`bot.sample_api.SampleApi`, the same ASGI app `python -m bot.sample_api` serves, uvloop and
  httptools) plus one extra route, `GET /_bench/stats`: how many Plivo requests it has answered,
  and how long it took over each (its latency is a timer, which fires a little late), so the
  report can show the Plivo request rate and what the fake itself added.
- `ServerProcess`: one measured server (`python -m bot serve` or the textbook app): start-up time
  to its first HTTP answer, and its CPU and memory read from the OS through psutil.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import psutil
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
BOT_TOKEN = "xoxb-bench-0000-token"
SIGNING_SECRET = "bench-signing-secret-3b9e"
ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "America/Chicago",
    "Europe/Berlin",
    "Australia/Sydney",
    "UTC",
)
STATS_PATH = "/_bench/stats"

Answer = tuple[float, bytes]  # (perf_counter when it arrived, the body)


def zone_of(user_id: str) -> str:
    """The zone `users.info` gives a simulated user (U0BENCH007 → the eighth of ZONES, cycling)."""
    digits = "".join(c for c in user_id if c.isdigit()) or "0"
    return ZONES[int(digits) % len(ZONES)]


def _json(body: dict[str, Any]) -> web.Response:
    return web.Response(body=json.dumps(body).encode(), content_type="application/json")


class FastSlack:
    """The fake Slack: Web API methods the apps call, and every `response_url`."""

    def __init__(self) -> None:
        self.waiters: dict[str, asyncio.Future[Answer]] = {}
        self.unexpected = 0  # answers nobody was waiting for (late, or a second answer)
        self.api_calls: dict[str, int] = {}
        self.base = ""
        self._runner: web.AppRunner | None = None
        self._auth = json.dumps(
            {
                "ok": True,
                "url": "https://bench.slack.test/",
                "team": "Bench",
                "user": "recordings",
                "team_id": "T0BENCH",
                "user_id": "UBOT",
                "bot_id": "BBOT",
            }
        ).encode()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base}/r/{key}"

    def expect(self, key: str) -> asyncio.Future[Answer]:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self.waiters[key] = future
        return future

    def forget(self, key: str) -> None:
        self.waiters.pop(key, None)

    async def start(self) -> FastSlack:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/r/{key}", self._response)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0, backlog=2048)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://{HOST}:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.api_calls[method] = self.api_calls.get(method, 0) + 1
        if method == "auth.test":
            return web.Response(body=self._auth, content_type="application/json")
        if method == "users.info":
            form = await request.post() if request.can_read_body else {}
            user = str(form.get("user") or request.query.get("user") or "")
            return _json({"ok": True, "user": {"id": user, "tz": zone_of(user)}})
        return _json({"ok": False, "error": "unknown_method"})

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.read()
        arrived = time.perf_counter()
        future = self.waiters.pop(request.match_info["key"], None)
        if future is None or future.done():
            self.unexpected += 1
        else:
            future.set_result((arrived, body))
        return web.Response(text="ok")


# --- the measured servers --------------------------------------------------------------------


@dataclass
class ServerProcess:
    """A server under test, as a subprocess of the driver, listening on 127.0.0.1:`port`."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    port: int
    ready_path: str  # GET this until it answers
    ready_any_status: bool  # True: any HTTP answer means up (the textbook app has no /healthz)
    process: asyncio.subprocess.Process | None = None
    ps: psutil.Process | None = None
    ready_s: float = 0.0
    output: deque[str] = field(default_factory=lambda: deque(maxlen=60))
    peak_rss: int = 0
    _reader: asyncio.Task[None] | None = None
    _sampler: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def start(self, timeout_s: float = 30.0) -> ServerProcess:
        """Spawn it; `ready_s` is the time from spawning to the first good answer."""
        began = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.ps = psutil.Process(self.process.pid)
        self._reader = asyncio.create_task(self._read())
        timeout = aiohttp.ClientTimeout(total=1.0)
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            while True:
                if self.process.returncode is not None:
                    raise RuntimeError(f"{self.name} exited at start-up:\n{self.tail()}")
                if time.perf_counter() - began > timeout_s:
                    await self.kill()
                    raise RuntimeError(f"{self.name} not ready in {timeout_s}s:\n{self.tail()}")
                try:
                    async with http.get(self.url + self.ready_path) as response:
                        if response.status == 200 or (
                            self.ready_any_status and response.status < 500
                        ):
                            self.ready_s = time.perf_counter() - began
                            break
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.005)
        self._sampler = asyncio.create_task(self._sample_rss())
        return self

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            self.output.append(raw.decode("utf-8", "replace").rstrip())

    async def _sample_rss(self) -> None:
        while True:
            self.rss()
            await asyncio.sleep(0.25)

    def tail(self) -> str:
        return "\n".join(self.output)

    def _tree(self) -> list[psutil.Process]:
        assert self.ps is not None
        try:
            return [self.ps, *self.ps.children(recursive=True)]
        except psutil.Error:
            return [self.ps]

    def cpu_s(self) -> float:
        """User + system CPU seconds of the process and its children (live and reaped)."""
        total = 0.0
        for proc in self._tree():
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
        return total

    def rss(self) -> int:
        """Resident memory of the process and its children now; updates `peak_rss`."""
        total = 0
        for proc in self._tree():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        self.peak_rss = max(self.peak_rss, total, self._high_water_mark())
        return total

    def _high_water_mark(self) -> int:
        """The kernel's peak RSS of the main process (Linux), which sampling could miss."""
        assert self.process is not None
        try:
            with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return 0

    async def stop(self, timeout_s: float = 15.0) -> int | None:
        if self._sampler is not None:
            self._sampler.cancel()
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else None
        self.rss()
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), timeout_s)
        except TimeoutError:
            await self.kill()
        if self._reader is not None:
            await self._reader
        return self.process.returncode

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def start_plivo(latency_ms: float) -> tuple[asyncio.subprocess.Process, str]:
    """`python -m bench.fakes` in a subprocess; its base URL once it says it is ready."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.fakes",
        "--port",
        "0",
        "--latency-ms",
        str(latency_ms),
        cwd=ROOT,
        env=base_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    if not line.startswith(b"ready "):
        process.kill()
        raise RuntimeError(f"the sample Plivo API did not start: {line!r}")
    return process, line.split()[1].decode()


async def plivo_stats(
    http: aiohttp.ClientSession, base_url: str, *, reset: bool = False
) -> dict[str, Any]:
    """The fake Plivo's request count, how long it took to answer (ms) and when each request of
    which series arrived, since the last reset."""
    url = base_url + STATS_PATH + ("?reset=1" if reset else "")
    async with http.get(url) as response:
        return dict(await response.json())


def base_env() -> dict[str, str]:
    """A small environment for subprocesses: nothing of the caller's Slack or Plivo settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


# --- `python -m bench.fakes`: the sample Plivo API over HTTP, counting ------------------------

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def counting_plivo(latency_s: float) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    from bot.sample_api import SampleApi

    # A short request log: the benchmark makes tens of thousands of requests and reads none back.
    inner = SampleApi(max_log=100).asgi(latency_s=latency_s)
    served: list[float] = []  # seconds from each request's arrival to its answer, since a reset
    # (time.perf_counter() at arrival, series) of each request since a reset: the series is its
    # parameters without limit and offset (series_of), and perf_counter is CLOCK_MONOTONIC on
    # Linux, the driver's clock too, so the driver can tell which clicks cost a request.
    arrivals: list[tuple[float, str]] = []
    count = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal count
        if scope["type"] == "http" and scope["path"] == STATS_PATH:
            times = sorted(served)
            stats = {
                "requests": count,
                "served_ms_p50": _rank(times, 50) * 1000,
                "served_ms_p99": _rank(times, 99) * 1000,
                "arrivals": arrivals[:],
            }
            if scope.get("query_string") == b"reset=1":
                served.clear()
                arrivals.clear()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": json.dumps(stats).encode()})
            return
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        count += 1
        arrivals.append((time.perf_counter(), series_of(parse_qsl(scope["query_string"].decode()))))
        began = time.perf_counter()
        await inner(scope, receive, send)
        served.append(time.perf_counter() - began)

    return app


def series_of(params: Iterable[tuple[str, str]]) -> str:
    """A request's parameters without limit and offset, in one canonical string."""
    return "&".join(sorted(f"{k}={v}" for k, v in params if k not in ("limit", "offset")))


def _rank(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered), max(1, -(-len(ordered) * p // 100))) - 1]


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.fakes", description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    args = parser.parse_args(argv)
    config = uvicorn.Config(
        counting_plivo(args.latency_ms / 1000),
        host=HOST,
        port=args.port,
        log_level="warning",
        access_log=False,
        http="httptools",
        loop="uvloop",
        lifespan="off",
        backlog=2048,
    )
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():  # noqa: ASYNC110 (uvicorn has no event)
            await asyncio.sleep(0.01)
        if server.started:
            port = server.servers[0].sockets[0].getsockname()[1]
            print(f"ready http://{HOST}:{port}", flush=True)
        await task

    import uvloop

    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
