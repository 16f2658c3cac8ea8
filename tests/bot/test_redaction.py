"""One set of secret patterns serves the log filter and the audit log."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.logs import RedactingFilter
from bot.redaction import redact_secrets
from bot.storage import Storage

LEGACY_KEY = "A1b2C3d4" * 6
PREFIXED_KEY = "ptlc_" + "Zz9" * 14 + "x"
FERNET_TOKEN = "gAAAAABl" + "Q" * 60 + "=="
DISCORD_TOKEN = "MTAx" + "a" * 20 + ".GhIjKl." + "b" * 30
SECRETS = (LEGACY_KEY, PREFIXED_KEY, FERNET_TOKEN, DISCORD_TOKEN)


def test_every_kind_is_masked() -> None:
    text = " | ".join([*SECRETS, "Bearer " + "c" * 30])
    cleaned = redact_secrets(text)
    assert not any(secret in cleaned for secret in SECRETS) and "c" * 30 not in cleaned
    assert cleaned.count("[redacted]") == 5 and "Bearer [redacted]" in cleaned
    assert redact_secrets("server 1a2b3c4d restarted") == "server 1a2b3c4d restarted"
    assert redact_secrets("token s3cretvalue here", ["s3cretvalue"]) == "token [redacted] here"


def test_log_filter_masks_legacy_keys_and_ciphertexts() -> None:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "linked %s with %s", (LEGACY_KEY, FERNET_TOKEN), None)
    RedactingFilter().filter(record)
    assert LEGACY_KEY not in record.getMessage() and FERNET_TOKEN not in record.getMessage()


async def test_audit_log_masks_discord_tokens(tmp_path: Path) -> None:
    async with Storage.open(tmp_path / "bot.db") as storage:
        await storage.add_audit("test", target=f"pasted {DISCORD_TOKEN}", detail=f"and {PREFIXED_KEY}")
        entry = (await storage.recent_audit(1))[0]
    assert DISCORD_TOKEN not in (entry.target or "") and PREFIXED_KEY not in (entry.detail or "")
