"""The media client: listed hosts, https, redirects checked hop by hop, credentials to Plivo."""

from __future__ import annotations

import httpx
import pytest

from bot.listen.hosts import parse_media_hosts
from bot.listen.media import (
    MediaClient,
    MediaFailed,
    MediaMissing,
    MediaRefused,
    content_type,
)

HOSTS = parse_media_hosts(["media.plivo.com", "s3.amazonaws.com"])


def client(handler, **options) -> MediaClient:  # type: ignore[no-untyped-def]
    return MediaClient(
        HOSTS,
        credentials=("MAID", "token"),
        credential_hosts=frozenset({"media.plivo.com"}),
        transport=httpx.MockTransport(handler),
        **options,
    )


async def test_streams_over_https_with_credentials_only_to_plivo() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "media.plivo.com":
            return httpx.Response(302, headers={"location": "http://s3.amazonaws.com/b/r.mp3"})
        return httpx.Response(200, content=b"ID3audio", headers={"content-type": "audio/mpeg"})

    media = client(handler)
    async with media.open("http://media.plivo.com/v1/r.mp3", range_header="bytes=0-") as got:
        assert got.status_code == 200 and await got.aread() == b"ID3audio"
    await media.aclose()
    assert [str(r.url) for r in seen] == [
        "https://media.plivo.com/v1/r.mp3",
        "https://s3.amazonaws.com/b/r.mp3",
    ]
    assert seen[0].headers["authorization"].startswith("Basic ")
    assert "authorization" not in seen[1].headers  # never to the host a redirect leads to
    assert all(r.headers["range"] == "bytes=0-" for r in seen)


@pytest.mark.parametrize(
    "location", ["https://evil.example.com/r.mp3", "ftp://s3.amazonaws.com/r.mp3", ""]
)
async def test_redirects_only_to_listed_hosts(location: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": location} if location else {})

    media = client(handler)
    with pytest.raises(MediaRefused):
        async with media.open("https://media.plivo.com/r.mp3"):
            pass
    await media.aclose()


async def test_unlisted_host_is_refused_before_any_request() -> None:
    seen: list[httpx.Request] = []
    media = client(lambda r: seen.append(r) or httpx.Response(200))
    with pytest.raises(MediaRefused, match=r"evil\.example\.com"):
        async with media.open("https://evil.example.com/r.mp3"):
            pass
    assert seen == []
    await media.aclose()


@pytest.mark.parametrize(
    ("status", "error"), [(404, MediaMissing), (410, MediaMissing), (500, MediaFailed)]
)
async def test_failures_are_typed(status: int, error: type[Exception]) -> None:
    media = client(lambda r: httpx.Response(status))
    with pytest.raises(error):
        async with media.open("https://media.plivo.com/r.mp3"):
            pass
    await media.aclose()


async def test_unreachable_host_and_redirect_loops_fail_clearly() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    media = client(refuse)
    with pytest.raises(MediaFailed, match=r"could not reach media\.plivo\.com"):
        async with media.open("https://media.plivo.com/r.mp3"):
            pass
    loop = client(lambda r: httpx.Response(302, headers={"location": str(r.url)}))
    with pytest.raises(MediaFailed, match="redirects"):
        async with loop.open("https://media.plivo.com/r.mp3"):
            pass
    await media.aclose()
    await loop.aclose()


def test_content_type_from_format_or_extension() -> None:
    assert content_type("mp3", "x") == "audio/mpeg"
    assert content_type(None, "https://h/r.WAV") == "audio/wav"
    assert content_type(None, "https://h/r") == "application/octet-stream"
