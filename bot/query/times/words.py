"""The words of time phrases: weekdays, units, number words, operators and fillers.

`VOCABULARY` is every word the time grammar knows, which is where "did you mean" suggestions
for a time phrase come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.query import natural

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
UNITS = {
    "s": "second", "sec": "second", "secs": "second", "second": "second",
    "seconds": "second", "m": "minute", "min": "minute", "mins": "minute",
    "minute": "minute", "minutes": "minute", "h": "hour", "hr": "hour", "hrs": "hour",
    "hour": "hour", "hours": "hour", "d": "day", "day": "day", "days": "day", "w": "week",
    "wk": "week", "wks": "week", "week": "week", "weeks": "week", "mo": "month",
    "mos": "month", "month": "month", "months": "month", "y": "year", "yr": "year",
    "yrs": "year", "year": "year", "years": "year", "quarter": "quarter",
    "quarters": "quarter", "qtr": "quarter", "qtrs": "quarter",
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
ELAPSED = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
}
GRAINS = {"second": timedelta(seconds=1), "minute": timedelta(minutes=1)}
DAY_SHIFT = {"today": 0, "yesterday": -1, "tomorrow": 1}
PART_WORDS = frozenset({"morning", "afternoon", "evening", "night"})
QUARTERS = {"q1": 1, "q2": 2, "q3": 3, "q4": 4}
# `ytd` is `this year`: the period to date (the end is clamped to now).
TO_DATE = {"ytd": "year", "qtd": "quarter", "mtd": "month", "wtd": "week"}
BUSINESS = frozenset({"business", "working", "work"})

# Operator words; `from` is one only when it is not written `from=`/`from:` (then it is a key).
LOWER_OPS = {"since": "since", "from": "since", "starting": "since", "after": "after"}
UPPER_OPS = {
    "before": "before", "until": "until", "till": "until", "til": "until",
    "through": "until", "thru": "until",
}  # fmt: skip
JOINERS = {"to": "to", "and": "and", "-": "to", "–": "to", "—": "to"}
OPERATORS = frozenset(LOWER_OPS) | frozenset(UPPER_OPS) | frozenset(JOINERS) | {"between", "on"}
FILLERS = frozenset(
    {"now", "today", "yesterday", "tomorrow", "noon", "midnight", "this", "last", "past",
     "previous", "prev", "next", "ago", "in", "within", "over", "the", "at", "of", "am", "pm",
     "up", "tonight", "weekend", "date", "day"}
)  # fmt: skip
# The words a time phrase may use; suggestions for a time phrase come from these, never from
# number words ("night" is not "eight").
TIME_WORDS = (
    OPERATORS
    | FILLERS
    | frozenset(WEEKDAYS)
    | frozenset(UNITS)
    | frozenset(natural.MONTHS)
    | PART_WORDS
    | frozenset(QUARTERS)
    | frozenset(TO_DATE)
    | BUSINESS
)
VOCABULARY = TIME_WORDS | frozenset(NUMBER_WORDS)
MERIDIEM = {"am": "am", "a.m.": "am", "a.m": "am", "pm": "pm", "p.m.": "pm", "p.m": "pm"}
ZONE_WORDS = frozenset(
    {"pst", "pdt", "est", "edt", "cst", "cdt", "mst", "mdt", "utc", "gmt", "bst", "cet", "cest",
     "ist", "jst", "aest", "aedt", "z"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Word:
    """A word of the time phrase: `text` lower-cased; `orig` as written, for messages.

    Words that came from one `key=value` token share its text: the first carries it in
    `orig`, the rest have an empty `orig`.
    """

    text: str
    orig: str
