"""Logging set-up: one handler on the root logger with a filter that masks secrets and escapes control
characters in every record, and the silencing of discord.py's voice warnings (the bot never joins a voice
channel).

Escaping is done once, here, for every record: anything a user typed (an option value in a refusal, a
username) that reaches a log line can hold a newline, and a newline would let it write a second, forged line
(``interaction user=1 ... outcome=ok``). A record's message therefore stays on one line, with ``\n``, ``\r``,
``\x1b`` and the like shown escaped; tracebacks (``exc_text``) keep their lines.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

from .redaction import redact_secrets

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0/C1 controls, line and paragraph separators, and the direction marks, embeddings, overrides and isolates
that reorder what a terminal shows."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` on one line: control and reordering characters written as escapes.

    Example:
        >>> escape_controls("a\\nb\\x1b")
        'a\\\\nb\\\\x1b'
    """
    return _CONTROL.sub(_escaped, text)


class RedactingFilter(logging.Filter):
    """Masks secrets in every record (see :func:`bot.redaction.redact_secrets`), and the configured secrets
    verbatim, and escapes control characters in its message (:func:`escape_controls`)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 8]

    def redact(self, text: str) -> str:
        return redact_secrets(text, self._secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = escape_controls(self.redact(message))
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
