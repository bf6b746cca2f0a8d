"""Settings: defaults, validation, one clear line for a bad or missing variable, no secret leaks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SETTING_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_match_the_documented_table() -> None:
    s = load_settings()
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.plivo_base_url == "https://api.plivo.com"
    assert (s.plivo_timeout_s, s.plivo_max_retries, s.port) == (10.0, 3, 3000)
    assert (s.default_timezone, s.phone_region, s.page_size) == ("UTC", "US", 10)
    assert s.allowed_user_ids == frozenset() and s.allowed_channel_ids == frozenset()
    assert s.plivo_sample_data is False
    assert s.log_level == "INFO"


def test_allow_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_USER_IDS", " U1, U2 ,,U3")
    monkeypatch.setenv("ALLOWED_CHANNEL_IDS", "C1")
    s = load_settings()
    assert s.allowed_user_ids == {"U1", "U2", "U3"}
    assert s.allowed_channel_ids == {"C1"}


@pytest.mark.parametrize(
    "name",
    ["ALLOWED_USER_IDS", "ALLOWED_USERGROUP_IDS", "ALLOWED_CHANNEL_IDS", "ALLOWED_TEAM_IDS"],
)
@pytest.mark.parametrize("value", [",", ", ,", " ,,, "])
def test_a_list_naming_nobody_is_an_error_not_everyone(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"{name} is invalid: the list names no id"):
        load_settings()


def test_access_is_closed_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings()
    assert not s.grants_access and s.allow_everyone is False
    monkeypatch.setenv("ALLOWED_USERGROUP_IDS", "S0LEADS")
    assert load_settings().grants_access


def test_button_key_falls_back_to_the_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing")
    assert load_settings().button_key == "signing"
    monkeypatch.setenv("BUTTON_SECRET", "buttons")
    s = load_settings()
    assert s.button_key == "buttons" and "buttons" in s.secrets


def test_socket_mode_signs_buttons_with_the_app_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-secret")  # Socket Mode has no signing secret
    assert load_settings().button_key == "xapp-1-secret"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PAGE_SIZE=7\nDEFAULT_TIMEZONE=Europe/London\n")
    s = load_settings()
    assert (s.page_size, s.default_timezone) == (7, "Europe/London")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PAGE_SIZE", "21", "PAGE_SIZE is invalid"),
        ("PAGE_SIZE", "ten", "PAGE_SIZE is invalid"),
        ("DEFAULT_TIMEZONE", "PST", "'PST' is not an IANA time zone name"),
        ("PHONE_REGION", "XX", "'XX' is not a two-letter region code"),
        ("PLIVO_TIMEOUT_S", "-1", "PLIVO_TIMEOUT_S is invalid"),
        ("PLIVO_BASE_URL", "api.plivo.com", "is not an http(s) URL"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL is invalid"),
        ("PLIVO_SAMPLE_DATA", "perhaps", "PLIVO_SAMPLE_DATA is invalid"),
    ],
)
def test_malformed_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_credentials_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is required to serve"):
        load_settings().require("serve")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is required to serve"):
        load_settings().require("serve")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3")
    with pytest.raises(ConfigError, match=r"PLIVO_AUTH_ID is required .*PLIVO_SAMPLE_DATA=true"):
        load_settings().require("serve")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN is required to socket"):
        load_settings().require("socket")
    monkeypatch.setenv("PLIVO_SAMPLE_DATA", "true")
    with pytest.raises(ConfigError, match=r"PUBLIC_URL is required to serve .*LISTEN_MODE=upload"):
        load_settings().require("serve")
    monkeypatch.setenv("LISTEN_MODE", "upload")
    assert load_settings().require("serve").plivo_credentials[0].startswith("MA")
    monkeypatch.setenv("LISTEN_MODE", "link")
    monkeypatch.setenv("PUBLIC_URL", "https://bot.example.com/")
    settings = load_settings().require("serve")
    assert settings.public_url == "https://bot.example.com"
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    with pytest.raises(ConfigError, match="LISTEN_MODE=link needs the web server"):
        load_settings().require("socket")


def test_every_problem_is_reported_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGE_SIZE", "99")
    monkeypatch.setenv("DEFAULT_TIMEZONE", "PST")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token-secret")
    with pytest.raises(ConfigError) as info:
        load_settings("serve")
    problems = info.value.problems
    named = {p.split(" ", 1)[0]: p for p in problems}
    assert len(named) == len(problems) == 7
    assert "must start with xoxb-" in named["SLACK_BOT_TOKEN"]
    assert "less than or equal to 20" in named["PAGE_SIZE"]
    assert "'PST' is not an IANA time zone name" in named["DEFAULT_TIMEZONE"]
    for missing in ("SLACK_SIGNING_SECRET", "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PUBLIC_URL"):
        assert "is required to serve but is not set" in named[missing]
    assert all("xoxp-user-token-secret" not in p for p in problems)


@pytest.mark.parametrize(
    ("name", "value", "prefix"),
    [
        ("SLACK_BOT_TOKEN", "xapp-1-A0-123-abc", "xoxb-"),
        ("SLACK_BOT_TOKEN", "my-token", "xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-123-456", "xapp-"),
    ],
)
def test_token_shapes_are_checked(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, prefix: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    (problem,) = info.value.problems
    assert problem.startswith(f"{name} is invalid: it must start with {prefix}")
    assert value not in problem


def test_well_shaped_tokens_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0-3-def")
    monkeypatch.setenv("PLIVO_SAMPLE_DATA", "true")
    assert load_settings("socket").slack_app_token is not None


def test_secrets_never_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-very-secret-2")
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "plivo-very-secret-3")
    s = load_settings()
    shown = repr(s) + str(s) + s.model_dump_json()
    for secret in ("xoxb-very-secret-1", "signing-very-secret-2", "plivo-very-secret-3"):
        assert secret not in shown
    assert set(s.secrets) == {"xoxb-very-secret-1", "signing-very-secret-2", "plivo-very-secret-3"}


def test_entry_point_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PAGE_SIZE": "99",
        "SLACK_BOT_TOKEN": "xoxb-hidden-token",
        "SLACK_SIGNING_SECRET": "s3",
        "PLIVO_SAMPLE_DATA": "true",
        "PUBLIC_URL": "https://bot.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "PAGE_SIZE" in lines[0] and "Traceback" not in result.stderr
    assert "xoxb-hidden-token" not in result.stderr


def test_entry_point_missing_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "SLACK_SIGNING_SECRET": "s3",
            "PLIVO_SAMPLE_DATA": "true",
            "PUBLIC_URL": "https://bot.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "configuration error: SLACK_BOT_TOKEN is required to serve but is not set"
    )


def test_entry_point_lists_every_problem(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PAGE_SIZE": "0", "PHONE_REGION": "XX"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "socket"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("configuration error: ") for line in lines), result.stderr
    named = sorted(line.split(" ")[2] for line in lines)
    assert named == sorted(
        [
            "PAGE_SIZE",
            "PHONE_REGION",
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
            "PLIVO_AUTH_ID",
            "PLIVO_AUTH_TOKEN",
        ]
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_empty_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PLIVO_SAMPLE_NOW", "ALLOWED_USER_IDS", "PAGE_SIZE", "DEFAULT_TIMEZONE"):
        monkeypatch.setenv(name, "")
    s = load_settings()
    assert s.plivo_sample_now is None
    assert (s.allowed_user_ids, s.page_size, s.default_timezone) == (frozenset(), 10, "UTC")


def test_sample_now_must_be_an_aware_instant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIVO_SAMPLE_NOW", "2026-03-11T22:30:00Z")
    assert load_settings().plivo_sample_now.isoformat() == "2026-03-11T22:30:00+00:00"
    monkeypatch.setenv("PLIVO_SAMPLE_NOW", "2026-03-11 22:30")
    with pytest.raises(ConfigError, match="PLIVO_SAMPLE_NOW is invalid"):
        load_settings()
