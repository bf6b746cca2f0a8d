"""`python -m bench` (`make bench ARGS=...`): the bot against the textbook Bolt app, one table.

Starts the sample Plivo API (with a per-request latency) in a subprocess and a fake Slack in this
process; starts each app's real server as a subprocess (`python -m bot serve`, the Procfile's web
line, and `python -m bench.textbook_app`), timing its start-up and its first command; then drives
them in turn, load by load (10 people, then 50, then the soak), with simulated people in a closed
loop (see bench.driver), reading each server's CPU and memory from the OS. Prints one table (also
written, with the raw percentiles, to bench/results/, which git ignores). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shlex
import shutil
import signal
import socket
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import psutil
import uvloop

from bench import fairness
from bench.driver import Driver, PhaseResult, percentile, user_id
from bench.fakes import (
    BOT_TOKEN,
    HOST,
    ROOT,
    SIGNING_SECRET,
    FastSlack,
    ServerProcess,
    base_env,
    start_plivo,
)
from bench.mix import MIXES, RealisticMix, RepeatMix
from bench.table import SOAK_MARK, build_table
from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN

APPS = ("bot", "textbook")
# Before each load: the bot's Plivo limiter counts starts over a sliding 5 s, so every load
# begins with an empty window rather than inheriting the previous load's requests.
PAUSE_S = 5.0


@dataclass
class AppResult:
    name: str
    ready_s: float = math.nan
    first_ack_ms: float = math.nan
    first_e2e_ms: float = math.nan
    peak_rss: int = 0
    phases: list[PhaseResult] = field(default_factory=list)
    soak: PhaseResult | None = None
    exit_code: int | None = None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--people", default="8,50", help="closed-loop loads to run, comma-separated (8,50)"
    )
    parser.add_argument(
        "--mix",
        choices=sorted(MIXES),
        default="realistic",
        help="what people type: realistic (few repeats, the default) or repeat (17 texts)",
    )
    parser.add_argument("--commands", type=int, default=1000, help="commands per load (1000)")
    parser.add_argument(
        "--latency-ms", type=float, default=150.0, help="fake Plivo latency per request (150)"
    )
    parser.add_argument(
        "--soak", action="store_true", help="then 10,000 more commands, for memory growth"
    )
    parser.add_argument("--soak-commands", type=int, default=10_000, help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=APPS, help="run one app only")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run of well under a minute (150 commands)"
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="pause of each person after an answer (0: a pure closed loop, as specified)",
    )
    parser.add_argument(
        "--click-share",
        type=float,
        default=0.4,
        help="share of the pages with a Next button on which people click it (0.4: about a "
        "quarter of requests are Next clicks)",
    )
    parser.add_argument(
        "--prev-share",
        type=float,
        default=0.2,
        help="share of the pages with a Prev button on which people click it, when they do not "
        "click Next (0.2: about a twentieth of requests)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the command mix")
    parser.add_argument(
        "--fairness-seconds",
        type=float,
        default=20.0,
        help="length of each phase of the fairness run after the table (20; 0: skip it; "
        "see bench/fairness.py)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="attach py-spy (if installed) to each server during its loads; raw profiles in DIR "
        "(py-spy takes CPU too: do not compare figures from a profiled run)",
    )
    return parser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def procfile_web(port: int) -> list[str]:
    """The Procfile's web command (`python` meaning this interpreter), on 127.0.0.1:`port`."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            argv = shlex.split(command)
            if argv[0] == "python":
                argv[0] = sys.executable
            return [*argv, "--host", HOST, "--port", str(port)]
    raise LookupError("no web: line in the Procfile")


def server_for(name: str, slack: FastSlack, plivo_url: str, people: int) -> ServerProcess:
    port = free_port()
    env = {
        **base_env(),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
        "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
        "PLIVO_BASE_URL": plivo_url,
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        # Explicit, so a developer's .env cannot change what is measured.
        "PLIVO_SAMPLE_DATA": "false",
        # Access is closed by default: the simulated people are the allowed users.
        "ALLOWED_USER_IDS": ",".join(user_id(i) for i in range(people)),
        "ALLOWED_CHANNEL_IDS": "",
        # Where ▶ Listen links point (the benchmark never follows one).
        "PUBLIC_URL": "https://recordings.bench.test",
        "ALLOW_EVERYONE": "true",  # closed by default; the bench measures answers, not refusals
        "PAGE_SIZE": "10",
        "DEFAULT_TIMEZONE": "UTC",
        # Each simulated person sends commands back to back, far above a person's pace: the
        # per-person limit would answer most with "slow down". `bench.fairness` measures it.
        "USER_COMMANDS_PER_MIN": "10000",
    }
    if name == "bot":
        return ServerProcess("bot", procfile_web(port), env, port, "/healthz", False)
    argv = [sys.executable, "-m", "bench.textbook_app"]
    return ServerProcess("textbook", argv, env, port, "/healthz", True)


