"""The words of a time phrase made ready for the grammar: `5 pm` → `5pm`, a trailing `,` or
`.` dropped, `year to date` → `ytd`, and compact ranges written as one word split into two
ends: `9-11am`, `9am-5pm`, `mon-fri`, `nov 1-15`, `1-15 nov`, `2026-11-01..2026-11-15`."""

from __future__ import annotations

import re

from bot.query.natural import MONTHS
from bot.query.times.digits import read_clock
from bot.query.times.words import MERIDIEM, WEEKDAYS, Word

_RANGE_OF_CLOCKS = re.compile(r"([0-9:.]+(?:am|pm)?)[-–]([0-9:.]+(?:am|pm)?)", re.ASCII)
_BARE_CLOCK = re.compile(r"[0-9]{1,2}(?:[:.][0-9]{2}){0,2}", re.ASCII)


def text_of(words: list[Word]) -> str:
    """The words as the user wrote them, for messages."""
    return " ".join(w.orig for w in words if w.orig)


def normalise(words: list[Word]) -> list[Word]:
    """Lower-case forms ready for the grammar: `5 pm` → `5pm`, `9am-5pm` → `9am - 5pm`,
    `nov 1-15` → `nov 1 - nov 15`, `year to date` → `ytd`; a trailing `,` or `.` is dropped."""
    cleaned: list[Word] = []
    for word in words:
        text = word.text.rstrip(",")
        if text.endswith(".") and text not in MERIDIEM and not text.endswith(".."):
            text = text.rstrip(".")
        if not text:
            continue
        if text in MERIDIEM and cleaned and _BARE_CLOCK.fullmatch(cleaned[-1].text):
            previous = cleaned.pop()
            orig = " ".join(part for part in (previous.orig, word.orig) if part)
            cleaned.append(Word(previous.text + MERIDIEM[text], orig))
            continue
        cleaned.append(Word(text, word.orig))
    cleaned = _merge_phrases(cleaned)
    out: list[Word] = []
    i = 0
    while i < len(cleaned):
        word = cleaned[i]
        after = [w.text for w in cleaned[i + 1 : i + 3]]
        expanded = _expand(word, out[-1].text if out else "", after)
        out += expanded if expanded is not None else [word]
        i += 1
    return out


# Phrases whose middle word is also an operator (`to`, `before`): read as one word.
_MERGES = {
    ("year", "to", "date"): ["ytd"],
    ("quarter", "to", "date"): ["qtd"],
    ("month", "to", "date"): ["mtd"],
    ("week", "to", "date"): ["wtd"],
    ("the", "day", "before", "yesterday"): ["2", "days", "ago"],
    ("day", "before", "yesterday"): ["2", "days", "ago"],
}
_DOTS = re.compile(r"(.+?)\.\.(.+)")
_WORD_RANGE = re.compile(r"([a-z]+)[-–]([a-z]+)", re.ASCII)
_DAY_RANGE = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?[-–]([0-9]{1,2})(?:st|nd|rd|th)?", re.ASCII)
_YEAR_WORD = re.compile(r"19[0-9]{2}|2[0-9]{3}", re.ASCII)


def _merge_phrases(words: list[Word]) -> list[Word]:
    out: list[Word] = []
    i = 0
    while i < len(words):
        for pattern, replacement in _MERGES.items():
            if tuple(w.text for w in words[i : i + len(pattern)]) == pattern:
                orig = text_of(words[i : i + len(pattern)])
                out += [Word(replacement[0], orig), *(Word(r, "") for r in replacement[1:])]
                i += len(pattern)
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _expand(word: Word, before: str, after: list[str]) -> list[Word] | None:
    """A compact range written as one word, as two ends with `-` between them."""
    text = word.text

    def ends(*parts: str) -> list[Word]:
        return [Word(parts[0], word.orig), *(Word(p, "") for p in parts[1:])]

    match = _DOTS.fullmatch(text)
    if match is not None:  # 2026-11-01..2026-11-15
        return ends(match[1], "-", match[2])
    match = _RANGE_OF_CLOCKS.fullmatch(text)
    if match is not None:
        low, high = _clock_pair(match[1], match[2])
        if low is not None and high is not None:
            return ends(low, "-", high)
    match = _WORD_RANGE.fullmatch(text)
    if match is not None and match[1] in WEEKDAYS and match[2] in WEEKDAYS:
        return ends(match[1], "-", match[2])  # mon-fri
    match = _DAY_RANGE.fullmatch(text)
    if match is not None:
        year = [after[0]] if after and _YEAR_WORD.fullmatch(after[0]) else []
        if before in MONTHS:  # nov 1-15 [2026]: the month is already out
            return ends(match[1], *year, "-", before, match[2])
        if after and after[0] in MONTHS:  # 1-15 nov [2026]: the month comes next
            year = after[1:2] if len(after) > 1 and _YEAR_WORD.fullmatch(after[1]) else []
            return ends(match[1], after[0], *year, "-", match[2])
    return None


def _clock_pair(low: str, high: str) -> tuple[str | None, str | None]:
    """`9-11am`: the first time takes the second's am/pm, or the other one if that would put
    it after the second (`11-1pm` is 11am to 1pm)."""
    if read_clock(low) is not None:
        return (low, high) if read_clock(high) is not None else (None, None)
    meridiem = high[-2:]
    high_clock = read_clock(high)
    if meridiem not in ("am", "pm") or high_clock is None:
        return None, None
    first = read_clock(low + meridiem)
    if first is None:
        return None, None
    if (first.hour, first.minute) > (high_clock.hour, high_clock.minute):
        other = "am" if meridiem == "pm" else "pm"
        return low + other, high
    return low + meridiem, high
