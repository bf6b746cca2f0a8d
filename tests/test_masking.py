"""Phone numbers masked to their last four digits, and nothing else touched."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.masking import mask_number, mask_phone_numbers


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("from *+14155550100* to +44 20 7183 8750", "from *…0100* to …8750"),
        ("call 4155550100", "call …0100"),
        ("(415) 555-0100, 415.555.0100 and 415-555-0100", "…0100, …0100 and …0100"),
        ("sip:+14155550100@sip.example.com", "sip:…0100@sip.example.com"),
        ('{"from_number":"+442079460101"}', '{"from_number":"…0101"}'),
        ("from=14155550100 to=442079460101", "from=…0100 to=…0101"),
    ],
)
def test_numbers_keep_their_last_four_digits(text: str, masked: str) -> None:
    assert mask_phone_numbers(text) == masked


@pytest.mark.parametrize(
    "line",
    [
        "limit 20 since 2026",
        "range=2026-03-10T07:00:00Z/2026-03-17T07:00:00Z",
        "at 2026-03-11 22:30:00.123456 and 2026/03/11",
        "2026-12-01T09:08:56+0000 INFO bot.runtime ready in 412 ms",
        "listening on 127.0.0.1:8123 and 0.0.0.0:3000 from 192.168.100.200",
        "ts=1773268200 <!date^1773268200^{date_short_pretty}|x> ms 1773268200123",
        "Slack ts 1773268200.123456 action_ts=1773268200.1234",
        "call 12345678-1234-1234-1234-123456789012 c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
        "api_id=e3f1a2b4-77aa-11e4-9bff-1db8a9db0432 status=400",
        "bytes=3145728000 size: 3145728000 latency_ms=3145728000 total=2125550100",
        '{"bytes":3145728000,"shown":10,"offset":1000000}',
        "counts=[1000000000,1000000000,12] pid 12345",
        "subaccount SA1234567890ABCDEFGH account MA1234567890ABCDEFGH",
        "version 3.11.4 and 10.0.0.12",
    ],
)
def test_dates_ids_ports_and_timestamps_are_left_alone(line: str) -> None:
    assert mask_phone_numbers(line) == line


@given(st.datetimes())
def test_no_timestamp_is_mangled(moment: object) -> None:
    text = f"{moment} {moment.isoformat()}Z"  # type: ignore[attr-defined]
    assert mask_phone_numbers(text) == text


def test_a_region_reads_national_numbers() -> None:
    assert mask_phone_numbers("tel 020 7946 0101", "GB") == "tel …0101"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+14155550100", "…0100"),
        ("sip:alice@sip.example.com", "sip:…lice@sip.example.com"),
        ("sips:+14155550100@h;transport=tls", "sips:…0100@h;transport=tls"),
        ("sip:bob", "sip:…b"),  # too short to keep four: one character says enough
        ("123", "…3"),
    ],
)
def test_number_fields(value: str, masked: str) -> None:
    assert mask_number(value) == masked


@given(
    st.from_regex(r"\+1[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True),
    st.sampled_from(["from={} ok", "call {}", '"to_number":"{}"', "x {} 2026-03-10T07:00:00Z"]),
)
def test_no_number_slips_through(number: str, template: str) -> None:
    masked = mask_phone_numbers(template.format(number))
    assert number[2:] not in masked and "…" + number[-4:] in masked
