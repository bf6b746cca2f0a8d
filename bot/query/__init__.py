"""Reading `/recordings …` commands: the text after the slash command becomes a `Query`.

Public API: `parse` (pure, no I/O), `is_help`, `warm_up`, `Query` and `ParseError`.
"""

from bot.query.errors import ParseError
from bot.query.model import Query, is_query_value
from bot.query.parser import is_help, parse, warm_up

__all__ = ["ParseError", "Query", "is_help", "is_query_value", "parse", "warm_up"]
