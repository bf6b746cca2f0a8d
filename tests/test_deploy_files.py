"""The deployment files (Procfile, Dockerfile, .dockerignore, app.json, the Python pins) stay true.

These read the files as the platforms do (Heroku's Procfile and app.json, Docker's instructions) and
check them against the code: the settings in `bot.config.Settings`, the commands `python -m bot …`.
The Dockerfile's HEALTHCHECK command is run for real against a local HTTP server.
"""

from __future__ import annotations

import http.server
import json
import re
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]

REQUIRED_ENV = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PUBLIC_URL"}
WEB_COMMAND = "python -m bot serve"
WORKER_COMMAND = "python -m bot socket"


# --- Procfile -------------------------------------------------------------------------------------


def _procfile() -> dict[str, str]:
    processes: dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, command = line.partition(":")
        assert sep, f"not a `name: command` line: {line!r}"
        assert name.strip() not in processes, f"process {name.strip()!r} defined twice"
        processes[name.strip()] = command.strip()
    return processes


def test_procfile_runs_the_web_server_and_the_socket_worker() -> None:
    assert _procfile() == {"web": WEB_COMMAND, "worker": WORKER_COMMAND}


# --- Dockerfile -----------------------------------------------------------------------------------


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def _args(instructions: list[tuple[str, str]], keyword: str) -> list[str]:
    return [rest for kw, rest in instructions if kw == keyword]


def _index(instructions: list[tuple[str, str]], keyword: str, pattern: str) -> int:
    for i, (kw, rest) in enumerate(instructions):
        if kw == keyword and re.search(pattern, rest):
            return i
    raise AssertionError(f"no {keyword} matching {pattern!r} in the Dockerfile")


def _env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for rest in _args(instructions, "ENV"):
        for word in shlex.split(rest):
            key, sep, value = word.partition("=")
            assert sep, f"use ENV KEY=value, not {rest!r}"
            env[key] = value
    return env


def _healthcheck_command(instructions: list[tuple[str, str]]) -> list[str]:
    (rest,) = _args(instructions, "HEALTHCHECK")
    _, sep, command = rest.partition("CMD ")
    assert sep, "HEALTHCHECK needs a CMD"
    argv = json.loads(command)  # exec form: no shell in the way, $PORT read by python itself
    assert isinstance(argv, list)
    return argv


def test_dockerfile_base_image_matches_python_version() -> None:
    instructions = _dockerfile()
    assert instructions[0][0] == "FROM", "FROM must come first"
    (image,) = _args(instructions, "FROM")
    assert image == "python:3.11-slim"
    python_version = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert image.removeprefix("python:").startswith(python_version)


def test_dockerfile_environment_and_port() -> None:
    instructions = _dockerfile()
    env = _env(instructions)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PORT"] == "3000"
    assert _args(instructions, "EXPOSE") == ["3000"]


def test_dockerfile_installs_the_pins_before_copying_the_code() -> None:
    instructions = _dockerfile()
    copy_pins = _index(instructions, "COPY", r"^requirements\.txt\s")
    install = _index(instructions, "RUN", r"pip install --no-cache-dir -r requirements\.txt")
    copy_code = _index(instructions, "COPY", r"^bot/?\s")
    assert copy_pins < install < copy_code


def test_dockerfile_copies_only_what_the_app_runs_on() -> None:
    sources: list[str] = []
    for rest in _args(_dockerfile(), "COPY"):
        words = [w for w in shlex.split(rest) if not w.startswith("--")]
        sources += words[:-1]
    assert sorted(sources) == ["bot/", "requirements.txt"]


def test_dockerfile_runs_bot_serve_as_a_non_root_user() -> None:
    instructions = _dockerfile()
    users = _args(instructions, "USER")
    assert users, "the image must switch to a non-root USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    cmd_at = _index(instructions, "CMD", r".")
    assert _index(instructions, "USER", re.escape(users[-1])) < cmd_at
    assert json.loads(instructions[cmd_at][1]) == ["python", "-m", "bot", "serve"]
    assert json.loads(instructions[cmd_at][1]) == WEB_COMMAND.split()  # same as the Procfile
    assert instructions[-1][0] == "CMD"


