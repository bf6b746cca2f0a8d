"""`python -m bot serve` raises its open-files limit to fit MAX_CONNECTIONS, as far as allowed."""

from __future__ import annotations

import resource
from collections.abc import Iterator

import pytest

from bot.run.serve import raise_open_files_limit


@pytest.fixture
def limits() -> Iterator[tuple[int, int]]:
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield before
    resource.setrlimit(resource.RLIMIT_NOFILE, before)


def test_the_soft_limit_is_raised_towards_what_is_wanted(limits: tuple[int, int]) -> None:
    soft, hard = limits
    wanted = soft + 10 if hard == resource.RLIM_INFINITY else min(soft + 10, hard)
    assert raise_open_files_limit(wanted) == wanted
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (wanted, hard)


def test_never_beyond_the_hard_limit_nor_lowered(limits: tuple[int, int]) -> None:
    soft, hard = limits
    if hard != resource.RLIM_INFINITY:
        assert raise_open_files_limit(hard + 1000) == hard
    resource.setrlimit(resource.RLIMIT_NOFILE, limits)
    assert raise_open_files_limit(1) == soft  # already enough: left alone
