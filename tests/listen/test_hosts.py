"""MEDIA_HOSTS: which hosts recordings may come from, and the URL actually fetched."""

from __future__ import annotations

import pytest

from bot.listen.hosts import (
    MediaHost,
    check_public_url,
    fetch_url,
    insecure_public_url,
    is_local,
    parse_media_hosts,
)

DEFAULT = parse_media_hosts(["media.plivo.com", "s3.amazonaws.com"])


def test_entries_are_hosts_or_scheme_host_port() -> None:
    hosts = parse_media_hosts([" Media.Plivo.com ", "http://127.0.0.1:8123"])
    assert hosts == {
        "media.plivo.com": MediaHost("media.plivo.com"),
        "127.0.0.1": MediaHost("127.0.0.1", "http", 8123),
    }


@pytest.mark.parametrize(
    "entry", ["", "media.plivo.com/x", "ftp://host", "http://h:99999", "http://h/path", "a b"]
)
def test_bad_entries_are_named(entry: str) -> None:
    with pytest.raises(ValueError, match="no media host" if not entry else repr(entry)[1:-1]):
        parse_media_hosts([entry] if entry else [])


def test_plivo_http_urls_are_fetched_over_https() -> None:
    url = "http://s3.amazonaws.com/recordings_2013/c2186400.mp3"
    assert fetch_url(url, DEFAULT) == "https://s3.amazonaws.com/recordings_2013/c2186400.mp3"
    assert fetch_url("https://MEDIA.plivo.com/v1/a.wav?x=1", DEFAULT) == (
        "https://media.plivo.com/v1/a.wav?x=1"
    )


def test_an_entry_with_scheme_and_port_is_fetched_exactly_there() -> None:
    hosts = parse_media_hosts(["http://127.0.0.1:8123"])
    assert fetch_url("https://127.0.0.1/r.wav", hosts) == "http://127.0.0.1:8123/r.wav"
    assert fetch_url("http://127.0.0.1:8123/r.wav", hosts) == "http://127.0.0.1:8123/r.wav"
    assert fetch_url("http://127.0.0.1:9999/r.wav", hosts) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/r.mp3",
        "https://media.plivo.com.evil.example/r.mp3",
        "https://user@media.plivo.com/r.mp3",
        "file:///etc/passwd",
        "ftp://media.plivo.com/r.mp3",
        "not a url",
        "https://media.plivo.com:notaport/r.mp3",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    assert fetch_url(url, DEFAULT) is None


def test_public_url() -> None:
    assert check_public_url("https://bot.example.com/") == "https://bot.example.com"
    for bad in ("bot.example.com", "ftp://x", "https://x/?q=1", "https://u@x"):
        with pytest.raises(ValueError, match=r"URL|plain address"):
            check_public_url(bad)
    assert insecure_public_url("http://bot.example.com")
    assert not insecure_public_url("http://127.0.0.1:3000")
    assert not insecure_public_url("http://localhost:3000")
    assert not insecure_public_url("https://bot.example.com")
    assert is_local("[::1]") and not is_local("10.0.0.1")
