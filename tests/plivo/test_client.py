"""The Plivo client: models against real fixtures, the wire format, errors, retries, Retry-After."""

from __future__ import annotations

import asyncio
import base64
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import __version__
from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.plivo import (
    PlivoAuthError,
    PlivoBadRequest,
    PlivoClient,
    PlivoError,
    PlivoNotFound,
    PlivoRateLimited,
    PlivoTimeout,
    PlivoUnavailable,
    RateLimiter,
    Recording,
    RecordingList,
)
from bot.sample_api import SampleApi

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plivo-fixtures"
NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))
LIST_FIXTURES = [
    "recordingListResponse.json",
    "recordingListResponse.php-sdk.json",
    "recordingListFromFilterResponse.json",
]
ONE_FIXTURES = [
    "recordingGetResponse.json",
    "recordingGetResponse.php-sdk.json",
    "recordingGetAddedFilterResponse.json",
]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def sample() -> SampleApi:
    return SampleApi(NOW, count=2000)


class Sleeps:
    """An injected sleep that only records how long it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


Answer = httpx.Response | Exception


def scripted(*answers: Answer) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering each request with the next scripted response (or raising it)."""
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), seen


def ok_page(**meta: Any) -> httpx.Response:
    body = json.loads(fixture("recordingListResponse.json"))
    body["meta"].update(meta)
    return httpx.Response(200, json=body)


def make_client(transport: httpx.AsyncBaseTransport, **kw: Any) -> PlivoClient:
    defaults: dict[str, Any] = {
        "auth_id": "MAXXXXXXXXXXXXXXXXXX",
        "auth_token": "tok-secret",
        "transport": transport,
        "sleep": kw.pop("sleep", Sleeps()),
        "rng": random.Random(1),
        "limiter": RateLimiter(10**9),
    }
    return PlivoClient(**{**defaults, **kw})


# --- models and the reference fixtures ---------------------------------------------------------


@pytest.mark.parametrize("name", LIST_FIXTURES)
def test_list_fixtures_parse(name: str) -> None:
    page = RecordingList.model_validate_json(fixture(name))
    assert page.objects
    for rec in page.objects:
        assert rec.recording_id
        assert rec.add_time is not None
        assert rec.add_time.utcoffset() == timedelta(hours=5, minutes=30)
        assert rec.duration_s is not None
        assert rec.duration_s > 0
        assert rec.started_at is not None
        assert rec.started_at.tzinfo == UTC


@pytest.mark.parametrize("name", ONE_FIXTURES)
def test_single_recording_fixtures_parse(name: str) -> None:
    rec = Recording.model_validate_json(fixture(name))
    assert rec.recording_start_ms is not None
    assert rec.recording_end_ms is not None
    assert rec.recording_duration_ms == pytest.approx(rec.recording_end_ms - rec.recording_start_ms)
    assert rec.recording_storage_duration == 209
    assert rec.recording_storage_rate == pytest.approx(0.0004)
    assert rec.rounded_recording_duration == 120


def test_fixture_values_are_read_as_numbers_and_times() -> None:
    rec = Recording.model_validate_json(fixture("recordingGetResponse.json"))
    assert rec.recording_duration_ms == 345100.0
    assert rec.duration_s == pytest.approx(345.1)
    assert rec.add_time == datetime(2014, 8, 5, 10, 45, 15, 852059, tzinfo=UTC)
    # started_at comes from recording_start_ms (1407235163907 ms), not from add_time.
    assert rec.started_at == datetime(2014, 8, 5, 10, 39, 23, 907000, tzinfo=UTC)
    assert rec.conference_name == "noname"
    assert rec.recording_id == "c2186400-1c8c-11e4-a664-0026b945b52x"  # not a valid UUID: kept
    assert rec.model_extra == {"api_id": "7abf0744-1ca0-11e4-a2d1-22000ac5040c"}


