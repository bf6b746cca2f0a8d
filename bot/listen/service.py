"""What a verified ▶ Listen click gets: a signed listening link (HTTP mode), the file in the
clicker's DMs (Socket Mode, or `LISTEN_MODE=upload`), or, in the console, a file on disk.

The recording id comes from a signed button; the media URL from Plivo's own answer for that id.
Audio is streamed to a temporary file, never held in memory, and every outcome leaves an audit line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from slack_sdk.errors import SlackApiError

from bot.audit import audit
from bot.logs import fields
from bot.plivo import PlivoClient, PlivoError, Recording, RecordingGone
from bot.signing import Signer
from bot.slack import listen_messages as messages

from . import tokens
from .media import MediaClient, MediaError, MediaFailed, MediaRefused, extension
from .tokens import ListenGrant
from .upload import DmUploader, UploadFailed

log = logging.getLogger(__name__)

ListenMode = Literal["link", "upload", "file"]
Message = dict[str, Any]
MB = 1024 * 1024


class TooBig(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


@dataclass
class Listening:
    plivo: PlivoClient
    media: MediaClient
    signer: Signer  # purpose "listen": the links' tokens
    mode: ListenMode
    link_ttl_s: int = 900
    max_bytes: int = 200 * MB
    public_url: str | None = None
    uploader: DmUploader | None = None
    folder: Path | None = None  # the console's: where `file` mode saves

    async def deliver(self, grant: ListenGrant, *, channel: str) -> Message:
        """The clicker's answer; whatever happens, one audit line."""
        where = {"user": grant.user, "team": grant.team, "channel": channel}
        if self.mode == "link":
            assert self.public_url is not None  # required in serve mode unless uploading
            token = tokens.issue(self.signer, grant, ttl_s=self.link_ttl_s)
            audit(
                "listen.link_issued",
                **where,
                recording_id=grant.recording_id,
                expires_in_s=self.link_ttl_s,
            )
            return messages.render_listen_link(tokens.link(self.public_url, token), self.link_ttl_s)
        try:
            if self.mode == "file":
                saved, size = await self._save(grant)
                result = messages.render_listen_saved(saved)
            else:
                size = await self._upload(grant)
                result = messages.render_listen_sent()
        except TooBig as exc:
            outcome, result = (
                "too_large",
                messages.render_listen_too_big(exc.size / MB, self.max_bytes // MB),
            )
        except (SlackApiError, UploadFailed) as exc:
            outcome = "upload_failed"
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
            log.warning(fields(event="listen", user=grant.user, outcome=outcome, detail=error))
            result = messages.render_listen_failed(
                f"Slack did not take the file ({error}). Ask the app's admin to check that the "
                "app has the files:write and im:write scopes, then try again."
            )
        except (PlivoError, MediaError) as exc:
            outcome = _outcome(exc)
            log.warning(fields(event="listen", user=grant.user, outcome=outcome, detail=str(exc)))
            result = messages.render_listen_failed(exc.user_message)
        except Exception:
            outcome = "internal_error"
            log.exception(fields(event="listen", user=grant.user, outcome=outcome))
            result = messages.render_listen_failed(
                "Something went wrong on my side; it has been logged. Try again in a minute."
            )
        else:
            outcome = "ok"
        audit(
            "listen.upload_sent",
            **where,
            outcome=outcome,
            recording_id=grant.recording_id,
            bytes=size if outcome == "ok" else None,
            destination="file" if self.mode == "file" else "dm",
        )
        return result

    async def locate(self, grant: ListenGrant) -> tuple[Recording, str]:
        """The recording as Plivo has it now, and its media URL (a host in MEDIA_HOSTS)."""
        recording = await self.plivo.get_recording(grant.recording_id, who=grant.user)
        url = recording.recording_url or ""
        if not url:
            raise MediaFailed("Plivo's answer has no recording_url")
        if self.media.allowed(url) is None:
            raise MediaRefused("Plivo's recording_url is on a host not in MEDIA_HOSTS")
        return recording, url

    async def download(self, grant: ListenGrant, out: BinaryIO) -> tuple[Recording, int]:
        """Stream the audio into `out` (off the event loop), up to the size limit; the bytes."""
        recording, url = await self.locate(grant)
        async with self.media.open(url) as response:
            if response.status_code != 200:
                raise MediaFailed(f"the media host answered {response.status_code} to a GET")
            declared = int(response.headers.get("content-length") or 0)
            if declared > self.max_bytes:
                raise TooBig(declared)
            total = 0
            async for chunk in response.aiter_raw():
                total += len(chunk)
                if total > self.max_bytes:
                    raise TooBig(total)
                await asyncio.to_thread(out.write, chunk)
        await asyncio.to_thread(out.flush)
        return recording, total

    async def _upload(self, grant: ListenGrant) -> int:
        assert self.uploader is not None
        with tempfile.NamedTemporaryFile(prefix="recording-") as out:
            recording, size = await self.download(grant, out)
            name = _filename(recording)
            await self.uploader.send(
                grant.user, Path(out.name), filename=name, title=_title(recording)
            )
        return size

    async def _save(self, grant: ListenGrant) -> tuple[str, int]:
        folder = self.folder or Path.cwd()
        handle, part = tempfile.mkstemp(prefix=".recording-", suffix=".part", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                recording, size = await self.download(grant, out)
            target = folder / _filename(recording)
            os.replace(part, target)
        except BaseException:
            os.unlink(part)
            raise
        return str(target), size


def _filename(recording: Recording) -> str:
    ext = extension(recording.recording_format, recording.recording_url or "")
    return f"recording-{recording.recording_id}.{ext}"


def _title(recording: Recording) -> str:
    started = recording.started_at
    when = started.strftime("%Y-%m-%d %H:%M UTC") if started else "time unknown"
    return f"Call recording, {when}"


def _outcome(exc: Exception) -> str:
    if isinstance(exc, RecordingGone):
        return "gone"
    if isinstance(exc, MediaRefused):
        return "media_host_refused"
    return "failed"
