"""Plivo requests under way, so that one that brings what another asker needs is made once.

Two kinds of sharing, both against the account's 300 requests per 5 s:
- identical requests (the same parameters: several people running the same search at once, in
  the same second) wait for the first one's answer;
- with the row cache, a request for 20 rows of a series ([start, start+20)) also serves a page
  inside those rows asked meanwhile (a Next click while the first page is on its way).

Each request is a task of its own, so that one asker giving up (cancelled) leaves the others their
answer; askers shield it for the same reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Hashable
from functools import partial
from typing import Any

from .cache import SeriesKey
from .models import RecordingList

log = logging.getLogger(__name__)

Flight = asyncio.Future[RecordingList]
_Span = tuple[int, int, Flight]


class Flights:
    """The requests under way of one client, by their parameters and by the rows they bring."""

    def __init__(self) -> None:
        self._by_key: dict[Hashable, Flight] = {}
        self._spans: dict[SeriesKey, list[_Span]] = {}
        self.shared = 0
        """How many asks were answered by joining a request already under way."""

    def get(self, key: Hashable) -> Flight | None:
        """The request under way with this key (counted as shared), or None."""
        flight = self._by_key.get(key)
        if flight is not None:
            self.shared += 1
        return flight

    def covering(self, series: SeriesKey, start: int, stop: int) -> tuple[int, Flight] | None:
        """A request under way for `series` that brings rows [start, stop): the offset its rows
        begin at, and the request (counted as shared); or None."""
        for begun, ends, flight in self._spans.get(series, ()):
            if begun <= start and stop <= ends:
                self.shared += 1
                return begun, flight
        return None

    def launch(
        self,
        key: Hashable,
        fetch: Coroutine[Any, Any, RecordingList],
        *,
        rows: tuple[SeriesKey, int, int] | None = None,
    ) -> Flight:
        """Start `fetch` as the request with this key; `rows`: the series and the rows
        [start, stop) it brings."""
        flight = asyncio.ensure_future(fetch)
        self._by_key[key] = flight
        flight.add_done_callback(partial(self._landed, key))
        if rows is not None:
            series, start, stop = rows
            span = (start, stop, flight)
            self._spans.setdefault(series, []).append(span)
            flight.add_done_callback(partial(self._unspan, series, span))
        return flight

    async def cancel_all(self) -> None:
        """End every request (nobody waits for them any more: their askers were cancelled)."""
        flights = list(self._by_key.values())
        for flight in flights:
            flight.cancel()
        await asyncio.gather(*flights, return_exceptions=True)

    def __len__(self) -> int:
        """Requests under way."""
        return len(self._by_key)

    def _landed(self, key: Hashable, flight: Flight) -> None:
        if self._by_key.get(key) is flight:
            del self._by_key[key]
        # Those who awaited a failure report it themselves; reading it here keeps asyncio from
        # calling it "never retrieved" when everyone who asked was cancelled meanwhile.
        if not flight.cancelled() and (exc := flight.exception()) is not None:
            log.debug("a Plivo request ended in %s", type(exc).__name__)

    def _unspan(self, series: SeriesKey, span: _Span, _: Flight) -> None:
        spans = self._spans.get(series)
        if spans is not None:
            spans.remove(span)
            if not spans:
                del self._spans[series]
