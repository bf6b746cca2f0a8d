"""`python -m bot console` (what `make demo` runs), driven through a pipe and a pseudo-terminal.

The console runs the real app in-process; these tests check what a person sees: the recordings the
sample API holds for the query, in order, page after page, and errors and help as Slack shows them.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import wave
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.query import parse
from bot.sample_api import SampleApi

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)
TZ = "America/Los_Angeles"
SAMPLE_ENV = {"PLIVO_SAMPLE_DATA": "true", "PLIVO_SAMPLE_NOW": NOW.isoformat()}
# Each recording's ▶ Listen key names it; no media URL is ever shown.
URL = re.compile(r"\[l \d+\] ▶ Listen · recording ([0-9a-z-]{36})")


def console(
    lines: list[str], env: dict[str, str] | None = None, *args: str
) -> subprocess.CompletedProcess[str]:
    """The console fed `lines`; in `TZ` unless `args` give a `--tz` of their own."""
    zone = [] if "--tz" in args else ["--tz", TZ]
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *zone, *args],
        cwd=ROOT,
        input="".join(line + "\n" for line in lines),
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            **(SAMPLE_ENV if env is None else env),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def answers(output: str) -> list[str]:
    """The console's output cut at each echoed input line."""
    return re.split(r"^> /recordings .*$", output, flags=re.M)[1:]


@pytest.fixture(scope="module")
def sample() -> SampleApi:
    return SampleApi(now=NOW)


def expected(sample: SampleApi, text: str) -> list[str]:
    query = parse(text, NOW, TZ)
    return [r["recording_id"] for r in sample.query(query.plivo_params(), enforce_span=False)]


def test_first_page_next_prev_error_help(sample: SampleApi) -> None:
    text = "conference=sales since yesterday"
    result = console([f"/recordings {text}", "n", "p", "confrence=sales", "help"])
    assert result.returncode == 0, result.stderr
    first, second, back, error, helped = answers(result.stdout)
    everything = expected(sample, text)
    assert len(everything) > 10
    assert URL.findall(first) == everything[:10]
    assert f"Recordings 1–10 of {len(everything)}" in first
    assert "[n] Next ▶" in first and "Prev" not in first
    assert URL.findall(second) == everything[10:20]
    assert "[p] ◀ Prev" in second
    assert URL.findall(back) == everything[:10]
    assert "⚠" in error and "confrence" in error and "did you mean conference" in error
    assert "/recordings help" in helped and "between monday and tuesday" in helped


def test_times_are_shown_in_the_users_zone(sample: SampleApi) -> None:
    result = console(["conference=sales since yesterday"])
    first_id = expected(sample, "conference=sales since yesterday")[0]
    row = next(r for r in sample.recordings if r["recording_id"] == first_id)
    started = datetime.fromtimestamp(float(row["recording_start_ms"]) / 1000, UTC)
    local = started.astimezone(ZoneInfo(TZ))
    assert local.strftime("%a %d %b %Y %H:%M") in result.stdout


def test_same_search_command_pasted_back_finds_the_same_search() -> None:
    """Slack escapes `&`, `<`, `>` in what is typed; the console does too, and the shown
    command, typed again, is the same search (names with `<` and entity-like text included)."""
    first = console(['conference="a<b &amp; c>" since yesterday'])
    shown = re.search(r"Same search any time: /recordings (.+)$", first.stdout, flags=re.M)
    assert shown is not None, first.stdout
    assert "conference=" in shown[1] and "a<b &amp; c>" in shown[1]
    again = console([shown[1]])
    summary = re.compile(r"^conference a<b &amp; c> · .+$", flags=re.M)
    assert summary.search(first.stdout) is not None, first.stdout
    assert summary.findall(again.stdout) == summary.findall(first.stdout)
    assert re.search(r"Same search any time: /recordings (.+)$", again.stdout, re.M)[1] == shown[1]


def test_keys_json_and_quit() -> None:
    result = console(["?", "conference=board last 3 days", "j", "q", "conference=sales today"])
    assert result.returncode == 0
    parts = answers(result.stdout)
    assert "n  Next ▶" in parts[0] and "q  quit" in parts[0]
    message = json.loads(parts[2])
    assert message["blocks"][0]["type"] in ("header", "section")
    assert "conference=sales today" not in result.stdout  # nothing after q


