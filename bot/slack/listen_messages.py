"""Block Kit answers to a ▶ Listen click: pure, ephemeral, never replacing the page clicked on.

None of them carries a media URL: a link points at the bot's own `/listen/…`, a file goes to the
clicker's DMs.
"""

from __future__ import annotations

from typing import Any

from bot.query.errors import escape

Message = dict[str, Any]


def _answer(text: str) -> Message:
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": text.replace("*", "")[:3000],
        # verbatim: a reason may quote Plivo; the link is written out in <…>, which still works.
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000], "verbatim": True}}
        ],
    }


def _minutes(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 2 * 3600:
        return f"{seconds // 60} minutes"
    return f"{seconds // 3600} hours"


def render_listen_link(url: str, ttl_s: int) -> Message:
    return _answer(
        f"▶ <{url}|*Listen to the recording*>\n"
        f"This link is for you alone and works for {_minutes(ttl_s)}; "
        "click ▶ Listen again for a fresh one."
    )


def render_listen_sent() -> Message:
    return _answer("▶ The recording was sent to your DMs with this app: open it there to play it.")


def render_listen_saved(where: str) -> Message:
    return _answer(f"▶ The recording was saved to `{where}`.")


def render_listen_too_big(size_mb: float, max_mb: int) -> Message:
    return _answer(
        f"This recording is {size_mb:.0f} MB, more than the {max_mb} MB this app sends to Slack. "
        "Ask the app's admin to raise LISTEN_MAX_MB, or to set PUBLIC_URL so you get a "
        "listening link instead."
    )


def render_listen_failed(reason: str) -> Message:
    # Escaped: the reason may quote Plivo's own error text.
    return _answer(f":warning: I could not get this recording. {escape(reason)}")


DAMAGED = (
    "This button is damaged or belongs elsewhere, so I can't tell which recording it meant. "
    "Run the command again to get fresh buttons."
)


def render_listen_damaged() -> Message:
    return _answer(f":warning: {DAMAGED}")
