"""Entry points: `python -m bot serve | socket | console`, or `recordings-bot …` once installed."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging


def _parser() -> argparse.ArgumentParser:
    # Named as it was called: `python -m bot` from a checkout, `recordings-bot` once installed.
    prog = "python -m bot" if sys.argv[0].endswith("__main__.py") else "recordings-bot"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    modes = parser.add_subparsers(dest="mode", required=True)
    serve = modes.add_parser("serve", help="HTTP: POST /slack/events and GET /healthz on $PORT")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=None, help="port (default $PORT, else 3000)")
    modes.add_parser("socket", help="Socket Mode (needs SLACK_APP_TOKEN)")
    console = modes.add_parser("console", help="try /recordings in the terminal, without Slack")
    console.add_argument(
        "--tz", default=None, help="your IANA time zone (default DEFAULT_TIMEZONE)"
    )
    console.add_argument("--user", default="UCONSOLE", help="the Slack user id to act as")
    console.add_argument("--channel", default="CCONSOLE", help="the Slack channel id to act in")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.mode)
    except ConfigError as exc:
        for problem in exc.problems:  # all of them: one run shows everything there is to fix
            print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    if args.mode == "serve":
        setup_logging(settings.log_level, settings.secrets, region=settings.phone_region)
        from bot.run.serve import run_server

        return run_server(settings, host=args.host, port=args.port or settings.port)
    if args.mode == "socket":
        setup_logging(settings.log_level, settings.secrets, region=settings.phone_region)
        from bot.run.socket_mode import run_socket_mode

        return asyncio.run(run_socket_mode(settings))
    setup_logging("WARNING", settings.secrets, region=settings.phone_region, audit=False)
    from bot.run.console import run_console

    return run_console(settings, tz=args.tz, user_id=args.user, channel_id=args.channel)


if __name__ == "__main__":
    sys.exit(main())
