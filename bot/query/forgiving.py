"""Forgiving syntax: the tokens of a command rewritten the way people mean them, before they
are read.

- `conference sales` (a name key and its value without `=`) is `conference=sales`; so is
  `from 415 555 0100` when what follows looks like a phone number or a SIP URI (`from monday`
  stays a time);
- a phone number pasted with spaces or brackets after `from=`/`to=` is one value
  (`from=(415) 555-0100 last 2 days`): reading stops as soon as the number is complete and
  valid;
- `and` between filters is dropped (`from=… and to=…`);
- a trailing `,` or `.` after an unquoted value is dropped, and a comma inside one is an error
  (one value per key), not a search for a name nobody has.
"""

from __future__ import annotations

import re

from bot.query import filters as f
from bot.query.errors import ParseError, code
from bot.query.times import is_date_word
from bot.query.tokens import QUOTE_FAMILIES, Token

# Keys whose value may follow after a space; `from`/`to` only when a number follows.
_SPACED_KEYS = frozenset({"conference", "conf", "room", "mpc", "call"})
_PHONE_KEYS = frozenset({"from", "to", "caller", "callee"})
_PHONE_PART = re.compile(r"\+?[0-9().\-]*[0-9][0-9().\-]*", re.ASCII)
_MAX_PARTS = 6  # `+1 (415) 555 - 01 00`: more pieces than that is not one number
_MIN_DIGITS = 7


def rewrite(tokens: list[Token], region: str) -> list[Token]:
    """The tokens with the forgiving forms above made regular."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        rest = tokens[i + 1 :]
        if token.key is None:
            spaced = _spaced_key(token, rest)
            if spaced is not None:
                token = spaced
                i += 1
                rest = tokens[i + 1 :]
            elif token.value.lower() == "and" and _between_filters(out, rest):
                i += 1
                continue
        if token.key is not None:
            key = f.KEYS.get(token.key.lower())
            if key is not None and key.value == "phone":
                token, used = _whole_number(token, rest, region)
                i += used
            if key is not None:
                token = _tidy(token, key)
        out.append(token)
        i += 1
    return out


def _spaced_key(token: Token, rest: list[Token]) -> Token | None:
    """`conference sales`, `from +44 20 7946 0100`: a key, a space, its value."""
    if not rest or rest[0].key is not None or token.text != token.value:
        return None
    name = token.value.lower()
    value = rest[0]
    if name in _SPACED_KEYS and value.value.lower() not in ("share", "and"):
        return Token(f"{token.text} {value.text}", value.value, token.value, value.value)
    if name in _PHONE_KEYS and _looks_like_phone(rest):
        return Token(f"{token.text} {value.text}", value.value, token.value, value.value)
    return None


def _phone_run(tokens: list[Token]) -> list[Token]:
    run: list[Token] = []
    for token in tokens[:_MAX_PARTS]:
        if token.key is not None or not _PHONE_PART.fullmatch(token.value):
            break
        if is_date_word(token.value):
            break
        run.append(token)
    return run


def _looks_like_phone(tokens: list[Token]) -> bool:
    first = tokens[0].value.lower()
    if first.startswith(("sip:", "sips:", "tel:")):
        return True
    run = _phone_run(tokens)
    digits = sum(ch.isdigit() for t in run for ch in t.value)
    return bool(run) and (run[0].value.startswith(("+", "(")) or digits >= _MIN_DIGITS)


def _whole_number(token: Token, rest: list[Token], region: str) -> tuple[Token, int]:
    """The key's value with as many following pieces as make one valid number (the fewest)."""
    assert token.arg is not None
    if not token.arg or f.is_complete_phone(token.arg, region):
        return token, 0
    run = _phone_run(rest)
    for used in range(1, len(run) + 1):
        value = " ".join([token.arg, *(t.value for t in run[:used])])
        if f.is_complete_phone(value, region):
            text = " ".join([token.text, *(t.text for t in run[:used])])
            return Token(text, f"{token.key}={value}", token.key, value), used
    return token, 0


def _quoted(token: Token) -> bool:
    return any(ch in QUOTE_FAMILIES for ch in token.text)


def _tidy(token: Token, key: f.Key) -> Token:
    """Drop a trailing `,` or `.`; refuse a comma inside an unquoted filter value."""
    assert token.arg is not None
    if _quoted(token):
        return token
    arg = token.arg.rstrip(",")
    if arg.endswith(".") and key.value != "phrase":
        arg = arg.rstrip(".")
    if key.kind == "filter" and "," in arg and not arg.lower().startswith(("sip:", "sips:")):
        first, _, second = arg.partition(",")
        raise ParseError(
            f"{code(token.text)} has more than one value: one value per key; run two "
            f"searches, e.g. `{key.name}={first.strip() or 'sales'}` and then "
            f"`{key.name}={second.strip().split(',')[0] or 'support'}`. A name with a comma "
            f'in it goes in quotes: `{key.name}="{arg}"`.',
            token.text,
        )
    if arg == token.arg:
        return token
    return Token(token.text, f"{token.key}={arg}", token.key, arg)


def _between_filters(before: list[Token], after: list[Token]) -> bool:
    """`and` joins filters when a `key=value` (or `conference sales`) is on either side."""
    if before and before[-1].key is not None:
        return True
    return bool(after) and (
        after[0].key is not None or _spaced_key(after[0], after[1:]) is not None
    )
