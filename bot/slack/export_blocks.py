"""Block Kit for exports: the progress message in the requester's DM, in each of its states, and
the answers to `/recordings export …` and to the buttons. Pure functions, no I/O."""

from __future__ import annotations

from typing import Any

from bot.query import Query
from bot.query.errors import escape
from bot.slack.blocks import WARNING, Message, render_error

ACTION_CANCEL = "recordings_export_cancel"

STARTED = "Exporting — I'll send the file to your DMs."


def _plain(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "").replace("`", "")


def _code(text: str) -> str:
    """The command as inline code, Slack's `&`, `<`, `>` escaped, backticks unable to end it."""
    return "`" + escape(" ".join(text.split()).replace("`", "ˋ"))[:2990] + "`"


def _message(text: str, lines: list[str], cancel_value: str | None = None) -> Message:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": lines[0][:3000], "verbatim": True}}
    ]
    if len(lines) > 1:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": t[:3000], "verbatim": True} for t in lines[1:]
                ],
            }
        )
    if cancel_value is not None:
        blocks.append(
            {
                "type": "actions",
                "block_id": "export",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ACTION_CANCEL,
                        "text": {"type": "plain_text", "text": "Cancel", "emoji": True},
                        "style": "danger",
                        "value": cancel_value,
                    }
                ],
            }
        )
    return {"text": text[:3000], "blocks": blocks}


def count(n: int) -> str:
    return f"{n:,}"


def duration(seconds: float) -> str:
    """ "about 40 s", "about 3 min", "about 1 h 10 min": an estimate, so rounded."""
    if seconds < 10:
        return "a few seconds"
    if seconds < 60:
        return f"about {round(seconds / 5) * 5} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"


def started(text: str) -> Message:
    """The command's own (ephemeral) answer."""
    return {
        "response_type": "ephemeral",
        "text": STARTED,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f":inbox_tray: {STARTED}"}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": _code(text), "verbatim": True}],
            },
        ],
    }


def queued(query: Query, place: int, cancel_value: str) -> Message:
    summary = query.summary()
    where = "next in line" if place == 1 else f"number {place} in line"
    return _message(
        f"Export waiting: {where} · {_plain(summary)}",
        [f"*Export waiting* · {summary}", f"Other exports are running; this one is {where}."],
        cancel_value,
    )


def counting(query: Query, cancel_value: str) -> Message:
    summary = query.summary()
    return _message(
        f"Exporting {_plain(summary)} · counting the recordings",
        [f"*Exporting* {summary}", "Counting the recordings…"],
        cancel_value,
    )


def running(
    query: Query, done: int, total: int | None, left_s: float | None, cancel_value: str
) -> Message:
    summary = query.summary()
    if total:
        share = min(100, done * 100 // total)
        status = f"{count(done)} of about {count(total)} · {share}%"
        if left_s is not None:
            status += f" · {duration(left_s)} left"
    else:
        status = f"{count(done)} so far"
    return _message(
        f"Exporting {_plain(summary)} · {status}",
        [f"*Exporting* {summary}", status],
        cancel_value,
    )


def done(query: Query, rows: int, filename: str) -> Message:
    summary = query.summary()
    noun = "recording" if rows == 1 else "recordings"
    return _message(
        f"Done: {count(rows)} {noun} · {_plain(summary)}",
        [f":white_check_mark: *Done: {count(rows)} {noun}*", f"{summary} · `{filename}` below"],
    )


def nothing(query: Query) -> Message:
    summary = query.summary()
    return _message(
        f"Nothing to export: no recordings match · {_plain(summary)}",
        [
            "*Nothing to export*: no recordings match, so no file was sent.",
            f"{summary}",
            "Plivo matches names, numbers and ids exactly; widen the range or drop a filter.",
        ],
    )


def too_many(query: Query, matched: int, limit: int, *, at_least: bool = False) -> Message:
    summary = query.summary()
    many = f"{'at least ' if at_least else ''}{count(matched)}"
    return _message(
        f"Not exported: {many} recordings match, more than the {count(limit)} one export holds",
        [
            f"{WARNING} *Not exported: {many} recordings match*, more than the "
            f"{count(limit)} one export can hold.",
            f"{summary}",
            "Narrow it and export again: a shorter time range (`last month`, "
            "`between jul 1 and jul 15`) or a filter (`conference=`, `from=`, `to=`), "
            "then export each part.",
        ],
    )


def failed(query: Query, done: int, total: int | None, stage: str, reason: str) -> Message:
    summary = query.summary()
    where = f"{count(done)} of about {count(total)}" if total else f"{count(done)} recordings"
    return _message(
        f"Export failed while {stage} ({where}): {_plain(reason)}",
        [
            f"{WARNING} *Export failed* while {stage}, at {where}. No file was sent.",
            summary,
            f"{reason} Run the export again; it starts from the beginning.",
        ],
    )


def cancelled(query: Query, done: int, total: int | None) -> Message:
    summary = query.summary()
    where = f"{count(done)} of about {count(total)}" if total else f"{count(done)}"
    return _message(
        f"Export cancelled at {where}; no file was sent",
        [f"*Export cancelled* at {where}. No file was sent.", summary],
    )


def interrupted(query: Query, done: int) -> Message:
    return _message(
        "Export interrupted: the bot was restarting; no file was sent",
        [
            f"{WARNING} *Export interrupted* at {count(done)}: the bot was restarting. "
            "No file was sent; please run the export again.",
            query.summary(),
        ],
    )


def already_running(text: str) -> Message:
    return render_error(
        text,
        "You already have an export running or waiting; one at a time. Its progress is in your "
        "DMs with me, with a *Cancel* button if you want to start a different one.",
    )


def no_dm(text: str, error: str) -> Message:
    return render_error(
        text,
        f"I could not open a direct message with you to send the file (Slack said `{error}`). "
        "Ask the app's admin to reinstall it with the `im:write` and `files:write` scopes.",
    )


def cancel_unknown() -> Message:
    return render_error(
        "",
        "That export has already ended (or the bot restarted since), so there is nothing to stop.",
    )
