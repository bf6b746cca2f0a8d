"""Alembic revisions, applied in order at start-up (`bot.store.migrate`)."""
