"""Logging: one `key=value` line per event, with secrets, recording URLs and phone numbers kept out.

Every handler the bot installs carries `Redactor`, so even a library that logs a header or a URL
cannot leak the tokens in force: they are replaced before the line is written, and every phone
number in a line (the audit trail's included) keeps only its last four digits.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from bot.masking import mask_phone_numbers

_RECORDING_URL = re.compile(r"https?://\S*/Recording/\S+|https?://\S+\.(?:mp3|wav)\b", re.I)
_SLACK_TOKEN = re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+")
_HOOK_URL = re.compile(r"https://hooks\.slack\.com/\S+")

__all__ = ["Redactor", "escape_controls", "fields", "mask_phone_numbers", "setup_logging"]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_controls(text: str) -> str:
    """Control characters and line separators as visible escapes, so a line stays one line."""
    return _CONTROL.sub(_escape, text)


class Redactor(logging.Filter):
    """Rewrites each record's message so no secret, recording URL or Slack token reaches a log."""

    def __init__(self, secrets: Iterable[str] = (), *, region: str = "US") -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)
        self.region = region  # where a number written without + is read (PHONE_REGION)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        text = _SLACK_TOKEN.sub("[token]", text)
        text = _RECORDING_URL.sub("[recording-url]", text)
        text = _HOOK_URL.sub("[response-url]", text)
        # Here, not at each call site: a number in a library's message or a traceback is caught.
        return mask_phone_numbers(text, self.region)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        # One event, one line: a newline or terminal escape in text a user typed must not be able
        # to forge a log line or repaint the reader's terminal. (Tracebacks keep their lines.)
        redacted = escape_controls(self.redact(message))
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.msg, record.args = redacted, None
        return True


def fields(**values: object) -> str:
    """`key=value` pairs, values quoted when they hold spaces, in the order given."""
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        text = str(value)
        if not text or any(c in text for c in ' "='):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


def setup_logging(
    level: str = "INFO", secrets: Iterable[str] = (), *, region: str = "US", audit: bool = True
) -> Redactor:
    """Route every logger to standard error through the redactor; quiet the chattiest libraries;
    keep the audit trail (`bot.audit`) at INFO whatever `level` says (`audit=False`: at `level`,
    for the console, whose only reader is the person it would be auditing)."""
    redactor = Redactor(secrets, region=region)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    )
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # At INFO these log every request with its URL (httpx) or payload (slack_sdk at DEBUG).
    # "bot.bolt" is the logger the app hands Bolt; Bolt reads its own `level`, not the effective
    # one, to decide whether to build debug messages, so an unset level costs CPU per request.
    quiet = ("httpx", "httpcore", "slack_sdk", "slack_bolt", "bot.bolt", "asyncio")
    for noisy in (*quiet, "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # Compliance reads the audit trail: LOG_LEVEL=WARNING quietens the bot, never the trail. The
    # handler passes every level; the root's level only applies to records logged on it.
    logging.getLogger("bot.audit").setLevel(logging.INFO if audit else logging.NOTSET)
    return redactor