class Contender:
    """One app under test: its server process, its driver, and what was measured of it."""

    def __init__(
        self,
        name: str,
        args: argparse.Namespace,
        slack: FastSlack,
        plivo_url: str,
        http: aiohttp.ClientSession,
        mix: RealisticMix | RepeatMix,
    ) -> None:
        self.name = name
        self.args = args
        self.result = AppResult(name)
        self.server = server_for(name, slack, plivo_url, max(args.people))
        self.driver = Driver(
            server=self.server,
            slack=slack,
            http=http,
            plivo_url=plivo_url,
            latency_ms=args.latency_ms,
            clicks=name == "bot",
            mix=mix,
            click_share=args.click_share,
            prev_share=args.prev_share,
            think_s=args.think_ms / 1000,
            seed=args.seed,
        )
        self.profiler: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the server (timed), send one cold command (timed), then warm it up."""
        await self.server.start()
        self.result.ready_s = self.server.ready_s
        print(f"  {self.name}: ready in {self.server.ready_s:.2f} s", file=sys.stderr, flush=True)
        self.result.first_ack_ms, self.result.first_e2e_ms = await self.driver.first_command()
        await self.driver.warm_up(max(self.args.people))
        if self.args.profile:
            self.profiler = await start_profiler(self.args.profile, self.server)

    async def load(self, people: int, commands: int, *, soak: bool = False) -> None:
        await asyncio.sleep(PAUSE_S)
        marks = (SOAK_MARK, commands) if soak else ()
        phase = await self.driver.run(people, commands, rss_at=marks)
        if soak:
            self.result.soak = phase
        else:
            self.result.phases.append(phase)
        driver = phase.driver_cpu_s / phase.wall_s
        print(
            f"  {self.name}: {people} people, {phase.commands} commands + {phase.clicks} clicks "
            f"in {phase.wall_s:.1f} s (driver CPU {driver:.0%} of a core)",
            file=sys.stderr,
            flush=True,
        )
        for oddity in phase.oddities:
            print(f"    unexpected: {oddity}", file=sys.stderr, flush=True)

    async def stop(self) -> None:
        if self.profiler is not None:
            self.profiler.send_signal(signal.SIGINT)
            await self.profiler.wait()
        self.result.exit_code = await self.server.stop()
        self.result.peak_rss = self.server.peak_rss
        if self.result.exit_code not in (0, None):
            print(f"  {self.name} exited {self.result.exit_code}:", file=sys.stderr)
            print(self.server.tail(), file=sys.stderr)


async def start_profiler(directory: str, server: ServerProcess) -> asyncio.subprocess.Process:
    """`py-spy record` on the server, raw (collapsed) stacks, until interrupted."""
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if py_spy is None:
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    assert server.process is not None
    out = Path(directory)  # made by main()
    argv = [py_spy, "record", "--pid", str(server.process.pid), "--format", "raw"]
    argv += ["--rate", "200", "--nonblocking", "-o", str(out / f"{server.name}.txt")]
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await asyncio.sleep(0.5)  # let it attach
    return process


async def main_async(args: argparse.Namespace) -> tuple[str, dict[str, object]]:
    """Both apps up at once, their loads interleaved (bot, textbook, bot, …), so that anything
    else happening on the machine meanwhile falls on both alike."""
    plivo_process, plivo_url = await start_plivo(args.latency_ms)
    slack = await FastSlack().start()
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=None)
    timeout = aiohttp.ClientTimeout(total=30)
    contenders: list[Contender] = []
    mix = MIXES[args.mix]()
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            contenders = [
                Contender(name, args, slack, plivo_url, http, mix)
                for name in ([args.only] if args.only else APPS)
            ]
            for contender in contenders:
                await contender.start()
            for contender in contenders:  # while one is measured, the others are ours, not noise
                others = [c.server.ps for c in contenders if c is not contender and c.server.ps]
                contender.driver.helpers = (psutil.Process(plivo_process.pid), *others)
            for people in args.people:
                for contender in contenders:
                    await contender.load(people, args.commands)
            if args.soak:
                for contender in contenders:
                    await contender.load(max(args.people), args.soak_commands, soak=True)
    finally:
        for contender in contenders:
            await contender.stop()
        await slack.stop()
        plivo_process.terminate()
        await plivo_process.wait()
    results = {c.name: c.result for c in contenders}
    text = build_table(results, args, PAUSE_S)
    print(text)
    return text, {name: _raw(r) for name, r in results.items()}


def _raw(result: AppResult) -> dict[str, object]:
    data = asdict(result)
    for phase in [*data["phases"], *([data["soak"]] if data["soak"] else [])]:
        for key in ("ack_ms", "e2e_ms", "overhead_ms"):
            values = phase.pop(key)
            phase[key] = {p: percentile(values, p) for p in (50, 90, 99, 100)}
        phase["by_person"] = {
            person: percentile(v, 50) for person, v in phase.pop("by_person").items()
        }
        phase["by_text"] = {
            text: {"n": len(v), **{f"p{p}": percentile(v, p) for p in (50, 90, 99, 100)}}
            for text, v in phase["by_text"].items()
        }
    return data


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.quick:
        args.commands = min(args.commands, 150)
        args.soak_commands = min(args.soak_commands, 3000)
        args.fairness_seconds = min(args.fairness_seconds, 8.0)
    args.people = [int(p) for p in str(args.people).split(",") if p.strip()]
    if not args.people or min(args.people) < 1 or args.commands < 1:
        print("need at least one load of one person and one command", file=sys.stderr)
        return 2
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)
    print(f"benchmark: {', '.join([args.only] if args.only else APPS)}", file=sys.stderr)
    text, raw = uvloop.run(main_async(args))
    out = ROOT / "bench" / "results"  # ignored by git
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}.txt").write_text(text + "\n")
    (out / f"{stamp}.json").write_text(json.dumps({"args": vars(args), "results": raw}, indent=1))
    if args.fairness_seconds > 0 and args.only != "textbook":
        # One heavy user against nine light ones, with and without: the bot's fair share of
        # Plivo (its own table, after this one).
        fairness.run(
            ["--seconds", str(args.fairness_seconds), "--latency-ms", str(args.latency_ms)]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
