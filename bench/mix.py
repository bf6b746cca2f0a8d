"""What the simulated people type: the realistic default mix, and the old repeating one.

- `RealisticMix` (the default): almost no two commands alike. Most ranges end now (`last N
  hours`, `since N hours ago`, `since <weekday> <time>`, `today`, `last N days`), with varied
  filters: each conference, MPC and phone number of the sample data, and ids (call, conference,
  MPC) of its recent recordings; half the commands choose a page size from 3 to 20; a few closed
  ranges (`yesterday`, `between <day> and <day>`), a few long ranges (over 30 days: several Plivo
  windows), help, and mistakes of several kinds, each with varied text. The driver reports the
  share of commands that repeat an earlier text within a minute.
- `RepeatMix` (`--mix repeat`): the first benchmark's 17 texts with fixed weights, so identical
  searches overlap far more often than a team's do; kept to compare with earlier runs.

Each draw is a `Command`: its text, what the bot answers (a page, or help or a mistake in the ack
itself), its page size, and a label that groups like commands in the per-command breakdown.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.sample_api import SampleApi
from bot.sample_api.data import CONFERENCES, IN, MPC_NAMES, OUR_NUMBERS, UK, US
from bot.wire import format_time

DEFAULT_PAGE_SIZE = 10  # the PAGE_SIZE the benchmark gives both apps


@dataclass(frozen=True, slots=True)
class Command:
    text: str
    page: bool  # False: help or a mistake, answered in the ack itself
    page_size: int
    label: str


class RepeatMix:
    """The first benchmark's mix: 17 texts, weights out of 100."""

    name = "repeat"
    TEXTS: tuple[tuple[str, int], ...] = (
        ("", 4),
        ("last 2 hours", 10),
        ("last 24 hours", 9),
        ("yesterday", 7),
        ("conference=sales since yesterday", 10),
        ("from=+14155550100 last 7 days", 8),
        ("to=+14155550101 last 3 days", 5),
        ("between monday and tuesday", 8),
        ("since monday", 6),
        ("this week conference=standup", 4),
        ("mpc=war-room last 2 weeks", 4),
        ('conference="Customer Success" last 30 days limit=20', 6),
        ("last month", 8),
        ("last 90 days", 2),
        ("help", 3),
        ("confrence=sales", 3),  # a parse error: an unknown key, with a suggestion
        ("conference=sales tomorrow", 3),  # a parse error: a range in the future
    )
    IN_ACK = frozenset({"help", "confrence=sales", "conference=sales tomorrow"})

    def __init__(self) -> None:
        self._texts = [text for text, _ in self.TEXTS]
        self._weights = [weight for _, weight in self.TEXTS]

    def draw(self, rng: random.Random) -> Command:
        text = rng.choices(self._texts, self._weights)[0]
        size = 20 if "limit=20" in text else DEFAULT_PAGE_SIZE
        return Command(text, text not in self.IN_ACK, size, text or "(empty)")


_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock_time(rng: random.Random) -> str:
    hour, minute = rng.randrange(7, 20), rng.choice((0, 0, 15, 30, 45))
    if rng.random() < 0.5:
        return f"{hour:02d}:{minute:02d}"
    twelve = hour % 12 or 12
    suffix = "am" if hour < 12 else "pm"
    return f"{twelve}{suffix}" if not minute else f"{twelve}:{minute:02d}{suffix}"


