"""Linked accounts: a Discord user's link to a panel account, with its encrypted API key."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from .connection import StorageConnection
from .records import (
    LinkedAccount,
    StorageConflictError,
    check_encrypted_key,
    check_user_id,
    from_text,
    now,
    to_text,
)

__all__ = ["LinkStore"]

_LINK_COLUMNS = (
    "discord_user_id, panel_user_id, panel_username, is_panel_admin, encrypted_key, linked_at, last_used_at, "
    "panel_user_uuid"
)
_ITER_BATCH = 200


def _row_to_link(row: sqlite3.Row | tuple[Any, ...]) -> LinkedAccount:
    linked_at = from_text(row[5])
    assert linked_at is not None
    return LinkedAccount(
        discord_user_id=int(row[0]),
        panel_user_id=None if row[1] is None else int(row[1]),
        panel_username=str(row[2]),
        is_panel_admin=bool(row[3]),
        encrypted_key=bytes(row[4]),
        linked_at=linked_at,
        last_used_at=from_text(row[6]),
        panel_user_uuid=None if row[7] is None else str(row[7]),
    )


class LinkStore(StorageConnection):
    """The ``linked_accounts`` table's methods of :class:`~bot.storage.Storage`."""

    # -- linked accounts ------------------------------------------------------------------

    async def link_account(
        self,
        discord_user_id: int,
        panel_user_id: int | None,
        panel_username: str,
        is_admin: bool,
        encrypted_key: bytes,
        *,
        panel_user_uuid: str | None = None,
    ) -> LinkedAccount:
        """Link (or re-link, replacing the previous link) a Discord user to a panel account.

        ``encrypted_key`` must come from :meth:`bot.crypto.KeyVault.encrypt`.  The panel account is
        ``panel_user_id`` and/or ``panel_user_uuid`` (at least one).  Committed before returning.  Returns the
        stored record.
        """
        check_user_id(discord_user_id)
        if panel_user_id is not None and (isinstance(panel_user_id, bool) or not isinstance(panel_user_id, int)):
            raise TypeError(f"panel_user_id must be an int or None, not {type(panel_user_id).__name__}")
        if panel_user_uuid is not None and (not isinstance(panel_user_uuid, str) or not panel_user_uuid):
            raise TypeError("panel_user_uuid must be a non-empty str or None")
        if panel_user_id is None and panel_user_uuid is None:
            raise ValueError("a link needs the panel account's id or its uuid")
        if not isinstance(panel_username, str):
            raise TypeError(f"panel_username must be a str, not {type(panel_username).__name__}")
        key = check_encrypted_key(encrypted_key)
        account = LinkedAccount(
            discord_user_id=discord_user_id,
            panel_user_id=panel_user_id,
            panel_username=panel_username,
            is_panel_admin=bool(is_admin),
            encrypted_key=key,
            linked_at=now(),
            last_used_at=None,
            panel_user_uuid=panel_user_uuid,
        )
        async with self._write() as conn:
            await conn.execute(
                f"INSERT INTO linked_accounts ({_LINK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, ?) "
                "ON CONFLICT (discord_user_id) DO UPDATE SET "
                "panel_user_id = excluded.panel_user_id, panel_username = excluded.panel_username, "
                "is_panel_admin = excluded.is_panel_admin, encrypted_key = excluded.encrypted_key, "
                "linked_at = excluded.linked_at, last_used_at = NULL, panel_user_uuid = excluded.panel_user_uuid",
                (
                    account.discord_user_id,
                    account.panel_user_id,
                    account.panel_username,
                    int(account.is_panel_admin),
                    account.encrypted_key,
                    to_text(account.linked_at),
                    account.panel_user_uuid,
                ),
            )
        return account

    async def get_link(self, discord_user_id: int) -> LinkedAccount | None:
        """The link for ``discord_user_id``, or ``None`` if the user is not linked."""
        row = await self._fetchone(
            f"SELECT {_LINK_COLUMNS} FROM linked_accounts WHERE discord_user_id = ?", (discord_user_id,)
        )
        return None if row is None else _row_to_link(row)

    async def unlink(self, discord_user_id: int, *, only: LinkedAccount | None = None) -> bool:
        """Remove the user's link.  Returns ``True`` if there was one.

        With ``only``, the link is removed only if it is still that link (:meth:`LinkedAccount.is_same_link`):
        a confirmation asked about one link never deletes the link the user made since.
        """
        params: tuple[Any, ...] = (discord_user_id,)
        sql = "DELETE FROM linked_accounts WHERE discord_user_id = ?"
        if only is not None:
            if only.discord_user_id != discord_user_id:
                raise ValueError("only= must be a link of the same Discord user")
            sql = (
                "DELETE FROM linked_accounts WHERE discord_user_id = ? AND panel_user_id IS ? "
                "AND panel_user_uuid IS ? AND linked_at = ?"
            )
            params = (discord_user_id, only.panel_user_id, only.panel_user_uuid, to_text(only.linked_at))
        async with self._write() as conn:
            cursor = await conn.execute(sql, params)
            removed = cursor.rowcount > 0
            await cursor.close()
        return removed

    async def touch_last_used(self, discord_user_id: int, *, at: datetime | None = None) -> bool:
        """Record that the user's key was just used.  Returns ``False`` if the user is not linked."""
        moment = to_text(at or now())
        async with self._write() as conn:
            cursor = await conn.execute(
                "UPDATE linked_accounts SET last_used_at = ? WHERE discord_user_id = ?",
                (moment, discord_user_id),
            )
            updated = cursor.rowcount > 0
            await cursor.close()
        return updated

    async def iter_links(self) -> AsyncIterator[LinkedAccount]:
        """Yield every link, ordered by Discord user id, fetching in small batches.

        No cursor is held open between batches, so writes may happen while iterating.
        """
        last_id = -1
        while True:
            rows = await self._fetchall(
                f"SELECT {_LINK_COLUMNS} FROM linked_accounts WHERE discord_user_id > ? "
                "ORDER BY discord_user_id LIMIT ?",
                (last_id, _ITER_BATCH),
            )
            for row in rows:
                yield _row_to_link(row)
            if len(rows) < _ITER_BATCH:
                return
            last_id = int(rows[-1][0])

    async def all_links(self) -> list[LinkedAccount]:
        """Every link, ordered by Discord user id."""
        rows = await self._fetchall(f"SELECT {_LINK_COLUMNS} FROM linked_accounts ORDER BY discord_user_id")
        return [_row_to_link(row) for row in rows]

    async def count_links(self) -> int:
        """Number of linked Discord users."""
        row = await self._fetchone("SELECT COUNT(*) FROM linked_accounts")
        return int(row[0]) if row is not None else 0

    async def replace_encrypted_keys(
        self,
        mapping: Mapping[int, bytes],
        *,
        expected: Mapping[int, bytes] | None = None,
    ) -> int:
        """Replace the encrypted key of several links in one transaction.

        :param mapping: Discord user id -> new encrypted key.  Ids that are not linked
            are skipped.
        :param expected: optional Discord user id -> encrypted key the caller read
            earlier.  If any listed row no longer holds that value (re-linked or unlinked
            meanwhile), nothing is written and :class:`StorageConflictError` is raised.
        :returns: the number of rows updated.
        """
        items = [(check_user_id(uid), check_encrypted_key(key)) for uid, key in mapping.items()]
        updated = 0
        async with self._write() as conn:
            if expected is not None:
                conflicts: list[int] = []
                for uid, old_key in expected.items():
                    async with conn.execute(
                        "SELECT encrypted_key FROM linked_accounts WHERE discord_user_id = ?", (uid,)
                    ) as cursor:
                        row = await cursor.fetchone()
                    if row is None or bytes(row[0]) != bytes(old_key):
                        conflicts.append(uid)
                if conflicts:
                    raise StorageConflictError(conflicts)
            for uid, key in items:
                cursor = await conn.execute(
                    "UPDATE linked_accounts SET encrypted_key = ? WHERE discord_user_id = ?", (key, uid)
                )
                updated += max(cursor.rowcount, 0)
                await cursor.close()
        return updated
