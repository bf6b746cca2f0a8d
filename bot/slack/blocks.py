"""Block Kit rendering: pure functions from a `Query` and a page of recordings to a Slack message.

Nothing here does I/O. Every message carries a top-level `text` (notifications and screen
readers use it), stays within Slack's limits (50 blocks, 3,000 characters of section text, 2,000 of
button value), and quotes what the user typed when something went wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.masking import mask_number, mask_phone_numbers
from bot.query import Query
from bot.query.errors import escape
from bot.slack.hints import empty_hints

if TYPE_CHECKING:  # only for annotations: the renderer must not load the Plivo client's HTTP stack
    from bot.plivo import PlivoError, RangePage, Recording

Message = dict[str, Any]
# Turns a button's payload into its signed value (`Access.sign_button` bound to the request's
# team and channel): every button value the bot hands out goes through one.
Sign = Callable[[str], str]

ACTION_NEXT = "recordings_next"
ACTION_PREV = "recordings_prev"
ACTION_OPEN = "recordings_open"  # the old link button: messages already in Slack still send it
ACTION_LISTEN = "recordings_listen"
ACTION_EXPORT = "recordings_export"
COMMAND = "/recordings"
WARNING = ":warning:"
NAMES_WITHOUT_MEANING = {"", "noname"}


def _quote(text: str) -> str:
    """Inline code that survives backticks in the user's own text."""
    text = " ".join(text.split()) or " "
    if len(text) > 300:
        text = text[:300] + "…"
    return "`" + escape(text.replace("`", "ˋ")) + "`"