def test_no_next_page_is_said_plainly() -> None:
    result = console(["call=c2c128e2-1c8c-11e4-9bff-1db8a9db0432", "n"])
    empty, no_next = answers(result.stdout)
    assert "No recordings match" in empty
    assert "There is no next page here." in no_next


def test_banner_names_the_data_source() -> None:
    sample_run = console([])
    assert "built-in sample data" in sample_run.stdout
    real = console(
        ["today"],
        {
            "PLIVO_AUTH_ID": "MAREALACCOUNT000000",
            "PLIVO_AUTH_TOKEN": "tok-secret-9",
            "PLIVO_BASE_URL": "http://127.0.0.1:9",
            "PLIVO_MAX_RETRIES": "0",
        },
    )
    assert real.returncode == 0
    assert "Plivo account MAREALACCOUNT000000" in real.stdout
    assert "⚠" in answers(real.stdout)[0]  # Plivo unreachable: a clear error, not a crash
    assert "tok-secret-9" not in real.stdout + real.stderr


def test_without_plivo_credentials_or_sample_data_it_says_what_to_set() -> None:
    result = console([], {})
    assert result.returncode == 2
    assert (
        "PLIVO_AUTH_ID is required" in result.stderr and "PLIVO_SAMPLE_DATA=true" in result.stderr
    )


def readme_demo() -> tuple[dict[str, str], str]:
    """The environment and `--tz` of the demo command the README names for its replies."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r'`PLIVO_SAMPLE_NOW=(\S+) make demo ARGS="--tz ([^"]+)"`', readme)
    assert found, "the README names the command that draws its first reply"
    return {"PLIVO_SAMPLE_DATA": "true", "PLIVO_SAMPLE_NOW": found[1]}, found[2]


def test_readme_examples_all_find_recordings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Examples", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    examples = [line for line in section.splitlines() if line.startswith("/recordings ")]
    assert len(examples) >= 5
    env, tz = readme_demo()
    result = console(examples, env, "--tz", tz)
    assert result.returncode == 0, result.stderr
    replies = answers(result.stdout)
    assert len(replies) == len(examples)
    for example, reply in zip(examples, replies, strict=True):
        assert "⚠" not in reply, (example, reply)
        assert re.search(r"Recordings 1–\d+ of \d+", reply), (example, reply)


def test_on_a_terminal_it_prompts() -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console on a terminal
        os.chdir(ROOT)
        os.execve(
            sys.executable,
            [sys.executable, "-m", "bot", "console", "--tz", TZ],
            {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "dumb", **SAMPLE_ENV},
        )
    seen = b""
    try:
        while b"/recordings " not in seen:
            ready, _, _ = select.select([fd], [], [], 60)
            assert ready, f"no prompt; saw {seen!r}"
            seen += os.read(fd, 4096)
        os.write(fd, b"q\n")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"built-in sample data" in seen


def test_readme_first_screen_is_a_real_reply() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    capture = readme.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    command = capture[0].removeprefix("> ")
    assert command.startswith("/recordings ")
    env, tz = readme_demo()
    result = console([command], env, "--tz", tz)
    shown = result.stdout.splitlines()
    start = shown.index(capture[0])
    assert shown[start : start + len(capture)] == capture


def test_l_n_saves_the_recording_and_says_where(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--tz", TZ],
        cwd=tmp_path,  # the recording lands in the current folder
        input="conference=sales since yesterday limit=3\nl 2\nl 9\n",
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            **SAMPLE_ENV,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page, saved, missing = answers(result.stdout)
    second = URL.findall(page)[1]
    target = tmp_path / f"recording-{second}.wav"
    assert f"saved to {target}" in " ".join(saved.split())
    with wave.open(str(target)) as wav:
        assert wav.getframerate() == 8000 and wav.getnframes() > 0
    assert "There is no recording 9 here (1 to 3)" in missing
    assert "media.plivo.com" not in result.stdout
