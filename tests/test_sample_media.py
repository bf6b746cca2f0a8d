"""The sample API's Retrieve a Recording and its media host: Plivo's shapes, real WAV, Range."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import httpx

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.sample_api import SampleApi
from bot.sample_api.audio import ToneWav, parse_range

FIXTURE = Path(__file__).parent / "fixtures" / "plivo-fixtures" / "recordingGetResponse.json"
AUTH = (SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN)


def _client(sample: SampleApi) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(sample.sync_handler), base_url="http://x")


def test_retrieve_has_plivos_shape_and_404(sample: SampleApi) -> None:
    real = json.loads(FIXTURE.read_text())
    rid = sample.recordings[0]["recording_id"]
    with _client(sample) as http:
        got = http.get(f"/v1/Account/{SAMPLE_AUTH_ID}/Recording/{rid}/", auth=AUTH)
        missing = http.get(f"/v1/Account/{SAMPLE_AUTH_ID}/Recording/nope/", auth=AUTH)
        anonymous = http.get(f"/v1/Account/{SAMPLE_AUTH_ID}/Recording/{rid}/")
    assert got.status_code == 200
    assert set(real) - {"conference_name"} <= set(got.json())
    assert got.json()["recording_id"] == rid
    assert missing.status_code == 404 and set(missing.json()) == {"api_id", "error"}
    assert anonymous.status_code == 401


def test_audio_is_the_wav_the_listing_promises(sample: SampleApi) -> None:
    row = sample.recordings[0]
    assert row["recording_format"] == "wav" and row["recording_url"].endswith(".wav")
    with _client(sample) as http:
        whole = http.get(row["recording_url"])
        part = http.get(row["recording_url"], headers={"range": "bytes=40-99"})
        tail = http.get(row["recording_url"], headers={"range": "bytes=-10"})
        past = http.get(row["recording_url"], headers={"range": "bytes=99999999-"})
        wrong = http.get(row["recording_url"].replace(".wav", ".mp3"))
    assert whole.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(whole.content)) as wav:
        assert wav.getframerate() == 8000 and 2 <= wav.getnframes() / 8000 <= 5
        assert wav.readframes(wav.getnframes()) == whole.content[44:]
    assert part.status_code == 206 and part.content == whole.content[40:100]
    assert part.headers["content-range"] == f"bytes 40-99/{len(whole.content)}"
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    assert (
        past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(whole.content)}"
    )
    assert wrong.status_code == 404


def test_a_large_recording_is_computed_not_stored() -> None:
    audio = ToneWav("r1", 100 * 1024 * 1024)
    assert audio.size == 100 * 1024 * 1024
    assert len(audio.read(audio.size - 5)) == 5
    assert len(audio.read(50_000_000, 50_000_099)) == 100
    assert all(len(chunk) <= 64_000 for chunk in audio.chunks(0, 1_000_000))
    assert audio.read(44, 44 + 64_000 * 2 - 1)[:64_000] == audio.read(44 + 64_000, 44 + 128_000 - 1)


def test_range_header_forms() -> None:
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-", 100) == (0, 99)
    assert parse_range("bytes=10-2000", 100) == (10, 99)
    assert parse_range("bytes=-0", 100) == "unsatisfiable"
    assert parse_range("bytes=0-1,5-6", 100) is None
    assert parse_range("items=0-1", 100) is None
    assert parse_range("bytes=5-2", 100) is None
