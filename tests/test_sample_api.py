"""The embedded fake of Plivo's List Recordings API: data, filters, errors, serving."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.plivo import RecordingList
from bot.sample_api import CONFERENCES, MPC_NAMES, SampleApi

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
PATH = f"/v1/Account/{SAMPLE_AUTH_ID}/Recording/"
AUTH = "Basic " + base64.b64encode(f"{SAMPLE_AUTH_ID}:{SAMPLE_AUTH_TOKEN}".encode()).decode()
ROOT = Path(__file__).resolve().parents[1]
UUIDISH = re.compile(r"[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}")


@pytest.fixture(scope="module")
def api() -> SampleApi:
    return SampleApi(NOW)


def get(api: SampleApi, params: dict[str, str], *, path: str = PATH) -> tuple[int, Any]:
    return api.respond("GET", path, params, AUTH)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def fmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def last_days(days: float, end: datetime = NOW) -> dict[str, str]:
    return {"add_time__gte": fmt(end - timedelta(days=days)), "add_time__lt": fmt(end)}


# --- the data set ---------------------------------------------------------------------------------


def test_the_data_set_is_large_recent_and_newest_first(api: SampleApi) -> None:
    times = [utc(r["add_time"]) for r in api.recordings]
    assert len(times) == 6000
    assert times == sorted(times, reverse=True)
    assert NOW - timedelta(days=75) < min(times)
    assert max(times) < NOW
    assert max(times) > NOW - timedelta(days=1)
    assert len({r["recording_id"] for r in api.recordings}) == 6000


def test_the_data_set_has_every_kind_of_recording(api: SampleApi) -> None:
    kinds = Counter(r["recording_type"] for r in api.recordings)
    assert kinds["call"] > 3000
    assert kinds["conference"] > 1500
    assert 50 < kinds["mpc"] < 400
    names = Counter(
        r["conference_name"] for r in api.recordings if r["recording_type"] == "conference"
    )
    assert set(names) == {name for name, *_ in CONFERENCES}
    assert "Customer Success" in names
    mpcs = {r.get("mpc_name") for r in api.recordings if r["recording_type"] == "mpc"}
    assert mpcs == set(MPC_NAMES)
    # Several a day each, over 75 days.
    assert min(names.values()) > 2 * 75


def test_recordings_look_like_plivos(api: SampleApi) -> None:
    numbers = Counter()
    for body in api.recordings:
        assert UUIDISH.fullmatch(body["recording_id"])
        assert UUIDISH.fullmatch(body["call_uuid"])
        assert body["add_time"].endswith("+05:30")
        fmt_ = body["recording_format"]
        assert body["recording_url"] == (
            f"https://media.plivo.com/v1/Account/{SAMPLE_AUTH_ID}/Recording/"
            f"{body['recording_id']}.{fmt_}"
        )
        assert body["resource_uri"] == f"{PATH}{body['recording_id']}/"
        start, end = float(body["recording_start_ms"]), float(body["recording_end_ms"])
        duration = float(body["recording_duration_ms"])
        assert re.fullmatch(r"\d+\.00000", body["recording_duration_ms"])
        assert start + duration == end
        assert 0 < utc(body["add_time"]).timestamp() * 1000 - end < 10_000
        for side in ("from_number", "to_number"):
            if side in body:
                number = body[side]
                assert re.fullmatch(r"\+\d{11,12}|sip:[a-z]+\d+@phone\.plivo\.com", number)
                numbers[number[:3]] += 1
    assert {"+14", "+44", "+91", "sip"} <= set(numbers)
    seconds = [float(b["recording_duration_ms"]) / 1000 for b in api.recordings]
    assert min(seconds) < 10
    assert max(seconds) > 3600
    assert any("bwad" in b["recording_id"] for b in api.recordings)  # like the real API's ids
    assert any("from_number" not in b for b in api.recordings)


def test_the_data_parses_with_the_clients_model(api: SampleApi) -> None:
    status, body = get(api, {"limit": "20"})
    assert status == 200
    page = RecordingList.model_validate(body)
    assert len(page.objects) == 20
    assert page.objects[0].started_at is not None
    assert page.objects[0].started_at < page.objects[0].add_time


def test_same_now_and_seed_give_the_same_data() -> None:
    a, b = SampleApi(NOW, count=300), SampleApi(NOW, count=300)
    assert a.recordings == b.recordings
    assert SampleApi(NOW, count=300, seed=8).recordings != a.recordings
    # Relative to now: a week later (same weekdays) is the same data, a week later.
    later = SampleApi(NOW + timedelta(days=7), count=300)
    pairs = list(zip(later.recordings, a.recordings, strict=True))
    assert {utc(x["add_time"]) - utc(y["add_time"]) for x, y in pairs} == {timedelta(days=7)}
    assert [x["recording_id"] for x, _ in pairs] == [y["recording_id"] for _, y in pairs]


# --- filters --------------------------------------------------------------------------------------


def test_no_add_time_means_the_last_seven_days(api: SampleApi) -> None:
    status, body = get(api, {"limit": "20"})
    want = [r for r in api.recordings if utc(r["add_time"]) >= NOW - timedelta(days=7)]
    assert status == 200
    assert body["meta"]["total_count"] == len(want)
    assert [r["recording_id"] for r in body["objects"]] == [r["recording_id"] for r in want[:20]]


def test_add_time_comparisons_are_utc_and_exact(api: SampleApi) -> None:
    pivot = api.recordings[100]
    at = utc(pivot["add_time"]).strftime("%Y-%m-%d %H:%M:%S.%f")  # the same instant, in UTC
    lower = {"add_time__gte": fmt(NOW - timedelta(days=20))}
    ids = {
        op: [r["recording_id"] for r in api.query({**lower, f"add_time__{op}": at})]
        for op in ("lt", "lte")
    }
    assert pivot["recording_id"] in ids["lte"]
    assert pivot["recording_id"] not in ids["lt"]
    upper = {"add_time__lt": fmt(NOW)}
    above = {
        op: [r["recording_id"] for r in api.query({**upper, f"add_time__{op}": at})]
        for op in ("gt", "gte")
    }
    assert pivot["recording_id"] in above["gte"]
    assert pivot["recording_id"] not in above["gt"]
    assert len(above["gte"]) == 101


def test_times_without_seconds_are_accepted(api: SampleApi) -> None:
    status, _ = get(api, {"add_time__gte": "2025-03-01 00:00", "add_time__lt": "2025-03-02 10:30"})
    assert status == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("conference_name", "Customer Success"),
        ("conference_name", "board"),
        ("mpc_name", "war-room"),
        ("from_number", "+14155550100"),
        ("to_number", "+442079460100"),
    ],
)
def test_exact_match_filters(api: SampleApi, name: str, value: str) -> None:
    window = last_days(30)
    got = api.query({**window, name: value})
    assert got
    assert all(r.get(name) == value for r in got)
    everything = api.query(window)
    assert len(got) == sum(1 for r in everything if r.get(name) == value)


@pytest.mark.parametrize("value", ["customer success", "Customer", "board ", "+1415555010"])
def test_near_misses_match_nothing(api: SampleApi, value: str) -> None:
    window = last_days(30)
    assert api.query({**window, "conference_name": value}) == []
    assert api.query({**window, "from_number": value}) == []


def test_id_filters(api: SampleApi) -> None:
    window = last_days(30)
    everything = api.query(window)
    conference = next(r for r in everything if r["recording_type"] == "conference")
    mpc = next(r for r in everything if r["recording_type"] == "mpc")
    call = next(r for r in everything if r["recording_type"] == "call")
    assert api.query({**window, "conference_uuid": conference["conference_uuid"]}) == [conference]
    assert api.query({**window, "mpc_uuid": mpc["mpc_uuid"]}) == [mpc]
    assert api.query({**window, "call_uuid": call["call_uuid"]}) == [call]


def test_subaccount_filter(api: SampleApi) -> None:
    window = last_days(30)
    first = api.query({**window, "subaccount": "SAEMEA0000000000000A"})
    second = api.query({**window, "subaccount": "SAAPAC0000000000000B"})
    assert first
    assert second
    assert not {r["recording_id"] for r in first} & {r["recording_id"] for r in second}
    assert len(first) + len(second) < len(api.query(window)) / 4


def test_storage_duration_filters(api: SampleApi) -> None:
    window = last_days(30)
    everything = api.query(window)
    for suffix, check in [
        ("", lambda d: d == 3),
        ("__gt", lambda d: d > 3),
        ("__gte", lambda d: d >= 3),
        ("__lt", lambda d: d < 3),
        ("__lte", lambda d: d <= 3),
    ]:
        got = api.query({**window, f"recording_storage_duration{suffix}": "3"})
        assert got
        assert got == [r for r in everything if check(r["recording_storage_duration"])]


def test_unknown_filters_are_ignored(api: SampleApi) -> None:
    window = last_days(10)
    assert api.query({**window, "colour": "blue"}) == api.query(window)


# --- paging ---------------------------------------------------------------------------------------


def test_next_and_previous_links_walk_the_whole_list(api: SampleApi) -> None:
    params = {**last_days(3), "conference_name": "Customer Success", "limit": "7"}
    want = [r["recording_id"] for r in api.query(params)]
    status, body = get(api, params)
    assert status == 200
    assert body["meta"]["previous"] is None
    seen: list[str] = []
    pages = 0
    while True:
        seen += [r["recording_id"] for r in body["objects"]]
        pages += 1
        link = body["meta"]["next"]
        if link is None:
            break
        url = httpx.URL(link)
        assert url.path == PATH
        assert url.params["conference_name"] == "Customer Success"
        assert url.params["limit"] == "7"
        status, body = get(api, dict(url.params))
        assert status == 200
        assert httpx.URL(body["meta"]["previous"]).params["offset"] == str((pages - 1) * 7)
    assert seen == want
    assert pages == -(-len(want) // 7)
    assert body["meta"]["total_count"] == len(want)


def test_meta_matches_plivos_shape(api: SampleApi) -> None:
    _, body = get(api, {"limit": "3", "offset": "6"})
    meta = body["meta"]
    assert set(body) == {"api_id", "meta", "objects"}
    assert set(meta) == {"limit", "next", "offset", "previous", "total_count"}
    assert (meta["limit"], meta["offset"]) == (3, 6)
    assert meta["next"] == f"{PATH}?limit=3&offset=9"
    assert meta["previous"] == f"{PATH}?limit=3&offset=3"


def test_total_count_can_be_switched_off() -> None:
    api = SampleApi(NOW, count=200, with_total_count=False)
    _, body = get(api, {"limit": "2"})
    assert "total_count" not in body["meta"]
    assert body["meta"]["next"] is not None


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "says"),
    [
        (last_days(31), "30 days"),
        ({"add_time__gte": fmt(NOW - timedelta(days=31))}, "30 days"),  # upper bound: now
        ({"limit": "21"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"add_time__gte": "2025-03-01T00:00:00"}, "add_time__gte"),
        ({"add_time__lt": "yesterday"}, "add_time__lt"),
        ({"add_time__lt": "2025-02-30 00:00"}, "add_time__lt"),
        ({"recording_storage_duration__gt": "a week"}, "recording_storage_duration__gt"),
    ],
)
def test_bad_requests_get_plivos_400(api: SampleApi, params: dict[str, str], says: str) -> None:
    status, body = get(api, params)
    assert status == 400
    assert set(body) == {"api_id", "error"}
    assert UUIDISH.fullmatch(body["api_id"])
    assert says in body["error"]


def test_exactly_thirty_days_is_allowed(api: SampleApi) -> None:
    status, _ = get(api, last_days(30))
    assert status == 200


def test_credentials_are_checked(api: SampleApi) -> None:
    wrong = "Basic " + base64.b64encode(f"{SAMPLE_AUTH_ID}:nope".encode()).decode()
    assert api.respond("GET", PATH, {}, None) == (
        401,
        {"error": "authentication credentials were not provided"},
    )
    assert api.respond("GET", PATH, {}, wrong)[0] == 401
    assert api.respond("GET", PATH, {}, "Bearer abc")[0] == 401
    assert api.respond("GET", PATH, {}, "Basic !!!")[0] == 401
    other = "/v1/Account/MAOTHER0000000000000/Recording/"
    assert get(api, {}, path=other)[0] == 401


def test_other_paths_are_404_with_plivos_shape(api: SampleApi) -> None:
    status, body = get(api, {}, path=f"/v1/Account/{SAMPLE_AUTH_ID}/Call/")
    assert status == 404
    assert set(body) == {"api_id", "error"}
    assert get(api, {}, path="/v2/whatever")[0] == 404


def test_requests_are_logged(api: SampleApi) -> None:
    api.requests.clear()
    get(api, {"limit": "21"})
    get(api, {"limit": "2", "conference_name": "sales"})
    assert [(r.status, r.params) for r in api.requests] == [
        (400, {"limit": "21"}),
        (200, {"limit": "2", "conference_name": "sales"}),
    ]
    assert api.requests[0].at <= api.requests[1].at


def test_the_request_log_is_bounded() -> None:
    api = SampleApi(NOW, count=10, max_log=10)
    for n in range(25):
        get(api, {"limit": "1", "offset": str(n)})
    assert 5 <= len(api.requests) <= 10
    assert api.requests[-1].params["offset"] == "24"


# --- serving --------------------------------------------------------------------------------------


async def test_mock_transport_handler(api: SampleApi) -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(api.handler), auth=(SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN)
    ) as client:
        response = await client.get(f"https://api.plivo.com{PATH}", params={"limit": 2})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert len(response.json()["objects"]) == 2


async def test_asgi_app_with_latency(api: SampleApi, monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []

    async def fake_sleep(delay: float) -> None:
        waited.append(delay)

    monkeypatch.setattr("bot.sample_api.api.asyncio.sleep", fake_sleep)
    transport = httpx.ASGITransport(app=api.asgi(latency_s=0.15))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sample", auth=(SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN)
    ) as client:
        ok = await client.get(PATH, params={"limit": 1, "conference_name": "Customer Success"})
        refused = await client.get(PATH, params={"limit": 50})
    assert ok.status_code == 200
    assert ok.json()["objects"][0]["conference_name"] == "Customer Success"
    assert refused.status_code == 400
    assert waited == [0.15, 0.15]


def test_runs_as_a_real_http_server() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.sample_api", "--port", "0", "--count", "300"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line + (process.stderr.read() if process.poll() is not None else "")
        url = f"http://127.0.0.1:{match.group(1)}{PATH}"
        with httpx.Client(auth=(SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN), timeout=10) as client:
            response = client.get(url, params={"limit": 3})
            refused = client.get(url, auth=(SAMPLE_AUTH_ID, "wrong"))
        assert response.status_code == 200
        assert len(response.json()["objects"]) == 3
        assert refused.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_recording_added_while_running_is_listed_newest_first() -> None:
    from datetime import timedelta

    api = SampleApi(now=NOW, count=50)
    body = api.add(
        NOW + timedelta(seconds=5), conference_name="support", from_number="+14155550100"
    )
    assert api.recordings[0] is body and body["recording_type"] == "conference"
    found = api.query({"conference_name": "support", "add_time__gt": "2025-03-31 12:00:00"})
    assert [r["recording_id"] for r in found] == [body["recording_id"]]
    assert api.query({"add_time__gte": "2025-03-31 12:00:04"})[0] is body


def test_above_the_account_limit_it_answers_429() -> None:
    moment = [0.0]
    api = SampleApi(now=NOW, count=10, rate_limit=(3, 5.0), clock=lambda: moment[0])
    statuses = [api.respond("GET", api._path, {}, api._authorization)[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429] and api.rejected == 2
    moment[0] = 5.0  # the first three have left the window
    assert api.respond("GET", api._path, {}, api._authorization)[0] == 200
