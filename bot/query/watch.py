"""Reading `/recordings watch …` and `/recordings unwatch …`: pure, like `parse`.

A watch has filters only. It is "from now on", so time phrases are refused, as are paging and
`share` (a watch always posts in its channel); `sub=` is refused too, because a listed recording
does not say which subaccount it belongs to, so the one shared poll could not match it. ("last 7
days", the range a search gets anyway, reads as no range and is let through.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.query.errors import ParseError, code
from bot.query.parser import parse
from bot.query.times.clauses import DEFAULT_DAYS, ID_DEFAULT_DAYS

WATCH = "watch"
UNWATCH = "unwatch"
_ANY_NOW = datetime(2026, 1, 1, tzinfo=UTC)  # filters do not depend on the moment
_ID = re.compile(r"#?([0-9]{1,9})")
_DEFAULT_SPANS = (timedelta(days=DEFAULT_DAYS), timedelta(days=ID_DEFAULT_DAYS))


def subcommand(text: str) -> tuple[str, str] | None:
    """("watch" | "unwatch", the rest) when `text` starts with one of those words."""
    first, _, rest = text.strip().partition(" ")
    word = first.lower()
    if word in (WATCH, UNWATCH):
        return word, rest.strip()
    return None


def parse_watch(text: str, *, phone_region: str = "US") -> dict[str, str]:
    """The Plivo filters of `/recordings watch <text>`; ParseError quoting what cannot be used.

    Read by `parse` itself, so a watch understands filters exactly as a search does; what a
    search adds beyond filters is then refused: a time range (the one found differs from the
    default "last 7 days", or 90 with an id), paging, `share` and `sub=`.
    """
    query = parse(text, _ANY_NOW, "UTC", page_size=1, phone_region=phone_region)
    if query.share:
        raise ParseError(
            "`share` is not needed: a watch always posts in this channel for everyone.", "share"
        )
    again = parse(text, _ANY_NOW, "UTC", page_size=2, phone_region=phone_region)
    if query.offset or query.page_size == again.page_size:  # `limit=` decided it, not the default
        raise ParseError(
            f"{code(text)}: `limit`, `page` and `offset` do not apply to a watch: it posts each "
            "new recording in this channel as it arrives. Leave them out.",
            text,
        )
    if not _default_range(query.start, query.end, query.end_is_now):
        raise _no_time(text)
    if "subaccount" in query.filters:
        raise ParseError(
            f"{code(text)}: a watch cannot follow a subaccount, because Plivo's list does not "
            "say which subaccount a recording belongs to. Watch a conference, MPC or number "
            "instead, or search it with `/recordings sub=…`.",
            text,
        )
    return dict(query.filters)


def _default_range(start: datetime, end: datetime, end_is_now: bool) -> bool:
    """Whether this is the range a search gets when it names no time."""
    return end_is_now and end == _ANY_NOW and end - start in _DEFAULT_SPANS


def _no_time(token: str) -> ParseError:
    return ParseError(
        f"{code(token)}: a watch has no time range. It posts every matching recording saved "
        "from now on. Leave the time out, e.g. `/recordings watch conference=support`; to see "
        "earlier ones, search with `/recordings conference=support since yesterday`.",
        token,
    )


def parse_unwatch(text: str) -> list[int] | None:
    """The watch ids of `/recordings unwatch <ids>`, or None for `all`."""
    words = text.replace(",", " ").split()
    if [w.lower() for w in words] == ["all"]:
        return None
    if not words:
        raise ParseError(
            "Which watch? Give its number, e.g. `/recordings unwatch 3`, or "
            "`/recordings unwatch all`; `/recordings watch list` shows this channel's watches."
        )
    ids = []
    for word in words:
        match = _ID.fullmatch(word)
        if match is None:
            raise ParseError(
                f"{code(word)} is not a watch number: `/recordings watch list` shows them, "
                "e.g. `/recordings unwatch 3`.",
                word,
            )
        ids.append(int(match.group(1)))
    return ids
