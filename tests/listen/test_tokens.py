"""Listening links' tokens: name the recording and the clicker, expire, and cannot be altered."""

from __future__ import annotations

import pytest

from bot.listen import tokens
from bot.listen.tokens import ListenGrant
from bot.signing import BadSignature, Signer

GRANT = ListenGrant("c2186400-1c8c-11e4-a664-0026b945b52x", "U0TESTER", "T0FAKE")


def test_a_token_names_the_recording_the_clicker_and_the_team() -> None:
    signer = Signer("secret", "listen")
    token = tokens.issue(signer, GRANT, ttl_s=900)
    assert tokens.read(signer, token) == GRANT
    assert tokens.link("https://bot.example.com/", token) == (
        f"https://bot.example.com/listen/{token}"
    )


def test_tampered_expired_or_foreign_tokens_are_refused() -> None:
    now = [1_000_000.0]
    signer = Signer("secret", "listen", clock=lambda: now[0])
    token = tokens.issue(signer, GRANT, ttl_s=900)
    other = ListenGrant("00000000-0000-0000-0000-000000000000", "U0TESTER", "T0FAKE")
    forged = tokens.issue(signer, other, ttl_s=900).split("~")[0] + "~" + token.split("~", 1)[1]
    with pytest.raises(BadSignature, match="signature"):
        tokens.read(signer, forged)
    with pytest.raises(BadSignature):
        tokens.read(Signer("secret", "button", clock=lambda: now[0]), token)
    button = Signer("secret", "button", clock=lambda: now[0]).sign(GRANT.recording_id)
    with pytest.raises(BadSignature):
        tokens.read(signer, button)
    now[0] += 901
    with pytest.raises(BadSignature, match="expired"):
        tokens.read(signer, token)


def test_odd_ids_are_never_signed() -> None:
    with pytest.raises(ValueError, match="plain ids"):
        tokens.issue(Signer("s", "listen"), ListenGrant("a.b", "U1", "T1"), ttl_s=60)
