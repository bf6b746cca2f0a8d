"""Watches: a search that posts new recordings in a channel by itself (model, matching, the poll,
and the `/recordings watch …` commands)."""
