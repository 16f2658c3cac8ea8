"""Recording admin and destructive actions in the audit log, with their outcome.

Every audit write of the bot goes through :func:`record_audit`, which never raises: when the entry cannot be
written (another writer holds the database's lock beyond the busy timeout, the disk is full...), the action
has usually already happened on the panel, so the user is told what happened as usual, and the gap in the
audit log is logged at ERROR with the action, its target and the user, for the operator to see. (The detail,
a console command for instance, is not put in the log: it can hold a password, and the log goes further than
the database.)
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord

from .storage import Storage, StorageError

__all__ = ["audited", "record_audit"]

log = logging.getLogger("bot.audit")


async def record_audit(
    storage: Storage,
    action: str,
    *,
    discord_user_id: int | None,
    target: str | None,
    outcome: str = "ok",
    detail: str | None = None,
) -> bool:
    """Appends an audit entry; ``False`` (and an ERROR line) when it could not be written. Never raises for
    a database failure.

    Example:
        >>> await record_audit(bot.storage, "server.power", discord_user_id=1, target="1a2b3c4d", detail="start")
        True
    """
    try:
        await storage.add_audit(action, discord_user_id=discord_user_id, target=target, outcome=outcome, detail=detail)
    except (sqlite3.Error, StorageError) as exc:
        log.error(
            "audit log gap: could not record %s on %s by user %s (outcome %s): %s: %s",
            action,
            target,
            discord_user_id,
            outcome,
            type(exc).__name__,
            exc,
        )
        return False
    return True


@asynccontextmanager
async def audited(
    storage: Storage,
    interaction: discord.Interaction[Any],
    action: str,
    target: str,
    detail: str | None = None,
) -> AsyncIterator[None]:
    """Records ``action`` on ``target`` for the invoking user: ``ok`` when the block finishes, or
    ``failed: <ErrorType>`` when it raises (the error is re-raised for the tree's handler). The record itself
    never raises (see :func:`record_audit`).

    Example:
        >>> async with audited(bot.storage, interaction, "backup.delete", "server 1a2b3c4d"):  # doctest: +SKIP
        ...     await api.client.servers.backups.delete_backup(...)
    """
    try:
        yield
    except BaseException as exc:
        await record_audit(
            storage,
            action,
            discord_user_id=interaction.user.id,
            target=target,
            outcome=f"failed: {type(exc).__name__}",
            detail=detail,
        )
        raise
    await record_audit(storage, action, discord_user_id=interaction.user.id, target=target, outcome="ok", detail=detail)
