"""The one poll for all watches: every `WATCH_INTERVAL_S`, ask Plivo once for the recordings saved
since the cursor (no other filter, every page), match each against every active watch here, claim
what is new per watch, post it, and mark it posted.

Plivo's `add_time` can lag the moment a recording shows in the list, so each poll reaches back
`WATCH_OVERLAP_S` before the cursor; the claims (unique per watch and recording) drop what was
already posted. A claim that was never marked posted (Slack failed, or the process died between
posting and marking) is tried again by a later poll: at most one duplicate after a crash.

With several processes, only the holder of the `watch-poll` lease polls; the lease lives 1.25
intervals and every process asks for it four times an interval, so when the poller stops another
takes over within about 1.5 intervals.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.audit import audit
from bot.plivo import PlivoClient, PlivoError, Recording
from bot.plivo.limiter import Priority
from bot.plivo.models import unique
from bot.slack.blocks import Sign
from bot.slack.watch_blocks import PER_MESSAGE, render_watch_paused, render_watch_posts
from bot.store.lease import Lease
from bot.store.watches import WatchStore
from bot.watch.model import Watch, is_new_for, matches
from bot.watch.poster import SlackPoster
from bot.wire import MAX_LIMIT, MAX_WINDOW, format_time

log = logging.getLogger("bot.watch")

LEASE = "watch-poll"
MAX_PAGES = 500  # 10,000 recordings in one poll: far more than an interval's worth
PRUNE_MARGIN_S = 3600.0


def holder_name() -> str:
    """This process, as the lease names it (host and pid, plus a random part for restarts)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class PollResult:
    requests: int = 0
    recordings: int = 0
    posted: int = 0
    failed: int = 0


