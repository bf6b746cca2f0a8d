"""`python -m bot serve`: the ASGI app under uvicorn (uvloop, and httptools with the limits of
`bot.run.guard`)."""

from __future__ import annotations

import logging
import signal

import uvicorn

from bot.config import Settings
from bot.run.guard import Limits, guarded
from bot.run.server import SlackAsgiApp

log = logging.getLogger("bot.run.serve")

# File descriptors beyond the connections: the listening socket, the pools to Slack and Plivo,
# the log, the interpreter's own files.
SPARE_FILES = 64


def raise_open_files_limit(wanted: int) -> int | None:
    """Raise this process's soft RLIMIT_NOFILE towards `wanted` (as far as the hard limit
    allows); return the soft limit now in force (None where there is no such limit: Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass  # kept as it was; the warning below says so
    return soft


def run_server(settings: Settings, *, host: str, port: int) -> int:
    limits = Limits(max_connections=settings.max_connections)
    files = raise_open_files_limit(limits.max_connections + SPARE_FILES)
    if files is not None and 0 <= files < limits.max_connections + SPARE_FILES:
        log.warning(
            "only %d open files allowed (ulimit -n): MAX_CONNECTIONS=%d may not be reached",
            files,
            limits.max_connections,
        )
    config = uvicorn.Config(
        SlackAsgiApp(settings),
        host=host,
        port=port,
        loop="auto",
        # httptools, with the header size limit, header and body timeouts and connection limit
        # it lacks (see bot.run.guard).
        http=guarded(limits),
        # A back-stop on requests in progress (uvicorn answers 503 beyond it); one above the
        # connection limit, which the guard enforces at connect time, so it never trips first.
        limit_concurrency=limits.max_connections + 1,
        # An idle keep-alive connection is closed after this long.
        timeout_keep_alive=5,
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        # The client's address (read only to count refused requests per address) is the peer's:
        # X-Forwarded-For is anyone's to write unless a trusted proxy sets it.
        proxy_headers=False,
        # Open HTTP requests get this long after SIGTERM; answers already acknowledged are then
        # given their own grace period by the lifespan shutdown (see bot.runtime).
        timeout_graceful_shutdown=5,
        backlog=2048,
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises a captured SIGTERM once it has shut down gracefully, which would end the
    # process with -15. SIGTERM is how Heroku and container hosts ask for a clean stop: exit 0.
    signal.signal(signal.SIGTERM, lambda *_: None)
    server.run()
    return 0 if server.started else 1