def test_numbers_present_or_absent() -> None:
    php = RecordingList.model_validate_json(fixture("recordingListResponse.php-sdk.json"))
    python = RecordingList.model_validate_json(fixture("recordingListResponse.json"))
    assert php.objects[0].from_number == "+919999323467"
    assert php.objects[0].to_number == "+919891865130"
    assert python.objects[0].from_number is None
    sip = Recording.model_validate_json(fixture("recordingGetAddedFilterResponse.json"))
    assert sip.to_number == "sip:ajay6121801985815245533110@phone.plivo.com"
    assert sip.conference_name == ""
    assert sip.recording_type == "call"


def test_duplicates_within_a_page_are_dropped() -> None:
    raw = json.loads(fixture("recordingListFromFilterResponse.json"))
    assert len(raw["objects"]) == 3
    page = RecordingList.model_validate(raw)
    assert [r.recording_id for r in page.objects] == [
        "d405c4eb-d562-4399-af32-6ff3c57fa559",
        "7ed2395e-e08a-4448-86b1-9770331d94f3",
    ]
    assert page.objects[1].from_number == "+919768368712"  # the first copy wins
    assert page.meta.total_count == 2


def test_odd_values_become_none_instead_of_failing_the_page() -> None:
    page = RecordingList.model_validate(
        {
            "meta": {"limit": "20", "offset": 0, "next": None, "previous": None},
            "objects": [
                {
                    "recording_id": "r1",
                    "add_time": "not a time",
                    "recording_duration_ms": "",
                    "recording_start_ms": None,
                    "recording_storage_duration": "723",
                    "conference_name": None,
                    "new_field": {"nested": True},
                },
                {"recording_id": "r2", "add_time": "2012-02-04T23:33:08.079231"},
                {"call_uuid": "no id at all"},
                "not an object",
            ],
        }
    )
    assert page.meta.total_count is None
    assert page.meta.limit == 20
    first, second = page.objects
    assert first.add_time is None
    assert first.duration_s is None
    assert first.started_at is None
    assert first.recording_storage_duration == 723
    assert first.model_extra == {"new_field": {"nested": True}}
    # An old-style add_time without an offset is read as UTC, never left naive.
    assert second.add_time == datetime(2012, 2, 4, 23, 33, 8, 79231, tzinfo=UTC)
    assert second.started_at == second.add_time


