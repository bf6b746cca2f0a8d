"""Which hosts recordings may be fetched from (`MEDIA_HOSTS`), and the URL to fetch them at.

Pure (standard library only): the settings validate with it and the media client consults it.
An entry is a bare host (`media.plivo.com`: fetched over https on the default port, whatever
scheme Plivo's answer names) or a scheme, host and port (`http://127.0.0.1:8123`: for tests and
private storage, fetched exactly there).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

_LOCAL_NAMES = {"localhost", "localhost.localdomain"}


@dataclass(frozen=True, slots=True)
class MediaHost:
    host: str
    scheme: str = "https"
    port: int | None = None


def parse_media_hosts(entries: Iterable[str]) -> dict[str, MediaHost]:
    """The entries by host name (lower case); `ValueError` naming the first bad one."""
    hosts: dict[str, MediaHost] = {}
    for entry in sorted(entries):
        text = entry.strip()
        if "://" in text:
            parts = urlsplit(text)
            try:
                port = parts.port
            except ValueError:
                raise ValueError(f"{entry!r} has an invalid port") from None
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{entry!r} is not a host or an http(s)://host[:port] entry")
            if parts.path not in ("", "/") or parts.query or parts.username:
                raise ValueError(f"{entry!r} must name only a scheme, a host and a port")
            host = MediaHost(parts.hostname.lower(), parts.scheme, port)
        else:
            if not text or any(c in text for c in "/:@?# "):
                raise ValueError(f"{entry!r} is not a host name (e.g. media.plivo.com)")
            host = MediaHost(text.lower())
        hosts[host.host] = host
    if not hosts:
        raise ValueError("no media host is listed (e.g. media.plivo.com,s3.amazonaws.com)")
    return hosts


def fetch_url(url: str, hosts: dict[str, MediaHost]) -> str | None:
    """Where to fetch `url`: on its listed host, over https (or the entry's own scheme and port);
    None when the URL is not http(s) or its host is not listed."""
    try:
        parts = urlsplit(url.strip())
        given_port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return None
    entry = hosts.get(parts.hostname.lower())
    if entry is None:
        return None
    if entry.port is not None and given_port not in (None, entry.port):
        return None  # a listed host, but a port nobody listed
    netloc = entry.host if entry.port is None else f"{entry.host}:{entry.port}"
    if ":" in entry.host:  # an IPv6 literal
        netloc = f"[{entry.host}]" if entry.port is None else f"[{entry.host}]:{entry.port}"
    return urlunsplit((entry.scheme, netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    """The host name of `url` (for logs), or "?" when it has none."""
    try:
        return (urlsplit(url).hostname or "?").lower()
    except ValueError:
        return "?"


def is_local(host: str) -> bool:
    """Whether `host` is this machine (a loopback address or `localhost`)."""
    name = host.strip("[]").lower()
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_public_url(value: str) -> str:
    """`PUBLIC_URL` without its trailing slash; `ValueError` unless it is an http(s) origin."""
    text = value.strip().rstrip("/")
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise ValueError(f"{value!r} has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL such as https://my-bot.example.com")
    if parts.query or parts.fragment or parts.username:
        raise ValueError(f"{value!r} must be a plain address, with no query, fragment or user")
    return text


def insecure_public_url(value: str) -> bool:
    """Whether listening links would travel in clear text to another machine."""
    parts = urlsplit(value)
    return parts.scheme == "http" and not is_local(parts.hostname or "")
