"""Splitting command text into tokens, after undoing what Slack did to it.

Slack wraps links in angle brackets (`<tel:+14155550100|+1 415 555 0100>`, `<mailto:a@b|a@b>`,
`<http://x|x>`) and escapes `&`, `<`, `>` as entities; `unescape_slack` undoes both. `tokenize`
then splits on whitespace, honouring `"…"`, `'…'` and the curly quotes Slack's clients insert,
and separates `key=value` / `key:value` (the latter only for known keys, so `10:30` stays a time).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

from bot.query.errors import ParseError, code, escape

_LINK = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}

# Slack's clients turn straight quotes into curly ones, sometimes both ends the same way, so
# any member of a family closes a quote opened by any other member.
_DOUBLE = '"“”'
_SINGLE = "'‘’"
QUOTE_FAMILIES = {ch: _DOUBLE for ch in _DOUBLE} | {ch: _SINGLE for ch in _SINGLE}


@dataclass(frozen=True, slots=True)
class Token:
    """One whitespace-separated token.

    `text` is the token as written (quotes included), for messages; `value` is its text with
    the quotes removed. For `key=value` tokens `key` is the key as written and `arg` the value.
    """

    text: str
    value: str
    key: str | None = None
    arg: str | None = None


def _link_text(match: re.Match[str]) -> str:
    target, _, label = match[1].partition("|")
    lowered = target.lower()
    if lowered.startswith("tel:"):
        return target[4:]
    if lowered.startswith("mailto:"):
        return label or target[7:]
    return label or target


def unescape_slack(text: str) -> str:
    """Replace Slack's links by the text they stand for, then undo its entity escaping."""
    # Links first: a literal `<` typed by the user arrives as `&lt;`, so every raw `<` is a link.
    text = _LINK.sub(_link_text, text)
    return _ENTITY.sub(lambda m: _ENTITIES[m[1]], text)


def as_slack_sends(typed: str) -> str:
    """What Slack sends for text someone typed: `&`, `<`, `>` escaped once (no links added).

    `unescape_slack(as_slack_sends(x)) == x` for any `x`; the console and the tests use it to
    send a command exactly as Slack would.
    """
    return escape(typed)


def tokenize(text: str, colon_keys: Container[str]) -> list[Token]:
    """Split `text` into tokens; `colon_keys` are the keys that may also be written `key:value`.

    A quote opens at the start of a token, right after the `=` or `key:` that ends the key,
    or right after another quoted part (so `'a"b'"c'd"` is one value); elsewhere it is an
    ordinary character, which keeps apostrophes in `o'brien` and `sip:'x` harmless. It
    closes at the first quote of its family that ends the token (followed by whitespace, the
    end, or another quote), so `'o'brien'` is `o'brien`; failing that, at the first quote of
    its family. A quote that is never closed is an error.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        chars: list[str] = []
        quoted: list[bool] = []
        may_open = True
        separated = False  # seen the `=` or `key:` that ends the key
        while i < n and not text[i].isspace():
            ch = text[i]
            if may_open and ch in QUOTE_FAMILIES:
                j = _closing_quote(text, i)
                if j < 0:
                    rest = text[start:].strip()
                    raise ParseError(
                        f"The quote in {code(rest)} is never closed: put the closing quote "
                        'after the value, e.g. `conference="sales team"`.',
                        rest,
                    )
                chars.extend(text[i + 1 : j])
                quoted.extend([True] * (j - i - 1))
                i = j + 1
                continue
            may_open = not separated and (
                ch == "=" or (ch == ":" and "".join(chars).lower() in colon_keys)
            )
            separated = separated or may_open
            chars.append(ch)
            quoted.append(False)
            i += 1
        token = _make_token(text[start:i], chars, quoted, colon_keys)
        if token.value or token.key is not None:
            tokens.append(token)
    return tokens


def _closing_quote(text: str, opening: int) -> int:
    family = QUOTE_FAMILIES[text[opening]]
    first = -1
    for j in range(opening + 1, len(text)):
        if text[j] in family:
            after = text[j + 1 : j + 2]
            if not after or after.isspace() or after in QUOTE_FAMILIES:
                return j
            if first < 0:
                first = j
    return first


def _make_token(
    raw: str, chars: list[str], quoted: list[bool], colon_keys: Container[str]
) -> Token:
    value = "".join(chars)
    for index, (ch, is_quoted) in enumerate(zip(chars, quoted, strict=True)):
        if is_quoted:
            break  # a key is never quoted
        if ch == "=" or (ch == ":" and value[:index].lower() in colon_keys):
            return Token(raw, value, value[:index], value[index + 1 :])
    return Token(raw, value)