def test_lenient_fields_read_what_they_can_and_nothing_else(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = RecordingList.model_validate_json(
        json.dumps(
            {
                "meta": {"limit": 20, "offset": 0, "total_count": "4"},
                "objects": [
                    {
                        "recording_id": 4711,  # a number where text belongs: read as its text
                        "recording_duration_ms": "inf",
                        "recording_storage_rate": "0.00040",
                        "rounded_recording_duration": "x",
                        "from_number": 14155550100,
                        "to_number": {"not": "text"},
                        "add_time": "2026-03-11 22:30:00.5+01:00",
                    },
                    {"recording_id": ""},
                    ["not", "an", "object"],
                    {"recording_id": "4711", "call_uuid": "a later copy"},
                ],
            }
        )
    )
    assert page.meta.total_count == 4
    [rec] = page.objects
    assert rec.recording_id == "4711"
    assert rec.call_uuid is None  # the first copy won
    assert rec.recording_duration_ms is None
    assert rec.recording_storage_rate == pytest.approx(0.0004)
    assert rec.rounded_recording_duration is None
    assert (rec.from_number, rec.to_number) == ("14155550100", None)
    assert rec.add_time == datetime(2026, 3, 11, 21, 30, 0, 500000, tzinfo=UTC)
    dropped = [r for r in caplog.records if "without a usable recording_id" in r.getMessage()]
    assert len(dropped) == 2


def test_mpc_fields_are_read_when_present() -> None:
    rec = Recording.model_validate(
        {"recording_id": "r", "mpc_name": "war-room", "mpc_uuid": "u-1", "conference_uuid": None}
    )
    assert (rec.mpc_name, rec.mpc_uuid, rec.conference_uuid) == ("war-room", "u-1", None)


# --- what reaches the wire ----------------------------------------------------------------------

ALL_FILTERS = {
    "from_number": "+14155550123",
    "to_number": "sip:alice7@phone.plivo.com",
    "subaccount": "SAEMEA0000000000000A",
    "call_uuid": "c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
    "add_time__gt": "2025-03-01 00:00",
    "add_time__gte": "2025-03-01 00:00:01",
    "add_time__lt": "2025-03-20 10:11:12.123456",
    "add_time__lte": "2025-03-20 10:11:13",
    "mpc_name": "war-room",
    "mpc_uuid": "mpc-uuid",
    "conference_name": "Customer Success",
    "conference_uuid": "conf-uuid",
    "recording_storage_duration": "3",
    "recording_storage_duration__gt": "1",
    "recording_storage_duration__gte": "2",
    "recording_storage_duration__lt": "9",
    "recording_storage_duration__lte": "8",
}


async def test_every_filter_reaches_the_wire_by_name(sample: SampleApi) -> None:
    sample.requests.clear()
    async with make_client(
        httpx.MockTransport(sample.handler), auth_id=SAMPLE_AUTH_ID, auth_token=SAMPLE_AUTH_TOKEN
    ) as client:
        page = await client.list_recordings(ALL_FILTERS, limit=5, offset=10)
    assert page.objects == []
    [logged] = sample.requests
    assert logged.status == 200
    assert logged.params == {**ALL_FILTERS, "limit": "5", "offset": "10"}


async def test_range_bounds_are_sent_in_utc_in_plivos_format(sample: SampleApi) -> None:
    sample.requests.clear()
    start = datetime(2025, 3, 20, 9, 0, tzinfo=IST)  # 03:30 UTC
    end = datetime(2025, 3, 25, 23, 59, 59, 250000, tzinfo=IST)  # 18:29:59.25 UTC
    async with make_client(
        httpx.MockTransport(sample.handler), auth_id=SAMPLE_AUTH_ID, auth_token=SAMPLE_AUTH_TOKEN
    ) as client:
        await client.list_range(
            {"conference_name": "sales"}, start, end, start_op="gt", end_op="lte", limit=3
        )
    [logged] = sample.requests
    assert logged.params == {
        "conference_name": "sales",
        "add_time__gt": "2025-03-20 03:30:00",
        "add_time__lte": "2025-03-25 18:29:59.250000",
        "limit": "3",
        "offset": "0",
    }


async def test_headers_auth_and_url() -> None:
    transport, seen = scripted(ok_page())
    async with make_client(transport, base_url="https://plivo.example/") as client:
        await client.list_recordings({})
        await client.list_recordings({})
    request = seen[0]
    assert str(request.url) == (
        "https://plivo.example/v1/Account/MAXXXXXXXXXXXXXXXXXX/Recording/?limit=20&offset=0"
    )
    assert request.headers["user-agent"] == f"recordings-bot/{__version__}"
    assert request.headers["authorization"] == basic("MAXXXXXXXXXXXXXXXXXX", "tok-secret")
    assert len(seen) == 2


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"limit": 21}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
async def test_paging_arguments_are_checked_before_any_request(
    kwargs: dict[str, int], problem: str
) -> None:
    transport, seen = scripted(ok_page())
    async with make_client(transport) as client:
        with pytest.raises(ValueError, match=problem):
            await client.list_recordings({}, **kwargs)
    assert seen == []


async def test_unknown_filters_and_time_filters_in_ranges_are_refused() -> None:
    transport, seen = scripted(ok_page())
    async with make_client(transport) as client:
        with pytest.raises(ValueError, match="conference"):
            await client.list_recordings({"conference": "sales"})
        with pytest.raises(ValueError, match="add_time__gte"):
            await client.list_range({"add_time__gte": "2025-01-01 00:00"}, NOW - timedelta(1), NOW)
        with pytest.raises(ValueError, match="naive"):
            await client.list_range({}, datetime(2025, 1, 1), NOW)
    assert seen == []


# --- errors ---------------------------------------------------------------------------------------


