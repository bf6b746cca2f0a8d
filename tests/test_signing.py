"""Signed values: a value comes back only unaltered, to the place it was issued for, in time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.signing import BadSignature, Signer

NOW = 1_800_000_000.0


def signer(purpose: str = "button", *, now: float = NOW, ttl_s: int = 60) -> Signer:
    return Signer("s3cret", purpose, ttl_s=ttl_s, clock=lambda: now)


def test_round_trip() -> None:
    value = signer().sign("1:abc", team="T1", channel="C1")
    assert signer().verify(value, team="T1", channel="C1") == "1:abc"


@pytest.mark.parametrize(("team", "channel"), [("T2", "C1"), ("T1", "C2"), ("", "")])
def test_another_place_is_refused(team: str, channel: str) -> None:
    value = signer().sign("1:abc", team="T1", channel="C1")
    with pytest.raises(BadSignature) as caught:
        signer().verify(value, team=team, channel=channel)
    assert caught.value.reason == "signature"


def test_expired_is_refused() -> None:
    value = signer(ttl_s=60).sign("p", team="T", channel="C")
    assert signer(now=NOW + 60).verify(value, team="T", channel="C") == "p"
    with pytest.raises(BadSignature) as caught:
        signer(now=NOW + 61).verify(value, team="T", channel="C")
    assert caught.value.reason == "expired"


def test_purposes_do_not_mix() -> None:
    value = signer("button").sign("p", team="T", channel="C")
    with pytest.raises(BadSignature):
        signer("listen").verify(value, team="T", channel="C")


def test_another_secret_is_refused() -> None:
    value = Signer("one", "button", clock=lambda: NOW).sign("p")
    with pytest.raises(BadSignature):
        Signer("two", "button", clock=lambda: NOW).verify(value)


@given(st.text(alphabet=st.characters(blacklist_characters="~"), max_size=50), st.data())
def test_any_edit_is_refused(payload: str, data: st.DataObject) -> None:
    value = signer().sign(payload, team="T", channel="C")
    index = data.draw(st.integers(0, len(value) - 1))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda c: c != value[index]))
    edited = value[:index] + replacement + value[index + 1 :]
    with pytest.raises(BadSignature):
        signer().verify(edited, team="T", channel="C")


@pytest.mark.parametrize("value", ["", "plain", "a~b", "p~zz~mac"])
def test_malformed_is_refused(value: str) -> None:
    with pytest.raises(BadSignature):
        signer().verify(value, team="T", channel="C")


def test_a_lone_surrogate_is_refused_not_a_crash() -> None:
    """Slack's JSON can carry `\\ud800`, which Python decodes to a lone surrogate."""
    value = signer().sign("\ud800", team="T", channel="C")
    assert signer().verify(value, team="T", channel="C") == "\ud800"
    with pytest.raises(BadSignature):
        signer().verify("\udfff" + value[1:], team="T", channel="C")
