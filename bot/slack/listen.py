"""The ▶ Listen button (`recordings_listen`): checks, then the recording for the clicker alone.

Like every click: acknowledged at once, access checked (`Access.check`), the value's signature
verified for the click's team and channel (`Access.open_button`): the recording id inside is the
only one this click can ask for, and it is never read from user text. The answer goes through the
click's own `response_url` as an ephemeral message that leaves the page in place: a listening
link, or word that the file is in the clicker's DMs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.listen.tokens import ListenGrant, valid_id
from bot.services import Services
from bot.slack import clicks
from bot.slack import listen_messages as messages
from bot.slack.access import Refusal

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]


async def recordings_listen(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], *, services: Services
) -> None:
    await ack()
    services.tasks.spawn(_listen(services, body, action))


async def _listen(services: Services, body: dict[str, Any], action: dict[str, Any]) -> None:
    click = await clicks.admit(services, body, action, damaged=messages.render_listen_damaged())
    if click is None:
        return
    who, response_url, recording_id = click.who, click.response_url, click.payload
    if not valid_id(recording_id):
        # Signed by this bot yet not a recording id (a Prev/Next value, say): not for this button.
        services.access.refused(who, Refusal("button_not_listen", messages.DAMAGED))
        await services.replier.reply(response_url, messages.render_listen_damaged())
        return
    assert services.listening is not None  # the runtime always builds one
    grant = ListenGrant(
        recording_id, who.user, who.user_team, who.channel, who.team, who.enterprise
    )
    message = await services.listening.deliver(grant, channel=who.channel)
    await services.replier.reply(response_url, message)
