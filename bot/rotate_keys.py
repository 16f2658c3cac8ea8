"""Re-encrypt stored panel API keys with the first ``ENCRYPTION_KEY``, and check keys at start-up.

Rotation procedure for operators (the README gives the same steps):

1. Stop the bot (``rotate-keys`` refuses while a bot holds the data directory's lock).
2. Generate a new key and put it *first* in ``ENCRYPTION_KEY``, keeping the old key(s)
   after it: ``ENCRYPTION_KEY=<new>,<old>``.
3. Run ``python -m bot rotate-keys``.
4. Remove the old key(s) from ``ENCRYPTION_KEY``, then start the bot.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.config import BotConfig
from bot.crypto import SECRET_KEY_FILENAME, KeyDecryptError, KeyVault
from bot.datadir import DataDirLock
from bot.storage import Storage, StorageConflictError

__all__ = [
    "KeyRotationError",
    "KeyVerificationError",
    "ensure_keys_decryptable",
    "rotate_keys",
    "verify_keys",
]

_log = logging.getLogger(__name__)
_CONFLICT_RETRIES = 3


def _format_ids(ids: list[int], limit: int = 20) -> str:
    shown = ", ".join(str(i) for i in ids[:limit])
    if len(ids) > limit:
        shown += f" and {len(ids) - limit} more"
    return shown


def _undecryptable_hint() -> str:
    return (
        "add the key they were encrypted with to ENCRYPTION_KEY (comma-separated, after the current key; "
        f"if the bot previously ran without ENCRYPTION_KEY, that key is in DATA_DIR/{SECRET_KEY_FILENAME})"
    )


class KeyRotationError(RuntimeError):
    """Key rotation was refused or aborted; the database was left unchanged."""

    def __init__(self, message: str, affected_user_ids: list[int] | None = None) -> None:
        self.affected_user_ids: list[int] = sorted(affected_user_ids or [])
        super().__init__(message)


class KeyVerificationError(RuntimeError):
    """Some stored API keys cannot be decrypted with the configured ``ENCRYPTION_KEY``."""

    def __init__(self, affected_user_ids: list[int], total: int) -> None:
        self.affected_user_ids: list[int] = sorted(affected_user_ids)
        self.total = total
        super().__init__(
            f"{len(self.affected_user_ids)} of {total} stored panel API keys cannot be decrypted with the "
            f"configured ENCRYPTION_KEY (Discord user ids: {_format_ids(self.affected_user_ids)}). "
            f"The key is probably wrong or missing: {_undecryptable_hint()}. "
            "Refusing to start so that no links are lost."
        )


async def verify_keys(storage: Storage, vault: KeyVault) -> list[int]:
    """Discord user ids whose stored API key cannot be decrypted by ``vault`` (sorted)."""
    failed: list[int] = []
    async for account in storage.iter_links():
        if not vault.can_decrypt(account.encrypted_key):
            failed.append(account.discord_user_id)
    return failed


async def ensure_keys_decryptable(storage: Storage, vault: KeyVault) -> None:
    """Start-up check: raise a clear error if *any* stored key cannot be decrypted.

    :raises KeyVerificationError: naming the affected Discord user ids.
    """
    failed = await verify_keys(storage, vault)
    if failed:
        raise KeyVerificationError(failed, await storage.count_links())


async def _rotate_once(storage: Storage, vault: KeyVault) -> int:
    accounts = await storage.all_links()
    new_keys: dict[int, bytes] = {}
    failed: list[int] = []
    for account in accounts:
        try:
            new_keys[account.discord_user_id] = vault.rotate(account.encrypted_key)
        except KeyDecryptError:
            failed.append(account.discord_user_id)
    if failed:
        raise KeyRotationError(
            f"key rotation aborted and nothing was changed: the stored API keys of {len(failed)} "
            f"Discord user(s) cannot be decrypted with any configured ENCRYPTION_KEY "
            f"(Discord user ids: {_format_ids(sorted(failed))}); {_undecryptable_hint()}, "
            "or have those users unlink and link again",
            failed,
        )
    expected = {account.discord_user_id: account.encrypted_key for account in accounts}
    return await storage.replace_encrypted_keys(new_keys, expected=expected)


async def rotate_keys(config: BotConfig) -> int:
    """Re-encrypt every stored API key with the first ``ENCRYPTION_KEY``.

    All keys are re-encrypted in a single transaction.  If any stored key cannot be
    decrypted with the configured keys, nothing is changed.

    :returns: the number of re-encrypted keys.
    :raises KeyRotationError: if ``ENCRYPTION_KEY`` is unset, the database does not
        exist, or some keys cannot be decrypted (``affected_user_ids`` lists them).
    :raises bot.datadir.DataDirLockedError: a bot is running on this data directory.
    """
    if not config.encryption_keys:
        raise KeyRotationError(
            "ENCRYPTION_KEY is not set: put the new key first and the old key(s) after it, comma-separated "
            f"(the auto-generated key, if any, is in DATA_DIR/{SECRET_KEY_FILENAME})"
        )
    path = config.database_path
    if not path.is_file():
        raise KeyRotationError(f"no database found at {str(path)!r}: check DATA_DIR / DATABASE_URL (nothing to rotate)")
    vault = KeyVault(list(config.encryption_keys))
    with DataDirLock(config, "rotate-keys"):
        return await _rotate_all(path, vault)


async def _rotate_all(path: Path, vault: KeyVault) -> int:
    async with Storage.open(path) as storage:
        for attempt in range(1, _CONFLICT_RETRIES + 1):
            try:
                count = await _rotate_once(storage, vault)
            except StorageConflictError:
                if attempt == _CONFLICT_RETRIES:
                    raise KeyRotationError(
                        "key rotation aborted: linked accounts kept changing while rotating; stop the bot and try again"
                    ) from None
                _log.info("Linked accounts changed during key rotation; retrying (attempt %d)", attempt + 1)
                continue
            _log.info("Re-encrypted %d stored API key(s) with the primary ENCRYPTION_KEY", count)
            return count
    raise AssertionError("unreachable")  # pragma: no cover
