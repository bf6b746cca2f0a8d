"""Serve the sample Plivo API over HTTP on 127.0.0.1: `python -m bot.sample_api --port 8123`.

Prints one line once it accepts connections (with the port, useful with `--port 0`), then serves
until interrupted. Point the bot at it with PLIVO_BASE_URL=http://127.0.0.1:<port> and the sample
credentials from `bot.config`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

import uvicorn

from .api import SampleApi

HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sample_api", description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="port (0 picks a free one)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before each answer")
    parser.add_argument("--count", type=int, default=6000, help="how many recordings to hold")
    parser.add_argument("--seed", type=int, default=7, help="seed of the data set")
    parser.add_argument(
        "--no-total-count", action="store_true", help="omit meta.total_count, as Plivo sometimes"
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        metavar="N",
        help="answer 429 above N accepted requests in any 5 s, as Plivo does at 300 (0: no limit)",
    )
    args = parser.parse_args(argv)
    api = SampleApi(
        count=args.count,
        seed=args.seed,
        with_total_count=not args.no_total_count,
        rate_limit=(args.rate_limit, 5.0) if args.rate_limit > 0 else None,
    )
    config = uvicorn.Config(
        api.asgi(latency_s=args.latency_ms / 1000.0),
        host=HOST,
        port=args.port,
        log_level="warning",
        access_log=False,
        http="auto",  # httptools when installed
        lifespan="off",
        backlog=2048,
        # Outlive clients' keep-alive (httpx: 5 s), so they never reuse a connection just closed.
        timeout_keep_alive=75,
    )
    server = uvicorn.Server(config)
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(
            loop_factory=config.get_loop_factory()  # uvloop when installed
        ) as runner,
    ):
        runner.run(_serve(server, api, args.latency_ms))
    return 0


async def _serve(server: uvicorn.Server, api: SampleApi, latency_ms: float) -> None:
    task = asyncio.create_task(server.serve())
    # uvicorn signals readiness only through this flag.
    while not server.started and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    if server.started:
        port = server.servers[0].sockets[0].getsockname()[1]
        print(
            f"sample Plivo API ready on http://{HOST}:{port} "
            f"(auth id {api.auth_id}, {len(api.recordings)} recordings, latency {latency_ms:g} ms)",
            flush=True,
        )
    await task


if __name__ == "__main__":
    sys.exit(main())
