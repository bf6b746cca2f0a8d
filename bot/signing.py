"""Signed values: what the bot hands out (button values, listen links) comes back unaltered, to the
place it was given, before it expires.

A value is `payload~expiry~mac`. The MAC is HMAC-SHA256 over a purpose, the team and channel the
value was issued for, the expiry and the payload, truncated to 128 bits. Slack's own request
signature only proves a request came through Slack; a user can still edit a button's value in
flight (the payload is theirs to forge) or replay a value from another channel. The MAC closes
both. The key is derived from `BUTTON_SECRET`, or from `SLACK_SIGNING_SECRET` when that is not set,
so rotating either invalidates every value handed out before.

Dependency-free (standard library only), so the pure renderer may use it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable

SEPARATOR = "~"
DEFAULT_TTL_S = 30 * 24 * 3600
_MAC_BYTES = 16  # 128 bits: far beyond guessing, and 22 characters of a 2,000-character value


class BadSignature(Exception):
    """A signed value that was altered, issued for another place or purpose, or has expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "malformed", "signature", "expired": for the log, not the user


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Signer:
    """Signs and checks values for one purpose (`button`, `listen`, …) with one secret."""

    def __init__(
        self,
        secret: str | bytes,
        purpose: str,
        *,
        ttl_s: int = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("a signer needs a non-empty secret")
        if SEPARATOR in purpose:
            raise ValueError(f"purpose must not contain {SEPARATOR!r}")
        # A key per purpose: a button's value can never pass as a listen token, and vice versa.
        self._key = hmac.new(raw, f"recordings-bot/{purpose}/v1".encode(), hashlib.sha256).digest()
        self.ttl_s = ttl_s
        self._clock = clock

    def _mac(self, payload: str, expiry: str, team: str, channel: str) -> str:
        # surrogatepass: a value comes back from Slack's JSON, where `\ud800` is a lone surrogate;
        # it must fail the check, not crash it.
        message = "\x1f".join((team, channel, expiry, payload)).encode("utf-8", "surrogatepass")
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC_BYTES])

    def sign(
        self, payload: str, *, team: str = "", channel: str = "", ttl_s: int | None = None
    ) -> str:
        """`payload` bound to `team` and `channel`, valid for `ttl_s` seconds."""
        if SEPARATOR in payload:
            raise ValueError(f"payload must not contain {SEPARATOR!r}")
        expiry = format(int(self._clock()) + (self.ttl_s if ttl_s is None else ttl_s), "x")
        return SEPARATOR.join((payload, expiry, self._mac(payload, expiry, team, channel)))

    def verify(self, value: str, *, team: str = "", channel: str = "") -> str:
        """The payload of an unexpired value signed for `team` and `channel`; else raise."""
        parts = value.rsplit(SEPARATOR, 2)
        if len(parts) != 3:
            raise BadSignature("malformed")
        payload, expiry, mac = parts
        if not hmac.compare_digest(
            mac.encode(), self._mac(payload, expiry, team, channel).encode()
        ):
            raise BadSignature("signature")
        try:
            expires = int(expiry, 16)
        except ValueError:
            raise BadSignature("malformed") from None
        if expires < self._clock():
            raise BadSignature("expired")
        return payload
