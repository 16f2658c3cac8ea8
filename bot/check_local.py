"""The checks of ``python -m bot check`` that look at this machine: ``/admin``'s guilds, ``DATA_DIR``, the
encryption key and where it is kept, and the database with the stored keys it holds."""

from __future__ import annotations

import logging
from typing import Any

from .check_report import CheckReport, Status
from .config import BotConfig

__all__ = ["check_admin", "check_data_dir", "check_database", "check_key_location", "load_vault"]


def check_data_dir(report: CheckReport, config: BotConfig) -> bool:
    from .datadir import DataDirError, ensure_writable, used_directories

    for directory in used_directories(config):
        try:
            ensure_writable(directory)
        except DataDirError as exc:
            report.add("data directory", Status.FAIL, str(exc))
            return False
        report.add("data directory", Status.OK, f"{directory.resolve()} is writable")
    return True


def check_admin(report: CheckReport, config: BotConfig) -> None:
    from .admin_gate import ADMIN_NEEDS_GUILD_IDS, admin_enabled

    if admin_enabled(config.guild_ids):
        count = len(config.guild_ids)
        report.add("/admin", Status.OK, f"/admin is on in {count} guild(s) of GUILD_IDS")
    else:
        report.add("/admin", Status.WARN, ADMIN_NEEDS_GUILD_IDS)


def check_key_location(report: CheckReport, config: BotConfig) -> None:
    from .datadir import key_beside_database

    warning = key_beside_database(config)
    if warning:
        report.add("key storage", Status.WARN, warning)


def load_vault(report: CheckReport, config: BotConfig) -> tuple[Any, bool]:
    """``(vault or None, ok)``. Never creates a key file."""
    from .crypto import SECRET_KEY_FILENAME, KeyVaultError, load_key_vault

    quiet = logging.getLogger("bot.check.vault")
    quiet.disabled = True  # load_key_vault warns about the key file; the report says it instead
    if config.encryption_keys:
        try:
            vault = load_key_vault(list(config.encryption_keys), config.data_dir, quiet)
        except KeyVaultError as exc:
            report.add("encryption key", Status.FAIL, str(exc))
            return None, False
        report.add("encryption key", Status.OK, f"ENCRYPTION_KEY holds {vault.key_count} valid key(s)")
        return vault, True
    key_file = config.data_dir / SECRET_KEY_FILENAME
    if not key_file.exists():
        report.add(
            "encryption key",
            Status.WARN,
            f"ENCRYPTION_KEY is not set and {key_file} does not exist: the bot will generate a key there at "
            "first start. Set ENCRYPTION_KEY yourself (and back it up) to keep linked keys readable.",
        )
        return None, True
    try:
        vault = load_key_vault([], config.data_dir, quiet)
    except KeyVaultError as exc:
        report.add("encryption key", Status.FAIL, str(exc))
        return None, False
    report.add(
        "encryption key",
        Status.WARN,
        f"ENCRYPTION_KEY is not set: using the key in {key_file}. Set ENCRYPTION_KEY explicitly and back it up.",
    )
    return vault, True


async def check_database(report: CheckReport, config: BotConfig, vault: Any, vault_ok: bool) -> None:
    from .migrations import SchemaVersionError
    from .rotate_keys import verify_keys
    from .storage import Storage, StorageError

    path = config.database_path
    existed = path.exists()
    try:
        async with Storage.open(path) as storage:
            version = await storage.schema_version()
            count = await storage.count_links()
            created = "created" if not existed else "opens"
            report.add("database", Status.OK, f"{path} {created} (schema version {version}, {count} linked account(s))")
            if not vault_ok:
                report.add("stored keys", Status.SKIP, "not checked: the encryption key is not usable")
                return
            if vault is None:
                if count:
                    report.add(
                        "stored keys",
                        Status.FAIL,
                        f"{count} panel key(s) are stored but there is no ENCRYPTION_KEY and no key file: they "
                        "cannot be decrypted. Set ENCRYPTION_KEY to the key they were encrypted with.",
                    )
                else:
                    report.add("stored keys", Status.OK, "no stored keys yet")
                return
            failed = await verify_keys(storage, vault)
    except (StorageError, SchemaVersionError) as exc:
        report.add("database", Status.FAIL, str(exc))
        return
    if failed:
        shown = ", ".join(str(i) for i in failed[:10]) + (f" and {len(failed) - 10} more" if len(failed) > 10 else "")
        report.add(
            "stored keys",
            Status.FAIL,
            f"{len(failed)} of {count} stored panel key(s) cannot be decrypted with the configured key "
            f"(Discord user ids: {shown}): ENCRYPTION_KEY is wrong or missing the key they were encrypted with "
            "(add it after the current key, comma-separated). The bot refuses to start like this.",
        )
    else:
        report.add("stored keys", Status.OK, f"all {count} stored panel key(s) decrypt")
