"""manifest.yml: valid against Slack's official manifest schema, and wired the way the bot serves.

The schema is Slack's own (slackapi/manifest-schema, draft-07), copied into
`tests/fixtures/slack-manifest-schema/` (see the README there). A missing schema fails these tests
rather than skipping them, so the validation cannot silently stop happening.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "manifest.yml"
SCHEMA_DIR = Path(__file__).resolve().parent / "fixtures" / "slack-manifest-schema"

# usergroups:read for ALLOWED_USERGROUP_IDS; files:write and im:write for files sent into a DM
# (im:write also for a watch's DM to its creator when its channel stops accepting posts).
SCOPES = {"commands", "chat:write", "users:read", "usergroups:read", "files:write", "im:write"}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_manifest() -> dict[str, Any]:
    with MANIFEST.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    assert isinstance(data, dict), "manifest.yml must be a YAML mapping"
    return data


def _schema_for(manifest: dict[str, Any]) -> dict[str, Any]:
    assert SCHEMA_DIR.is_dir(), (
        f"Slack's manifest schema is missing: expected {SCHEMA_DIR} "
        "(tests/fixtures/slack-manifest-schema, copied from slackapi/manifest-schema)"
    )
    major = manifest["_metadata"]["major_version"]
    candidates = sorted(SCHEMA_DIR.glob(f"manifest.schema.{major}.*.json"))
    assert len(candidates) == 1, f"want one schema for major version {major}, got {candidates}"
    return json.loads(candidates[0].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return _load_manifest()


@pytest.fixture(scope="module")
def validator(manifest: dict[str, Any]) -> jsonschema.Draft7Validator:
    schema = _schema_for(manifest)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _errors(validator: jsonschema.Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def test_metadata_targets_schema_version_1(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"] == {"major_version": 1, "minor_version": 1}


def test_manifest_is_valid_against_slacks_schema(
    manifest: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    assert _errors(validator, manifest) == []


def test_background_color_matches_the_schemas_regex(
    manifest: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    # The schema spells this constraint "regex", which is not a JSON Schema keyword, so the
    # validator ignores it; apply it here so a bad colour is caught before Slack rejects the paste.
    rule = validator.schema["definitions"]["app-manifests.v1.display_information.schema"]
    pattern = rule["properties"]["background_color"]["regex"]
    assert re.fullmatch(pattern, manifest["display_information"]["background_color"])


def test_display_information(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] == "Recordings"
    assert info["description"].strip()
    assert len(info["long_description"]) >= 175  # also in the schema; stated for the reader


def test_bot_user(manifest: dict[str, Any]) -> None:
    bot_user = manifest["features"]["bot_user"]
    assert bot_user["display_name"]
    assert bot_user["always_online"] is False


def test_the_only_command_is_recordings_unescaped(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/recordings"]
    command = commands[0]
    assert command["should_escape"] is False
    assert command["description"].strip()
    assert "help" in command["usage_hint"]


def test_command_and_interactivity_share_the_events_url(manifest: dict[str, Any]) -> None:
    command_url = manifest["features"]["slash_commands"][0]["url"]
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"] == command_url
    assert command_url.startswith("https://")
    assert command_url.endswith("/slack/events")


def test_bot_scopes_are_exactly_those_the_bot_uses(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}, "no user or optional scopes"
    assert sorted(scopes["bot"]) == sorted(SCOPES)  # also catches a duplicate


def test_settings_http_mode_without_org_deploy_or_rotation(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


_DELETE = object()
_COMMAND = ("features", "slash_commands", 0)

# Each case breaks a copy of the manifest at `path` (sets `value`, or deletes the key) and names
# where the schema must report it, so a validator that accepts anything cannot pass this test.
BROKEN = [
    pytest.param(("unknown_top_level_key",), True, "<root>", id="unknown-top-level-key"),
    pytest.param(
        (*_COMMAND, "description"),
        _DELETE,
        "features/slash_commands/0",
        id="command-without-description",
    ),
    pytest.param(
        (*_COMMAND, "should_escape"),
        "false",
        "features/slash_commands/0/should_escape",
        id="should-escape-not-boolean",
    ),
    pytest.param(
        (*_COMMAND, "command"),
        "recordings",
        "features/slash_commands/0/command",
        id="command-without-slash",
    ),
    pytest.param(
        ("settings", "interactivity", "request_url"),
        "YOUR-APP.example.com/slack/events",
        "settings/interactivity/request_url",
        id="request-url-without-scheme",
    ),
    pytest.param(
        ("display_information", "long_description"),
        "Too short.",
        "display_information/long_description",
        id="long-description-too-short",
    ),
    pytest.param(("display_information",), _DELETE, "<root>", id="no-display-information"),
    pytest.param(("settings", "socket_mode"), True, "settings", id="misspelt-socket-mode"),
]


@pytest.mark.parametrize(("path", "value", "where"), BROKEN)
def test_the_validator_rejects_broken_manifests(
    manifest: dict[str, Any],
    validator: jsonschema.Draft7Validator,
    path: tuple[Any, ...],
    value: Any,
    where: str,
) -> None:
    broken = copy.deepcopy(manifest)
    *parents, last = path
    node: Any = broken
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    errors = _errors(validator, broken)
    assert errors, "the validator accepted a broken manifest"
    assert any(error.startswith(f"{where}: ") for error in errors), errors
