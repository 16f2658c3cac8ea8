"""Recording admin and destructive actions in the audit log, with their outcome."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord

from .storage import Storage


@asynccontextmanager
async def audited(
    storage: Storage,
    interaction: discord.Interaction[Any],
    action: str,
    target: str,
    detail: str | None = None,
) -> AsyncIterator[None]:
    """Records ``action`` on ``target`` for the invoking user: ``ok`` when the block finishes, or
    ``failed: <ErrorType>`` when it raises (the error is re-raised for the tree's handler).

    Example:
        >>> async with audited(bot.storage, interaction, "backup.delete", "server 1a2b3c4d"):  # doctest: +SKIP
        ...     await api.client.servers.backups.delete_backup(...)
    """
    try:
        yield
    except BaseException as exc:
        await storage.add_audit(
            action,
            discord_user_id=interaction.user.id,
            target=target,
            outcome=f"failed: {type(exc).__name__}",
            detail=detail,
        )
        raise
    await storage.add_audit(action, discord_user_id=interaction.user.id, target=target, outcome="ok", detail=detail)
