"""What every button click goes through before its own work: the access check, the person's share
of commands and clicks a minute, and the button value's signature. One place, so no button can
skip a step or take them in another order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.logs import fields
from bot.slack import blocks
from bot.slack.access import DAMAGED_BUTTON, Requester

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("bot.slack.clicks")

Message = dict[str, Any]


def not_replacing(message: Message) -> Message:
    """`message` as an answer beside the clicked one: an error after a click must not wipe out
    the page the person was reading."""
    return {**message, "replace_original": False}


@dataclass(frozen=True, slots=True)
class Click:
    """A click that passed: who made it, where to answer, and its button's verified payload."""

    who: Requester
    response_url: str
    payload: str


async def admit(
    services: Services,
    body: dict[str, Any],
    action: dict[str, Any],
    *,
    damaged: Message | None = None,
) -> Click | None:
    """The click, if its person may see recordings here, is within their share, and its value is
    one this bot signed for this place; else None, the person already told why (`damaged` is the
    answer to a value that fails its check; by default "this button is damaged")."""
    who = Requester.from_action(body)
    response_url = _str(body.get("response_url"))
    reply = services.replier.reply
    refusal = await services.access.check(who)  # logged and audited there
    if refusal is not None:
        await reply(response_url, not_replacing(blocks.render_refusal("", refusal.message)))
        return None
    if wait_s := services.user_limits.check(who.user):
        log.info(fields(event="click", user=who.user, outcome="slowed_down", wait_s=wait_s))
        slow = blocks.render_slow_down("", wait_s, services.user_limits.per_minute)
        await reply(response_url, not_replacing(slow))
        return None
    payload = services.access.open_button(_str(action.get("value")), who)  # refusals logged there
    if payload is None:
        await reply(
            response_url, damaged or not_replacing(blocks.render_refusal("", DAMAGED_BUTTON))
        )
        return None
    return Click(who, response_url, payload)


def _str(value: object) -> str:
    # Slack sends strings here; a payload that does not must still get an answer, not a crash.
    return value if isinstance(value, str) else ""
