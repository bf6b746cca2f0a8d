"""How long `bot.query.parse` takes per command: warm (median and p99 over a few thousand
parses of a realistic mix) and cold (the first parse in a fresh process, with and without
`warm_up()`). Run from the project root: `python -m bench.parse_bench [--runs N]`.

Targets: median under 1 ms warm; first parse after `warm_up()` under 50 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

# What people type, roughly in proportion: mostly short relative phrases and a filter or two.
MIX = [
    "",
    "since yesterday",
    "today",
    "conference=sales since yesterday",
    "last 2 hours from=4155550100",
    "last 24 hours",
    "yesterday",
    "last week",
    "this week conference=standup",
    "between monday and tuesday",
    "from 9am to 5pm",
    "call=c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
    "to=+442079460958 last 7 days",
    "on march 8",
    "dec 25 5pm",
    "before 2026-03-01 11:47 tz=UTC",
    "since=2026-03-10T07:00:00Z until=2026-03-11T22:30:00Z",
    'conference="sales team" share',
    "30m",
    "2h",
    "last month limit=20",
    "page=2 since monday",
    "3 days ago",
    "mpc=daily-sync after 9am",
    "03/04/2026",
    "from=<tel:+14155550100|+1 415 555 0100> yesterday",
    "conference=sales tomorrow",  # an error: errors are commands too
    "confrence=sales",
]
NOW = datetime(2026, 3, 11, 15, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
TZ = "America/Los_Angeles"

_COLD = """
import time
t0 = time.perf_counter()
from datetime import datetime
from zoneinfo import ZoneInfo
from bot.query import parse, warm_up
t1 = time.perf_counter()
if {warm}:
    warm_up()
t2 = time.perf_counter()
parse("conference=sales on march 8 from=4155550100", datetime.now(ZoneInfo("UTC")),
      "America/New_York")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def _cold(warm: bool) -> tuple[float, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", _COLD.format(warm=warm)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    imported, warmed, first = (float(x) for x in out.split())
    return imported, warmed, first


def _warm(runs: int) -> list[float]:
    from bot.query import ParseError, parse, warm_up

    warm_up()
    times: list[float] = []
    for i in range(runs):
        text = MIX[i % len(MIX)]
        start = time.perf_counter_ns()
        with contextlib.suppress(ParseError):
            parse(text, NOW, TZ)
        times.append((time.perf_counter_ns() - start) / 1e6)
    return times


def _uncached_dateparser(runs: int) -> list[float]:
    from bot.query import natural, parse

    times: list[float] = []
    for _ in range(runs):
        natural.read.cache_clear()
        start = time.perf_counter_ns()
        parse("on march 8", NOW, TZ)
        times.append((time.perf_counter_ns() - start) / 1e6)
    return times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000, help="warm parses (default 5000)")
    args = parser.parse_args()

    times = _warm(args.runs)
    print(f"warm, {args.runs} parses of a {len(MIX)}-command mix:")
    print(f"  median {statistics.median(times):.3f} ms   p99 {_p(times, 0.99):.3f} ms   ", end="")
    print(f"mean {statistics.fmean(times):.3f} ms   max {max(times):.3f} ms")
    uncached = _uncached_dateparser(300)
    print("  a dateparser phrase with its cache cleared ('on march 8'): ", end="")
    print(f"median {statistics.median(uncached):.3f} ms   p99 {_p(uncached, 0.99):.3f} ms")

    for warm in (True, False):
        imported, warmed, first = _cold(warm)
        label = "after warm_up()" if warm else "without warm_up()"
        print(f"cold, first parse {label}: {first * 1000:.1f} ms", end="")
        print(f"   (import {imported * 1000:.0f} ms, warm_up {warmed * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
