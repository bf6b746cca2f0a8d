"""Log lines: secrets, Slack tokens, recording URLs and full phone numbers never reach them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logs import Redactor, fields, mask_phone_numbers, setup_logging


def _capture(redactor: Redactor) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(redactor)
    logger = logging.getLogger(f"test.logs.{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_known_secrets_tokens_and_urls_are_redacted() -> None:
    logger, stream = _capture(Redactor(["plivo-secret-token-9"]))
    logger.info("auth %s", "plivo-secret-token-9")
    logger.info("token xoxb-123-456-abc and xapp-1-A1-xyz")
    logger.info("url https://media.plivo.com/v1/Account/MA1/Recording/abc.mp3 done")
    logger.info("hook https://hooks.slack.com/commands/T1/2/abc")
    out = stream.getvalue()
    for leaked in ("plivo-secret-token-9", "xoxb-123", "xapp-1", "media.plivo.com", "hooks.slack"):
        assert leaked not in out
    assert out.count("[secret]") == 1 and out.count("[token]") == 2
    assert "[recording-url]" in out and "[response-url]" in out


def test_exception_text_is_redacted_too() -> None:
    logger, stream = _capture(Redactor(["s3cr3t-value"]))
    try:
        raise RuntimeError("failed with s3cr3t-value")
    except RuntimeError:
        logger.exception("boom")
    assert "s3cr3t-value" not in stream.getvalue()
    assert "RuntimeError" in stream.getvalue()


def test_phone_numbers_keep_only_last_four_digits() -> None:
    assert mask_phone_numbers("from *+14155550100* to +44 20 7183 8750") == (
        "from *…0100* to …8750"
    )
    assert mask_phone_numbers("limit 20 since 2026") == "limit 20 since 2026"


def test_fields_quotes_values_with_spaces() -> None:
    assert fields(a=1, b="x y", c=None, d='q"') == 'a=1 b="x y" d="q\\""'


@pytest.fixture
def restored_logging() -> Iterator[None]:
    names = ("", "bot.bolt", "bot.slack.listeners", "slack_bolt", "httpx", "bot.audit")
    saved = {
        name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers))
        for name in names
    }
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers = handlers


@pytest.mark.usefixtures("restored_logging")
def test_setup_logging_keeps_the_bot_at_its_level_and_quiets_the_libraries() -> None:
    setup_logging("INFO")
    assert logging.getLogger("bot.slack.listeners").isEnabledFor(logging.INFO)
    for name in ("bot.bolt", "slack_bolt", "httpx"):
        logger = logging.getLogger(name)
        assert not logger.isEnabledFor(logging.INFO) and logger.isEnabledFor(logging.WARNING)
    # Bolt decides whether to build its debug messages from the logger's own level.
    assert logging.getLogger("bot.bolt").level > logging.DEBUG


@pytest.mark.usefixtures("restored_logging")
@pytest.mark.parametrize("level", ["WARNING", "ERROR", "CRITICAL"])
def test_the_audit_trail_stays_at_info_whatever_the_level(level: str) -> None:
    setup_logging(level)
    assert logging.getLogger("bot.audit").isEnabledFor(logging.INFO)
    assert not logging.getLogger("bot.slack.listeners").isEnabledFor(logging.INFO)


def test_the_redactor_masks_phone_numbers_in_every_line() -> None:
    logger, stream = _capture(Redactor(region="US"))
    logger.info("a library said: dialled +14155550100, then 415-555-0199")
    logger.info('{"event":"page.shown","filters":{"from_number":"+442079460101"}}')
    try:
        raise ValueError("bad number (415) 555-0123")
    except ValueError:
        logger.exception("failed")
    out = stream.getvalue()
    for full in ("4155550100", "555-0199", "2079460101", "555-0123"):
        assert full not in out
    for kept in ("…0100", "…0199", "…0101", "…0123"):
        assert kept in out
