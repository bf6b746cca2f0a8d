"""The repository stands on its own: nothing in it reads a path outside it, the pure core imports no
I/O library, and the Makefile's targets pass their options through."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("bot", "tests", "bench")
TOP_FILES = ("Makefile", "pyproject.toml", "Dockerfile", "Procfile", "app.json", ".ci/run")
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".json", ""}
# Written so that this file does not match itself.
SHARED = re.compile(r"\.\./+shared")
UP = re.compile(r"""(?:^|["'\s(=])((?:\.\./)+)""")
PARENTS = re.compile(r"\.parents\[(\d+)\]")
# The Plivo client and every HTTP or Slack library: what the pure core must never load.
IMPURE = ("httpx", "httpcore", "httpx_aiohttp", "aiohttp", "slack_sdk", "slack_bolt", "uvicorn")
IMPURE_BOT = ("bot.plivo.client", "bot.sample_api", "bot.runtime")


def scanned_files() -> list[Path]:
    files = [ROOT / name for name in TOP_FILES if (ROOT / name).is_file()]
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
                files.append(path)
    return files


def outside(path: Path, text: str) -> list[str]:
    """References in `text` (found in `path`) to a place outside the repository."""
    found = [m.group(0) for m in SHARED.finditer(text)]
    depth = len(path.relative_to(ROOT).parts) - 1  # folders between the file and the root
    for match in UP.finditer(text):
        ups = match.group(1).count("../")
        if ups > depth:  # above the root whether read from the file's folder or from the root
            found.append(match.group(0).strip())
    for match in PARENTS.finditer(text):
        if int(match.group(1)) > depth:
            found.append(match.group(0))
    return found


def test_nothing_refers_to_a_path_outside_the_repository() -> None:
    files = scanned_files()
    assert len(files) > 50  # the scan really sees the tree
    offenders = {}
    for path in files:
        hits = outside(path, path.read_text(encoding="utf-8", errors="replace"))
        if hits:
            offenders[str(path.relative_to(ROOT))] = hits
    assert offenders == {}


UPDIR, PARENT = "../", ".parents"  # pieces, so that the examples below do not match this file


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("tests/test_x.py", f"FIXTURES = ROOT / '{UPDIR}shared/reference'"),
        ("tests/test_x.py", f"FIXTURES = '{UPDIR}{UPDIR}plivo-fixtures'"),
        ("tests/plivo/test_x.py", f"HERE = Path(__file__).resolve(){PARENT}[3]"),
        ("Makefile", f"include {UPDIR}common.mk"),
    ],
)
def test_the_scan_catches_outside_paths(where: str, text: str) -> None:
    assert outside(ROOT / where, text)


def test_the_scan_leaves_inside_paths_alone() -> None:
    assert not outside(ROOT / "tests/plivo/test_x.py", f"ROOT = Path(__file__){PARENT}[2]")
    assert not outside(ROOT / "tests/plivo/test_x.py", f'FIX = "{UPDIR}fixtures/plivo"')


def test_the_pure_core_loads_no_io_library() -> None:
    script = (
        "import json, sys\n"
        "import bot.query, bot.slack.blocks, bot.wire\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(result.stdout)
    assert "bot.query" in loaded and "bot.slack.blocks" in loaded
    impure = [
        name
        for name in loaded
        if name.split(".")[0] in IMPURE
        or any(name == bad or name.startswith(bad + ".") for bad in IMPURE_BOT)
    ]
    assert impure == []


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_passes_args_through() -> None:
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", "demo", "ARGS=--tz Asia/Kolkata"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (line,) = [line for line in result.stdout.splitlines() if "-m bot console" in line]
    assert line.endswith("-m bot console --tz Asia/Kolkata"), line
    assert "PLIVO_SAMPLE_DATA=true" in line
