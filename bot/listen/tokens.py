"""Listening links: a signed token naming the recording, the person it was issued to and their
workspace, with an expiry. Pure; the key is the `listen` purpose of the bot's secret, so a button
value can never pass for a token (and the other way round)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.signing import BadSignature, Signer

# Plivo's ids are UUID-shaped (a few not quite hex); Slack's ids are capitals and digits. Anything
# else is refused before it is signed or used, so the separator below can never be forged.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
_SEP = "."
LISTEN_PREFIX = "/listen/"


def valid_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class ListenGrant:
    """What a valid token lets its holder do: hear `recording_id`, issued to `user` of `team`.

    The click's channel, workspace and Grid organisation ride along so that opening the link
    passes the same access check as the click did, again: someone taken off the allow-list
    meanwhile is refused, not served for the rest of the link's life."""

    recording_id: str
    user: str
    team: str
    channel: str = ""
    workspace: str = ""
    enterprise: str = ""


_FIELDS = 6


def issue(signer: Signer, grant: ListenGrant, *, ttl_s: int) -> str:
    parts = (
        grant.recording_id,
        grant.user,
        *(value or "-" for value in (grant.team, grant.channel, grant.workspace, grant.enterprise)),
    )
    if not all(part == "-" or valid_id(part) for part in parts):
        raise ValueError("a listening link needs plain ids")
    return signer.sign(_SEP.join(parts), ttl_s=ttl_s)


def read(signer: Signer, token: str) -> ListenGrant:
    """The grant in an unexpired, unaltered token; `BadSignature` otherwise."""
    payload = signer.verify(token)
    parts = payload.split(_SEP)
    if len(parts) != _FIELDS or not all(part == "-" or valid_id(part) for part in parts[2:]):
        raise BadSignature("malformed")
    if not (valid_id(parts[0]) and valid_id(parts[1])):
        raise BadSignature("malformed")
    recording_id, user, *rest = parts
    team, channel, workspace, enterprise = ("" if value == "-" else value for value in rest)
    return ListenGrant(recording_id, user, team, channel, workspace, enterprise)


def link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{LISTEN_PREFIX}{token}"
