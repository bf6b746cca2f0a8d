"""Load generation and statistics: simulated people in a closed loop against one server.

Each person sends a signed `/recordings` command (its text drawn from the mix, bench.mix;
form-encoded and signed exactly as Slack does), reads the acknowledgement, waits for the answer at
the command's `response_url` (the fake Slack resolves a future keyed by the URL's last segment),
and sends the next command at once (no think time, unless `--think-ms` asks for some). After an
answer, one time in four a person clicks its `Next ▶` and one in twenty its `◀ Prev`, where the
page has that button: a `block_actions` click carrying the value the bot sent (the driver never
makes one), answered at the click's own `response_url` (clicks go to the bot only: the textbook
app has no buttons). People share one budget of commands per phase.

Times are `time.perf_counter()` stamps in the driver: the ack is stamped when its body has been
read, an answer when the fake Slack has read it.
"""

from __future__ import annotations

import asyncio
import bisect
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

from bench.fakes import SIGNING_SECRET, FastSlack, ServerProcess, plivo_stats, series_of
from bench.mix import RealisticMix, RepeatMix
from bot.plivo.windows import split_range
from bot.query import ParseError, Query
from bot.sealing import Sealer, Unsealable, is_sealed

CHANNEL = "C0BENCH"
ACTION_NEXT = "recordings_next"
ACTION_PREV = "recordings_prev"
_BUTTON_TEXT = {ACTION_NEXT: "Next ▶", ACTION_PREV: "◀ Prev"}
REPEAT_WINDOW_S = 60.0  # a command repeats another if the same text was sent this recently


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


def click_body(value: str, response_url: str, *, user: str, action: str = ACTION_NEXT) -> bytes:
    """A click on a button (`Next ▶`, `◀ Prev`) as Slack posts it: a form with one `payload`
    field of JSON. `value` is the button's value as the bot sent it, never one made here."""
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
                "action_id": action,
                "block_id": "paging",
                "text": {
                    "type": "plain_text",
                    "text": "Next ▶" if action == ACTION_NEXT else "◀ Prev",
                },
                "value": value,
                "type": "button",
                "action_ts": "1.3",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def button(message: dict[str, Any], action: str = ACTION_NEXT) -> str | None:
    """The value of the answer's button with this action id (`Next ▶` by default), if any."""
    for block in message.get("blocks") or ():
        if block.get("type") == "actions":
            for element in block.get("elements") or ():
                if element.get("action_id") == action:
                    return str(element.get("value") or "")
    return None


# An answer: end-to-end ms; the series of the page (None: a command, which asks Plivo); when it
# was sent and answered (perf_counter, CLOCK_MONOTONIC on Linux, as the fake Plivo's stamps); and
# whether it is a Next click on a page of 10 rows or fewer.
_Answer = tuple[float, frozenset[str] | None, float, float, bool]


_SEALER = Sealer(SIGNING_SECRET)