async def test_401_fixture_is_an_auth_error_not_retried() -> None:
    transport, seen = scripted(httpx.Response(401, content=fixture("error401.php-sdk.json")))
    sleeps = Sleeps()
    async with make_client(transport, sleep=sleeps) as client:
        with pytest.raises(PlivoAuthError) as caught:
            await client.list_recordings({})
    assert len(seen) == 1
    assert sleeps.delays == []
    assert caught.value.status == 401
    assert "PLIVO_AUTH_ID/PLIVO_AUTH_TOKEN" in caught.value.user_message
    assert "authentication credentials were not provided" in str(caught.value)
    assert "tok-secret" not in caught.value.user_message + str(caught.value)


async def test_400_carries_plivos_error_text_and_is_not_retried() -> None:
    body = {"api_id": "a1", "error": "add_time range exceeds 30 days"}
    transport, seen = scripted(httpx.Response(400, json=body))
    async with make_client(transport) as client:
        with pytest.raises(PlivoBadRequest) as caught:
            await client.list_recordings({})
    assert len(seen) == 1
    assert caught.value.error == "add_time range exceeds 30 days"
    assert caught.value.api_id == "a1"
    assert "add_time range exceeds 30 days" in caught.value.user_message


async def test_404_fixture_is_not_found() -> None:
    transport, seen = scripted(httpx.Response(404, content=fixture("error404.go-sdk.json")))
    async with make_client(transport) as client:
        with pytest.raises(PlivoNotFound) as caught:
            await client.list_recordings({})
    assert len(seen) == 1
    assert caught.value.api_id == "e4fa5df0-0989-11ed-a350-0242ac110004"
    assert "Profile not found." in str(caught.value)
    assert "PLIVO_AUTH_ID" in caught.value.user_message


async def test_error_body_that_is_not_json_still_gives_a_typed_error() -> None:
    transport, _ = scripted(httpx.Response(400, text="<html>Bad Request</html>"))
    async with make_client(transport) as client:
        with pytest.raises(PlivoBadRequest) as caught:
            await client.list_recordings({})
    assert caught.value.error is None
    assert caught.value.user_message.startswith("Plivo refused this search.")


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="{not json"),
        httpx.Response(200, text="<html><body>Gateway error</body></html>"),
        httpx.Response(200, json=[1, 2, 3]),
        httpx.Response(200, json={"api_id": "x", "objects": []}),
        httpx.Response(200, content=b"\xff\xfe\x00garbage"),
    ],
)
async def test_malformed_success_bodies_become_plivo_unavailable(response: httpx.Response) -> None:
    transport, seen = scripted(response)
    async with make_client(transport) as client:
        with pytest.raises(PlivoUnavailable) as caught:
            await client.list_recordings({})
    assert len(seen) == 1
    assert isinstance(caught.value, PlivoError)
    assert caught.value.user_message


async def test_every_error_has_a_user_message_without_secrets() -> None:
    for status in (400, 401, 403, 404, 405, 409, 422, 429, 500, 502, 503, 504):
        transport, _ = scripted(httpx.Response(status, json={"error": "x"}))
        async with make_client(transport, max_retries=0) as client:
            with pytest.raises(PlivoError) as caught:
                await client.list_recordings({})
        assert caught.value.status == status
        assert caught.value.user_message.strip()
        assert "tok-secret" not in caught.value.user_message


