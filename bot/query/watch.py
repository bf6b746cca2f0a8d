"""Reading `/recordings watch …` and `/recordings unwatch …`: pure, like `parse`.

A watch has filters only. It is "from now on", so time phrases are refused, as are paging and
`share` (a watch always posts in its channel); `sub=` is refused too, because a listed recording
does not say which subaccount it belongs to, so the one shared poll could not match it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.query import filters as f
from bot.query.errors import ParseError, code
from bot.query.parser import parse
from bot.query.tokens import tokenize, unescape_slack

WATCH = "watch"
UNWATCH = "unwatch"
_ANY_NOW = datetime(2026, 1, 1, tzinfo=UTC)  # filters do not depend on the moment
_ID = re.compile(r"#?([0-9]{1,9})")


def subcommand(text: str) -> tuple[str, str] | None:
    """("watch" | "unwatch", the rest) when `text` starts with one of those words."""
    first, _, rest = text.strip().partition(" ")
    word = first.lower()
    if word in (WATCH, UNWATCH):
        return word, rest.strip()
    return None


def parse_watch(text: str, *, phone_region: str = "US") -> dict[str, str]:
    """The Plivo filters of `/recordings watch <text>`; ParseError quoting what cannot be used."""
    for token in tokenize(unescape_slack(text), f.KEYS):
        key = f.KEYS.get(token.key.lower()) if token.key is not None else None
        if key is not None and key.kind == "time":
            raise _no_time(token.text)
        if key is not None and key.kind in ("limit", "page", "offset", "tz"):
            raise ParseError(
                f"{code(token.text)} does not apply to a watch: it posts each new recording "
                "in this channel as it arrives. Leave it out.",
                token.text,
            )
        if key is not None and key.target == "subaccount":
            raise ParseError(
                f"{code(token.text)}: a watch cannot follow a subaccount, because Plivo's list "
                "does not say which subaccount a recording belongs to. Watch a conference, MPC "
                "or number instead, or search it with `/recordings sub=…`.",
                token.text,
            )
        if token.key is None:
            lowered = token.value.lower()
            if lowered == "share":
                raise ParseError(
                    "`share` is not needed: a watch always posts in this channel for everyone.",
                    token.text,
                )
            if not f.ID_RE.fullmatch(lowered) and ":" not in lowered:
                raise _no_time(token.text)
    return dict(parse(text, _ANY_NOW, "UTC", phone_region=phone_region).filters)


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