def _code(text: str) -> str:
    """A value from Plivo as inline code: escaped, and unable to close the span early."""
    return "`" + escape(text.replace("`", "ˋ")) + "`"


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn a conference named after a URL, a #channel or an @here
    # into a link or a mention; the bot's own links and date tokens are written out in <…>.
    return {"type": "mrkdwn", "text": text[:3000], "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(t) for t in texts]}


def _ephemeral(text: str, blocks: list[dict[str, Any]]) -> Message:
    return {"response_type": "ephemeral", "text": text[:3000], "blocks": blocks}


def slack_date(moment: datetime) -> str:
    """A date token every reader sees in their own zone, with a UTC fallback for old clients."""
    utc = moment.astimezone(UTC)
    fallback = utc.replace(tzinfo=None).isoformat(" ", "minutes")
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{fallback} UTC>"


def slack_span(start: datetime, end: datetime | None) -> str:
    """`Tue 1 Dec 03:48–04:16` in each reader's zone: when a recording started and ended (a
    page is ordered by the end, so showing both makes the order visible)."""
    first = slack_date(start)
    if end is None or end <= start:
        return first
    utc = end.astimezone(UTC)
    fallback = utc.replace(tzinfo=None).isoformat(" ", "minutes")
    # The end's time alone reads naturally; a recording over half a day gets its date too.
    shape = "{time}" if end - start < timedelta(hours=12) else "{date_short_pretty} {time}"
    return f"{first}–<!date^{int(utc.timestamp())}^{shape}|{fallback} UTC>"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?:??"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _as_is(text: str) -> str:
    return text


def _recording_name(rec: Recording, shown: Callable[[str], str]) -> str | None:
    mpc = rec.mpc_name
    if mpc:
        return f"MPC *{escape(shown(mpc))}*"
    if rec.conference_name and rec.conference_name not in NAMES_WITHOUT_MEANING:
        return f"conference *{escape(shown(rec.conference_name))}*"
    return None


def render_recording(
    rec: Recording, sign: Sign | None = None, *, shared: bool = False
) -> dict[str, Any]:
    """One recording's section. `shared` (a page posted for the channel): phone numbers show only
    their last four digits, in the numbers and in names alike."""
    number = mask_number if shared else _as_is
    name = mask_phone_numbers if shared else _as_is
    started = rec.started_at
    when = slack_span(started, rec.ended_at) if started else "time unknown"
    first = [when, format_duration(rec.duration_s)]
    # "conference *sales*" names the type too; a bare type only when there is no name to show.
    label = _recording_name(rec, name) or escape(rec.recording_type or "")
    if label:
        first.append(label)
    second = []
    if rec.from_number or rec.to_number:
        parts = [escape(number(n)) if n else "?" for n in (rec.from_number, rec.to_number)]
        second.append(" → ".join(parts))
    if rec.call_uuid:
        second.append(f"call {_code(rec.call_uuid)}")
    if rec.recording_format:
        second.append(escape(rec.recording_format))
    text = "*" + first[0] + "* · " + " · ".join(first[1:])
    if second:
        text += "\n" + " · ".join(second)
    block = _section(text)
    if rec.recording_url and sign is not None:
        # A button, not a link: the media URL stays with the bot, which checks each clicker
        # and hands them the recording itself (bot.slack.listen).
        block["accessory"] = {
            "type": "button",
            "action_id": ACTION_LISTEN,
            "text": {"type": "plain_text", "text": "▶ Listen", "emoji": True},
            "value": sign(rec.recording_id),
        }
    return block


def _header_text(page: RangePage) -> str:
    first = page.offset + 1
    last = page.offset + len(page.recordings)
    if page.total is not None:
        shown = f"Recordings {first}–{last} of {page.total}"
    else:
        shown = f"Recordings {first}–{last}" + (" of more" if page.has_more else "")
    return f"{shown} · newest saved first"


def _paging_buttons(query: Query, page: RangePage, sign: Sign) -> list[dict[str, Any]]:
    buttons = []
    if page.offset > 0:
        back = max(0, page.offset - query.page_size)
        buttons.append(_page_button(ACTION_PREV, "◀ Prev", query, back, page.counts, sign))
    if page.has_more:
        # Step by the page size, not by what was shown: a page comes back short when Plivo repeats
        # an object (dropped here), and the next page must still start where this one ends.
        ahead = page.offset + query.page_size
        button = _page_button(ACTION_NEXT, "Next ▶", query, ahead, page.counts, sign)
        buttons.append({**button, "style": "primary"})
    return buttons


def _page_button(
    action_id: str,
    label: str,
    query: Query,
    offset: int,
    counts: tuple[int, ...] | None,
    sign: Sign,
) -> dict[str, Any]:
    """A button whose signed value is the same query at `offset`, with the windows' counts."""
    turned = query.model_copy(update={"offset": offset, "window_counts": counts})
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": sign(turned.encode()),
    }


def _export_button(query: Query, sign: Sign) -> dict[str, Any]:
    """**Export CSV**: the whole search (from its start, shared or not) as a file in a DM."""
    whole = query.model_copy(update={"offset": 0, "window_counts": None, "share": False})
    return {
        "type": "button",
        "action_id": ACTION_EXPORT,
        "text": {"type": "plain_text", "text": "Export CSV", "emoji": True},
        "value": sign(whole.encode()),
    }


def _query_context(query: Query, summary: str) -> dict[str, Any]:
    return _context(summary, f"Same search any time: {_quote(f'{COMMAND} {query.command()}')}")


def _shown(query: Query) -> Query:
    """The query as a message shows it: on a shared page, its numbers cut to the last four
    digits (the summary and the "same search" line; button values carry the real query)."""
    if not query.share:
        return query
    masked = {
        name: mask_number(value)
        if name in ("from_number", "to_number")
        else mask_phone_numbers(value)
        if name in ("conference_name", "mpc_name")
        else value
        for name, value in query.filters.items()
    }
    # model_copy does not validate: a masked number would not pass as a filter, nor need to.
    return query.model_copy(update={"filters": masked})


