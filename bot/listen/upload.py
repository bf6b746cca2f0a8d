"""Sending a recording into a direct message with the person who asked for it.

Slack's external upload: `conversations.open` for the DM, `files.getUploadURLExternal`, the file's
bytes POSTed to the URL Slack gave, then `files.completeUploadExternal` to share it in the DM.
These are slack-sdk's calls; only the middle step is done here rather than by `files_upload_v2`,
which reads the whole file into memory first, and a recording may be a couple of hundred MB. This
streams it from the temporary file, through the process's one aiohttp session to Slack.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot import USER_AGENT

log = logging.getLogger(__name__)


class UploadFailed(Exception):
    """Slack did not take the file; `str()` is for the log."""


class DmUploader:
    def __init__(
        self, client: AsyncWebClient, session: aiohttp.ClientSession, *, timeout_s: float = 600
    ) -> None:
        self._client = client
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=10)

    async def send(self, user: str, path: Path, *, filename: str, title: str) -> str:
        """Share the file at `path` in `user`'s DM with the bot; the file's id."""
        size = os.stat(path).st_size
        opened = await self._client.conversations_open(users=user)
        channel = opened["channel"]["id"]
        ticket = await self._client.files_getUploadURLExternal(filename=filename, length=size)
        upload_url, file_id = ticket["upload_url"], ticket["file_id"]
        with path.open("rb") as body:  # aiohttp streams a file object, reading it off the loop
            async with self._session.post(
                upload_url,
                data=body,
                headers={"Content-Type": "application/octet-stream", "User-Agent": USER_AGENT},
                timeout=self._timeout,
            ) as response:
                await response.read()
                if response.status != 200:
                    raise UploadFailed(f"Slack's upload URL answered HTTP {response.status}")
        await self._client.files_completeUploadExternal(
            files=[{"id": file_id, "title": title}], channel_id=channel
        )
        return str(file_id)
