"""`parse`: the text after `/recordings` to a `Query`, as one pure function (no I/O).

Tokens that are `key=value` (or `key:value` for a known key) are filters and settings; a bare
id is a call id; `share` asks for the answer in the channel; everything else is a time phrase,
read by `times`. Every mistake is a `ParseError` that quotes the offending text.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.query import filters as f
from bot.query import natural
from bot.query.errors import ParseError, close_match, code
from bot.query.forgiving import rewrite
from bot.query.model import Query
from bot.query.times import Word, is_date_word, resolve
from bot.query.tokens import Token, tokenize, unescape_slack

_HELP_WORDS = frozenset({"help", "?", "-h", "--help"})
_PHONE_WORD = re.compile(r"[0-9+()\-]+", re.ASCII)
_MIN_PHONE_DIGITS = 7
# The numeric keys: lowest and highest value, and what the number is, for messages.
_NUMBERS = {
    "limit": (1, f.MAX_PAGE_SIZE, "the page size"),
    "page": (1, f.MAX_OFFSET, "the page number"),
    "offset": (0, f.MAX_OFFSET, "the offset"),
}


DATE_ORDERS = ("MDY", "DMY", "YMD")
# Slack locales that write the year first, and the one that writes the month first; every
# other locale puts the day first (en-GB, en-IN, en-AU, de-DE, fr-FR, es-ES, pt-BR…).
_YEAR_FIRST = ("ja", "zh", "ko", "hu", "lt", "mn")
_MONTH_FIRST = ("en-US", "en-PH", "es-US")


def date_order_for_locale(locale: str | None, default: str = "MDY") -> str:
    """The numeric date order for a Slack locale (`en-US` → MDY, `en-GB` → DMY, `ja-JP` →
    YMD); `default` when the locale is unknown or empty."""
    if not locale:
        return default
    normal = locale.replace("_", "-")
    language = normal.split("-")[0].lower()
    if normal.lower() in (m.lower() for m in _MONTH_FIRST):
        return "MDY"
    if language in _YEAR_FIRST:
        return "YMD"
    if language == "en" and "-" not in normal:
        return default
    return "DMY"


def is_help(text: str) -> bool:
    """Whether the command asks for help: `help`, `?`, `-h` or `--help` alone."""
    return text.strip().lower() in _HELP_WORDS


def parse(
    text: str,
    now: datetime,
    tz: str,
    *,
    page_size: int = 10,
    phone_region: str = "US",
    date_order: str = "MDY",
) -> Query:
    """Read a command typed at `now` (aware) by someone in zone `tz`.

    `page_size` is the default page size (`limit=` overrides it); numbers without `+` are
    read in `phone_region`; numeric dates with two readings (`03/11`) in `date_order`
    (`MDY`, `DMY` or `YMD`: see `date_order_for_locale`). Raises ParseError for anything
    that cannot be read, and ValueError only when the caller breaks the contract (naive
    `now`, page size or date order out of range).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not 1 <= page_size <= f.MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{f.MAX_PAGE_SIZE}")
    if date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {', '.join(DATE_ORDERS)}")
    reader = _Reader(phone_region)
    for token in rewrite(tokenize(unescape_slack(text), f.KEYS), phone_region):
        if token.key is None:
            reader.bare(token)
        else:
            reader.key_value(token)
    return reader.query(now, tz, page_size, date_order)