class RealisticMix:
    """Commands as a team types them; see the module's docstring."""

    name = "realistic"

    def __init__(self, sample: SampleApi | None = None) -> None:
        # The fake Plivo serves SampleApi's default data set, built from the same seed: its ids
        # are the same, and its recent recordings are about as recent.
        sample = sample or SampleApi(now=datetime.now(UTC))
        since = format_time(sample.now - timedelta(days=5))
        recent = sample.query({"add_time__gte": since, "add_time__lte": format_time(sample.now)})
        self.ids: list[tuple[str, str]] = []
        for body in recent:
            for field, key in (
                ("call_uuid", "call"),
                ("conference_uuid", "conference_uuid"),
                ("mpc_uuid", "mpc_uuid"),
            ):
                if body.get(field):
                    self.ids.append((key, str(body[field])))
        self.numbers = list(OUR_NUMBERS + US + UK + IN)
        self.conferences = [name for name, *_ in CONFERENCES]
        self._kinds: list[tuple[Callable[[random.Random], Command], int]] = [
            (self._page, 94),
            (self._help, 2),
            (self._mistake, 4),
        ]

    def draw(self, rng: random.Random) -> Command:
        kinds, weights = zip(*self._kinds, strict=True)
        return rng.choices(kinds, weights)[0](rng)

    # --- pages ------------------------------------------------------------------------------

    def _page(self, rng: random.Random) -> Command:
        filt, filt_label, needs_recent = self._filter(rng)
        when, when_label = self._when(rng, recent=needs_recent)
        size = DEFAULT_PAGE_SIZE
        parts = [p for p in (filt, when) if p]
        if rng.random() < 0.5:
            size = rng.randint(3, 20)
            parts.append(f"limit={size}")
        if rng.random() < 0.2:
            rng.shuffle(parts)  # some put the filter last
        label = " ".join(p for p in (filt_label, when_label) if p) or "(empty)"
        return Command(" ".join(parts), True, size, label)

    def _filter(self, rng: random.Random) -> tuple[str, str, bool]:
        """(text, label, whether it picks out single recordings: an id)."""
        roll = rng.random()
        if roll < 0.35:
            return "", "", False
        if roll < 0.60:
            name = rng.choice(self.conferences)
            return f"conference={_quoted(name)}", "conference=…", False
        if roll < 0.80:
            key = rng.choice(("from", "to"))
            return f"{key}={rng.choice(self.numbers)}", f"{key}=…", False
        if roll < 0.87:
            return f"mpc={rng.choice(MPC_NAMES)}", "mpc=…", False
        if not self.ids:
            return "", "", False
        key, value = rng.choice(self.ids)
        return f"{key}={value}", f"{key}=…", True

    def _when(self, rng: random.Random, *, recent: bool) -> tuple[str, str]:
        roll = rng.random()
        if recent:  # an id someone pasted: one recording, from the last days
            n = rng.randint(2, 7)
            return rng.choice((f"last {n} days", f"since {n} days ago")), "last/since N days"
        if roll < 0.22:
            return f"last {rng.randint(1, 120)} hours", "last N hours"
        if roll < 0.30:
            return f"last {rng.randrange(30, 600, 5)} minutes", "last N minutes"
        if roll < 0.44:
            return f"since {rng.randint(1, 48)} hours ago", "since N hours ago"
        if roll < 0.64:
            day = rng.choice(_DAYS if rng.random() < 0.5 else _SHORT_DAYS)
            return f"since {day} {_clock_time(rng)}", "since <weekday> <time>"
        if roll < 0.70:
            return f"since yesterday {_clock_time(rng)}", "since yesterday <time>"
        if roll < 0.72:
            return rng.choice(("today", "this week", "")), "today / this week / default"
        if roll < 0.87:
            return f"last {rng.randint(2, 29)} days", "last N days"
        if roll < 0.95:  # closed ranges: the same words mean the same range all day
            first, second = sorted(rng.sample(range(7), 2))
            return rng.choice(
                (
                    "yesterday",
                    "last week",
                    f"between {_DAYS[first]} and {_DAYS[second]}",
                    f"between {_DAYS[first]} {_clock_time(rng)} and {_DAYS[second]} 6pm",
                    f"between yesterday {_clock_time(rng)} and yesterday 11pm",
                )
            ), "closed range"
        n = rng.randint(31, 90)  # long: two or three 30-day windows
        return rng.choice((f"last {n} days", f"since {n} days ago")), "long range"

    # --- help and mistakes ------------------------------------------------------------------

    def _help(self, rng: random.Random) -> Command:
        return Command(rng.choice(("help", "?", "--help", "-h")), False, 0, "help")

    def _mistake(self, rng: random.Random) -> Command:
        hours = rng.randint(1, 72)
        name = rng.choice(self.conferences)
        text = rng.choice(
            (
                f"confrence={_quoted(name)} last {hours} hours",  # unknown key
                f"last {hours} horus",  # a misspelt unit
                f"from=+1415{rng.randint(100, 999)} last {hours} hours",  # not a number
                f"conference={_quoted(name)} since tomorrow {_clock_time(rng)}",  # the future
                f"last {hours} hours limit={rng.randint(21, 99)}",  # page size out of range
            )
        )
        return Command(text, False, 0, "mistake")


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


MIXES = {"realistic": RealisticMix, "repeat": RepeatMix}
