"""`python -m bench.fairness` (and the last part of `make bench`): does one heavy user slow everyone
else down?

Nine light users search as people do (a one-window search, then a pause of about a second),
first alone, then while one heavy user fires 366-day searches (13 Plivo requests each, every one
with its own `until=`, so no cache or shared request helps) from several streams at once, with
no pause: far more than the account's 60 requests a second. The light users' end-to-end times
(signed POST → answer at the response_url) of the two runs are printed side by side; the target
is a p99 with the heavy user present within 2× of the p99 without.

The bot runs with USER_COMMANDS_PER_MIN raised out of the way, so what is measured is the fair
queue in front of the Plivo budget alone (bot/plivo/fair.py); `--user-limit` runs the heavy
phase again with the default per-user limit, as deployed, and counts the heavy user's commands
that were told to slow down.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import uvloop
from slack_sdk.signature import SignatureVerifier

from bench.driver import command_body, percentile, user_id
from bench.fakes import (
    BOT_TOKEN,
    HOST,
    ROOT,
    SIGNING_SECRET,
    FastSlack,
    ServerProcess,
    base_env,
    plivo_stats,
    start_plivo,
)
from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN

LIGHT_TEXTS = (
    "last 2 hours",
    "last 24 hours",
    "conference=sales last 3 days",
    "from=+14155550100 last 7 days",
    "today",
    "mpc=war-room last 2 weeks",
)
HEAVY_USER = "U0HEAVY00"
PAUSE_S = 5.0  # the Plivo limiter's sliding window empties between phases


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase (20)")
    parser.add_argument("--light", type=int, default=9, help="light users (9)")
    parser.add_argument("--streams", type=int, default=8, help="heavy user's parallel streams (8)")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="light users' pause (1000)")
    parser.add_argument("--latency-ms", type=float, default=150.0, help="fake Plivo latency (150)")
    parser.add_argument(
        "--user-limit", action="store_true", help="also a heavy phase with the per-user limit on"
    )
    return parser


@dataclass
class Phase:
    name: str
    light_ms: list[float] = field(default_factory=list)
    heavy_ms: list[float] = field(default_factory=list)
    heavy_slowed: int = 0
    lost: int = 0
    plivo_requests: int = 0
    seconds: float = 0.0


class Load:
    def __init__(
        self,
        server: ServerProcess,
        slack: FastSlack,
        http: aiohttp.ClientSession,
        plivo_url: str,
    ) -> None:
        self.server, self.slack, self.http, self.plivo_url = server, slack, http, plivo_url
        self._verifier = SignatureVerifier(SIGNING_SECRET)
        self._serial = itertools.count()
        self._until = itertools.count(1)

    async def command(self, text: str, user: str) -> tuple[float, bytes] | None:
        """Post one signed command; (ms to its answer, the answer) or None if it was lost."""
        key = f"f{next(self._serial)}"
        body = command_body(text, self.slack.response_url(key), user=user)
        answer = self.slack.expect(key)
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self._verifier.generate_signature(
                timestamp=ts, body=body.decode()
            ),
        }
        sent = time.perf_counter()
        try:
            async with self.http.post(
                f"{self.server.url}/slack/events", data=body, headers=headers
            ) as response:
                ack = await response.read()
                if response.status != 200:
                    self.slack.forget(key)
                    return None
            if ack.strip():  # answered in the ack (a cached page, or "slow down")
                self.slack.forget(key)
                return (time.perf_counter() - sent) * 1000, ack
            arrived, raw = await asyncio.wait_for(answer, 60)
        except (aiohttp.ClientError, TimeoutError):
            self.slack.forget(key)
            return None
        return (arrived - sent) * 1000, raw

    def heavy_text(self) -> str:
        """A 366-day range with an `until` of its own: 13 windows nobody else asks for."""
        until = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=next(self._until))
        since = until - timedelta(days=366)
        return f"since={since:%Y-%m-%dT%H:%M:%SZ} until={until:%Y-%m-%dT%H:%M:%SZ}"

    async def light(self, index: int, phase: Phase, until: float, think_s: float) -> None:
        rng = random.Random(index)
        await asyncio.sleep(rng.random() * think_s)  # not all at the same instant
        while time.perf_counter() < until:
            got = await self.command(rng.choice(LIGHT_TEXTS), user_id(index))
            if got is None:
                phase.lost += 1
            else:
                phase.light_ms.append(got[0])
            await asyncio.sleep(think_s * (0.5 + rng.random()))

    async def heavy(self, phase: Phase, until: float) -> None:
        while time.perf_counter() < until:
            got = await self.command(self.heavy_text(), HEAVY_USER)
            if got is None:
                phase.lost += 1
            elif b"Slow down" in got[1]:
                phase.heavy_slowed += 1
                await asyncio.sleep(1.0)  # a script that reads the answer and tries again
            else:
                phase.heavy_ms.append(got[0])

    async def run(self, phase: Phase, args: argparse.Namespace, *, heavy: bool) -> Phase:
        await asyncio.sleep(PAUSE_S)
        before = int((await plivo_stats(self.http, self.plivo_url, reset=True))["requests"])
        began = time.perf_counter()
        until = began + args.seconds
        think_s = args.think_ms / 1000
        jobs = [self.light(i, phase, until, think_s) for i in range(args.light)]
        if heavy:
            jobs += [self.heavy(phase, until) for _ in range(args.streams)]
        await asyncio.gather(*jobs)
        phase.seconds = time.perf_counter() - began
        after = int((await plivo_stats(self.http, self.plivo_url, reset=True))["requests"])
        phase.plivo_requests = after - before
        return phase


def bot_server(slack: FastSlack, plivo_url: str, port: int, per_min: str) -> ServerProcess:
    env = {
        **base_env(),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
        "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
        "PLIVO_BASE_URL": plivo_url,
        "PLIVO_SAMPLE_DATA": "false",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "ALLOW_EVERYONE": "true",
        "PUBLIC_URL": "https://recordings.bench.test",
        "USER_COMMANDS_PER_MIN": per_min,
    }
    argv = [sys.executable, "-m", "bot", "serve", "--host", HOST, "--port", str(port)]
    return ServerProcess("bot", argv, env, port, "/healthz", False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


async def measure(args: argparse.Namespace) -> list[Phase]:
    plivo_process, plivo_url = await start_plivo(args.latency_ms)
    slack = await FastSlack().start()
    phases: list[Phase] = []
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    try:
        async with aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=90)
        ) as http:
            configs = [("10000", False), ("10000", True)]
            if args.user_limit:
                configs.append(("20", True))
            for per_min, heavy in configs:
                server = await bot_server(slack, plivo_url, _free_port(), per_min).start()
                try:
                    load = Load(server, slack, http, plivo_url)
                    for i in range(args.light):  # warm: each user's zone, the code paths
                        await load.command("last 2 hours", user_id(i))
                    name = "light users alone" if not heavy else "with the heavy user"
                    if per_min != "10000":
                        name += f", per-user limit {per_min}/min"
                    print(f"fairness: {name} ({args.seconds:.0f} s)", file=sys.stderr)
                    phases.append(await load.run(Phase(name), args, heavy=heavy))
                finally:
                    await server.stop()
    finally:
        await slack.stop()
        plivo_process.terminate()
        await plivo_process.wait()
    return phases


def table(phases: list[Phase], args: argparse.Namespace) -> str:
    def row(label: str, values: list[str]) -> str:
        return f"  {label:<44}" + "".join(f"{v:>14}" for v in values)

    def ms(values: list[float], p: float) -> str:
        return f"{percentile(values, p):,.0f}" if values else "—"

    lines = [
        f"fairness: {args.light} light users (one-window searches, ~{args.think_ms:.0f} ms "
        f"apart) and one heavy user ({args.streams} streams of 366-day searches, 13 Plivo "
        f"requests each, no pause); fake Plivo latency {args.latency_ms:.0f} ms, "
        f"{args.seconds:.0f} s a phase",
        "",
        row(
            "",
            ["alone", *["heavy" if "limit" not in p.name else "heavy, limit" for p in phases[1:]]],
        ),
        row("light users' searches answered", [str(len(p.light_ms)) for p in phases]),
        row("light end-to-end p50 (ms)", [ms(p.light_ms, 50) for p in phases]),
        row("light end-to-end p90 (ms)", [ms(p.light_ms, 90) for p in phases]),
        row("light end-to-end p99 (ms)", [ms(p.light_ms, 99) for p in phases]),
        row("light end-to-end max (ms)", [ms(p.light_ms, 100) for p in phases]),
        row("heavy searches answered", [str(len(p.heavy_ms)) for p in phases]),
        row("heavy end-to-end p50 (ms)", [ms(p.heavy_ms, 50) for p in phases]),
        row("heavy commands told to slow down", [str(p.heavy_slowed) for p in phases]),
        row(
            "Plivo requests per second",
            [f"{p.plivo_requests / p.seconds:.1f}" if p.seconds else "—" for p in phases],
        ),
        row("lost or failed answers", [str(p.lost) for p in phases]),
    ]
    alone = phases[0].light_ms
    for phase in phases[1:]:
        if alone and phase.light_ms:
            ratio = percentile(phase.light_ms, 99) / percentile(alone, 99)
            met = "yes" if ratio <= 2 else "NO"
            lines.append(f"  light p99 {phase.name} / alone: {ratio:.2f}× (target ≤ 2×: {met})")
    return "\n".join(lines)


def run(argv: list[str] | None = None) -> str:
    args = _parser().parse_args(argv)
    phases = uvloop.run(measure(args))
    text = table(phases, args)
    print(text)
    out = ROOT / "bench" / "results"  # ignored by git
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"fairness-{stamp}.txt").write_text(text + "\n")
    raw = [
        {"name": p.name, "light_ms": p.light_ms, "heavy_ms": p.heavy_ms, "slowed": p.heavy_slowed}
        for p in phases
    ]
    (out / f"fairness-{stamp}.json").write_text(json.dumps(raw))
    return text


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
