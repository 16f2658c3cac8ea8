"""Logging set-up: one handler on the root logger with a filter that masks secrets in every record."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

SECRET_PATTERNS = (
    re.compile(r"\b(?:ptl[ac]|pacc|papp)_[A-Za-z0-9]{20,}"),
    re.compile(r"\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}\b"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_.-]{20,}"),
)
MASK = "[redacted]"


class RedactingFilter(logging.Filter):
    """Masks anything shaped like a panel key or a Discord token, and the configured secrets verbatim."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 8]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        for pattern in SECRET_PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = self.redact(message)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str, secrets: Iterable[str] = (), stream: object = None) -> logging.Handler:
    """Configures the root logger for the bot process (the bot is an application; the library never does
    this) and returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLevelName(level)))
    return handler
