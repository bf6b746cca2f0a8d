"""Time phrases: the words of a command that are not filters, read as a range of UTC instants.

A phrase names an *instant* with a grain (`9am`, `2026-03-10T07:00Z`, `5 minutes ago`) or a
*period* (`yesterday`, `last week`, `march 8`, `2025`). The layers, each in its own module:
`words` (the vocabulary), `calendar` (wall-clock arithmetic in the user's zone), `phrases`
(reading one phrase), `occurrences` (which occurrence of `monday` or `5pm` is meant) and
`clauses` (operators around phrases, the range, and the errors).
"""

from bot.query.times.calendar import ONE_US, bounds_ok
from bot.query.times.clauses import TimeRange, resolve, unreadable
from bot.query.times.digits import is_date_word
from bot.query.times.words import Word

__all__ = ["ONE_US", "TimeRange", "Word", "bounds_ok", "is_date_word", "resolve", "unreadable"]