def _answer(query: Query, text: str, blocks: list[dict[str, Any]]) -> Message:
    """A message answering `query`: for its author only, unless they asked to share it."""
    return {
        "response_type": "in_channel" if query.share else "ephemeral",
        "text": text,
        "blocks": blocks,
    }


def render_page(query: Query, page: RangePage, *, sign: Sign, hint: str | None = None) -> Message:
    """The answer to a query: header, the query in words, one section per recording, paging
    (button values signed by `sign`)."""
    if not page.recordings:
        return render_empty(query, page, sign=sign)
    header = _header_text(page)
    shown = _shown(query)
    summary = shown.summary()
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
        _query_context(shown, summary),
        {"type": "divider"},
    ]
    blocks.extend(render_recording(rec, sign, shared=query.share) for rec in page.recordings)
    buttons = [*_paging_buttons(query, page, sign), _export_button(query, sign)]
    blocks.append({"type": "actions", "block_id": "paging", "elements": buttons})
    if hint:
        blocks.append(_context(hint))
    return _answer(query, f"{header} · {_plain(summary)}", blocks)


def render_empty(
    query: Query, page: RangePage | None = None, *, sign: Sign | None = None
) -> Message:
    """Nothing matched: say so, restate the range, and hint at what to try, from the search
    itself. A page past the end says how many there are and offers the last page."""
    shown = _shown(query)
    summary = shown.summary()
    total = _total(page)
    extra: list[dict[str, Any]] = []
    if page is not None and page.offset > 0 and total:
        pages = -(-total // query.page_size)
        asked = page.offset // query.page_size + 1
        noun = "recording" if total == 1 else "recordings"
        lead = (
            f"Page {asked} is past the end: this search has {total} {noun}, "
            f"{pages} page{'s' if pages != 1 else ''} of {query.page_size}."
        )
        tips = [
            f"• *◀ Last page* shows page {pages}; the same search without `page=` or "
            "`offset=` starts from the newest."
        ]
        if sign is not None:
            last = (pages - 1) * query.page_size
            button = _page_button(ACTION_PREV, "◀ Last page", query, last, page.counts, sign)
            extra.append({"type": "actions", "block_id": "paging", "elements": [button]})
    elif page is not None and page.offset > 0:
        lead = f"No recordings past number {page.offset} for this search."
        tips = empty_hints(shown)
    else:
        lead = "No recordings match this search."
        tips = empty_hints(shown)
    blocks = [
        _section(f"*{lead}*"),
        _query_context(shown, summary),
        _section("\n".join(tips)),
        *extra,
    ]
    return _answer(query, f"{lead} {_plain(summary)}", blocks)


def _total(page: RangePage | None) -> int | None:
    if page is None:
        return None
    if page.total is not None:
        return page.total
    return sum(page.counts) if page.counts else None


def _plain(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "").replace("`", "")


def render_error(command_text: str, message: str) -> Message:
    """A problem with what the user typed (or with Plivo), quoting their command."""
    shown = f"{COMMAND} {command_text}".strip()
    body = f"{WARNING} {_quote(shown)}\n{message}"
    return _ephemeral(f"Problem with {shown}: {_plain(message)}", [_section(body)])


def render_plivo_error(command_text: str, error: PlivoError) -> Message:
    # Escaped: the message may quote Plivo's own error text.
    return render_error(command_text, escape(error.user_message))


def render_internal_error(command_text: str) -> Message:
    return render_error(
        command_text,
        "Something went wrong on my side while answering this. It has been logged; "
        "please try again in a minute, and tell the app's admin if it keeps happening.",
    )


def render_refusal(command_text: str, message: str) -> Message:
    """Access refused (`bot.slack.access` says why, in `message`)."""
    return render_error(command_text, message)


def render_slow_down(command_text: str, wait_s: int, per_minute: int) -> Message:
    return render_error(
        command_text,
        f"Slow down: that is more than {per_minute} searches and clicks in a minute, so this one "
        f"was not run. Try again in {wait_s} s.",
    )


def render_stale_button() -> Message:
    return render_error(
        "",
        "This button belongs to an older or damaged message, so I can't tell which page it "
        "meant. Run the command again to get fresh buttons.",
    )


HELP_SYNTAX = (
    "*`/recordings [filters] [time range] [share]`* finds call recordings in Plivo.\n"
    "Filters are `key=value` (or `key:value`); quote values with spaces: "
    '`conference="Customer Success"`. Times are read in your Slack time zone.'
)

HELP_KEYS = (
    "*Filters*\n"
    "• `from=` / `caller=` · `to=` / `callee=`: a phone number (`+14155550100`, `415 555 0100`) "
    "or a SIP URI\n"
    "• `conference=` (`conf=`, `room=`) · `mpc=`: a name, matched exactly, capitals included\n"
    "• `call=` (`call_uuid=`), `conference_uuid=`, `mpc_uuid=`: an id (a bare id means `call=`)\n"
    "• `subaccount=` (`sub=`): `SA…`\n"
    "• `limit=` (1–20 per page) · `page=` · `offset=` · `tz=America/New_York`"
)

HELP_TIMES = (
    "*Time ranges* pick recordings by when they ended (each line shows when one started and "
    "ended, newest saved first). "
    "Default: the last 7 days; 90 days when you give an id; up to 366 days.\n"
    "• `today`, `yesterday`, `this week`, `last week`, `this month`, `last month`, `2025`\n"
    "• `last 2 hours`, `past 3 days`, `30m`, `2h`, `3d`, `2w`, `3 days ago`\n"
    "• `this morning`, `yesterday afternoon`, `last night`, `tonight`, `since friday morning`\n"
    "• `last weekend`, `q3`, `q2 2025`, `last quarter`, `ytd`, `qtd`, `mtd`, `wtd`\n"
    "• `the 1st`, `since the 3rd`, `day before yesterday`, `last 3 business days`\n"
    "• `since monday`, `after 9am`, `before march 1`, `until friday`, `on march 8`\n"
    "• `since 9.30am`, `since 0930`, `since 9`, `until 17:00`, `noon`, `midnight`\n"
    "• `between monday and tuesday`, `from 9am to 5pm`, `2026-03-01 - 2026-03-05`\n"
    "• `nov 1-15`, `1-15 nov`, `mon-fri`, `9-11am`, `today 9-11am`, "
    "`yesterday between 9am and 5pm`, `2026-11-01..2026-11-15`\n"
    "• `03/11` reads in your Slack language's order (`en-US` month first, `en-GB` day first)\n"
    "• exact instants: `since=2026-03-10T07:00:00Z`\n"
    "• `conference sales` works without `=`; pasted numbers too: `from=(415) 555-0100`\n"
    "*Sharing*: answers are only visible to you; add `share` to post them in the channel.\n"
    "*Export*: `/recordings export [filters] [time range]` (or *Export CSV* under an answer) "
    "sends every match, up to 366 days, as a CSV file to your DMs."
)

HELP_EXAMPLES = (
    "*Examples*\n"
    "• `/recordings conference=sales since yesterday`\n"
    "• `/recordings from=4155550100 last 2 hours`\n"
    '• `/recordings conference="Customer Success" last month limit=20`\n'
    "• `/recordings to=+442071838750 between monday and tuesday share`\n"
    "• `/recordings call=c2c128e2-1c8c-11e4-9bff-1db8a9db0432`"
)


def render_help() -> Message:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "/recordings help"}},
        _section(HELP_SYNTAX),
        _section(HELP_KEYS),
        _section(HELP_TIMES),
        _section(HELP_EXAMPLES),
    ]
    return _ephemeral("How to use /recordings: filters, time ranges and examples", blocks)


EMPTY_COMMAND_HINT = (
    "Showing the last 7 days. Try `/recordings help` to filter and pick a time range."
)
