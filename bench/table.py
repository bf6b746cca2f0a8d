"""The benchmark's one table: each measured figure for the bot and the textbook app, their ratio,
the bot's target and whether it is met (the issue's targets, on the realistic mix), then notes.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import textwrap
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import psutil

from bench.driver import REPEAT_WINDOW_S, PhaseResult, percentile

if TYPE_CHECKING:
    from bench.__main__ import AppResult

MB = 1024 * 1024
PLIVO_LIMIT = 300 / 5  # requests per second: what bot.plivo.limiter allows by default
LATENCY_LOAD = 10  # loads of at most this many people are below the account's Plivo cap
SOAK_MARK = 0  # RSS is read when the soak's first command is sent, and after its last


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


def build_table(results: dict[str, AppResult], args: argparse.Namespace, pause_s: float) -> str:
    table = Table(results)
    bot = results.get("bot")

    def each(get: Callable[[AppResult], float]) -> dict[str, float]:
        return {name: get(result) for name, result in results.items()}

    table.section("start-up and memory")
    table.metric(
        "  ready: spawn → first answer (s)",
        each(lambda r: r.ready_s),
        digits=2,
        target="< 1 s",
        ok=bot is not None and bot.ready_s < 1,
    )
    table.metric(
        "  peak RSS (MB)",
        each(lambda r: r.peak_rss / MB),
        target="< 100 MB",
        ok=bot is not None and bot.peak_rss < 100 * MB,
    )
    table.metric("  first command after start: ack (ms)", each(lambda r: r.first_ack_ms))
    table.metric("  first command after start: end-to-end (ms)", each(lambda r: r.first_e2e_ms))
    people_list = [p.people for p in next(iter(results.values())).phases]
    for index, people in enumerate(people_list):
        phases = {name: r.phases[index] for name, r in results.items()}
        _load(table, people, phases)
    _together(table, results)
    soaks = {n: r.soak for n, r in results.items() if r.soak is not None}
    if soaks and len(soaks) == len(results):
        _soak(table, soaks, args)

    header = (
        f"/recordings benchmark, {date.today().isoformat()}, {args.mix} mix: "
        f"{psutil.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}, "
        f"load average {os.getloadavg()[0]:.2f} at the start; fake Plivo latency "
        f"{args.latency_ms:g} ms; {args.commands} commands per load; people click Next on "
        f"{args.click_share:.0%} of the pages that have it, else Prev on {args.prev_share:.0%} "
        "of those that have it"
    )
    think = f"; each person pauses {args.think_ms:g} ms after an answer." if args.think_ms else "."
    notes = [
        "ack: from sending the signed request to having read its HTTP answer. end-to-end: from "
        "sending to the answer read at response_url, or to the ack for a page answered in the "
        "ack (the bot does that when every page it needs is cached). Help and parse errors are "
        "answered in the ack itself: they count as answered, and appear in the ack rows only.",
        "overhead: end-to-end minus the fake Plivo latency for an answer that made a Plivo "
        "request (one round trip: the bot asks for a long range's windows at once), all of "
        "end-to-end for one that made none (a page cut from rows already fetched). A command "
        "answered at response_url counts as one that asked; a click asked if the fake Plivo "
        "received a request of its range (the windows its button names) while it was under "
        "way. Overhead includes the bot's Plivo limiter, users.info, the driver, the fake "
        "Slack, loopback TCP, and what the fake Plivo takes beyond its nominal latency (see "
        "its rows, timed inside the fake).",
        "Plivo requests per answered page: requests the fake Plivo answered ÷ answers showing a "
        "page (commands and clicks; not help or mistakes). Next clicks with no Plivo request: "
        "Next clicks on a page of 10 rows or fewer during which no request of their range "
        f"reached the fake Plivo. Repeats: commands whose text was sent less than "
        f"{REPEAT_WINDOW_S:g} s before.",
        "CPU per request: the server process's user + system CPU (psutil, children included) "
        "over the load ÷ requests sent (commands, plus clicks for the bot). Other processes' "
        "CPU: the machine's busy time less the server's, the driver's and the fake Plivo's, as a "
        "share of all CPUs: anything well above zero means something else ran on the machine "
        "meanwhile and the figures are less trustworthy.",
        "The textbook app gets the same commands, ignores their text, has no buttons (so no "
        "clicks) and no /healthz: its ready time is its first HTTP answer (a 404). Both servers "
        "run with LOG_LEVEL=WARNING. Before the loads: one cold command (its own rows), then "
        "2 unrecorded commands per person (users.info is answered once per user); each load "
        f"starts after a {pause_s:g} s pause (the window of the bot's Plivo limiter)" + think,
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


def _load(table: Table, people: int, phases: dict[str, PhaseResult]) -> None:
    """One load's rows; targets: the latency ones below the cap, the delivery ones above it."""
    bot = phases.get("bot")
    below_cap = people <= LATENCY_LOAD
    table.section(f"{people} people, closed loop")
    table.metric(
        "  commands sent", {n: float(p.commands) for n, p in phases.items()}, digits=0, ratio=False
    )
    table.metric(
        "  repeats of a recent text (% of commands)",
        {n: 100 * p.repeats / p.commands if p.commands else math.nan for n, p in phases.items()},
        ratio=False,
    )
    for label, pick in (
        ("Next ▶", lambda p: p.next_clicks),
        ("◀ Prev", lambda p: p.prev_clicks),
    ):
        table.metric(
            f"  {label} clicks (bot only)",
            {n: float(pick(p)) for n, p in phases.items()},
            digits=0,
            ratio=False,
        )
        table.metric(
            f"  {label} clicks (% of requests)",
            {n: 100 * pick(p) / p.sent if p.sent else math.nan for n, p in phases.items()},
            ratio=False,
        )
    delivered = bot is not None and bot.answered == bot.sent and not bot.error_answers
    table.metric(
        "  answers received / sent (%)",
        {n: 100 * p.answered / p.sent if p.sent else math.nan for n, p in phases.items()},
        target="all, no errors",
        ok=delivered,
        ratio=False,
    )
    table.metric("  ack p50 (ms)", {n: _p(x.ack_ms, 50) for n, x in phases.items()})
    table.metric("  ack p99 (ms)", {n: _p(x.ack_ms, 99) for n, x in phases.items()})
    ack_max = {n: max(x.ack_ms, default=math.nan) for n, x in phases.items()}
    table.metric(
        "  ack max (ms)",
        ack_max,
        target="< 1,000 ms",
        ok=bot is not None and ack_max["bot"] < 1000,
    )
    e2e50 = {n: _p(x.e2e_ms, 50) for n, x in phases.items()}
    table.metric(
        "  end-to-end p50 (ms)",
        e2e50,
        target="" if below_cap else "< 600 ms",
        ok=None if below_cap or bot is None else e2e50["bot"] < 600,
    )
    table.metric("  end-to-end p99 (ms)", {n: _p(x.e2e_ms, 99) for n, x in phases.items()})
    table.metric(
        "  slowest person's end-to-end p50 (ms)",
        {
            n: max((_p(v, 50) for v in x.by_person.values()), default=math.nan)
            for n, x in phases.items()
        },
    )
    for label, p, limit in (("p50", 50, 10), ("p99", 99, 40)):
        overhead = {n: _p(x.overhead_ms, p) for n, x in phases.items()}
        table.metric(
            f"  overhead {label} (ms)",
            overhead,
            target=f"< {limit} ms" if below_cap else "",
            ok=None if not below_cap or bot is None else overhead["bot"] < limit,
        )
    table.metric("  answers per second", {n: x.rate for n, x in phases.items()})
    table.metric(
        "  CPU per request (ms)", {n: x.cpu_ms_per_request for n, x in phases.items()}, digits=2
    )
    table.metric(
        "  Plivo requests per second",
        {n: x.plivo_requests / x.wall_s for n, x in phases.items()},
        ratio=False,
    )
    table.metric(
        "  Plivo requests per answered page",
        {n: x.plivo_per_page for n, x in phases.items()},
        digits=2,
        ratio=False,
    )
    table.metric(
        "  Next clicks (≤ 10 rows) with no Plivo request (%)",
        {n: 100 * x.small_next_free_share for n, x in phases.items()},
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


def _together(table: Table, results: dict[str, AppResult]) -> None:
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
        target="≤ 0.6× textbook" if have_both else "",
        ok=(cpu["bot"] <= 0.6 * cpu["textbook"]) if have_both else None,
    )
    bot = results.get("bot")
    if bot is None:
        return
    pages = sum(p.pages for p in bot.phases)
    per_page = sum(p.plivo_requests for p in bot.phases) / pages if pages else math.nan
    table.metric(
        "  Plivo requests per answered page",
        {"bot": per_page},
        digits=2,
        target="≤ 0.85",
        ok=per_page <= 0.85,
        ratio=False,
    )
    small = sum(p.small_next for p in bot.phases)
    free = 100 * sum(p.small_next_free for p in bot.phases) / small if small else math.nan
    table.metric(
        "  Next clicks (≤ 10 rows) with no Plivo request (%)",
        {"bot": free},
        target="≥ 90%",
        ok=free >= 90,
        ratio=False,
    )


