"""What a request to `/slack/events` must pass before Bolt sees it: Slack's signature, checked on
the raw bytes, and "not seen before".

The signature is checked here, before Bolt parses the body, so nothing from an anonymous sender
reaches a parser (Bolt's JSON parsing of a deeply nested body raised `RecursionError`), and so
that failures can be counted: Bolt logs them at INFO, below the level its logger is kept at. A
request without the headers, or with a timestamp outside Slack's 5-minute window, is refused
before its body is read at all.

Replays: a signed request is remembered (a digest of its body) for as long as its signature is
valid; the same body again is answered 200 and has no effect. That covers a replayed capture
(same body, same signature) and Slack's own retries (`X-Slack-Retry-Num`: same body, a new
timestamp). Slack puts a `trigger_id` in every command and click, so two genuine requests never
share a body. The memory is per process: with several processes behind one address, a replay
that lands on another process is answered again (put a shared store behind `SeenRequests` if
that matters).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("bot.run.gate")

# Slack's window: a timestamp more than 5 minutes from now is refused (Bolt checks the same).
SIGNATURE_WINDOW_S = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class Verdict:
    """`ok`, or why not: one of the short reasons below, fit for a log line."""

    ok: bool
    reason: str = ""


ACCEPTED = Verdict(True)


class SignatureCheck:
    """Slack's `v0` HMAC-SHA256 over `v0:{timestamp}:{body}`, in two steps: the headers alone
    (before the body is read), then the body."""

    def __init__(self, secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._key = secret.encode()
        self._clock = clock

    def headers(self, timestamp: str | None, signature: str | None) -> Verdict:
        if not timestamp or not signature:
            return Verdict(False, "unsigned")
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return Verdict(False, "malformed signature headers")
        if abs(self._clock() - int(timestamp)) > SIGNATURE_WINDOW_S:
            return Verdict(False, "timestamp outside the 5-minute window")
        return ACCEPTED

    def body(self, timestamp: str, signature: str, body: bytes) -> Verdict:
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._key, base, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signature):
            return ACCEPTED
        return Verdict(False, "bad signature")


class SeenRequests:
    """Digests of signed bodies, each kept until its signature expires; bounded in number."""

    def __init__(self, *, clock: Callable[[], float] = time.time, max_entries: int = 50_000):
        self._clock = clock
        self._max = max_entries
        self._expiry: OrderedDict[bytes, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._expiry)

    def first_time(self, body: bytes, timestamp: str) -> bool:
        """Remember `body`; False if it was already seen while its signature could be valid."""
        now = self._clock()
        entries = self._expiry
        # Mostly in expiry order (timestamps arrive roughly in order); stop at the first live one.
        while entries:
            oldest, expiry = next(iter(entries.items()))
            if expiry >= now and len(entries) < self._max:
                break
            del entries[oldest]
        digest = hashlib.sha256(body).digest()
        known = entries.get(digest)
        if known is not None and known >= now:
            return False
        # A valid signature is accepted up to 5 minutes either side of its timestamp.
        entries[digest] = int(timestamp) + SIGNATURE_WINDOW_S + 1
        return True


class ProbeLog:
    """Counts events per source address and logs them at WARNING: at most one line per address
    per `interval_s`, carrying the count since the last line (`flush` writes what is pending)."""

    def __init__(
        self,
        what: str,
        *,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_sources: int = 10_000,
    ) -> None:
        self.what = what
        self.interval_s = interval_s
        self.total = 0
        self._clock = clock
        self._max = max_sources
        # address → (when its last line was written, count since, the latest reason)
        self._sources: dict[str, tuple[float, int, str]] = {}

    def record(self, source: str, reason: str) -> None:
        self.total += 1
        now = self._clock()
        if source not in self._sources and len(self._sources) >= self._max:
            self.flush(force=True)  # many addresses at once: log them all, start afresh
        last, count, _ = self._sources.get(source, (now - self.interval_s, 0, reason))
        count += 1
        if now - last >= self.interval_s:
            self._write(source, count, reason, now - last)
            self._sources[source] = (now, 0, reason)
        else:
            self._sources[source] = (last, count, reason)

    def flush(self, *, force: bool = False) -> None:
        """Write the pending counts whose interval has passed (all of them with `force`), and
        forget addresses that went quiet."""
        now = self._clock()
        for source, (last, count, reason) in list(self._sources.items()):
            if now - last < self.interval_s and not force:
                continue
            if count:
                self._write(source, count, reason, now - last)
            del self._sources[source]

    def _write(self, source: str, count: int, reason: str, span_s: float) -> None:
        log.warning(
            "%d %s from %s in the last %.0f s (latest: %s)",
            count,
            self.what,
            source,
            span_s,
            reason,
        )
