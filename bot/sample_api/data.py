"""The deterministic, realistic recordings the sample Plivo API serves.

Everything is derived from `seed` and `now`, so two APIs built with the same pair hold the same
data. Recordings spread over the 75 days before `now`, weighted to weekdays and business hours in
the account's time zone, and are rendered as Plivo renders them: `add_time` in the account's UTC
offset, numbers as strings like "345100.00000", ids that are UUID-shaped but not always hex.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

SPAN = timedelta(days=75)
STORAGE_RATE = 0.0004

# (name, share of conference recordings, shortest and longest length in seconds)
CONFERENCES: tuple[tuple[str, float, int, int], ...] = (
    ("support", 0.30, 240, 2700),
    ("sales", 0.25, 600, 3600),
    ("Customer Success", 0.20, 900, 3600),
    ("standup", 0.15, 480, 1200),
    ("board", 0.10, 3000, 7200),
)
MPC_NAMES = ("escalation-desk", "interview-panel", "war-room")
SUBACCOUNTS = ("SAEMEA0000000000000A", "SAAPAC0000000000000B")

# Fictional numbers: US 555-01xx is reserved for fiction, UK 020 7946 0xxx for drama.
OUR_NUMBERS = ("+14155550100", "+14155550101", "+442079460100", "+919876500100")
US = tuple(f"+141555501{n:02d}" for n in range(2, 60))
UK = tuple(f"+44207946{n:04d}" for n in range(101, 130))
IN = tuple(f"+9198765{n:05d}" for n in range(10101, 10130))
SIP = tuple(
    f"sip:{name}{n}@phone.plivo.com" for n, name in enumerate(("alice", "bob", "chen", "dana"), 7)
)


@dataclass(frozen=True, slots=True)
class SampleRecording:
    """One stored recording: what filters look at, and its body as Plivo renders it."""

    add_time: datetime  # UTC
    subaccount: str | None
    storage_days: int
    body: dict[str, Any]


def generate(
    now: datetime, *, count: int, seed: int, auth_id: str, utc_offset: timedelta
) -> list[SampleRecording]:
    """`count` recordings added in the 75 days before `now`, newest first."""
    rng = random.Random(seed)
    zone = timezone(utc_offset)
    now = now.astimezone(UTC)
    rows = [_one(rng, now, zone, auth_id) for _ in range(count)]
    rows.sort(key=lambda r: (r.add_time, r.body["recording_id"]), reverse=True)
    return rows


def new_recording(
    added: datetime,
    fields: dict[str, Any],
    *,
    auth_id: str,
    utc_offset: timedelta,
    seconds: float = 120.0,
    seed: int | None = None,
) -> SampleRecording:
    """One recording saved at `added`, with the given fields (`conference_name`, `from_number`,
    …) and made-up ids: what a test adds to a running fake, as a call that just ended."""
    rng = random.Random(seed)
    kind = (
        "mpc"
        if fields.get("mpc_name")
        else "conference"
        if fields.get("conference_name")
        else "call"
    )
    added = added.astimezone(UTC)
    return _render(rng, added, timezone(utc_offset), auth_id, kind, added, seconds, dict(fields))


def _one(rng: random.Random, now: datetime, zone: timezone, auth_id: str) -> SampleRecording:
    roll = rng.random()
    kind = "call" if roll < 0.60 else "conference" if roll < 0.97 else "mpc"
    body: dict[str, Any] = {}
    if kind == "conference":
        name, low, high = _pick_conference(rng)
        seconds = rng.uniform(low, high)
        added = _moment(rng, now, zone, standup=name == "standup")
        body["conference_name"] = name
        body["conference_uuid"] = _uuid(rng)
        if rng.random() < 0.5:  # like the real API, the parties are there on some and not others
            body["from_number"] = rng.choice(US + UK + IN)
            body["to_number"] = rng.choice(OUR_NUMBERS)
    elif kind == "mpc":
        seconds = rng.uniform(300, 3000)
        added = _moment(rng, now, zone)
        body["conference_name"] = None
        body["mpc_name"] = rng.choice(MPC_NAMES)
        body["mpc_uuid"] = _uuid(rng)
    else:
        seconds = _call_length(rng)
        added = _moment(rng, now, zone)
        body["conference_name"] = "" if rng.random() < 0.8 else None
        ours, theirs = rng.choice(OUR_NUMBERS), _party(rng)
        inbound = rng.random() < 0.55
        body["from_number"], body["to_number"] = (theirs, ours) if inbound else (ours, theirs)
    return _render(rng, now, zone, auth_id, kind, added, seconds, body)


def _render(
    rng: random.Random,
    now: datetime,
    zone: timezone,
    auth_id: str,
    kind: str,
    added: datetime,
    seconds: float,
    extra: dict[str, Any],
) -> SampleRecording:
    rid = _uuid(rng, odd=rng.random() < 0.004)
    # Plivo records mp3 or wav; the sample's audio is generated WAV (there is no MP3 encoder in
    # the standard library), so every sample recording says wav and serves what it says. The draw
    # stays, so the rest of the data set is the same for a given seed.
    rng.random()
    fmt = "wav"
    duration_ms = round(seconds * 1000)
    # Plivo adds the recording a few seconds after it ends.
    end_ms = round(added.timestamp() * 1000) - rng.randint(800, 8000)
    rounded = max(60, math.ceil(seconds / 60) * 60)
    storage_days = 1 + int((now - added) / timedelta(days=1))
    body: dict[str, Any] = {
        "add_time": added.astimezone(zone).isoformat(sep=" ", timespec="microseconds"),
        "call_uuid": _uuid(rng),
        **extra,
        "monthly_recording_storage_amount": round(STORAGE_RATE * rounded / 60, 6),
        "recording_duration_ms": f"{duration_ms:.5f}",
        "recording_end_ms": f"{end_ms:.5f}",
        "recording_format": fmt,
        "recording_id": rid,
        "recording_start_ms": f"{end_ms - duration_ms:.5f}",
        "recording_storage_duration": storage_days,
        "recording_storage_rate": STORAGE_RATE,
        "recording_type": kind,
        "recording_url": f"https://media.plivo.com/v1/Account/{auth_id}/Recording/{rid}.{fmt}",
        "resource_uri": f"/v1/Account/{auth_id}/Recording/{rid}/",
        "rounded_recording_duration": rounded,
    }
    subaccount = rng.choice(SUBACCOUNTS) if rng.random() < 0.15 else None
    return SampleRecording(added, subaccount, storage_days, body)


def _pick_conference(rng: random.Random) -> tuple[str, int, int]:
    roll, cumulative = rng.random(), 0.0
    for name, share, low, high in CONFERENCES:
        cumulative += share
        if roll < cumulative:
            return name, low, high
    name, _, low, high = CONFERENCES[-1]
    return name, low, high


def _moment(
    rng: random.Random, now: datetime, zone: timezone, *, standup: bool = False
) -> datetime:
    """A time in the last 75 days, mostly on weekdays in business hours of the account's zone."""
    local_today = now.astimezone(zone).date()
    while True:
        day = local_today - timedelta(days=rng.randrange(SPAN.days))
        if day.weekday() >= 5 and rng.random() < (0.9 if standup else 0.75):
            continue
        if standup:
            seconds = rng.uniform(9.5 * 3600, 9.9 * 3600)
        elif rng.random() < 0.85:
            seconds = rng.uniform(9 * 3600, 18 * 3600)
        else:
            seconds = rng.uniform(0, 24 * 3600)
        moment = datetime.combine(day, time(), zone) + timedelta(seconds=seconds)
        moment = moment.astimezone(UTC)
        if now - SPAN < moment < now:
            return moment


def _call_length(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.10:
        return rng.uniform(2, 15)
    if roll < 0.95:
        return min(3600.0, max(3.0, rng.lognormvariate(math.log(150), 0.9)))
    return rng.uniform(1800, 5400)


def _party(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return rng.choice(SIP)
    if roll < 0.55:
        return rng.choice(US)
    return rng.choice(UK) if roll < 0.75 else rng.choice(IN)


def _uuid(rng: random.Random, *, odd: bool = False) -> str:
    h = f"{rng.getrandbits(128):032x}"
    if odd:  # the real API has served ids such as "fc2716b0-1c8b-11e4-bwad-842b2b17453e"
        h = h[:16] + "bwad" + h[20:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
