"""`PlivoClient.get_recording`: "Retrieve a recording", with the client's retries and errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bot.plivo import PlivoAuthError, PlivoUnavailable, RecordingGone
from bot.sample_api import SampleApi
from tests.conftest import mock_plivo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plivo-fixtures"


async def test_reads_plivos_own_answer() -> None:
    body = json.loads((FIXTURES / "recordingGetResponse.json").read_text())
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    plivo = mock_plivo(handler)
    recording = await plivo.get_recording(body["recording_id"], who="U1")
    await plivo.aclose()
    assert recording.recording_url == body["recording_url"]
    assert recording.recording_format == "mp3"
    assert seen[0].url.path == (
        f"/v1/Account/MASAMPLE0000000000AA/Recording/{body['recording_id']}/"
    )


async def test_against_the_sample_api(sample: SampleApi) -> None:
    plivo = mock_plivo(sample.handler)
    wanted = sample.recordings[3]
    got = await plivo.get_recording(wanted["recording_id"])
    assert got.recording_url == wanted["recording_url"]
    with pytest.raises(RecordingGone) as gone:
        await plivo.get_recording("00000000-0000-0000-0000-000000000000")
    assert "no longer has this recording" in gone.value.user_message
    await plivo.aclose()


async def test_ids_are_quoted_into_one_path_segment() -> None:
    seen: list[httpx.Request] = []
    plivo = mock_plivo(lambda r: seen.append(r) or httpx.Response(404, json={"error": "not found"}))
    with pytest.raises(RecordingGone):
        await plivo.get_recording("../../Call")
    assert seen[0].url.raw_path.decode().endswith("/Recording/..%2F..%2FCall/")
    await plivo.aclose()


async def test_retries_then_reports_like_every_call() -> None:
    answers = iter([httpx.Response(503), httpx.Response(401, json={"error": "auth"})])
    plivo = mock_plivo(lambda r: next(answers))
    with pytest.raises(PlivoAuthError):
        await plivo.get_recording("abc")
    always = mock_plivo(lambda r: httpx.Response(200, content=b"<html>"), max_retries=0)
    with pytest.raises(PlivoUnavailable, match="not a recording"):
        await always.get_recording("abc")
    await plivo.aclose()
    await always.aclose()
