"""The keys a command understands, their aliases, and how each value is checked and normalised.

Filter values become exactly what Plivo's recording list expects: phone numbers in E.164
(or a SIP URI unchanged), ids in lower case, sub-account ids in upper case, names as typed.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

import phonenumbers

from bot.query.errors import ParseError, close_match, code, did_you_mean
from bot.wire import MAX_LIMIT

Kind = Literal["filter", "limit", "page", "offset", "tz", "time"]
Value = Literal["phone", "text", "id", "subaccount", "number", "zone", "phrase"]

FILTER_NAMES = (
    "from_number",
    "to_number",
    "conference_name",
    "conference_uuid",
    "mpc_name",
    "mpc_uuid",
    "call_uuid",
    "subaccount",
)
ID_FILTERS = frozenset({"conference_uuid", "mpc_uuid", "call_uuid"})
MAX_PAGE_SIZE = MAX_LIMIT  # the page is one request: never more than Plivo lists at once
# Not in Plivo's docs; a bound keeps the serialised query short and the arithmetic sane.
MAX_OFFSET = 1_000_000
# Names longer than this are surely a mistake, and the bound keeps `Query.encode` within the
# 2,000 characters of a Slack button value whatever the characters are.
MAX_TEXT = 100
MAX_SIP = 100
MAX_ZONE = 64


@dataclass(frozen=True, slots=True)
class Key:
    """A key of the command language: `name` is its main spelling, shown in messages."""

    name: str
    kind: Kind
    value: Value
    target: str  # the Plivo filter, or for time keys the word it stands for


_KEY_LIST = (
    (("from", "from_number", "caller"), Key("from", "filter", "phone", "from_number")),
    (("to", "to_number", "callee"), Key("to", "filter", "phone", "to_number")),
    (
        ("conference", "conf", "conference_name", "room"),
        Key("conference", "filter", "text", "conference_name"),
    ),
    (
        ("conference_uuid", "conf_uuid"),
        Key("conference_uuid", "filter", "id", "conference_uuid"),
    ),
    (("mpc", "mpc_name"), Key("mpc", "filter", "text", "mpc_name")),
    (("mpc_uuid",), Key("mpc_uuid", "filter", "id", "mpc_uuid")),
    (("call", "call_uuid", "call_id"), Key("call", "filter", "id", "call_uuid")),
    (("subaccount", "sub"), Key("subaccount", "filter", "subaccount", "subaccount")),
    (("limit", "per_page"), Key("limit", "limit", "number", "")),
    (("page",), Key("page", "page", "number", "")),
    (("offset",), Key("offset", "offset", "number", "")),
    (("tz",), Key("tz", "tz", "zone", "")),
    (("since",), Key("since", "time", "phrase", "since")),
    (("after",), Key("after", "time", "phrase", "after")),
    (("before",), Key("before", "time", "phrase", "before")),
    (("until",), Key("until", "time", "phrase", "until")),
    (("on", "date"), Key("on", "time", "phrase", "on")),
)
KEYS: dict[str, Key] = {alias: key for aliases, key in _KEY_LIST for alias in aliases}

ID_RE = re.compile(r"[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}", re.ASCII)
_ID_ANY_CASE = re.compile(ID_RE.pattern, re.ASCII | re.IGNORECASE)
SUBACCOUNT_RE = re.compile(r"SA[A-Z0-9]{18}", re.ASCII)
E164_RE = re.compile(r"\+[0-9]{2,20}", re.ASCII)
# Characters RFC 3261 allows in a SIP URI, unescaped; no quotes, spaces or angle brackets.
SIP_RE = re.compile(r"sips?:[A-Za-z0-9\-_.!~*'()&=+$,;?/%:@\[\]]+", re.ASCII | re.IGNORECASE)
_PHONE_CHARS = re.compile(r"(?:tel:)?[0-9+\-(). ]+", re.ASCII | re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]{1,9}", re.ASCII)
_ZONE_CHARS = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", re.ASCII)
_BARE_ID_EXAMPLE = "c2c128e2-1c8c-11e4-9bff-1db8a9db0432"

# Abbreviations people type for a zone, and the IANA name to suggest instead.
ZONE_HINTS = {
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "mdt": "America/Denver",
    "mt": "America/Denver",
    "mountain": "America/Denver",
    "cdt": "America/Chicago",
    "ct": "America/Chicago",
    "central": "America/Chicago",
    "edt": "America/New_York",
    "et": "America/New_York",
    "eastern": "America/New_York",
    "bst": "Europe/London",
    "cest": "Europe/Paris",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "sgt": "Asia/Singapore",
    "hkt": "Asia/Hong_Kong",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
    "awst": "Australia/Perth",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    "brt": "America/Sao_Paulo",
}


def key_error(key: str) -> ParseError:
    """The error for an unknown key, with a suggestion when one is close."""
    if not key:
        return ParseError("A `=` needs a key before it, e.g. `conference=sales`.", key)
    suggestion = close_match(key, KEYS)
    known = ", ".join(f"`{k.name}`" for _, k in _KEY_LIST)
    return ParseError(
        f"I don't know the key {code(key)}{did_you_mean(suggestion)} Keys I know: {known}.",
        key,
    )


def is_valid_text(value: str) -> bool:
    """A name is 1–100 characters, not only spaces, with no control characters."""
    return (
        0 < len(value) <= MAX_TEXT
        and not value.isspace()
        and not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)
    )


@lru_cache(maxsize=1024)
def is_valid_phone(value: str) -> bool:
    """A SIP URI, or an E.164 number exactly as `phonenumbers` writes it (so it reads back)."""
    if len(value) <= MAX_SIP and SIP_RE.fullmatch(value):
        return True
    if not E164_RE.fullmatch(value):
        return False
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False
    return _e164(number) == value


def _e164(number: phonenumbers.PhoneNumber) -> str | None:
    if (
        phonenumbers.is_possible_number_with_reason(number)
        != phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1024)
def is_complete_phone(value: str, region: str) -> bool:
    """Whether `value` (digits, spaces, brackets, dashes, dots, a leading `+`) is one whole,
    valid number, so that reading a number typed with spaces can stop there."""
    if not _PHONE_CHARS.fullmatch(value) or sum(ch.isdigit() for ch in value) < 5:
        return False
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def phone(token: str, key: Key, value: str, region: str) -> str:
    """An E.164 number (numbers without `+` are read in `region`), or a SIP URI unchanged."""
    if value[:4].lower() == "sip:" or value[:5].lower() == "sips:":
        if is_valid_phone(value):  # a SIP URI never looks like E.164, so this is the SIP check
            return value
        raise ParseError(
            f"{code(token)} is not a SIP URI I can search for: write it like "
            f"`{key.name}=sip:alice@example.com`.",
            token,
        )
    if _PHONE_CHARS.fullmatch(value):
        try:
            number = phonenumbers.parse(value.removeprefix("tel:"), region)
        except phonenumbers.NumberParseException:
            number = None
        e164 = _e164(number) if number is not None else None
        if e164 is not None and is_valid_phone(e164):
            return e164
    raise ParseError(
        f"{code(token)} is not a phone number I can read: write it with the country code, "
        f"e.g. `{key.name}=+14155550100`, or as a SIP URI (`{key.name}=sip:alice@example.com`). "
        f'A number with spaces can also go in quotes: `{key.name}="+44 20 7946 0100"`.',
        token,
    )


def normalise(token: str, key: Key, value: str, region: str) -> str:
    """The Plivo value for a filter key; raises ParseError when `value` is not one."""
    if key.value == "phone":
        return phone(token, key, value, region)
    if key.value == "id":
        if _ID_ANY_CASE.fullmatch(value):
            return value.lower()
        raise ParseError(
            f"{code(token)} is not an id: ids are 36 letters and digits in groups of "
            f"8-4-4-4-12, e.g. `{key.name}={_BARE_ID_EXAMPLE}`.",
            token,
        )
    if key.value == "subaccount":
        upper = value.upper()
        if SUBACCOUNT_RE.fullmatch(upper):
            return upper
        raise ParseError(
            f"{code(token)} is not a sub-account id: those are `SA` and 18 letters or digits, "
            "e.g. `sub=SA1234567890ABCDEFGH`.",
            token,
        )
    if is_valid_text(value):
        return value
    raise ParseError(
        f"{code(token)} is not a name I can search for: names are 1–{MAX_TEXT} characters "
        f'without control characters; quote one with spaces, e.g. `{key.name}="sales team"`.',
        token,
    )


def number(token: str, key: Key, value: str, low: int, high: int, what: str) -> int:
    """A whole number from `low` to `high` inclusive."""
    if _DIGITS.fullmatch(value) and low <= int(value) <= high:
        return int(value)
    if not value.isdigit():
        raise ParseError(
            f"{code(token)} is not a number: {what} is a whole number from {low} to {high}, "
            f"e.g. `{key.name}={max(low, min(high, 2))}`.",
            token,
        )
    raise ParseError(
        f"{code(token)} is out of range: {what} is a whole number from {low} to {high}, "
        f"e.g. `{key.name}={max(low, min(high, 2))}`.",
        token,
    )


@cache
def _zones_by_lower_name() -> dict[str, str]:
    # Scans the zone database once; only needed for names in the wrong case or misspelt.
    return {name.lower(): name for name in zoneinfo.available_timezones()}


# Bounded: `tz=` is free text, and every distinct spelling (wrong case, typos) would otherwise
# stay in memory for the life of the process. The real zones number about 600.
ZONE_CACHE_SIZE = 1024


@lru_cache(maxsize=ZONE_CACHE_SIZE)
def _load_zone(name: str) -> zoneinfo.ZoneInfo | None:
    if len(name) > MAX_ZONE or not _ZONE_CHARS.fullmatch(name):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone(name: str, token: str | None = None) -> tuple[str, zoneinfo.ZoneInfo]:
    """The canonical name and the zone for `name`: `UTC` or any name zoneinfo knows."""
    if name.upper() == "UTC":
        return "UTC", zoneinfo.ZoneInfo("UTC")
    found = _load_zone(name)
    if found is not None:
        return name, found
    canonical = _zones_by_lower_name().get(name.lower())
    if canonical is not None and (found := _load_zone(canonical)) is not None:
        return canonical, found
    shown = token if token is not None else name
    hint = ZONE_HINTS.get(name.lower()) or close_match(name, _zones_by_lower_name())
    if hint is not None:
        hint = _zones_by_lower_name().get(hint.lower(), hint)
    suggestion = f"`{hint}`" if hint else "`America/Los_Angeles` or `Europe/London`"
    raise ParseError(
        f"{code(shown)} is not a time zone I know: use an IANA name such as {suggestion}, "
        "or `UTC`.",
        shown,
    )


def warm_up() -> None:
    """Load what the first command with a phone number or a zone would otherwise load."""
    phonenumbers.parse("+14155550100", "US")
    phonenumbers.parse("4155550100", "US")
    zone("UTC")
