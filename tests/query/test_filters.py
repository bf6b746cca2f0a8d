"""`bot.query.filters`: the zone cache stays bounded whatever people type after `tz=`."""

from __future__ import annotations

import itertools

from bot.query import filters as f


def _spellings(name: str) -> itertools.product[tuple[str, ...]]:
    return itertools.product(*((ch.lower(), ch.upper()) if ch.isalpha() else ch for ch in name))


def test_zone_cache_is_bounded_by_distinct_tz_texts() -> None:
    f._load_zone.cache_clear()
    # 5,000 distinct spellings of real zones: each is read right, none is kept for ever.
    names = ["America/Los_Angeles", "Europe/London", "Asia/Kathmandu"]
    seen = 0
    for name in names:
        for letters in itertools.islice(_spellings(name), 1667):
            text = "".join(letters)
            assert f.zone(text)[0] == name
            seen += 1
    assert seen >= 5000
    assert f._load_zone.cache_info().currsize <= f.ZONE_CACHE_SIZE
    assert f.zone("Asia/Kathmandu")[0] == "Asia/Kathmandu"
