"""`export …` in the console: the same export as in Slack, drawn as a progress bar (rich), the file
written to the current folder instead of uploaded to a DM.

The file appears under its final name only once complete; a failed or interrupted export leaves
nothing behind, as in Slack, where nothing partial is sent.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.audit import audit
from bot.export import csvfile
from bot.export.engine import TooManyRows
from bot.plivo import PlivoError
from bot.query import ParseError, parse
from bot.query.tokens import as_slack_sends
from bot.slack.access import Requester
from bot.slack.export import subcommand

if TYPE_CHECKING:
    from bot.run.console import ConsoleSession


async def export_to_folder(
    session: ConsoleSession, text: str, out: Console, folder: Path | None = None
) -> Path | None:
    """Run `export …` typed in the console; the file written, or None (the reason is printed)."""
    services = session.runtime.services
    user = session.user_id
    from bot.run.console import TEAM_ID  # here: bot.run.console imports this module

    who = Requester.from_command(
        {"user_id": user, "channel_id": session.channel_id, "team_id": TEAM_ID}
    )
    refusal = await services.access.check(who)
    if refusal is not None:
        out.print(f"[yellow]{escape(refusal.message)}[/]")
        return None
    try:
        query = parse(
            # Read as Slack would send it, so `a<b` typed here means what it means in Slack.
            as_slack_sends(subcommand(text) or ""),
            services.clock(),
            session.tz,
            page_size=services.settings.page_size,
            phone_region=services.settings.phone_region,
        )
    except ParseError as exc:
        out.print(f"[yellow]⚠ /recordings {escape(text)}[/]\n  {escape(exc.message)}")
        return None
    assert services.exports is not None
    exporter = services.exports.exporter
    folder = folder or Path.cwd()
    target = folder / csvfile.filename(query)
    filters = query.plivo_params()
    audit("export.started", user=user, channel=session.channel_id, filters=filters)
    rows = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=out,
        transient=True,
    ) as bar:
        task = bar.add_task("Counting", total=None)
        fd, temporary = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as sink:
                plan = await exporter.count(query, who=user)
                if plan.total == 0:
                    out.print("Nothing to export: no recordings match this search.")
                    audit("export.finished", user=user, filters=filters, rows=0)
                    return None
                bar.update(task, total=plan.total, description="Exporting")

                def on_rows(done: int) -> None:
                    nonlocal rows
                    rows = done
                    bar.update(task, completed=done)

                rows = await exporter.write(plan, sink, who=user, progress=on_rows)
                sink.flush()
                size = os.fstat(sink.fileno()).st_size
            os.replace(temporary, target)
        except TooManyRows as exc:
            many = f"{'at least ' if exc.at_least else ''}{exc.matched:,}"
            out.print(
                f"[yellow]Not exported: {many} recordings match, more than the {exc.limit:,} one "
                "export can hold. Narrow the time range or add a filter.[/]"
            )
            audit(
                "export.failed", user=user, outcome="too_many", filters=filters, matched=exc.matched
            )
            return None
        except PlivoError as exc:
            out.print(f"[yellow]Export failed at {rows:,} rows: {escape(exc.user_message)}[/]")
            audit("export.failed", user=user, outcome="plivo_error", filters=filters, rows=rows)
            return None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    audit("export.finished", user=user, filters=filters, rows=rows, bytes=size)
    out.print(f"Done: {rows:,} recordings → {escape(str(target))}")
    return target