# --- retries --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(429, json={"api_id": "a", "error": "too many requests"}),
        httpx.Response(500, json={"api_id": "a", "error": "internal"}),
        httpx.Response(502, text="<html>Bad gateway</html>"),
        httpx.Response(503, text="upstream unavailable"),
        httpx.ConnectError("connection refused"),
        httpx.ReadError("connection reset by peer"),
        httpx.RemoteProtocolError("server disconnected without sending a response"),
        httpx.DecodingError("corrupt gzip body"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
    ],
    ids=lambda f: f"http{f.status_code}" if isinstance(f, httpx.Response) else type(f).__name__,
)
async def test_transient_failures_are_retried_then_succeed(failure: Answer) -> None:
    transport, seen = scripted(failure, failure, ok_page())
    sleeps = Sleeps()
    async with make_client(transport, sleep=sleeps) as client:
        page = await client.list_recordings({})
    assert len(page.objects) == 3
    assert len(seen) == 3
    assert len(sleeps.delays) == 2
    # Capped exponential backoff with jitter: attempt n waits within [step/2, step], step 0.2*2^n.
    assert 0.1 <= sleeps.delays[0] <= 0.2
    assert 0.2 <= sleeps.delays[1] <= 0.4


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.Response(429, json={"error": "slow down"}), PlivoRateLimited),
        (httpx.Response(503, json={"error": "down"}), PlivoUnavailable),
        (httpx.ConnectError("refused"), PlivoUnavailable),
        (httpx.ReadTimeout("timed out"), PlivoTimeout),
    ],
)
async def test_retries_are_bounded_by_max_retries(failure: Answer, error: type[PlivoError]) -> None:
    transport, seen = scripted(failure)
    sleeps = Sleeps()
    async with make_client(transport, sleep=sleeps, max_retries=3) as client:
        with pytest.raises(error):
            await client.list_recordings({})
    assert len(seen) == 4  # the first try and three retries
    assert len(sleeps.delays) == 3


async def test_backoff_is_capped() -> None:
    transport, seen = scripted(httpx.Response(500))
    sleeps = Sleeps()
    async with make_client(transport, sleep=sleeps, max_retries=10) as client:
        with pytest.raises(PlivoUnavailable):
            await client.list_recordings({})
    assert len(seen) == 11
    assert max(sleeps.delays) <= 4.0
    assert min(sleeps.delays[5:]) >= 2.0  # 0.2 * 2^5 = 6.4 > cap 4, so every later wait is 2..4


async def test_timeout_error_message_says_what_to_do() -> None:
    transport, _ = scripted(httpx.ReadTimeout("timed out"))
    async with make_client(transport, max_retries=0) as client:
        with pytest.raises(PlivoTimeout) as caught:
            await client.list_recordings({})
    assert "took too long" in caught.value.user_message


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_seconds_is_honoured(status: int) -> None:
    transport, seen = scripted(
        httpx.Response(status, headers={"Retry-After": "3"}, json={"error": "wait"}), ok_page()
    )
    sleeps = Sleeps()
    async with make_client(transport, sleep=sleeps) as client:
        await client.list_recordings({})
    assert sleeps.delays == [3.0]
    assert len(seen) == 2


async def test_retry_after_http_date_is_honoured() -> None:
    wall = 1_750_000_000.0
    when = format_datetime(datetime.fromtimestamp(wall + 7, tz=UTC), usegmt=True)
    transport, _ = scripted(httpx.Response(429, headers={"Retry-After": when}), ok_page())
    sleeps = Sleeps()
    async with make_client(transport, sleep=sleeps, wall_clock=lambda: wall) as client:
        await client.list_recordings({})
    assert sleeps.delays == [pytest.approx(7.0)]


async def test_retry_after_too_long_gives_up_at_once() -> None:
    transport, seen = scripted(httpx.Response(429, headers={"Retry-After": "60"}), ok_page())
    sleeps = Sleeps()
    async with make_client(transport, sleep=sleeps) as client:
        with pytest.raises(PlivoRateLimited) as caught:
            await client.list_recordings({})
    assert len(seen) == 1
    assert sleeps.delays == []
    assert caught.value.retry_after_s == 60.0
    assert caught.value.status == 429
    assert "try again" in caught.value.user_message


async def test_unparseable_retry_after_falls_back_to_backoff() -> None:
    transport, _ = scripted(httpx.Response(429, headers={"Retry-After": "soon"}), ok_page())
    sleeps = Sleeps()
    async with make_client(transport, sleep=sleeps) as client:
        await client.list_recordings({})
    assert len(sleeps.delays) == 1
    assert 0.1 <= sleeps.delays[0] <= 0.2


