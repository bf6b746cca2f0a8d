"""The tables of the bot's durable state, as SQLAlchemy Core tables (the migrations create them).

Times are seconds since the epoch (floats): one type that SQLite and PostgreSQL store and compare
alike, with no time-zone conversion on the way in or out.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

watches = sa.Table(
    "watches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("team", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False, index=True),
    sa.Column("creator", sa.String(32), nullable=False),
    # The Plivo filters, as JSON text: {"conference_name": "support"}.
    sa.Column("filters", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("paused_at", sa.Float, nullable=True),
    sa.Column("paused_reason", sa.String(64), nullable=True),
    sa.Column("posted", sa.Integer, nullable=False, server_default="0"),
)

# One row per recording a watch has claimed; the primary key is what makes a post happen once.
watch_posts = sa.Table(
    "watch_posts",
    metadata,
    sa.Column("watch_id", sa.Integer, primary_key=True),
    sa.Column("recording_id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(8), nullable=False),  # claimed | posted
    sa.Column("claimed_at", sa.Float, nullable=False, index=True),
)

# Named cursors: where the watch poll got to.
poll_state = sa.Table(
    "poll_state",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("cursor", sa.Float, nullable=False),
)

# Named leases: which process does a job only one may do at a time (the watch poll).
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("holder", sa.String(80), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

# Named request budgets (the Plivo account's), as a cell-rate schedule: `tat` is when the next
# request is due at the steady rate; `ok` says whether the last admission was granted.
rate_budget = sa.Table(
    "rate_budget",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("tat", sa.Float, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
)
