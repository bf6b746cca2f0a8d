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
import platform
import shlex
import shutil
import signal
import socket
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import aiohttp
import psutil
import uvloop

from bench.driver import Driver, PhaseResult, percentile
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
from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN

APPS = ("bot", "textbook")
MB = 1024 * 1024
SOAK_MARK = 2000
PLIVO_LIMIT = 300 / 5  # requests per second: what bot.plivo.limiter allows by default
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
        "--people", default="10,50", help="closed-loop loads to run, comma-separated (10,50)"
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
        "--click-share", type=float, default=0.25, help="share of Next buttons clicked (0.25)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the command mix")
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


def server_for(name: str, slack: FastSlack, plivo_url: str) -> ServerProcess:
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
        "ALLOWED_USER_IDS": "",
        "ALLOWED_CHANNEL_IDS": "",
        "ALLOW_EVERYONE": "true",  # closed by default; the bench measures answers, not refusals
        "PAGE_SIZE": "10",
        "DEFAULT_TIMEZONE": "UTC",
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
    ) -> None:
        self.name = name
        self.args = args
        self.result = AppResult(name)
        self.server = server_for(name, slack, plivo_url)
        self.driver = Driver(
            server=self.server,
            slack=slack,
            http=http,
            plivo_url=plivo_url,
            latency_ms=args.latency_ms,
            clicks=name == "bot",
            click_share=args.click_share,
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


# --- the table ----------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(bot: float | None, textbook: float | None) -> str:
    if bot is None or textbook is None or math.isnan(bot) or math.isnan(textbook) or not textbook:
        return ""
    return f"{bot / textbook:.2f}"


Row = tuple[str, str, str, str, str, str]


class Table:
    def __init__(self, results: dict[str, AppResult]) -> None:
        self.results = results
        self.rows: list[Row] = []
        self.verdicts: list[tuple[str, bool]] = []
        self.title = ""

    def section(self, title: str) -> None:
        self.title = title
        self.rows.append((title, "", "", "", "", ""))

    def metric(
        self,
        label: str,
        pick: dict[str, float],
        *,
        digits: int = 1,
        target: str = "",
        ok: bool | None = None,
        ratio: bool = True,
    ) -> None:
        bot, textbook = pick.get("bot"), pick.get("textbook")
        if "bot" not in self.results:
            ok = None
        met = "" if ok is None else ("yes" if ok else "NO")
        if ok is not None:
            self.verdicts.append((f"{self.title}: {label.strip()} {target}", ok))
        self.rows.append(
            (
                label,
                _num(bot, digits) if "bot" in self.results else "",
                _num(textbook, digits) if "textbook" in self.results else "",
                _ratio(bot, textbook) if ratio else "",
                target,
                met,
            )
        )

    def text(self, header: str, notes: list[str]) -> str:
        head: Row = ("", "bot", "textbook", "bot/textbook", "target (bot)", "met")
        rows = [head, *self.rows]
        widths = [max(len(row[i]) for row in rows) for i in range(6)]
        lines = [header, ""]
        for n, row in enumerate(rows):
            cells = [row[0].ljust(widths[0])]
            cells += [row[i].rjust(widths[i]) for i in range(1, 4)]
            cells += [row[4].ljust(widths[4]), row[5]]
            lines.append("  ".join(cells).rstrip())
            if n == 0:
                lines.append("-" * (sum(widths) + 10))
        return "\n".join([*lines, "", "\n\n".join(notes)])


def build_table(results: dict[str, AppResult], args: argparse.Namespace) -> str:
    table = Table(results)
    bot = results.get("bot")

    def each(get: Callable[[AppResult], float]) -> dict[str, float]:
        return {name: get(result) for name, result in results.items()}

    table.section("start-up and memory")
    ready = each(lambda r: r.ready_s)
    table.metric(
        "  ready: spawn → first answer (s)",
        ready,
        digits=2,
        target="< 2 s",
        ok=bot is not None and bot.ready_s < 2,
    )
    peak = each(lambda r: r.peak_rss / MB)
    table.metric(
        "  peak RSS (MB)",
        peak,
        target="< 150 MB",
        ok=bot is not None and bot.peak_rss < 150 * MB,
    )
    table.metric("  first command after start: ack (ms)", each(lambda r: r.first_ack_ms))
    table.metric("  first command after start: end-to-end (ms)", each(lambda r: r.first_e2e_ms))
    people_list = [p.people for p in next(iter(results.values())).phases]
    for index, people in enumerate(people_list):
        phases = {name: r.phases[index] for name, r in results.items()}
        bot_phase = phases.get("bot")
        latency_load = people <= 10
        table.section(f"{people} people, closed loop")
        sent = {n: float(p.commands) for n, p in phases.items()}
        table.metric("  commands sent", sent, digits=0, ratio=False)
        clicks = {n: float(p.clicks) for n, p in phases.items()}
        table.metric("  clicks sent (bot only)", clicks, digits=0, ratio=False)
        delivered = (
            bot_phase is not None
            and bot_phase.answered == bot_phase.sent
            and not bot_phase.error_answers
        )
        table.metric(
            "  answers received / sent (%)",
            {n: 100 * p.answered / p.sent if p.sent else math.nan for n, p in phases.items()},
            target="all, no errors",
            ok=delivered,
            ratio=False,
        )
        for label, p in (("p50", 50), ("p99", 99)):
            ok = target = None
            if latency_load and p == 99:
                target, ok = "< 100 ms", bot_phase is not None and _p(bot_phase.ack_ms, 99) < 100
            table.metric(
                f"  ack {label} (ms)",
                {n: _p(x.ack_ms, p) for n, x in phases.items()},
                target=target or "",
                ok=ok,
            )
        ack_max = {n: max(x.ack_ms, default=math.nan) for n, x in phases.items()}
        table.metric(
            "  ack max (ms)",
            ack_max,
            target="< 3,000 ms",
            ok=bot_phase is not None and ack_max["bot"] < 3000,
        )
        for label, p in (("p50", 50), ("p99", 99)):
            table.metric(
                f"  end-to-end {label} (ms)", {n: _p(x.e2e_ms, p) for n, x in phases.items()}
            )
        for label, p, limit in (("p50", 50, 10), ("p99", 99, 50)):
            ok = None
            if latency_load:
                ok = bot_phase is not None and _p(bot_phase.overhead_ms, p) < limit
            table.metric(
                f"  overhead {label} (ms)",
                {n: _p(x.overhead_ms, p) for n, x in phases.items()},
                target=f"< {limit} ms" if latency_load else "",
                ok=ok,
            )
        table.metric("  answers per second", {n: x.rate for n, x in phases.items()})
        table.metric(
            "  CPU per request (ms)",
            {n: x.cpu_ms_per_request for n, x in phases.items()},
            digits=2,
        )
        table.metric(
            "  Plivo requests per second",
            {n: x.plivo_requests / x.wall_s for n, x in phases.items()},
            ratio=False,
        )
        for label, i in (("p50", 0), ("p99", 1)):
            table.metric(
                f"  fake Plivo's time per request {label} (ms)",
                {n: x.plivo_served_ms[i] for n, x in phases.items()},
                ratio=False,
            )
        table.metric(
            "  other processes' CPU (% of machine)",
            {n: 100 * x.others_cpu_share for n, x in phases.items()},
            ratio=False,
        )
        table.metric(
            "  answered in the ack (help, parse errors)",
            {n: float(x.answered_in_ack) for n, x in phases.items()},
            digits=0,
            ratio=False,
        )
        table.metric(
            "  pages answered in the ack (all cached)",
            {n: float(x.pages_in_ack) for n, x in phases.items()},
            digits=0,
            ratio=False,
        )
        errors = {n: float(x.error_answers + x.lost + x.failed_acks) for n, x in phases.items()}
        table.metric("  lost, failed or error answers", errors, digits=0, ratio=False)
    table.section("all loads together")
    cpu = {
        name: sum(p.cpu_s for p in r.phases) * 1000 / max(1, sum(p.sent for p in r.phases))
        for name, r in results.items()
    }
    have_both = len(results) == 2
    table.metric(
        "  CPU per request (ms)",
        cpu,
        digits=2,
        target="≤ ½ textbook" if have_both else "",
        ok=(cpu["bot"] <= cpu["textbook"] / 2) if have_both else None,
    )
    soaks = {n: r.soak for n, r in results.items() if r.soak is not None}
    if soaks and len(soaks) == len(results):
        table.section(f"soak: {args.soak_commands:,} commands at {max(args.people)} people")
        marks = {n: {k: v / MB for k, v in x.rss_marks.items()} for n, x in soaks.items()}
        table.metric(f"  RSS after {SOAK_MARK:,} (MB)", {n: m[SOAK_MARK] for n, m in marks.items()})
        end = args.soak_commands
        table.metric(f"  RSS after {end:,} (MB)", {n: m[end] for n, m in marks.items()})
        growth = {n: m[end] - m[SOAK_MARK] for n, m in marks.items()}
        table.metric(
            "  growth (MB)",
            growth,
            target="< 10 MB",
            ok=bot is not None and growth["bot"] < 10,
            ratio=False,
        )
        table.metric(
            "  answers received / sent (%)",
            {n: 100 * x.answered / x.sent for n, x in soaks.items()},
            ratio=False,
        )
        table.metric(
            "  CPU per request (ms)", {n: x.cpu_ms_per_request for n, x in soaks.items()}, digits=2
        )

    header = (
        f"/recordings benchmark, {date.today().isoformat()}: {psutil.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()}, load average "
        f"{os.getloadavg()[0]:.2f} at the start; fake Plivo latency "
        f"{args.latency_ms:g} ms; "
        f"{args.commands} commands per load; clicks on {args.click_share:.0%} of Next buttons"
    )
    think = f"; each person pauses {args.think_ms:g} ms after an answer." if args.think_ms else "."
    notes = [
        "ack: from sending the signed request to having read its HTTP answer. end-to-end: from "
        "sending to the answer read at response_url, or to the ack for a page answered in the "
        "ack (the bot does that when every page it needs is cached). Help and parse errors are "
        "answered in the ack itself: they count as answered, and appear in the ack rows only.",
        "overhead: end-to-end minus the fake Plivo latency × 1, i.e. one sequential Plivo round "
        "trip per answer. The bot asks for a range over 30 days in concurrent 30-day windows, "
        "which counts as one trip; a page that needed a second trip would count it as overhead. "
        "Overhead includes users.info, the driver, the fake Slack, loopback TCP, and what the "
        "fake Plivo takes beyond its nominal latency (its timer fires late: see its rows, timed "
        "inside the fake from a request's arrival to its answer).",
        "CPU per request: the server process's user + system CPU (psutil, children included) "
        "over the load ÷ requests sent (commands, plus clicks for the bot). Other processes' "
        "CPU: the machine's busy time less the server's, the driver's and the fake Plivo's, as a "
        "share of all CPUs: anything well above zero means something else ran on the machine "
        "meanwhile and the figures are less trustworthy.",
        "The textbook app gets the same commands, ignores their text, has no buttons (so no "
        "clicks) and no /healthz: its ready time is its first HTTP answer (a 404). Both servers "
        "run with LOG_LEVEL=WARNING. Before the loads: one cold command (its own rows), then "
        "2 unrecorded commands per person (users.info is answered once per user); each load "
        f"starts after a {PAUSE_S:g} s pause (the window of the bot's Plivo limiter)" + think,
    ]
    capped = [
        str(people)
        for index, people in enumerate(people_list)
        if bot is not None
        and bot.phases[index].plivo_requests / bot.phases[index].wall_s >= 0.95 * PLIVO_LIMIT
    ]
    if capped:
        notes.append(
            f"At {' and '.join(capped)} people the bot asked Plivo at its cap of "
            f"{PLIVO_LIMIT:g} requests/s (300 per 5 s, Plivo's per-account limit, enforced by "
            "bot.plivo.limiter): it queued its own requests, so its end-to-end and overhead there "
            "include those waits. The textbook app has no cap; real Plivo would answer it 429 "
            "above that rate."
        )
    notes = [textwrap.fill(note, 100) for note in notes]
    return table.text(textwrap.fill(header, 100), notes) + "\n\n" + _verdicts(table.verdicts)


def _verdicts(verdicts: list[tuple[str, bool]]) -> str:
    if not verdicts:
        return "targets: none checked (the bot did not run)"
    missed = [label for label, ok in verdicts if not ok]
    lines = [f"targets: {len(verdicts) - len(missed)} of {len(verdicts)} met"]
    lines += [f"  missed: {label}" for label in missed]
    return "\n".join(lines)


def _p(values: list[float], p: float) -> float:
    return percentile(values, p)


async def main_async(args: argparse.Namespace) -> tuple[str, dict[str, object]]:
    """Both apps up at once, their loads interleaved (bot, textbook, bot, …), so that anything
    else happening on the machine meanwhile falls on both alike."""
    plivo_process, plivo_url = await start_plivo(args.latency_ms)
    slack = await FastSlack().start()
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=None)
    timeout = aiohttp.ClientTimeout(total=30)
    contenders: list[Contender] = []
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            contenders = [
                Contender(name, args, slack, plivo_url, http)
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
    text = build_table(results, args)
    print(text)
    return text, {name: _raw(r) for name, r in results.items()}


def _raw(result: AppResult) -> dict[str, object]:
    data = asdict(result)
    for phase in [*data["phases"], *([data["soak"]] if data["soak"] else [])]:
        for key in ("ack_ms", "e2e_ms", "overhead_ms"):
            values = phase.pop(key)
            phase[key] = {p: percentile(values, p) for p in (50, 90, 99, 100)}
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