def click_series(value: str) -> frozenset[str] | None:
    """The Plivo series (bench.fakes.series_of) of the windows of the range a page button's value
    names: the button is read, never made. None if it cannot be read."""
    try:
        payload = value.split("~", 1)[0]  # a signed value is `payload~expiry~mac`
        if is_sealed(payload):  # the bench knows the bot's secret, so it can open what it sent
            payload = _SEALER.open(payload)
        query = Query.decode(payload)
        windows = split_range(query.start, query.end, query.start_op, query.end_op)
    except (ParseError, ValueError, Unsealable):
        return None
    return frozenset(
        series_of([*query.filters.items(), *window.params().items()]) for window in windows
    )


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
    next_clicks: int = 0
    prev_clicks: int = 0
    small_next: int = 0  # Next clicks on a page of 10 rows or fewer
    small_next_free: int = 0  # ...answered sooner than one Plivo round trip: no request
    repeats: int = 0  # commands whose text was sent within REPEAT_WINDOW_S before
    pages: int = 0  # answers that show a page (commands and clicks), not help or mistakes
    by_person: dict[int, list[float]] = field(default_factory=dict)  # end-to-end ms, per person
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
    def plivo_per_page(self) -> float:
        return self.plivo_requests / self.pages if self.pages else math.nan

    @property
    def small_next_free_share(self) -> float:
        return self.small_next_free / self.small_next if self.small_next else math.nan

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
        mix: RealisticMix | RepeatMix,
        click_share: float = 0.25,
        prev_share: float = 0.05,
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
        self.prev_share = prev_share
        self.mix = mix
        self._sent: dict[str, float] = {}  # text → when last sent, for the repeat count
        self._answers: list[_Answer] = []  # this phase's pages, for _attribute
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
        self._sent = {}
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
        self._attribute(after["arrivals"], result)
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
            command = self.mix.draw(rng)
            self._count_repeat(command.text, result)
            key = self._key()
            result.commands += 1
            body = command_body(command.text, self.slack.response_url(key), user=user)
            answer = await self._exchange(key, body, result, command.label, index, command.page)
            if self.think_s:
                await asyncio.sleep(self.think_s)
            while self.clicks and answer is not None:
                # Next one time in four, Prev one in twenty (where the page has those buttons),
                # with the value the bot sent: other values would fail its signature check.
                roll = rng.random()
                action = ACTION_NEXT if roll < self.click_share else None
                if action is None and roll < self.click_share + self.prev_share:
                    action = ACTION_PREV
                value = button(answer, action) if action else None
                if value is None:
                    break
                key = self._key()
                result.clicks += 1
                body = click_body(value, self.slack.response_url(key), user=user, action=action)
                small = action == ACTION_NEXT and command.page_size <= 10
                answer = await self._exchange(
                    key, body, result, f"({action})", index, click=(click_series(value), small)
                )
                if action == ACTION_PREV:
                    result.prev_clicks += 1
                    continue
                result.next_clicks += 1
                if self.think_s:
                    await asyncio.sleep(self.think_s)

    def _count_repeat(self, text: str, result: PhaseResult) -> None:
        now = time.perf_counter()
        last = self._sent.get(text)
        if last is not None and now - last < REPEAT_WINDOW_S:
            result.repeats += 1
        self._sent[text] = now

    def _key(self) -> str:
        self._serial += 1
        return f"q{self._serial}"

    def _attribute(self, arrivals: list[tuple[float, str]], result: PhaseResult) -> None:
        """Which answers made a Plivo request, from when the fake Plivo received each request of
        which series: the overhead of each answer, and the Next clicks that cost nothing."""
        times: dict[str, list[float]] = {}
        for at, series in arrivals:
            times.setdefault(series, []).append(at)
        for e2e_ms, series_set, sent, arrived, small_next in self._answers:
            if series_set is None:  # a command answered at response_url: it asked Plivo
                asked = True
            else:  # a click (or a page answered in the ack: no series, no request)
                asked = any(
                    bisect.bisect_left(ts, sent) < bisect.bisect_right(ts, arrived)
                    for series in series_set
                    if (ts := times.get(series))
                )
            # At most one round trip per answer: a long range's windows are asked at once.
            result.overhead_ms.append(e2e_ms - self.latency_ms * asked)
            if small_next:
                result.small_next += 1
                result.small_next_free += not asked
        self._answers = []

    async def _exchange(
        self,
        key: str,
        body: bytes,
        result: PhaseResult,
        label: str,
        person: int = 0,
        page: bool = True,
        click: tuple[frozenset[str] | None, bool] | None = None,
    ) -> dict[str, Any] | None:
        """Post one signed request; the answer (from the ack or the response_url), if any.
        `page`: a page is expected (else help or a mistake, answered in the ack itself).
        `click`: the series its button names (click_series) and whether it is a Next click on a
        page of 10 rows or fewer."""
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
            if not page:  # help or a parse error: answered in the ack itself
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
        result.pages += 1
        result.e2e_ms.append(e2e_ms)
        result.by_text.setdefault(label, []).append(e2e_ms)
        result.by_person.setdefault(person, []).append(e2e_ms)
        # A click whose button cannot be read (series None) counts as one that asked Plivo.
        series, small_next = click or (None, False)
        if arrived == acked:
            series = frozenset()  # answered in the ack: from the cache, no request
        self._answers.append((e2e_ms, series, sent, arrived, small_next))
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
