"""Every phrase of the issue "The language people actually type" run through the console (what
`make demo` runs), at the moment the issue describes (Tuesday 1 December, Los Angeles), and each
answer checked: the range it restates in words, the filters, or the error's own words."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "PLIVO_SAMPLE_DATA": "true",
    "PLIVO_SAMPLE_NOW": "2026-12-01T18:00:00Z",  # Tue 1 Dec 10:00 in Los Angeles
    "USER_COMMANDS_PER_MIN": "1000",  # one person typing all of these in a minute
}
TZ = "America/Los_Angeles"

# phrase -> the range restated under the answer (the summary line), in the user's zone
RANGES = {
    "this morning": "Tue 1 Dec 06:00 → now",
    "yesterday afternoon": "Mon 30 Nov 2026 12:00 → Mon 30 Nov 18:00",
    "since monday morning": "Mon 30 Nov 06:00 → now",
    "last night": "Mon 30 Nov 2026 18:00 → Tue 1 Dec 06:00",
    "last weekend": "Sat 28 Nov 2026 00:00 → Mon 30 Nov 00:00",
    "q3": "Wed 1 Jul 2026 00:00 → Thu 1 Oct 00:00",
    "last quarter": "Wed 1 Jul 2026 00:00 → Thu 1 Oct 00:00",
    "this quarter": "Thu 1 Oct 00:00 → now",
    "ytd": "Thu 1 Jan 00:00 → now",
    "since the 1st": "Tue 1 Dec 00:00 → now",
    "day before yesterday": "Sun 29 Nov 2026 00:00 → Mon 30 Nov 00:00",
    "last 3 business days": "Fri 27 Nov 00:00 → now",
    "today 9-11am": "Tue 1 Dec 09:00 → now",
    "mon-fri": "Mon 30 Nov 00:00 → now",
    "nov 1-15": "Sun 1 Nov 2026 00:00 → Mon 16 Nov 00:00",
    "1-15 nov": "Sun 1 Nov 2026 00:00 → Mon 16 Nov 00:00",
    "2026-11-01..2026-11-15": "Sun 1 Nov 2026 00:00 → Mon 16 Nov 00:00",
    "since 9.30am": "Tue 1 Dec 09:30 → now",
    "since 0930": "Tue 1 Dec 09:30 → now",
    "yesterday between 9am and 5pm": "Mon 30 Nov 2026 09:00 → Mon 30 Nov 17:00",
    "between 9am and 5pm yesterday": "Mon 30 Nov 2026 09:00 → Mon 30 Nov 17:00",
    "from=(415) 555-0100 last 2 days": "from +14155550100 · Sun 29 Nov 10:00 → now",
    "from=415 555 0100": "from +14155550100 · Tue 24 Nov 10:00 → now",
    "to=+44 20 7946 0100 today": "to +442079460100 · Tue 1 Dec 00:00 → now",
    "conference sales yesterday": "conference sales · Mon 30 Nov 2026 00:00 → Tue 1 Dec 00:00",
    "from=+14155550100 and to=+14155550101": (
        "from +14155550100 · to +14155550101 · Tue 24 Nov 10:00 → now"
    ),
    "conference=sales,": "conference sales · Tue 24 Nov 10:00 → now",
}
# phrase -> words its answer must contain (and no range was searched)
REFUSED = {
    "last monday to last friday": [
        "runs backwards",
        "last monday as Mon 30 Nov",
        "last friday as Fri 27 Nov",
    ],
    "conference=sales,support": ["one value per key; run two searches"],
    "limit=abc": ["is not a number"],
}


def run(lines: list[str], **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--tz", TZ],
        cwd=ROOT,
        input="".join(line + "\n" for line in lines),
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **ENV, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def answers(output: str) -> dict[str, str]:
    parts = re.split(r"^> /recordings (.*)$", output, flags=re.M)[1:]
    return dict(zip(parts[::2], parts[1::2], strict=True))


@pytest.fixture(scope="module")
def answered() -> dict[str, str]:
    return answers(run([*RANGES, *REFUSED, "page=999", "conference=Sales", "since monday"]))


@pytest.mark.parametrize("phrase", list(RANGES))
def test_each_phrase_searches_the_right_range(answered: dict[str, str], phrase: str) -> None:
    answer = answered[phrase]
    assert "⚠" not in answer, answer
    assert f"\n{RANGES[phrase]}, {TZ}\n" in answer, answer


@pytest.mark.parametrize("phrase", list(REFUSED))
def test_each_mistake_is_explained(answered: dict[str, str], phrase: str) -> None:
    answer = answered[phrase]
    assert "⚠" in answer
    for words in REFUSED[phrase]:
        assert words in answer, answer


def test_a_page_past_the_end_says_how_many_and_offers_the_last(answered: dict[str, str]) -> None:
    answer = answered["page=999"]
    found = re.search(
        r"Page 999 is past the end: this search has (\d+) recordings, (\d+) pages", answer
    )
    assert found is not None, answer
    total, pages = int(found[1]), int(found[2])
    assert pages == -(-total // 10)
    assert "[p] ◀ Last page" in answer


def test_an_empty_answer_hints_from_the_search(answered: dict[str, str]) -> None:
    answer = answered["conference=Sales"]
    assert "No recordings match this search." in answer
    assert "/recordings conference=Sales last 30 days" in answer  # wider than its 7 days
    assert "/recordings conference=sales" in answer  # the other spelling
    assert "• •" not in answer


def test_a_page_reads_in_order_of_when_each_recording_ended(answered: dict[str, str]) -> None:
    answer = answered["since monday"]
    assert "newest saved first" in answer
    ends = []
    for day, start, end in re.findall(
        r"^• \w{3} (\d{2} \w{3} \d{4}) (\d{2}:\d{2})–(\d{2}:\d{2}) ·", answer, flags=re.M
    ):
        began = datetime.strptime(f"{day} {start}", "%d %b %Y %H:%M")
        ended = datetime.strptime(f"{day} {end}", "%d %b %Y %H:%M")
        ends.append(ended if ended >= began else ended + timedelta(days=1))
    assert len(ends) == 10
    assert ends == sorted(ends, reverse=True)


def test_a_uk_users_date_is_day_first() -> None:
    output = run(["01/12", "since 03/11"], DATE_ORDER="DMY")
    shown = answers(output)
    assert "\nTue 1 Dec 00:00 → now, America/Los_Angeles\n" in shown["01/12"]
    assert "\nTue 3 Nov 00:00 → now, America/Los_Angeles\n" in shown["since 03/11"]
