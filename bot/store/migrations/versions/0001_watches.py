"""Watches, what they posted, the poll's cursor, leases and the shared Plivo budget.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("creator", sa.String(32), nullable=False),
        sa.Column("filters", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("paused_at", sa.Float, nullable=True),
        sa.Column("paused_reason", sa.String(64), nullable=True),
        sa.Column("posted", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_watches_channel", "watches", ["channel"])
    op.create_table(
        "watch_posts",
        sa.Column("watch_id", sa.Integer, primary_key=True),
        sa.Column("recording_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("claimed_at", sa.Float, nullable=False),
    )
    op.create_index("ix_watch_posts_claimed_at", "watch_posts", ["claimed_at"])
    op.create_table(
        "poll_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("cursor", sa.Float, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(80), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "rate_budget",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("tat", sa.Float, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    for table in ("rate_budget", "leases", "poll_state", "watch_posts", "watches"):
        op.drop_table(table)
