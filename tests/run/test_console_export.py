"""`export …` in the console (`python -m bot console`): the file lands in the current folder,
complete or not at all."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from bot.export import csvfile
from bot.query import parse
from bot.sample_api import SampleApi
from tests.run.test_console import NOW, ROOT, SAMPLE_ENV, TZ


def run(folder: Path, lines: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--tz", TZ],
        cwd=folder,
        input="".join(line + "\n" for line in lines),
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            **SAMPLE_ENV,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_export_writes_the_csv_to_the_current_folder(tmp_path: Path) -> None:
    done = run(tmp_path, ["export conference=sales last 40 days"])
    assert done.returncode == 0, done.stderr
    query = parse("conference=sales last 40 days", NOW, TZ)
    (written,) = list(tmp_path.iterdir())
    assert written.name == csvfile.filename(query)
    with written.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    want = [
        r["recording_id"]
        for r in SampleApi(now=NOW).query(query.plivo_params(), enforce_span=False)
    ]
    assert [row[csvfile.HEADER.index("recording_id")] for row in rows[1:]] == want
    assert f"Done: {len(want):,} recordings" in done.stdout


def test_over_the_limit_writes_nothing_and_says_the_count(tmp_path: Path) -> None:
    done = run(tmp_path, ["export last 60 days"], EXPORT_MAX_ROWS="500")
    assert done.returncode == 0, done.stderr
    matched = len(
        SampleApi(now=NOW).query(parse("last 60 days", NOW, TZ).plivo_params(), enforce_span=False)
    )
    assert f"Not exported: {matched:,} recordings match" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_nothing_matching_writes_nothing(tmp_path: Path) -> None:
    done = run(tmp_path, ['export conference="no such room" last 3 days'])
    assert done.returncode == 0, done.stderr
    assert "Nothing to export" in done.stdout and list(tmp_path.iterdir()) == []
