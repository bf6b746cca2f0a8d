"""The export's file: one recording's columns, RFC 4180 quoting, a name that says what it holds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.export import csvfile
from bot.plivo import Recording
from bot.query import parse

NOW = datetime(2026, 10, 2, 12, 0, tzinfo=UTC)


def recording(**overrides: object) -> Recording:
    body: dict[str, object] = {
        "recording_id": "c2186400-1c8c-11e4-a664-0026b945b52x",
        "call_uuid": "c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
        "add_time": "2026-07-01 14:00:05.000000+05:30",
        "recording_start_ms": "1782894000000.00000",  # 2026-07-01 08:20:00 UTC
        "recording_end_ms": "1782894012500.00000",
        "recording_duration_ms": "12500.00000",
        "recording_format": "mp3",
        "recording_type": "conference",
        "recording_url": "https://media.plivo.com/v1/Account/MA/Recording/x.mp3",
        "conference_name": "sales",
        "conference_uuid": "e1b2c3d4-0000-1111-2222-333344445555",
        "from_number": "+14155550100",
        "to_number": "+442079460100",
    }
    body.update(overrides)
    return Recording.model_validate(body)


def test_row_has_every_column_in_both_zones_and_no_media_url() -> None:
    row = csvfile.row(recording(), ZoneInfo("America/New_York"))
    assert len(row) == len(csvfile.HEADER)
    got = dict(zip(csvfile.HEADER, row, strict=True))
    assert got == {
        "start": "2026-07-01T04:20:00-04:00",
        "end": "2026-07-01T04:20:12-04:00",
        "start_utc": "2026-07-01T08:20:00Z",
        "end_utc": "2026-07-01T08:20:12Z",
        "duration_s": "12.5",
        "from": "+14155550100",
        "to": "+442079460100",
        "conference_name": "sales",
        "conference_uuid": "e1b2c3d4-0000-1111-2222-333344445555",
        "mpc_name": "",
        "mpc_uuid": "",
        "call_uuid": "c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
        "recording_id": "c2186400-1c8c-11e4-a664-0026b945b52x",
        "format": "mp3",
        "type": "conference",
    }
    assert not any("plivo.com" in value or "http" in value for value in row)


def test_missing_times_fall_back_to_add_time_and_blanks() -> None:
    rec = recording(
        recording_start_ms=None, recording_end_ms=None, recording_duration_ms=None, from_number=None
    )
    got = dict(zip(csvfile.HEADER, csvfile.row(rec, ZoneInfo("UTC")), strict=True))
    assert got["start_utc"] == got["end_utc"] == "2026-07-01T08:30:05Z"
    assert got["duration_s"] == "" and got["from"] == ""


def test_quoting_is_rfc_4180() -> None:
    rec = recording(conference_name='Sales, "EMEA"\nweekly')
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csvfile.HEADER)
    writer.writerow(csvfile.row(rec, ZoneInfo("UTC")))
    text = out.getvalue()
    assert '"Sales, ""EMEA""\nweekly"' in text
    assert text.count("\r\n") == 2
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back[1][csvfile.HEADER.index("conference_name")] == 'Sales, "EMEA"\nweekly'


def test_filename_names_the_filters_and_the_days_in_the_users_zone() -> None:
    query = parse("conference=sales between jul 1 and sep 30", NOW, "America/New_York")
    assert csvfile.filename(query) == "recordings_conference-sales_2026-07-01_2026-09-30.csv"
    query = parse('conference="Customer Success" from=4155550100 on sep 3', NOW, "UTC")
    assert (
        csvfile.filename(query)
        == "recordings_conference-Customer-Success_from-14155550100_2026-09-03_2026-09-03.csv"
    )
    query = parse("since=2026-09-01T00:00:00Z until=2026-09-02T00:00:00Z", NOW, "UTC")
    assert csvfile.filename(query) == "recordings_2026-09-01_2026-09-02.csv"


def test_a_value_a_spreadsheet_would_run_is_written_as_text() -> None:
    rec = recording(
        conference_name='=HYPERLINK("http://evil.example","x")',
        mpc_name="@SUM(1+1)",
        from_number="+14155550100",
        to_number="-2+3",
    )
    got = dict(zip(csvfile.HEADER, csvfile.row(rec, ZoneInfo("UTC")), strict=True))
    assert got["conference_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert got["mpc_name"] == "'@SUM(1+1)"
    assert got["to"] == "'-2+3"
    assert got["from"] == "+14155550100"  # a phone number is data, not a formula
