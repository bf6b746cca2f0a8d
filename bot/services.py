"""What the listeners work with: settings, the Plivo client, the replier, the zone cache, and the
set of answers still in flight (so shutdown can let them finish)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.plivo import PlivoClient
from bot.signing import Signer
from bot.slack.access import Access
from bot.slack.replies import Replier
from bot.slack.timezones import UserTimezones
from bot.slack.user_limits import UserLimits
from bot.watch.commands import Watching

if TYPE_CHECKING:
    from bot.listen.service import Listening
    from bot.slack.export import Exports

log = logging.getLogger("bot.services")


class BackgroundTasks:
    """Answers still being worked on. Keeps a reference to each (asyncio only keeps weak ones)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background answer failed", exc_info=task.exception())

    async def drain(self, timeout_s: float | None = None, *, cancel_grace_s: float = 3.0) -> bool:
        """Wait for every task (including ones spawned meanwhile); False if time ran out.

        Tasks still running then are cancelled and given `cancel_grace_s` to tell their users
        (an answer cancelled while waiting on Plivo posts "run the command again").
        """
        try:
            async with asyncio.timeout(timeout_s):
                while self._tasks:
                    await asyncio.wait(set(self._tasks))
        except TimeoutError:
            left = set(self._tasks)
            log.error(
                "shutdown: %d answers still running after %ss; cancelling", len(left), timeout_s
            )
            for task in left:
                task.cancel()
            if left:
                await asyncio.wait(left, timeout=cancel_grace_s)
            return False
        return True


@dataclass
class Services:
    settings: Settings
    plivo: PlivoClient
    replier: Replier
    timezones: UserTimezones
    # Every command and click listener calls `access.check` first; button values are signed with
    # `signer` (purpose "button"), bound to the team and channel, through `access.sign_button`.
    access: Access
    tasks: BackgroundTasks = field(default_factory=BackgroundTasks)
    # The moment a command arrives; replaceable so tests can pin "now".
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # Exports (`/recordings export`): their queue, engine and Slack client; set by Runtime.start.
    exports: Exports | None = None
    # ▶ Listen: links, DM uploads or (console) files; built by the runtime.
    listening: Listening | None = None
    # Watches (`/recordings watch …`): None where there is no channel to post in (the console).
    watching: Watching | None = None
    # Commands and clicks per person a minute (USER_COMMANDS_PER_MIN).
    user_limits: UserLimits = field(init=False)

    def __post_init__(self) -> None:
        self.user_limits = UserLimits(self.settings.user_commands_per_min)

    @property
    def signer(self) -> Signer:
        """The button signer (purpose "button"): for every button value the bot hands out."""
        return self.access.signer