class WatchPoller:
    def __init__(
        self,
        store: WatchStore,
        lease: Lease,
        plivo: PlivoClient,
        poster: SlackPoster,
        *,
        interval_s: float,
        overlap_s: float,
        sign_for: Callable[[Watch], Sign] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """`sign_for(watch)`: signs ▶ Listen buttons for that watch's team and channel."""
        self.store = store
        self._sign_for = sign_for
        self.lease = lease
        self.plivo = plivo
        self.poster = poster
        self.interval_s = interval_s
        self.overlap_s = overlap_s
        self._clock = clock
        self._sleep = sleep
        self.polls = 0
        self.holding = False

    async def run(self) -> None:
        """Hold (or wait for) the lease and poll every interval, until cancelled."""
        due = 0.0
        while True:
            try:
                held = await self.lease.hold()
            except Exception:
                log.exception("could not reach the database for the watch-poll lease")
                held = False
            if held != self.holding:
                log.info(
                    "watch poll: %s", "this process polls now" if held else "another process polls"
                )
                self.holding = held
            if held and self._clock() >= due:
                due = self._clock() + self.interval_s
                try:
                    await self.poll_once()
                except Exception:
                    log.exception("the watch poll failed; trying again next interval")
            await self._sleep(self.interval_s / 4)

    async def stop(self) -> None:
        """Give up the lease so another process takes over at once."""
        if self.holding:
            try:
                await self.lease.release()
            except Exception:
                log.exception("could not release the watch-poll lease")

    async def poll_once(self) -> PollResult:
        result = PollResult()
        watches = await self.store.active()
        if not watches:
            return result
        now = self._clock()
        cursor = await self.store.cursor()
        earliest = min(w.created_at.timestamp() for w in watches)
        since = max(cursor or 0.0, earliest) - self.overlap_s
        # Plivo answers 30 days at most; a bot down longer than that skips the rest.
        since = max(since, now - MAX_WINDOW.total_seconds() + 60)
        try:
            recordings = await self._fetch(since, now, result)
        except PlivoError as exc:
            log.warning("watch poll: Plivo failed (%s); trying again next interval", exc)
            return result
        self.polls += 1
        result.recordings = len(recordings)
        # Claims older than one interval that were never marked posted are someone's failure.
        stale_before = now - self.interval_s
        for watch in watches:
            found = [
                rec
                for rec in recordings
                if is_new_for(watch, rec.add_time) and matches(watch.filters, rec)
            ]
            if found:
                await self._post(watch, found, stale_before, result)
        await self.store.set_cursor(now)
        await self.store.prune(older_than=since - PRUNE_MARGIN_S)
        log.info(
            "watch poll: %d watches, %d recordings since %s, %d posted, %d failed, %d requests",
            len(watches),
            result.recordings,
            format_time(datetime.fromtimestamp(since, UTC)),
            result.posted,
            result.failed,
            result.requests,
        )
        return result

    async def _fetch(self, since: float, now: float, result: PollResult) -> list[Recording]:
        """Every recording saved in [since, now], oldest first."""
        params = {
            "add_time__gte": format_time(datetime.fromtimestamp(since, UTC)),
            "add_time__lte": format_time(datetime.fromtimestamp(now, UTC)),
        }
        found: list[Recording] = []
        for page_number in range(MAX_PAGES):
            page = await self.plivo.list_recordings(
                params,
                limit=MAX_LIMIT,
                offset=page_number * MAX_LIMIT,
                priority=Priority.BACKGROUND,
            )
            result.requests += 1
            found.extend(page.objects)
            if page.meta.next is None or not page.objects:
                break
        else:
            log.warning("watch poll: stopped after %d pages", MAX_PAGES)
        # Newest first from Plivo; a recording added while paging shifts the pages and is seen
        # twice, never missed.
        recordings = unique(found)
        recordings.reverse()
        return recordings

    async def _post(
        self, watch: Watch, found: list[Recording], stale_before: float, result: PollResult
    ) -> None:
        ids = await self.store.claim(
            watch.id, [rec.recording_id for rec in found], stale_before=stale_before
        )
        if not ids:
            return
        wanted = set(ids)
        claimed = [rec for rec in found if rec.recording_id in wanted]
        for message, batch in zip(
            render_watch_posts(watch, claimed, self._sign_for(watch) if self._sign_for else None),
            _batches(claimed),
            strict=True,
        ):
            batch_ids = [rec.recording_id for rec in batch]
            posted = await self.poster.post(watch.channel, message)
            if posted.ok:
                await self.store.posted(watch.id, batch_ids)
                result.posted += len(batch_ids)
                audit(
                    "watch.posted",
                    user=watch.creator,
                    team=watch.team,
                    channel=watch.channel,
                    watch_id=watch.id,
                    recording_ids=batch_ids,
                    count=len(batch_ids),
                    filters=watch.filters,
                    shared=True,
                )
                continue
            result.failed += len(batch_ids)
            if posted.channel_gone:
                await self.store.release(watch.id, [r.recording_id for r in claimed])
                await self._pause(watch, posted.error)
                return
            # Slack busy or unreachable: the claims stay, and a later poll tries them again.
            log.warning("watch %d: posting failed (%s); retrying next poll", watch.id, posted.error)
            return

    async def _pause(self, watch: Watch, reason: str) -> None:
        if not await self.store.pause(watch.id, reason):
            return  # another process paused it first, and told the creator
        log.warning(
            "watch %d paused: channel %s refused posts (%s)", watch.id, watch.channel, reason
        )
        audit(
            "watch.removed",
            user=watch.creator,
            team=watch.team,
            channel=watch.channel,
            outcome="paused",
            watch_id=watch.id,
            reason=reason,
        )
        told = await self.poster.direct(watch.creator, render_watch_paused(watch, reason))
        if not told.ok:
            log.warning("watch %d: could not tell its creator by DM (%s)", watch.id, told.error)


def _batches(recordings: list[Recording]) -> list[list[Recording]]:
    return [recordings[i : i + PER_MESSAGE] for i in range(0, len(recordings), PER_MESSAGE)]