def _soak(table: Table, soaks: dict[str, PhaseResult], args: argparse.Namespace) -> None:
    table.section(f"soak: {args.soak_commands:,} commands at {max(args.people)} people")
    marks = {n: {k: v / MB for k, v in x.rss_marks.items()} for n, x in soaks.items()}
    table.metric("  RSS at its start (MB)", {n: m[SOAK_MARK] for n, m in marks.items()})
    end = args.soak_commands
    after = {n: m[end] for n, m in marks.items()}
    table.metric(
        f"  RSS after {end:,} (MB)",
        after,
        target="< 100 MB",
        ok=after["bot"] < 100 if "bot" in after else None,
    )
    growth = {n: m[end] - m[SOAK_MARK] for n, m in marks.items()}
    table.metric(
        "  growth (MB)",
        growth,
        target="< 10 MB",
        ok=growth["bot"] < 10 if "bot" in growth else None,
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
    table.metric(
        "  Plivo requests per answered page",
        {n: x.plivo_per_page for n, x in soaks.items()},
        digits=2,
        ratio=False,
    )


def _verdicts(verdicts: list[tuple[str, bool]]) -> str:
    if not verdicts:
        return "targets: none checked (the bot did not run)"
    missed = [label for label, ok in verdicts if not ok]
    lines = [f"targets: {len(verdicts) - len(missed)} of {len(verdicts)} met"]
    lines += [f"  missed: {label}" for label in missed]
    return "\n".join(lines)


def _slowest_person(phase: PhaseResult) -> float:
    """The highest of the people's own median end-to-end: with a fair queue, near the rest."""
    return max((_p(v, 50) for v in phase.by_person.values()), default=math.nan)


def _p(values: list[float], p: float) -> float:
    return percentile(values, p)
