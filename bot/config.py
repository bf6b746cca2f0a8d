"""Settings: every knob of the bot, read once from the environment (and an optional `.env`).

Every missing or malformed setting is reported at once: a `ConfigError` holds one line per
problem, each naming the variable and saying what is wrong; the entry points print them all and
exit with status 2.
"""

from __future__ import annotations

import zoneinfo
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import AwareDatetime, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.listen.hosts import check_public_url, parse_media_hosts

Mode = Literal["serve", "socket", "console"]

# The embedded sample API accepts exactly these credentials, so sample mode still exercises auth.
SAMPLE_AUTH_ID = "MASAMPLE0000000000AA"
SAMPLE_AUTH_TOKEN = "sample-auth-token"  # public on purpose: it only opens the fake


class ConfigError(Exception):
    """Settings are missing or malformed; `problems` holds one line per variable, fit to print."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts and value.strip():
            # `,` or `, ,` once meant "everyone"; a list that names nobody is a mistake, not a
            # way to open the bot (an empty variable is "not set", see env_ignore_empty).
            raise ValueError("the list names no id; give comma-separated ids, or unset it")
        return parts
    return value


CommaList = Annotated[frozenset[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        # An empty variable (a blank Heroku config var) means "not set", not "set to nothing".
        env_ignore_empty=True,
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    plivo_auth_id: str | None = None
    plivo_auth_token: SecretStr | None = None
    plivo_base_url: str = "https://api.plivo.com"
    plivo_sample_data: bool = False
    # With sample data: the moment to replay (a reproducible demo or test); default: live time.
    plivo_sample_now: AwareDatetime | None = None
    plivo_timeout_s: float = Field(10.0, gt=0, le=120)
    plivo_max_retries: int = Field(3, ge=0, le=10)

    port: int = Field(3000, ge=1, le=65535)
    default_timezone: str = "UTC"
    phone_region: str = "US"
    page_size: int = Field(10, ge=1, le=20)
    # Export (`/recordings export`): rows one export may hold, and exports running at once.
    export_max_rows: int = Field(50_000, ge=1, le=1_000_000)
    export_concurrency: int = Field(2, ge=1, le=10)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Numeric dates (`03/11`): the order used when a user's Slack locale does not say.
    date_order: Literal["MDY", "DMY", "YMD"] = "MDY"

    # Access (who may see recordings): closed by default, see bot/slack/access.py. The user lists
    # form one union; a channel list, when set, must also hold; ALLOW_EVERYONE opens the user side.
    allowed_user_ids: CommaList = frozenset()
    allowed_usergroup_ids: CommaList = frozenset()
    allowed_channel_ids: CommaList = frozenset()
    allow_everyone: bool = False
    # Teams or Enterprise Grid organisations, besides the bot's own, whose members may use it.
    allowed_team_ids: CommaList = frozenset()
    # `share` in a channel shared with another organisation (Slack Connect).
    allow_share_external: bool = False
    # Signed button values: the key (SLACK_SIGNING_SECRET when unset) and how long a button works.
    button_secret: SecretStr | None = None
    button_ttl_s: int = Field(30 * 24 * 3600, ge=60, le=366 * 24 * 3600)

    # Listening (▶ Listen): where listening links point, how a recording reaches the person who
    # clicked, and the only hosts recordings may be fetched from (see bot/listen/).
    public_url: str | None = None
    listen_mode: Literal["link", "upload"] | None = None
    listen_link_ttl_s: int = Field(900, ge=30, le=7 * 24 * 3600)
    listen_max_mb: int = Field(200, ge=1, le=1000)
    media_hosts: CommaList = frozenset({"media.plivo.com", "s3.amazonaws.com"})

    # Hostile traffic and heavy users (bot/run/guard.py, bot/slack/user_limits.py): open
    # connections the web server holds at most, and commands plus clicks per user a minute.
    max_connections: int = Field(500, ge=10, le=100_000)
    user_commands_per_min: int = Field(20, ge=1, le=10_000)

    # Watches and durable state: where watches, the poll's cursor and what was posted are kept,
    # and how often the one poll for all watches asks Plivo. PostgreSQL (DATABASE_URL, Heroku's
    # `postgres://` form too) is shared by every process; else SQLite in DATA_DIR, per process.
    database_url: SecretStr | None = None
    data_dir: str = "data"
    watch_interval_s: float = Field(60.0, ge=0.2, le=3600)
    watch_overlap_s: float = Field(300.0, ge=0, le=86400)

    @field_validator(
        "allowed_user_ids",
        "allowed_usergroup_ids",
        "allowed_channel_ids",
        "allowed_team_ids",
        "media_hosts",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        return _token_shape(value, "xoxb-", "the Bot User OAuth Token (OAuth & Permissions)")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        return _token_shape(value, "xapp-", "an App-Level Token (Basic Information)")

    @field_validator("media_hosts")
    @classmethod
    def _media_hosts(cls, value: frozenset[str]) -> frozenset[str]:
        parse_media_hosts(value)  # raises ValueError naming the bad entry
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return None if value is None else check_public_url(value)

    @field_validator("listen_mode", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", "date_order", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone name (e.g. America/New_York)"
            ) from None
        return value

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a two-letter region code (e.g. US, GB, IN)")
        return region

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        scheme = value.get_secret_value().partition("://")[0].lower()
        if scheme.split("+")[0] not in ("postgres", "postgresql"):
            raise ValueError(
                "must be a PostgreSQL URL (postgres://user:password@host:5432/name); "
                "leave it unset to keep state in SQLite under DATA_DIR"
            )
        return value

    @field_validator("slack_api_url", "plivo_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @property
    def plivo_credentials(self) -> tuple[str, str]:
        """The auth id and token to send: the sample pair in sample mode."""
        if self.plivo_sample_data:
            return SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
        assert self.plivo_auth_id  # checked by require()
        assert self.plivo_auth_token
        return self.plivo_auth_id, self.plivo_auth_token.get_secret_value()

    @property
    def secrets(self) -> list[str]:
        """Every secret value in force, for the log filter that keeps them out of logs."""
        values = [self.slack_bot_token, self.slack_signing_secret, self.slack_app_token]
        values += [self.plivo_auth_token, self.button_secret, self.database_url]
        return [v.get_secret_value() for v in values if v and v.get_secret_value()]

    @property
    def grants_access(self) -> bool:
        """Whether any access setting is given; with none, the bot answers nobody."""
        return bool(
            self.allow_everyone
            or self.allowed_user_ids
            or self.allowed_usergroup_ids
            or self.allowed_channel_ids
        )

    @property
    def button_key(self) -> str | None:
        """The secret button values are signed with: BUTTON_SECRET, else SLACK_SIGNING_SECRET
        (else, in Socket Mode, which has no signing secret, SLACK_APP_TOKEN)."""
        for secret in (self.button_secret, self.slack_signing_secret, self.slack_app_token):
            if secret is not None and secret.get_secret_value():
                return secret.get_secret_value()
        return None

    def require(self, mode: Mode) -> Settings:
        """Check what `mode` needs; raise `ConfigError` naming every missing variable."""
        problems = self.missing(mode)
        if problems:
            raise ConfigError(problems)
        return self

    def missing(self, mode: Mode, *, skip: frozenset[str] = frozenset()) -> list[str]:
        """One line for each variable `mode` needs and does not have (but those in `skip`)."""
        needed: list[tuple[str, object]] = []
        if mode in ("serve", "socket"):
            needed.append(("SLACK_BOT_TOKEN", self.slack_bot_token))
        if mode == "serve":
            needed.append(("SLACK_SIGNING_SECRET", self.slack_signing_secret))
        if mode == "socket":
            needed.append(("SLACK_APP_TOKEN", self.slack_app_token))
        if not self.plivo_sample_data:
            needed.append(("PLIVO_AUTH_ID", self.plivo_auth_id))
            needed.append(("PLIVO_AUTH_TOKEN", self.plivo_auth_token))
        if mode == "serve" and self.listen_mode != "upload":
            needed.append(("PUBLIC_URL", self.public_url))
        problems = []
        if mode == "socket" and self.listen_mode == "link" and "LISTEN_MODE" not in skip:
            problems.append(
                "LISTEN_MODE=link needs the web server (python -m bot serve) to serve the "
                "links; in Socket Mode unset it or set LISTEN_MODE=upload"
            )
        for name, value in needed:
            if name in skip:
                continue
            if not value or (isinstance(value, SecretStr) and not value.get_secret_value()):
                hint = _HINTS.get(name.split("_")[0], "")
                problems.append(f"{name} is required to {mode} but is not set{hint}")
        return problems


_HINTS = {
    "PLIVO": " (or set PLIVO_SAMPLE_DATA=true to run on built-in sample data)",
    "PUBLIC": (
        " (the bot's own https address, e.g. https://my-recordings.herokuapp.com, for ▶ Listen "
        "links; or set LISTEN_MODE=upload to send recordings to people's DMs instead)"
    ),
}


def _token_shape(value: SecretStr | None, prefix: str, what: str) -> SecretStr | None:
    # Only the prefix is ever quoted back: the rest of a token is a secret.
    if (
        value is not None
        and value.get_secret_value()
        and not value.get_secret_value().startswith(prefix)
    ):
        raise ValueError(f"it must start with {prefix} ({what}); copy it again from Slack")
    return value


def load_settings(mode: Mode | None = None, **overrides: object) -> Settings:
    """Read the settings (and check what `mode` needs, if given); raise one `ConfigError` listing
    every malformed and every missing variable, so one run shows all there is to fix."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems: list[str] = []
        broken: dict[str, object] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            problems.append(_describe(field, error))
            if field in Settings.model_fields:
                broken[field] = Settings.model_fields[field].get_default()
        if mode is not None:
            try:  # the rest, with the broken ones at their defaults, for what is missing too
                rest = Settings(**{**overrides, **broken})  # type: ignore[arg-type]
            except ValidationError:
                rest = None
            if rest is not None:
                skip = frozenset(name.upper() for name in broken)
                problems.extend(rest.missing(mode, skip=skip))
        raise ConfigError(problems) from None
    if mode is not None:
        settings.require(mode)
    return settings


def _describe(field: str, error: Any) -> str:
    name = field.upper() or "settings"
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    hidden = (
        name.endswith(("TOKEN", "SECRET"))
        or name == "DATABASE_URL"  # it holds a password
        or given is None
        or isinstance(given, dict)
        or repr(given) in message  # the validator quoted it already
    )
    shown = "" if hidden else f" (got {given!r})"
    return f"{name} is invalid: {message}{shown}"
