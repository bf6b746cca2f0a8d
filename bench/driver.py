"""Load generation and statistics: simulated people in a closed loop against one server.

Each person sends a signed `/recordings` command (form-encoded and signed exactly as Slack does),
reads the acknowledgement, waits for the answer at the command's `response_url` (the fake Slack
resolves a future keyed by the URL's last segment), and sends the next command at once (no think
time, unless `--think-ms` asks for some). An answer carrying a `Next ▶` button is followed, one
time in four, by a `block_actions` click on it, answered at the click's own `response_url`
(clicks go to the bot only: the textbook app has no buttons). People share one budget of
commands per phase.

Times are `time.perf_counter()` stamps in the driver: the ack is stamped when its body has been
read, an answer when the fake Slack has read it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import psutil
from slack_sdk.signature import SignatureVerifier

from bench.fakes import SIGNING_SECRET, FastSlack, ServerProcess, plivo_stats

CHANNEL = "C0BENCH"
ACTION_NEXT = "recordings_next"

# What people type, with weights (of 100): mostly short ranges and a filter, a few long ranges
# (over 30 days: several Plivo requests, made concurrently), some help and some mistakes.
MIX: tuple[tuple[str, int], ...] = (
    ("", 4),
    ("last 2 hours", 10),
    ("last 24 hours", 9),
    ("yesterday", 7),
    ("conference=sales since yesterday", 10),
    ("from=+14155550100 last 7 days", 8),
    ("to=+14155550101 last 3 days", 5),
    ("between monday and tuesday", 8),
    ("since monday", 6),
    ("this week conference=standup", 4),
    ("mpc=war-room last 2 weeks", 4),
    ('conference="Customer Success" last 30 days limit=20', 6),
    ("last month", 8),
    ("last 90 days", 2),
    ("help", 3),
    ("confrence=sales", 3),  # a parse error: an unknown key, with a suggestion
    ("conference=sales tomorrow", 3),  # a parse error: a range in the future
)
# The bot answers these in the ack itself (help, and the two mistakes). Any other command answered
# in the ack must carry a page (the bot had every page it needed cached), else it is an error.
IN_ACK = frozenset({"help", "confrence=sales", "conference=sales tomorrow"})
TEXTS = tuple(text for text, _ in MIX)
WEIGHTS = tuple(weight for _, weight in MIX)


def user_id(index: int) -> str:
    return f"U0BENCH{index:03d}"


def command_body(text: str, response_url: str, *, user: str) -> bytes:
    """A slash command as Slack posts it (form-encoded)."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0BENCH",
            "team_domain": "bench",
            "channel_id": CHANNEL,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/recordings",
            "text": text,
            "api_app_id": "A0BENCH",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    ).encode()


