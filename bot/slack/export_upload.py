"""Sending the finished CSV into the requester's DM, under the progress message.

Slack's external upload, the flow of slack-sdk's `files_upload_v2`: `files.getUploadURLExternal`,
the bytes POSTed to the URL Slack gave, then `files.completeUploadExternal` to share the file in
the DM's thread. The first and last are slack-sdk's calls; the middle one is done here because
`files_upload_v2` reads the whole file into memory first (some 12 MB for 50,000 rows, and aiohttp
a copy), where this streams it from the temporary file and keeps the export's memory flat.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot import USER_AGENT


class UploadFailed(Exception):
    """Slack's upload URL did not take the file; `str()` says how, for the person and the log."""


async def upload(
    client: AsyncWebClient,
    path: Path,
    size: int,
    *,
    channel: str,
    thread_ts: str,
    filename: str,
    timeout_s: float,
) -> str:
    """Share the file at `path` (`size` bytes) in `channel`, as a reply to `thread_ts`; its id."""
    session = client.session
    assert session is not None, "the runtime gives the Slack client its aiohttp session"
    ticket = await client.files_getUploadURLExternal(filename=filename, length=size)
    file_id = str(ticket["file_id"])
    with path.open("rb") as body:  # aiohttp streams a file object, reading it off the loop
        async with session.post(
            str(ticket["upload_url"]),
            data=body,
            headers={"Content-Type": "text/csv", "User-Agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=timeout_s, sock_connect=10),
        ) as response:
            await response.read()
            if response.status != 200:
                raise UploadFailed(f"Slack's upload URL answered HTTP {response.status}.")
    await client.files_completeUploadExternal(
        files=[{"id": file_id, "title": filename}], channel_id=channel, thread_ts=thread_ts
    )
    return file_id
