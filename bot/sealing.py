"""Sealed button payloads: what a button carries is unreadable as well as unforgeable.

A button's value travels inside the message, and Slack lets every member of a channel (and any
app or export that reads its history) see a message's JSON. Signing (`bot.signing`) stops anyone
from changing a value, but a page's Prev/Next/Export value carries the whole query, phone numbers
included, so on a shared page the full numbers the text masks would still be readable there.
Sealing encrypts the payload with AES-GCM (the `cryptography` library's, not a cipher of our own)
under a key derived from the button secret, after compressing it, so a sealed query is no longer
than the plain one. Where a value may be used (team, channel, expiry) is the signature's business,
which wraps the sealed payload.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "s1."  # a version, so the scheme can change without misreading old buttons
_NONCE_BYTES = 12
# `Query.encode()`'s shape, `1:` and URL-safe base64: sealed as the bytes the base64 stands for,
# which compress well (base64 text does not), so a sealed query is no longer than a plain one.
_BASE64_PAYLOAD = re.compile(r"([0-9]{1,4}):([A-Za-z0-9_-]*)")


def is_sealed(value: str) -> bool:
    return value.startswith(_PREFIX)


class Unsealable(Exception):
    """A sealed value that was altered, sealed under another key, or for another place."""


class Sealer:
    """Seals and opens payloads with one secret."""

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("a sealer needs a non-empty secret")
        # Its own key, derived from the secret, so it never doubles as the signing key.
        key = hmac.new(raw, b"recordings-bot/seal/v1", hashlib.sha256).digest()
        self._aead = AESGCM(key)
        self._nonce_key = hmac.new(raw, b"recordings-bot/seal-nonce/v1", hashlib.sha256).digest()

    def seal(self, payload: str) -> str:
        packed = zlib.compress(_pack(payload), 9)
        # The nonce is a MAC of the plaintext (a synthetic IV): distinct payloads get distinct
        # nonces, and the same page always renders to the same message (no needless edits, and
        # a cached answer is byte-for-byte the first one). It shows only that two values are equal.
        nonce = hmac.new(self._nonce_key, packed, hashlib.sha256).digest()[:_NONCE_BYTES]
        sealed = self._aead.encrypt(nonce, packed, None)
        return _PREFIX + _b64(nonce + sealed)

    def open(self, value: str) -> str:
        if not is_sealed(value):
            raise Unsealable("not a sealed value")
        body = value[len(_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            packed = self._aead.decrypt(nonce, sealed, None)
            return _unpack(zlib.decompress(packed))
        except (binascii.Error, ValueError, InvalidTag, zlib.error) as exc:
            raise Unsealable(type(exc).__name__) from None


def _pack(payload: str) -> bytes:
    match = _BASE64_PAYLOAD.fullmatch(payload)
    if match is not None:
        body = match[2]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raw = None
        if raw is not None and _b64(raw) == body:  # only when it comes back to the same text
            return b"B" + match[1].encode() + b":" + raw
    return b"T" + payload.encode("utf-8", "surrogatepass")


def _unpack(packed: bytes) -> str:
    kind, rest = packed[:1], packed[1:]
    if kind == b"B":
        version, _, raw = rest.partition(b":")
        return version.decode() + ":" + _b64(raw)
    if kind == b"T":
        return rest.decode("utf-8", "surrogatepass")
    raise ValueError("unknown packing")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
