"""What to try when a search finds nothing, built from the search itself (pure, no I/O).

The hints are commands the person can paste: the same filters over a wider range, the same
range without the filter most likely to be too narrow, and, for a name, a reminder that Plivo
matches capitals exactly, with the other spelling to try.
"""

from __future__ import annotations

from datetime import timedelta

from bot.query import Query
from bot.query.errors import escape

COMMAND = "/recordings"
# Wider ranges to offer, smallest first: the first longer than the search's own.
_WIDER = (
    (timedelta(days=1), "last 24 hours"),
    (timedelta(days=7), "last 7 days"),
    (timedelta(days=30), "last 30 days"),
    (timedelta(days=90), "last 90 days"),
    (timedelta(days=366), "last 366 days"),
)
# The filter most likely to be too narrow first: an id names one thing, a number one party.
_NARROWEST = (
    "call_uuid",
    "conference_uuid",
    "mpc_uuid",
    "from_number",
    "to_number",
    "conference_name",
    "mpc_name",
    "subaccount",
)
_WORDS = {
    "call_uuid": "the call id",
    "conference_uuid": "the conference id",
    "mpc_uuid": "the MPC id",
    "from_number": "the caller's number",
    "to_number": "the callee's number",
    "conference_name": "the conference name",
    "mpc_name": "the MPC name",
    "subaccount": "the sub-account",
}


def _command(words: list[str]) -> str:
    text = " ".join([COMMAND, *words])
    return "`" + escape(text.replace("`", "ˋ")) + "`"


def _range_words(query: Query) -> list[str]:
    """The query's own range, as the "Same search" command writes it."""
    full = query.command().split(" ")
    return [w for w in full if w.startswith(("since=", "after=", "until=", "before="))]


def empty_hints(query: Query) -> list[str]:
    """Bullet lines (mrkdwn) for an answer with no recordings."""
    tips: list[str] = []
    length = query.end - query.start
    wider = next((phrase for span, phrase in _WIDER if span > length * 1.01), None)
    if wider is not None:
        tips.append(f"• Widen the time range: {_command([*query.filter_words(), wider])}")
    narrowest = next((name for name in _NARROWEST if name in query.filters), None)
    if narrowest is not None:
        rest = query.filter_words(without=narrowest)
        tips.append(f"• Drop {_WORDS[narrowest]}: {_command([*rest, *_range_words(query)])}")
    for name in ("conference_name", "mpc_name"):
        value = query.filters.get(name)
        if value is None:
            continue
        other = value.lower() if value != value.lower() else value.capitalize()
        (shown,) = query.model_copy(update={"filters": {name: value}}).filter_words()
        tip = (
            f"• Plivo matches names exactly, capitals included: `{escape(shown)}` does not "
            "find a name written differently"
        )
        if other != value:
            spelt = query.model_copy(update={"filters": {name: other}}).filter_words()
            tip += f"; try {_command(spelt)} if that is how it is written"
        tips.append(tip + ".")
    tips.append("• Run `/recordings help` for everything you can ask.")
    return tips
