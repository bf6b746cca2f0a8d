"""`python -m bot serve`: the ASGI app under uvicorn (uvloop and httptools when installed)."""

from __future__ import annotations

import signal

import uvicorn

from bot.config import Settings
from bot.run.server import SlackAsgiApp


def run_server(settings: Settings, *, host: str, port: int) -> int:
    config = uvicorn.Config(
        SlackAsgiApp(settings),
        host=host,
        port=port,
        loop="auto",
        http="auto",
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        # Nothing here reads the client's address or scheme, so there is nothing for uvicorn to
        # rewrite from X-Forwarded-* on every request.
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