def test_dockerfile_healthcheck_asks_healthz_with_urllib() -> None:
    argv = _healthcheck_command(_dockerfile())
    assert argv[0] == "python"
    code = argv[-1]
    assert "/healthz" in code
    assert "urllib" in code
    assert "PORT" in code


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200
    paths: list[str]

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[int, type[_Health]]]:
    handler = type("Handler", (_Health,), {"paths": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _run_healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    argv = _healthcheck_command(_dockerfile())
    return subprocess.run(
        [sys.executable, *argv[1:]],
        env={"PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_healthcheck_passes_on_200_at_port(health_server: tuple[int, type[_Health]]) -> None:
    port, handler = health_server
    result = _run_healthcheck(port)
    assert result.returncode == 0, result.stderr
    assert handler.paths == ["/healthz"]


def test_healthcheck_fails_when_not_ready(health_server: tuple[int, type[_Health]]) -> None:
    port, handler = health_server
    handler.status = 503
    assert _run_healthcheck(port).returncode != 0


def test_healthcheck_fails_when_nothing_listens() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    assert _run_healthcheck(free_port).returncode != 0


def test_dockerignore_keeps_dev_files_and_secrets_out() -> None:
    entries = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    wanted = {".venv", ".git", "tests", "bench", ".env", "**/__pycache__", ".pytest_cache"}
    assert wanted <= entries, f"missing from .dockerignore: {sorted(wanted - entries)}"
    assert not {"bot", "requirements.txt"} & entries


# --- app.json (Heroku button) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_json() -> dict[str, Any]:
    return json.loads((ROOT / "app.json").read_text(encoding="utf-8"))


def test_app_json_describes_a_python_web_app(app_json: dict[str, Any]) -> None:
    assert 3 <= len(app_json["name"]) <= 30
    assert 0 < len(app_json["description"]) <= 140
    assert app_json["keywords"]
    assert all(isinstance(k, str) for k in app_json["keywords"])
    assert app_json["repository"].startswith("https://")
    assert "stack" not in app_json
    assert app_json["buildpacks"] == [{"url": "heroku/python"}]
    assert app_json["formation"] == {"web": {"quantity": 1, "size": "basic"}}
    assert set(app_json["formation"]) <= set(_procfile())


# Settings an add-on sets (Heroku Postgres sets DATABASE_URL), so the form does not ask for them.
FROM_ADDONS = {"DATABASE_URL"}


def test_app_json_env_is_exactly_the_settings(app_json: dict[str, Any]) -> None:
    settings = {name.upper() for name in Settings.model_fields}
    assert set(app_json["env"]) == settings - FROM_ADDONS


def test_app_json_offers_heroku_postgres_for_watches(app_json: dict[str, Any]) -> None:
    # The dyno's disk is wiped on every restart: watches must live in Heroku Postgres.
    plans = [addon["plan"] for addon in app_json["addons"]]
    assert [plan.partition(":")[0] for plan in plans] == ["heroku-postgresql"]
    assert app_json["addons"][0].get("as", "DATABASE") == "DATABASE"  # → DATABASE_URL


def test_app_json_marks_required_settings(app_json: dict[str, Any]) -> None:
    for name, spec in app_json["env"].items():
        assert isinstance(spec, dict), name
        assert spec.get("description", "").strip(), f"{name} needs a description"
        assert spec.get("required") is (name in REQUIRED_ENV), name
        if name in REQUIRED_ENV:
            assert "value" not in spec, f"{name} is a secret: no value in app.json"
        else:
            assert isinstance(spec.get("value"), str), f"{name} needs a string default value"


def test_app_json_holds_no_secrets(app_json: dict[str, Any]) -> None:
    for name, spec in app_json["env"].items():
        if name.endswith(("TOKEN", "SECRET")):
            assert spec.get("value", "") == "", name
    text = json.dumps(app_json)
    # The descriptions may name the prefixes (xoxb-, xapp-); a real token goes on past them.
    assert not re.search(r"xox[abprs]-\w+-|xapp-\d+-", text), "a Slack token is in app.json"


def test_app_json_says_sample_data_stands_in_for_plivo(app_json: dict[str, Any]) -> None:
    for name in ("PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN"):
        assert "PLIVO_SAMPLE_DATA" in app_json["env"][name]["description"]


def _effective(value: Any) -> Any:
    """A setting as the bot acts on it: an empty secret or string is the same as none."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return "" if value is None else value


def test_app_json_defaults_are_the_settings_defaults(
    app_json: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for name, spec in app_json["env"].items():
        if "value" in spec:
            monkeypatch.setenv(name, spec["value"])
    from_app_json = Settings(_env_file=None)  # type: ignore[call-arg]
    for field in Settings.model_fields:
        assert _effective(getattr(from_app_json, field)) == _effective(getattr(defaults, field)), (
            field.upper()
        )


# --- Python version and pins ----------------------------------------------------------------------


def test_python_version_is_3_11() -> None:
    assert (ROOT / ".python-version").read_text(encoding="utf-8").strip().startswith("3.11")


def test_exactly_one_lock_at_the_root() -> None:
    locks = [
        name for name in ("requirements.txt", "uv.lock", "poetry.lock") if (ROOT / name).is_file()
    ]
    assert locks == ["requirements.txt"]


_PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[^\s=<>!~;,*]+$")


def test_every_runtime_requirement_is_pinned() -> None:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = [line.split(" #")[0].strip() for line in lines]
    requirements = [r for r in requirements if r and not r.startswith("#")]
    assert requirements, "requirements.txt lists nothing"
    unpinned = [r for r in requirements if not _PINNED.match(r.split(";")[0].strip())]
    assert unpinned == []
