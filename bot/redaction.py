"""Masking secrets in text: the one set of patterns the log filter, the audit log and ``check`` use."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[redacted]"

SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    # panel API keys with a prefix (Pterodactyl/Jexactyl ptlc_/ptla_, Pelican pacc_/papp_)
    re.compile(r"(?:ptl[ac]|pacc|papp)_[A-Za-z0-9]{8,}"),
    # Fernet tokens: the bot's own ciphertexts of stored keys
    re.compile(r"gAAAAA[A-Za-z0-9_\-]{20,}={0,2}"),
    # legacy panel keys: 48 letters and digits with no prefix
    re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{48}(?![A-Za-z0-9])"),
    # Discord bot tokens
    re.compile(r"\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}\b"),
    # whatever follows "Bearer" (the prefix is kept)
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_.-]{20,}"),
)


def redact_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets (verbatim, 8 characters or more) and anything shaped like a panel
    key, a Fernet token, a Discord token or a bearer credential replaced by ``[redacted]``.

    Example:
        >>> redact_secrets("key ptlc_abcdefghijklmnop")
        'key [redacted]'
    """
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, MASK)
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + MASK, text)
    return text
