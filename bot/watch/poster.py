"""Posting a watch's messages to Slack (`chat.postMessage`) and telling a creator by DM
(`conversations.open`, then `chat.postMessage`), with Slack's refusals sorted into "this channel
will never accept it" and "try again next time"."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("bot.watch.poster")

# Refusals that will not change by themselves: the watch is paused and its creator told.
CHANNEL_GONE = frozenset(
    {
        "is_archived",
        "not_in_channel",
        "channel_not_found",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "ekm_access_denied",
    }
)


@dataclass(frozen=True, slots=True)
class Posted:
    ok: bool
    error: str = ""

    @property
    def channel_gone(self) -> bool:
        return not self.ok and self.error in CHANNEL_GONE


class SlackPoster:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post(self, channel: str, message: dict[str, Any]) -> Posted:
        try:
            await self._client.chat_postMessage(channel=channel, **message)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown") if exc.response else "unknown"
            return Posted(False, error)
        except Exception as exc:  # network, timeout: transient, the next poll retries
            log.warning("posting to %s failed: %s: %s", channel, type(exc).__name__, exc)
            return Posted(False, f"transient:{type(exc).__name__}")
        return Posted(True)

    async def direct(self, user: str, message: dict[str, Any]) -> Posted:
        try:
            opened = await self._client.conversations_open(users=user)
            channel = str((opened.get("channel") or {}).get("id") or "")
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown") if exc.response else "unknown"
            return Posted(False, error)
        except Exception as exc:
            log.warning("opening a DM with %s failed: %s", user, type(exc).__name__)
            return Posted(False, f"transient:{type(exc).__name__}")
        return await self.post(channel, message)
