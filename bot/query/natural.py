"""The dateparser layer: dates written with month names or slashes ("march 8", "dec 25 5pm",
"03/04/2021", "8th of march 2024").

One `DateDataParser` serves every command. Its `RELATIVE_BASE` is fixed on purpose: we only
hand it phrases whose meaning does not depend on today (no "ago", "next", weekdays…), take
from its answer only the parts the text determined (`DateData.parts`), and fill the missing
ones (usually the year) ourselves, in the user's zone. That keeps the parser shared and
read-only, so nothing is rebuilt per command, and lets us cache answers by text.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from dateparser.date import DateDataParser

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip

_FILLERS = frozenset({"of", "the", "at", "on", "am", "pm", "noon", "midnight"})
_NUMBER = re.compile(r"([0-9]{1,2}|[0-9]{4})(?:st|nd|rd|th)?", re.ASCII)  # 8, 8th, 2026
_CLOCK = re.compile(r"[0-9]{1,2}(?::[0-9]{2}){1,2}(?:am|pm)?|[0-9]{1,2}(?:am|pm)", re.ASCII)
# 03/04/2021, 3.4, 03/04, 03-04-2021 (a dash only with all three parts: "8-10" is no date)
_NUMERIC_DATE = re.compile(
    r"[0-9]{1,4}[/.][0-9]{1,2}(?:[/.][0-9]{1,4})?|[0-9]{1,2}-[0-9]{1,2}-(?:[0-9]{2}|[0-9]{4})",
    re.ASCII,
)
_SECONDS = re.compile(r"[0-9]:[0-9]{2}:[0-9]{2}", re.ASCII)
_MINUTES = re.compile(r"[0-9]:[0-9]{2}", re.ASCII)

# Any fixed day works; a leap year so that "feb 29" without a year still parses.
_BASE = datetime(2000, 1, 15, 12, 0)


@dataclass(frozen=True, slots=True)
class Parts:
    """What a phrase determined: None where the text said nothing."""

    year: int | None
    month: int | None
    day: int | None
    time: tuple[int, int, int] | None  # hour, minute, second
    grain: str  # "hour", "minute" or "second" for the time


_lock = threading.Lock()
_parser: DateDataParser | None = None


def parser() -> DateDataParser:
    """The shared parser, built on first use."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                _parser = DateDataParser(
                    languages=["en"],
                    settings={
                        "RETURN_TIME_AS_PERIOD": True,
                        "RELATIVE_BASE": _BASE,
                        "DATE_ORDER": "MDY",
                        "PREFER_DATES_FROM": "current_period",
                        "PARSERS": ["absolute-time"],
                    },
                )
    return _parser


def acceptable(words: list[str]) -> bool:
    """Whether `words` may go to dateparser: only date vocabulary, and either month names or
    one numeric date (`03/04/2021`), not both.

    This is what stops "may I", a stray "a" or "5", or "march 8-10" (which dateparser reads
    as 8 March 2010) from being read as a date.
    """
    months = numeric = 0
    for word in words:
        if word in MONTHS:
            months += 1
        elif _NUMERIC_DATE.fullmatch(word):
            numeric += 1
        elif _NUMBER.fullmatch(word):
            if len(word.rstrip("stndrh")) == 2 and int(word[:2]) > 31:
                return False  # "march 32" is not a day, and not 2032 either
        elif word not in _FILLERS and not _CLOCK.fullmatch(word):
            return False
    # Numeric dates alone are read in the user's date order (`times.digits`), not here.
    return months == 1 and numeric == 0


@lru_cache(maxsize=2048)
def read(text: str) -> Parts | None:
    """The parts `text` determines, or None when dateparser cannot read it."""
    try:
        data = parser().get_date_data(text)
    except Exception:  # dateparser's failure modes are not documented; a miss is a miss
        return None
    if data.date_obj is None or not data.parts:
        return None
    parts = set(data.parts)
    value = data.date_obj
    grain = "second" if _SECONDS.search(text) else "minute" if _MINUTES.search(text) else "hour"
    return Parts(
        year=value.year if "year" in parts else None,
        month=value.month if "month" in parts else None,
        day=value.day if "day" in parts else None,
        time=(value.hour, value.minute, value.second) if "time" in parts else None,
        grain=grain,
    )


def warm_up() -> None:
    """Build the parser and load dateparser's English data, so the first command is fast."""
    read.cache_clear()
    read("march 8 2026 5:30pm")
    read("03/04/2021")
    read.cache_clear()
