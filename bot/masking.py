"""Phone numbers cut to their last four digits: in every log line, and in pages shared in a channel.

Two shapes. `mask_number` masks a value known to be a number (a recording's `from_number`, the
query's `from=`): an E.164 number or the user part of a SIP URI. `mask_phone_numbers` finds numbers
in free text (a log line, a conference name) without mangling what only looks like one: dates,
times, ids, ports, Unix timestamps, byte counts. A run of digits counts as a number when it is
written with `+`, or when `phonenumbers` says it is a valid number (in the given region, or with its
country code); a Unix timestamp of this century (`17…`, `18…`) never is one.

Pure (the renderer uses it): `re` and `phonenumbers` only.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

MASK = "…"

# A number as people and Plivo write it: digits, maybe a leading + and single separators. Not
# inside a word, a decimal, an id or a path, and not followed by one (so 2026-03-11T22:30 and
# 127.0.0.1:8123 are not candidates at all).
_CANDIDATE = re.compile(
    # After a colon only with a + (sip:+1415…, tel:+1415…): 00:00:50.02 is a time.
    r"(?:(?<=:)(?=\+)|(?<![\w.^/\\+:-]))"
    r"(\+?\(?\d(?:[ ().-]{0,2}\d){6,18})(?![\w:+]|[.\-/]\d)",
    re.ASCII,
)
# Where a number may be: a cheap first pass (seven digits or more, with the separators numbers are
# written with), so the exact rules above run only around such runs, not at every character.
_RUN = re.compile(r"\d[\d ().-]{5,}\d", re.ASCII)
# Counters, sizes and times named in `key=value` lines are numbers, but not phone numbers.
_NAMED_QUANTITY = re.compile(
    r"(?:bytes|size|count|counts|total|shown|offset|limit|_ms|_s|ts|id|port|pid|status)"
    r"[\"']?\s*[=:]\s*[\"'\[]?(?:\d+,)*$",
    re.IGNORECASE,
)
# Shapes that are never phone numbers, however valid their digits would be as one.
_NOT_A_NUMBER = re.compile(
    r"\d{4}([-/.])\d{1,2}\1\d{1,2}"  # a date
    r"|\d{1,3}(?:\.\d{1,3}){3}"  # an IPv4 address
    r"|\d+\.\d+"  # a decimal
    r"|1[78]\d{8}(?:\d{3})?",  # a Unix timestamp of this century, in seconds or milliseconds
    re.ASCII,
)
_SIP = re.compile(r"^(sips?:)([^@;?]*)(.*)$", re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=4096)
def is_phone_number(digits: str, region: str = "US") -> bool:
    """Whether a bare run of digits is a valid phone number, nationally or with its country code."""
    for text, where in ((digits, region), ("+" + digits, None)):
        try:
            number = phonenumbers.parse(text, where)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def _last_four(value: str) -> str:
    return MASK + value[-4:] if len(value) > 4 else MASK + value[-1:] if value else value


def mask_number(value: str) -> str:
    """A number field, masked: `+14155550100` → `…0100`, `sip:alice@host` → `sip:…lice@host`."""
    sip = _SIP.match(value)
    if sip:
        scheme, user, rest = sip.groups()
        return scheme + _last_four(user) + rest
    return _last_four(value)


def mask_phone_numbers(text: str, region: str = "US") -> str:
    """Every phone number in `text` as `…` and its last four digits; nothing else touched."""

    def masked(match: re.Match[str]) -> str:
        found = match.group(1)
        digits = "".join(ch for ch in found if ch.isdigit())
        if not 7 <= len(digits) <= 15:
            return found
        if not found.startswith("+") and (
            _NOT_A_NUMBER.fullmatch(found)
            or _NAMED_QUANTITY.search(text, 0, match.start())
            or not is_phone_number(digits, region)
        ):
            return found
        return MASK + digits[-4:]

    parts: list[str] = []
    done = 0
    for run in _RUN.finditer(text):
        if _NOT_A_NUMBER.fullmatch(run.group()):
            continue  # a date or an address, as most runs in log lines are: nothing inside it
        # The window: a + or ( just before the run, the two characters after it that the
        # exact pattern looks ahead at (its look-behind sees before the window by itself).
        window = (max(run.start() - 2, done), min(len(text), run.end() + 2))
        for match in _CANDIDATE.finditer(text, *window):
            shown = masked(match)
            if shown != match.group(1):
                parts += (text[done : match.start()], shown)
                done = match.end()
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)
