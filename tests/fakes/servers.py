"""Real local servers for end-to-end tests and the benchmark: the bot itself as a subprocess (the
Procfile's `web:` command), and any ASGI app (the sample Plivo API, a faulty Plivo) in this process.

Readiness is read from the bot's own log ("Application startup complete"), never guessed.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Application startup complete"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def procfile_command(process: str = "web") -> list[str]:
    """The Procfile's command for `process`, with `python` meaning this interpreter."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            argv = shlex.split(command)
            return [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]
    raise LookupError(f"no {process}: line in the Procfile")


class AsgiServer:
    """An ASGI app served by uvicorn on 127.0.0.1 inside the running event loop."""

    def __init__(self, app: Any) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=0,
                lifespan="off",
                log_level="warning",
                access_log=False,
                backlog=2048,
            )
        )
        self._task: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> AsgiServer:
        started = asyncio.Event()
        original = self.server.startup

        async def startup(sockets: Any = None) -> None:
            await original(sockets)
            started.set()

        self.server.startup = startup  # type: ignore[method-assign]
        self._task = asyncio.create_task(self.server.serve())
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not started.is_set():
            waiter.cancel()
            raise RuntimeError("the local ASGI server did not start")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task


@dataclass
class BotProcess:
    """A Procfile line (`web:` by default: `python -m bot serve`) as a subprocess on a free port."""

    env: Mapping[str, str]
    process_type: str = "web"  # the Procfile line to run
    ready_line: str = READY_LINE
    port: int = field(default_factory=free_port)
    logs: list[str] = field(default_factory=list)
    process: asyncio.subprocess.Process | None = None
    _reader: asyncio.Task[None] | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _new_line: asyncio.Condition = field(default_factory=asyncio.Condition)
    _data_dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, timeout: float = 30.0) -> BotProcess:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            # Listening links point back at this bot unless a test says otherwise.
            "PUBLIC_URL": self.url,
            **self.env,
            "PORT": str(self.port),
        }
        if "DATA_DIR" not in env and "DATABASE_URL" not in env:
            # The bot keeps its state (watches) under DATA_DIR; never in the working tree.
            self._data_dir = tempfile.TemporaryDirectory(prefix="bot-test-data-")
            env["DATA_DIR"] = self._data_dir.name
        self.process = await asyncio.create_subprocess_exec(
            *procfile_command(self.process_type),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        waiter = asyncio.create_task(self._ready.wait())
        await asyncio.wait(
            {waiter, self._reader}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if not self._ready.is_set():
            waiter.cancel()
            await self.kill()
            raise RuntimeError("bot did not start:\n" + "\n".join(self.logs[-40:]))
        return self

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.logs.append(line)
            if self.ready_line in line:
                self._ready.set()
            async with self._new_line:
                self._new_line.notify_all()

    async def wait_for_log(self, predicate: Callable[[str], bool], timeout: float = 10.0) -> str:
        """The first log line matching `predicate`, waiting up to `timeout` for it to be written."""

        def found() -> str | None:
            return next((line for line in self.logs if predicate(line)), None)

        async with self._new_line:
            await asyncio.wait_for(self._new_line.wait_for(found), timeout)
        return found() or ""

    async def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    async def wait(self, timeout: float = 40.0) -> int:
        assert self.process is not None
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self._reader is not None:
            await self._reader
        return code

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            await self._reader

    async def stop(self) -> int:
        """SIGTERM, as Heroku sends it; the exit status."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else 0
        await self.signal(signal.SIGTERM)
        try:
            return await self.wait()
        except TimeoutError:
            await self.kill()
            raise
