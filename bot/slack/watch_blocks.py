"""Block Kit for watches: the channel's notice, the list, the posts of new recordings, and the
messages when a watch cannot post. Pure, like `blocks`.

A watch's post is shared with the whole channel, so phone numbers are masked in it (as on a shared
page) and no media URL is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.masking import mask_number
from bot.query.errors import escape
from bot.slack.blocks import COMMAND, WARNING, Sign, render_recording, slack_date
from bot.watch.model import Watch

if TYPE_CHECKING:
    from bot.plivo import Recording

Message = dict[str, Any]

# Recordings per posted message: 10 sections and a header stay far inside Slack's 50 blocks.
PER_MESSAGE = 10

_WORDS = {
    "conference_name": "conference",
    "conference_uuid": "conference id",
    "mpc_name": "MPC",
    "mpc_uuid": "MPC id",
    "call_uuid": "call",
    "from_number": "from",
    "to_number": "to",
}
_ORDER = tuple(_WORDS)


def describe(filters: Mapping[str, str]) -> str:
    """`conference *support* · from …0100` (mrkdwn; numbers masked: it is shown to a channel)."""
    if not filters:
        return "every recording"
    parts = []
    for name in _ORDER:
        if name in filters:
            value = mask_number(filters[name]) if name.endswith("_number") else filters[name]
            parts.append(f"{_WORDS[name]} *{escape(value)}*")
    return " · ".join(parts)


def _plain(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "").replace("`", "")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def _ephemeral(text: str, blocks: list[dict[str, Any]]) -> Message:
    return {"response_type": "ephemeral", "text": text[:3000], "blocks": blocks}


def render_watch_started(watch: Watch) -> Message:
    """Posted in the channel when a watch starts: everyone there learns what will arrive."""
    what = describe(watch.filters)
    text = (
        f":eyes: <@{watch.creator}> started watch *{watch.id}* here: new recordings of {what} "
        "will be posted in this channel as they arrive."
    )
    hint = f"Stop it with `{COMMAND} unwatch {watch.id}` · see all with `{COMMAND} watch list`"
    return {
        "text": f"Watch {watch.id} started: new recordings of {_plain(what)} will be posted here.",
        "blocks": [_section(text), _context(hint)],
    }


def render_watch_list(watches: Sequence[Watch]) -> Message:
    if not watches:
        text = (
            "No watches in this channel. Start one with "
            f"`{COMMAND} watch conference=support` (any filters, no time range)."
        )
        return _ephemeral(_plain(text), [_section(text)])
    lines = []
    for watch in watches:
        line = (
            f"*{watch.id}* · {describe(watch.filters)} · by <@{watch.creator}> "
            f"{slack_date(watch.created_at)} · {watch.posted} posted"
        )
        if watch.paused:
            line += f" · :double_vertical_bar: paused ({escape(watch.paused_reason or '')})"
        lines.append(line)
    header = f"Watches in this channel ({len(watches)})"
    blocks = [
        _section(f"*{header}*\n" + "\n".join(lines)),
        _context(f"Stop one with `{COMMAND} unwatch <number>`, or `{COMMAND} unwatch all`."),
    ]
    return _ephemeral(header, blocks)


def render_unwatched(user: str, removed: Sequence[Watch], asked: list[int] | None) -> Message:
    if not removed:
        if asked is None:
            text = "There are no watches in this channel to stop."
        else:
            wanted = ", ".join(str(i) for i in asked)
            text = (
                f"No watch {wanted} in this channel. `{COMMAND} watch list` shows this "
                "channel's watches."
            )
        return _ephemeral(text, [_section(text)])
    names = ", ".join(f"*{w.id}* ({describe(w.filters)})" for w in removed)
    plural = "watches" if len(removed) > 1 else "watch"
    text = f"<@{user}> stopped {plural} {names}."
    return {"response_type": "in_channel", "text": _plain(text), "blocks": [_section(text)]}


def render_watch_posts(
    watch: Watch, recordings: Sequence[Recording], sign: Sign | None = None
) -> list[Message]:
    """The channel messages for the recordings one poll found for `watch`, oldest first, at most
    `PER_MESSAGE` to a message: "3 new recordings · conference support". Each line is a search
    answer's line with the numbers masked, and its ▶ Listen button signed by `sign` for the
    watch's team and channel (the bot checks each clicker)."""
    messages = []
    what = describe(watch.filters)
    for start in range(0, len(recordings), PER_MESSAGE):
        batch = recordings[start : start + PER_MESSAGE]
        count = len(batch)
        lead = f"{count} new recording{'s' if count > 1 else ''} · {what}"
        blocks = [_section(f"*{lead}*")]
        blocks += [render_recording(rec, sign, shared=True) for rec in batch]
        blocks.append(_context(f"Watch {watch.id} · `{COMMAND} unwatch {watch.id}` to stop"))
        messages.append({"text": _plain(lead), "blocks": blocks, "unfurl_links": False})
    return messages


def render_cannot_post(text: str, error: str) -> Message:
    """The bot may not post in this channel: say why, and how to let it in."""
    if error == "is_archived":
        why = "This channel is archived, so nothing can be posted in it."
        fix = "Start the watch in a channel that is not archived."
    else:
        why = "I can't post in this channel: I'm not a member of it."
        fix = (
            "Invite me first: type `/invite @recordings` here (or open the channel's details → "
            "Integrations → Add apps), then run the command again."
        )
    body = f"{WARNING} `{escape(COMMAND + ' ' + text)}`\n{why} {fix}"
    return _ephemeral(f"Can't watch here: {why} {_plain(fix)}", [_section(body)])


def render_watch_paused(watch: Watch, reason: str) -> Message:
    """The direct message to a watch's creator when its channel stopped accepting posts."""
    why = {
        "is_archived": "the channel was archived",
        "not_in_channel": "I was removed from the channel",
        "channel_not_found": "the channel no longer exists (or I can no longer see it)",
    }.get(reason, f"Slack refused the post ({reason})")
    text = (
        f"Your watch *{watch.id}* in <#{watch.channel}> ({describe(watch.filters)}) is paused: "
        f"{why}. Nothing more will be posted for it. To watch again, invite me back (or pick "
        f"another channel) and run `{COMMAND} watch …` there."
    )
    return {"text": _plain(text), "blocks": [_section(text)]}
