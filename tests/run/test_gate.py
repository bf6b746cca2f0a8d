"""The checks before Bolt: Slack's signature (headers first, then the body), replays remembered
while their signature is valid, and refused requests counted per address, one line a minute."""

from __future__ import annotations

import hashlib
import hmac
import logging

import pytest

from bot.run.gate import ProbeLog, SeenRequests, SignatureCheck

SECRET = "gate-test-secret"
NOW = 1_800_000_000.0


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sign(body: bytes, ts: str) -> str:
    base = b"v0:" + ts.encode() + b":" + body
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def test_a_good_signature_passes_both_steps() -> None:
    check = SignatureCheck(SECRET, clock=Clock())
    ts = str(int(NOW))
    assert check.headers(ts, sign(b"x=1", ts)).ok
    assert check.body(ts, sign(b"x=1", ts), b"x=1").ok
    assert check.body(ts, sign(b"x=1", ts), b"x=2").reason == "bad signature"


@pytest.mark.parametrize(
    ("ts", "sig", "reason"),
    [
        (None, "v0=" + "0" * 64, "unsigned"),
        (str(int(NOW)), None, "unsigned"),
        ("", "", "unsigned"),
        ("12ab", "v0=" + "0" * 64, "malformed signature headers"),
        ("١٢٣", "v0=" + "0" * 64, "malformed signature headers"),
        (str(int(NOW)), "v0=é", "malformed signature headers"),
        (str(int(NOW)), "v1=" + "0" * 64, "malformed signature headers"),
        (str(int(NOW) - 301), "v0=" + "0" * 64, "timestamp outside the 5-minute window"),
        (str(int(NOW) + 301), "v0=" + "0" * 64, "timestamp outside the 5-minute window"),
    ],
)
def test_headers_that_cannot_be_slacks_are_refused_before_the_body(
    ts: str | None, sig: str | None, reason: str
) -> None:
    assert SignatureCheck(SECRET, clock=Clock()).headers(ts, sig).reason == reason


def test_a_body_is_seen_once_while_its_signature_is_valid() -> None:
    clock = Clock()
    seen = SeenRequests(clock=clock)
    ts = str(int(NOW))
    assert seen.first_time(b"a", ts)
    assert not seen.first_time(b"a", ts)
    assert not seen.first_time(b"a", str(int(NOW) + 10))  # Slack's retry: a new timestamp
    assert seen.first_time(b"b", ts)
    clock.now += 302  # the signature of `a` has expired: it could not be accepted again anyway
    assert seen.first_time(b"c", str(int(clock.now)))
    assert len(seen) == 1


def test_the_memory_of_bodies_is_bounded() -> None:
    seen = SeenRequests(clock=Clock(), max_entries=100)
    ts = str(int(NOW))
    for n in range(1000):
        assert seen.first_time(str(n).encode(), ts)
    assert len(seen) <= 100
    assert not seen.first_time(b"999", ts)


def test_probes_are_logged_once_a_minute_per_address_with_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.run.gate")
    clock = Clock(0.0)
    probes = ProbeLog("failed signature checks", clock=clock)
    for _ in range(2000):
        probes.record("203.0.113.9", "bad signature")
        clock.now += 0.01  # 2,000 in 20 s
    probes.record("198.51.100.7", "unsigned")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "1 failed signature checks from 203.0.113.9 in the last 60 s (latest: bad signature)",
        "1 failed signature checks from 198.51.100.7 in the last 60 s (latest: unsigned)",
    ]
    assert all(r.levelname == "WARNING" for r in caplog.records)
    caplog.clear()
    probes.flush()  # under a minute since the first line: nothing yet
    assert caplog.records == []
    clock.now = 60.0
    probes.flush()
    assert [r.getMessage() for r in caplog.records] == [
        "1999 failed signature checks from 203.0.113.9 in the last 60 s (latest: bad signature)"
    ]
    assert probes.total == 2001


def test_many_addresses_do_not_grow_the_probe_log_without_bound(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.run.gate")
    probes = ProbeLog("failed signature checks", clock=Clock(0.0), max_sources=50)
    for n in range(500):
        probes.record(f"2001:db8::{n:x}", "unsigned")
    assert len(probes._sources) <= 50
    assert probes.total == 500
