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
    """What a valid token lets its holder do: hear `recording_id`, issued to `user` of `team`."""

    recording_id: str
    user: str
    team: str


def issue(signer: Signer, grant: ListenGrant, *, ttl_s: int) -> str:
    parts = (grant.recording_id, grant.user, grant.team or "-")
    if not all(valid_id(part) for part in parts):
        raise ValueError("a listening link needs plain ids")
    return signer.sign(_SEP.join(parts), ttl_s=ttl_s)


def read(signer: Signer, token: str) -> ListenGrant:
    """The grant in an unexpired, unaltered token; `BadSignature` otherwise."""
    payload = signer.verify(token)
    parts = payload.split(_SEP)
    if len(parts) != 3 or not all(valid_id(part) for part in parts):
        raise BadSignature("malformed")
    recording_id, user, team = parts
    return ListenGrant(recording_id, user, "" if team == "-" else team)


def link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{LISTEN_PREFIX}{token}"