class _Reader:
    """What the tokens of one command said so far."""

    def __init__(self, phone_region: str) -> None:
        self.phone_region = phone_region
        self.filters: dict[str, str] = {}
        self.seen: dict[str, str] = {}  # main key name -> the token that gave it
        self.words: list[Word] = []
        self.numbers: dict[str, tuple[int, str]] = {}  # limit/page/offset -> value, token
        self.zone: tuple[str, str] | None = None  # name, token
        self.share = False

    def _once(self, name: str, token: str) -> None:
        if name in self.seen:
            raise ParseError(
                f"{code(name)} is given twice ({code(self.seen[name])} and {code(token)}); "
                "give it once.",
                token,
            )
        self.seen[name] = token

    def key_value(self, token: Token) -> None:
        assert token.key is not None
        assert token.arg is not None
        key = f.KEYS.get(token.key.lower())
        if key is None:
            raise f.key_error(token.key)
        self._once(key.name, token.text)
        arg = token.arg if key.value == "text" else token.arg.strip()
        if not arg.strip():
            example = {"phone": "+14155550100", "zone": "America/New_York", "number": "5"}
            shown = example.get(key.value, "yesterday" if key.kind == "time" else "sales")
            raise ParseError(
                f"{code(token.text)} has no value: write it like `{key.name}={shown}`.",
                token.text,
            )
        if key.kind == "filter":
            self.filters[key.target] = f.normalise(token.text, key, arg, self.phone_region)
        elif key.kind == "time":
            self.words.append(Word(key.target, token.text))
            self.words += [Word(word.lower(), "") for word in arg.split()]
        elif key.kind == "tz":
            self.zone = (arg, token.text)
        else:  # limit, page or offset
            low, high, what = _NUMBERS[key.kind]
            self.numbers[key.kind] = (f.number(token.text, key, arg, low, high, what), token.text)

    def bare(self, token: Token) -> None:
        lowered = token.value.lower()
        if lowered == "share":
            self._once("share", token.text)
            self.share = True
        elif lowered in _HELP_WORDS:
            raise ParseError(
                f"{code(token.text)} works on its own: send `/recordings help` for help.",
                token.text,
            )
        elif f.ID_RE.fullmatch(lowered):
            self._once("call", token.text)
            self.filters["call_uuid"] = lowered
        elif _looks_like_key(lowered):
            raise f.key_error(token.value.partition(":")[0])
        else:
            for index, word in enumerate(token.value.split()):
                self.words.append(Word(word.lower(), token.text if index == 0 else ""))

    def query(self, now: datetime, tz: str, default_page_size: int, order: str) -> Query:
        if "page" in self.numbers and "offset" in self.numbers:
            raise ParseError(
                f"{code(self.numbers['offset'][1])} and {code(self.numbers['page'][1])} "
                "both say where to start; give one of them.",
                self.numbers["offset"][1],
            )
        page_size = self.numbers.get("limit", (default_page_size, ""))[0]
        offset = self.numbers.get("offset", (0, ""))[0]
        if "page" in self.numbers:
            page, token = self.numbers["page"]
            offset = (page - 1) * page_size
            if offset > f.MAX_OFFSET:
                raise ParseError(
                    f"{code(token)} is out of range: pages start at most {f.MAX_OFFSET:,} "
                    "recordings in.",
                    token,
                )
        _check_phone_numbers(self.words)
        if self.zone is not None:
            zone_name, zone = f.zone(*self.zone)
        else:
            try:
                zone_name, zone = f.zone(tz)
            except ParseError as exc:
                raise ParseError(
                    f"Your time zone {code(tz)} is not one I know; add `tz=` with an IANA "
                    "name, e.g. `tz=America/Los_Angeles`, or `tz=UTC`.",
                    exc.token,
                ) from None
        has_id = not self.filters.keys().isdisjoint(f.ID_FILTERS)
        window = resolve(self.words, now, zone, has_id=has_id, order=order)
        return Query(
            filters=self.filters,
            start=window.start,
            end=window.end,
            start_op=window.start_op,
            end_op=window.end_op,
            end_is_now=window.end_is_now,
            tz=zone_name,
            page_size=page_size,
            offset=offset,
            share=self.share,
        )


def _looks_like_key(word: str) -> bool:
    """`confrence:sales`: a misspelt key written with a colon (known keys never get here)."""
    prefix, colon, _ = word.partition(":")
    return bool(colon) and len(prefix) >= 4 and close_match(prefix, f.KEYS) is not None


def _check_phone_numbers(words: list[Word]) -> None:
    """A bare phone number (7+ digits with `+ - ( )` and spaces, not a date) is an error."""
    run: list[Word] = []
    for word in [*words, Word("", "")]:
        if word.text and _PHONE_WORD.fullmatch(word.text) and not is_date_word(word.text):
            run.append(word)
            continue
        digits = sum(ch.isdigit() for w in run for ch in w.text)
        if digits >= _MIN_PHONE_DIGITS:
            shown = " ".join(w.orig or w.text for w in run)
            number = re.sub(r"[^0-9+]", "", shown)
            raise ParseError(
                f"{code(shown)} looks like a phone number: to search by number write "
                f"`from={number}` (the caller) or `to={number}` (the callee).",
                shown,
            )
        run = []


def warm_up() -> None:
    """Make the first command after start-up fast: build the shared date parser and load
    the data that parsing a command loads on first use."""
    natural.warm_up()
    f.warm_up()
    now = datetime(2026, 3, 11, 22, 30, tzinfo=f.zone("UTC")[1])
    parse("from=+14155550100 conference=warm-up on march 8", now, "UTC")
    parse("since yesterday", now, "UTC").encode()