def click_body(value: str, response_url: str, *, user: str) -> bytes:
    """A click on `Next ▶` as Slack posts it: a form with one `payload` field of JSON."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0BENCH", "domain": "bench"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0BENCH"},
        "api_app_id": "A0BENCH",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": "1.2",
            "channel_id": CHANNEL,
            "is_ephemeral": True,
        },
        "trigger_id": "1.2.3",
        "channel": {"id": CHANNEL, "name": "general"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": ACTION_NEXT,
                "block_id": "paging",
                "text": {"type": "plain_text", "text": "Next ▶"},
                "value": value,
                "type": "button",
                "action_ts": "1.3",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def next_button(message: dict[str, Any]) -> str | None:
    """The value of the answer's `Next ▶` button, if it has one."""
    for block in message.get("blocks") or ():
        if block.get("type") == "actions":
            for element in block.get("elements") or ():
                if element.get("action_id") == ACTION_NEXT:
                    return str(element.get("value") or "")
    return None


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class PhaseResult:
    """What one phase (one app, one number of people) measured."""

    app: str
    people: int
    commands: int = 0
    clicks: int = 0
    ack_ms: list[float] = field(default_factory=list)
    e2e_ms: list[float] = field(default_factory=list)  # answers with a page (not help or errors)
    overhead_ms: list[float] = field(default_factory=list)
    answered_in_ack: int = 0  # help and parse errors: the answer is the ack itself
    pages_in_ack: int = 0  # pages the bot answered in the ack (every page it needed was cached)
    answered_at_url: int = 0
    error_answers: int = 0  # answers that report a failure ("Problem with …"), or a stray ack
    oddities: list[str] = field(default_factory=list)  # the first few, for the report
    failed_acks: int = 0  # not 200, or no answer at all to the POST
    lost: int = 0  # acknowledged, but no answer at response_url within the timeout
    wall_s: float = 0.0
    cpu_s: float = 0.0  # the server process's user + system CPU over the phase
    driver_cpu_s: float = 0.0
    others_cpu_share: float = 0.0  # CPU of every other process on the machine, share of all CPUs
    plivo_requests: int = 0
    plivo_served_ms: tuple[float, float] = (math.nan, math.nan)  # the fake's own p50, p99
    rss_marks: dict[int, int] = field(default_factory=dict)  # commands sent → RSS bytes
    by_text: dict[str, list[float]] = field(default_factory=dict)  # end-to-end ms by command

    @property
    def sent(self) -> int:
        return self.commands + self.clicks

    @property
    def answered(self) -> int:
        return self.answered_in_ack + self.pages_in_ack + self.answered_at_url

    @property
    def rate(self) -> float:
        return self.answered / self.wall_s if self.wall_s else math.nan

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_s * 1000 / self.sent if self.sent else math.nan


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has spent not idle (all CPUs)."""
    times = psutil.cpu_times()._asdict()
    # guest time is already inside user and nice; steal, idle and iowait are not this machine's work
    skip = ("idle", "iowait", "steal", "guest", "guest_nice")
    return sum(value for name, value in times.items() if name not in skip)


class Driver:
    """Runs phases against one server; `http` is the one shared client of every person."""

    def __init__(
        self,
        *,
        server: ServerProcess,
        slack: FastSlack,
        http: aiohttp.ClientSession,
        plivo_url: str,
        latency_ms: float,
        clicks: bool,
        click_share: float = 0.25,
        answer_timeout_s: float = 30.0,
        think_s: float = 0.0,
        seed: int = 1,
        helpers: tuple[psutil.Process, ...] = (),
    ) -> None:
        self.server = server
        self.helpers = helpers  # the fake Plivo: ours, so not counted as others' CPU
        self.slack = slack
        self.http = http
        self.plivo_url = plivo_url
        self.latency_ms = latency_ms
        self.clicks = clicks
        self.click_share = click_share
        self.answer_timeout_s = answer_timeout_s
        self.think_s = think_s
        self.seed = seed
        self._events_url = f"{server.url}/slack/events"
        self._verifier = SignatureVerifier(SIGNING_SECRET)
        self._serial = 0
        self._budget = 0
        self._taken = 0
        self._checkpoints: dict[int, Callable[[], None]] = {}

    async def first_command(self, text: str = "last 24 hours") -> tuple[float, float]:
        """One command right after start-up, alone: (ack ms, end-to-end ms) when cold."""
        result = PhaseResult(self.server.name, 1)
        key = self._key()
        body = command_body(text, self.slack.response_url(key), user=user_id(0))
        await self._exchange(key, body, result, text)
        return (
            result.ack_ms[0] if result.ack_ms else math.nan,
            result.e2e_ms[0] if result.e2e_ms else math.nan,
        )

    async def warm_up(self, people: int, per_person: int = 2) -> None:
        """A few unrecorded commands per person: each user's zone is looked up once, and code
        paths run once, before anything is measured (the cold start has its own row)."""
        await self._drive(people, people * per_person, PhaseResult(self.server.name, people), "w")

    async def run(self, people: int, commands: int, *, rss_at: tuple[int, ...] = ()) -> PhaseResult:
        """`commands` commands from `people` people in a closed loop; RSS sampled at `rss_at`."""
        result = PhaseResult(self.server.name, people)
        self._checkpoints = {
            n: (lambda n=n: result.rss_marks.__setitem__(n, self.server.rss())) for n in rss_at
        }
        me = psutil.Process()
        driver_cpu = sum(me.cpu_times()[:2])
        before = await plivo_stats(self.http, self.plivo_url, reset=True)
        cpu = self.server.cpu_s()
        machine, helpers = _machine_busy_s(), self._helpers_cpu_s()
        began = time.perf_counter()
        await self._drive(people, commands, result, "m")
        result.wall_s = time.perf_counter() - began
        result.cpu_s = self.server.cpu_s() - cpu
        result.driver_cpu_s = sum(me.cpu_times()[:2]) - driver_cpu
        others = (_machine_busy_s() - machine) - (self._helpers_cpu_s() - helpers)
        others -= result.cpu_s + result.driver_cpu_s
        result.others_cpu_share = max(0.0, others) / (result.wall_s * (psutil.cpu_count() or 1))
        after = await plivo_stats(self.http, self.plivo_url, reset=True)
        result.plivo_requests = int(after["requests"] - before["requests"])
        result.plivo_served_ms = (after["served_ms_p50"], after["served_ms_p99"])
        if commands in self._checkpoints:
            self._checkpoints[commands]()
        self._checkpoints = {}
        return result

    async def _drive(self, people: int, commands: int, result: PhaseResult, tag: str) -> None:
        self._budget, self._taken = commands, 0
        await asyncio.gather(
            *(
                self._person(i, random.Random(f"{self.seed}:{tag}:{people}:{i}"), result)
                for i in range(people)
            )
        )

    def _helpers_cpu_s(self) -> float:
        total = 0.0
        for process in self.helpers:
            with contextlib.suppress(psutil.Error):
                total += sum(process.cpu_times()[:2])
        return total

    def _take(self) -> int | None:
        if self._taken >= self._budget:
            return None
        self._taken += 1
        checkpoint = self._checkpoints.get(self._taken - 1)
        if checkpoint is not None:
            checkpoint()
        return self._taken

    async def _person(self, index: int, rng: random.Random, result: PhaseResult) -> None:
        user = user_id(index)
        while self._take() is not None:
            text = rng.choices(TEXTS, WEIGHTS)[0]
            key = self._key()
            result.commands += 1
            body = command_body(text, self.slack.response_url(key), user=user)
            answer = await self._exchange(key, body, result, text)
            if self.think_s:
                await asyncio.sleep(self.think_s)
            while self.clicks and answer is not None:
                value = next_button(answer)
                if value is None or rng.random() >= self.click_share:
                    break
                key = self._key()
                result.clicks += 1
                body = click_body(value, self.slack.response_url(key), user=user)
                answer = await self._exchange(key, body, result, "(click)")
                if self.think_s:
                    await asyncio.sleep(self.think_s)

    def _key(self) -> str:
        self._serial += 1
        return f"q{self._serial}"

    async def _exchange(
        self, key: str, body: bytes, result: PhaseResult, label: str
    ) -> dict[str, Any] | None:
        """Post one signed request; the answer (from the ack or the response_url), if any."""
        answer = self.slack.expect(key)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self._verifier.generate_signature(
                timestamp=timestamp, body=body.decode()
            ),
        }
        sent = time.perf_counter()
        try:
            async with self.http.post(self._events_url, data=body, headers=headers) as response:
                payload = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            status, payload = 0, b""
        acked = time.perf_counter()
        if status != 200:
            result.failed_acks += 1
            self.slack.forget(key)
            self._odd(result, f"{label!r}: ack {status}: {payload[:200]!r}", error=False)
            return None
        result.ack_ms.append((acked - sent) * 1000)
        if payload.strip():
            self.slack.forget(key)
            if label in IN_ACK:  # help or a parse error: answered in the ack itself
                result.answered_in_ack += 1
                return None
            result.pages_in_ack += 1
            arrived, raw = acked, payload
        else:
            try:
                arrived, raw = await asyncio.wait_for(answer, self.answer_timeout_s)
            except TimeoutError:
                self.slack.forget(key)
                result.lost += 1
                lost = f"{label!r}: no answer in {self.answer_timeout_s:g} s"
                self._odd(result, lost, error=False)
                return None
            result.answered_at_url += 1
        e2e_ms = (arrived - sent) * 1000
        result.e2e_ms.append(e2e_ms)
        result.by_text.setdefault(label, []).append(e2e_ms)
        # One Plivo round trip per answer: the bot asks for a long range's windows concurrently.
        result.overhead_ms.append(e2e_ms - self.latency_ms)
        message = json.loads(raw)
        if not message.get("blocks") or str(message.get("text", "")).startswith("Problem with"):
            self._odd(result, f"{label!r} answered with an error: {message.get('text')!r:.300}")
        return message

    @staticmethod
    def _odd(result: PhaseResult, what: str, *, error: bool = True) -> None:
        """Count an error answer (unless counted elsewhere); keep the first few to show."""
        result.error_answers += error
        if len(result.oddities) < 3:
            result.oddities.append(what)
