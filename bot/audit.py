"""The audit trail: one JSON line per page shown, listen, export, watch post and refusal.

Compliance asks "who heard this call" and "who saw these numbers"; these lines answer it. They go to
the logger `bot.audit`, which `setup_logging` keeps at INFO whatever `LOG_LEVEL` says, through the
same redactor as every other line (so phone numbers are masked there too).
"""

from __future__ import annotations

import json
import logging

log = logging.getLogger("bot.audit")


def audit(
    event: str,
    *,
    user: str,
    team: str = "",
    channel: str = "",
    outcome: str = "ok",
    **details: object,
) -> None:
    """Write one audit line. `details` carry `recording_id`, `filters`, `shared`, counts, …"""
    record: dict[str, object] = {
        "event": event,
        "user": user,
        "team": team,
        "channel": channel,
        "outcome": outcome,
    }
    record.update((key, value) for key, value in details.items() if value is not None)
    log.info(json.dumps(record, separators=(",", ":"), default=str, ensure_ascii=False))