async def test_one_failing_window_fails_the_range_with_its_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["add_time__lt"].startswith("2025-03-31"):
            return ok_page(total_count=3)
        return httpx.Response(401, json={"error": "authentication failed"})

    async with make_client(httpx.MockTransport(handler)) as client:
        with pytest.raises(PlivoAuthError):
            await client.list_range({}, NOW - timedelta(days=60), NOW)


async def test_requests_in_flight_are_capped() -> None:
    active, most = 0, 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, most
        active += 1
        most = max(most, active)
        for _ in range(5):  # stay in flight while the other calls pile up
            await asyncio.sleep(0)
        active -= 1
        return ok_page()

    async with make_client(httpx.MockTransport(handler), max_in_flight=3) as client:
        # Different offsets: identical requests in flight would share one.
        pages = await asyncio.gather(*(client.list_recordings({}, offset=n) for n in range(12)))
    assert len(pages) == 12
    assert most == 3


class Gate:
    """A Plivo whose answers wait until released; it counts the requests that reached it."""

    def __init__(self, answer: Callable[[], httpx.Response] = ok_page) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.open = asyncio.Event()
        self.arrived = asyncio.Event()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.arrived.set()
        await self.open.wait()
        return self.answer()


async def test_identical_requests_in_flight_share_one_plivo_request() -> None:
    gate = Gate()
    async with make_client(httpx.MockTransport(gate.handler)) as client:
        first = asyncio.create_task(client.list_recordings({"conference_name": "sales"}))
        await gate.arrived.wait()
        second = asyncio.create_task(client.list_recordings({"conference_name": "sales"}))
        other = asyncio.create_task(client.list_recordings({"conference_name": "ops"}))
        await asyncio.sleep(0)  # let both reach the client before Plivo answers
        gate.open.set()
        pages = await asyncio.gather(first, second, other)
        assert len(gate.requests) == 2  # sales once, ops once
        assert pages[0] == pages[1]
        assert client.shared_requests == 1
        # Once answered, the same search asks Plivo again: only requests in flight are shared.
        await client.list_recordings({"conference_name": "sales"})
        assert len(gate.requests) == 3


async def test_a_shared_request_outlives_an_asker_who_gave_up() -> None:
    gate = Gate()
    async with make_client(httpx.MockTransport(gate.handler)) as client:
        leaver = asyncio.create_task(client.list_recordings({}))
        await gate.arrived.wait()
        stayer = asyncio.create_task(client.list_recordings({}))
        await asyncio.sleep(0)
        leaver.cancel()
        gate.open.set()
        page = await stayer
        assert page.objects
        assert leaver.cancelled()
        assert len(gate.requests) == 1


async def test_a_failure_reaches_everyone_who_shared_the_request() -> None:
    gate = Gate(lambda: httpx.Response(400, json={"api_id": "a", "error": "invalid filter"}))
    async with make_client(httpx.MockTransport(gate.handler)) as client:
        asks = [asyncio.create_task(client.list_recordings({})) for _ in range(3)]
        await gate.arrived.wait()
        gate.open.set()
        outcomes = await asyncio.gather(*asks, return_exceptions=True)
    assert all(isinstance(outcome, PlivoBadRequest) for outcome in outcomes)
    assert len(gate.requests) == 1


async def test_closing_the_client_ends_requests_nobody_waits_for() -> None:
    gate = Gate()
    client = make_client(httpx.MockTransport(gate.handler))
    ask = asyncio.create_task(client.list_recordings({}))
    await gate.arrived.wait()
    ask.cancel()  # the asker left (shutdown), the request is still at Plivo
    await client.aclose()
    assert not client._flights
    assert ask.cancelled()


def test_sample_credentials_are_the_ones_from_config() -> None:
    api = SampleApi(NOW, count=10)
    path = f"/v1/Account/{SAMPLE_AUTH_ID}/Recording/"
    assert api.auth_id == SAMPLE_AUTH_ID
    assert api.respond("GET", path, {}, basic(SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN))[0] == 200
    assert api.respond("GET", path, {}, basic(SAMPLE_AUTH_ID, "wrong"))[0] == 401
