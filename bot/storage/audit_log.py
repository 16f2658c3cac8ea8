"""The audit log: who did what to which server, scrubbed of secrets."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.redaction import redact_secrets

from .connection import StorageConnection
from .records import AuditEntry, from_text, now, to_text

__all__ = ["AuditLog"]

_AUDIT_COLUMNS = "id, at, discord_user_id, action, target, outcome, detail"
_MAX_AUDIT_TEXT = 1000


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = redact_secrets(str(value))
    if len(cleaned) > _MAX_AUDIT_TEXT:
        cleaned = cleaned[: _MAX_AUDIT_TEXT - 1] + "…"
    return cleaned


def _row_to_audit(row: sqlite3.Row | tuple[Any, ...]) -> AuditEntry:
    at = from_text(row[1])
    assert at is not None
    return AuditEntry(
        id=int(row[0]),
        at=at,
        discord_user_id=None if row[2] is None else int(row[2]),
        action=str(row[3]),
        target=row[4],
        outcome=str(row[5]),
        detail=row[6],
    )


class AuditLog(StorageConnection):
    """The ``audit_log`` table's methods of :class:`~bot.storage.Storage`."""

    # -- audit log ------------------------------------------------------------------------

    async def add_audit(
        self,
        action: str,
        *,
        discord_user_id: int | None = None,
        target: str | None = None,
        outcome: str = "ok",
        detail: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Append an audit entry and return its id.

        ``target`` and ``detail`` are scrubbed of anything that looks like an API key or
        a ciphertext, and truncated to 1000 characters.  Never pass secrets here anyway.
        """
        if not action:
            raise ValueError("audit action must not be empty")
        async with self._write() as conn:
            cursor = await conn.execute(
                "INSERT INTO audit_log (at, discord_user_id, action, target, outcome, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    to_text(at or now()),
                    discord_user_id,
                    _clean_text(action),
                    _clean_text(target),
                    _clean_text(outcome) or "",
                    _clean_text(detail),
                ),
            )
            entry_id = cursor.lastrowid
            await cursor.close()
        assert entry_id is not None
        return int(entry_id)

    async def recent_audit(self, limit: int = 50, *, discord_user_id: int | None = None) -> list[AuditEntry]:
        """The newest ``limit`` audit entries (optionally for one user), newest first."""
        if limit <= 0:
            return []
        if discord_user_id is None:
            rows = await self._fetchall(f"SELECT {_AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = await self._fetchall(
                f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE discord_user_id = ? ORDER BY id DESC LIMIT ?",
                (discord_user_id, limit),
            )
        return [_row_to_audit(row) for row in rows]

    async def prune_audit(self, older_than: datetime) -> int:
        """Delete audit entries recorded before ``older_than``; returns how many."""
        async with self._write() as conn:
            cursor = await conn.execute("DELETE FROM audit_log WHERE at < ?", (to_text(older_than),))
            removed = max(cursor.rowcount, 0)
            await cursor.close()
        return removed
