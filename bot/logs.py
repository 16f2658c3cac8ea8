"""Logging set-up: one handler on the root logger with a filter that masks secrets in every record, and the
silencing of discord.py's voice warnings (the bot never joins a voice channel)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from .redaction import redact_secrets


class RedactingFilter(logging.Filter):
    """Masks secrets in every record (see :func:`bot.redaction.redact_secrets`), and the configured secrets
    verbatim."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 8]

    def redact(self, text: str) -> str:
        return redact_secrets(text, self._secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = self.redact(message)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        record.msg, record.args = cleaned, None
        return True


class _VoiceWarningFilter(logging.Filter):
    """Drops discord.py's start-up warnings that the optional voice libraries are missing ("PyNaCl is not
    installed, voice will NOT be supported", the same for davey): the bot never uses voice, so they only
    make an operator look for a problem that does not exist."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        return not message.endswith("voice will NOT be supported")


_VOICE_FILTER = _VoiceWarningFilter()


def quiet_voice_warnings() -> None:
    """Installs the voice-warning filter on ``discord.client`` (the logger discord.py warns on, when a client
    is created). Idempotent."""
    logger = logging.getLogger("discord.client")
    if _VOICE_FILTER not in logger.filters:
        logger.addFilter(_VOICE_FILTER)


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
    quiet_voice_warnings()
    return handler
