"""`ParseError` and the helpers that word it for Slack.

Every problem with what someone typed (or with a button value that came back) becomes a
`ParseError` whose `message` is Slack mrkdwn fit to show as it is: it quotes the offending
text in backticks, says how to fix it and, when a key or word is close to a known one, asks
"did you mean …?".
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

_SHOWN_CHARS = 60


class ParseError(Exception):
    """A command, or a serialised query, that cannot be read.

    `message` is Slack mrkdwn for the user; `token` is the offending token or phrase as it was
    written (after Slack's escaping was undone), or None when no single token is to blame.
    """

    def __init__(self, message: str, token: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


def escape(text: str) -> str:
    """Escape the three characters Slack reserves in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """`text` as an inline code span that Slack shows verbatim."""
    shown = text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
    # A code span cannot contain a backtick, and control characters would garble the message.
    shown = "".join(
        "ˋ" if ch == "`" else "\ufffd" if unicodedata.category(ch) in ("Cc", "Cs") else ch
        for ch in shown
    )
    return f"`{escape(shown)}`"


def close_match(word: str, choices: Iterable[str]) -> str | None:
    """The known word that `word` is probably a typo of, if any."""
    if not word or len(word) > 40:
        return None
    matches = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.75)
    return matches[0] if matches else None


def did_you_mean(suggestion: str | None) -> str:
    """The end of a sentence: " — did you mean `x`?" when there is a suggestion, else "."."""
    return f" — did you mean {code(suggestion)}?" if suggestion else "."
