"""The stored boards and alerts (tables ``boards`` and ``alerts``, migration 3), so they resume after a restart
editing the same messages.

:class:`WatchStore` runs its statements through :class:`~bot.storage.Storage`'s serialised write transaction
(``Storage.write``) and read helpers, so its writes commit before they return like every other write of the
bot. Nothing secret is stored here: a board or an alert names its owner (a Discord user id), never a key.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from bot.storage import Storage

__all__ = ["AlertRow", "BoardRow", "WatchStore"]

BoardKind = Literal["server", "overview"]

_BOARD_COLUMNS = "id, guild_id, channel_id, message_id, owner_id, kind, server_id, server_name, created_at, paused"
_ALERT_COLUMNS = "id, guild_id, channel_id, owner_id, server_id, server_name, role_id, created_at, paused"


@dataclass(frozen=True, slots=True)
class BoardRow:
    """A status board: one public message the bot keeps current.

    Attributes:
        kind: ``server`` (one server) or ``overview`` (every server the owner's key sees).
        server_id: The panel identifier (``None`` for an overview).
        server_name: The name when the board was made (shown until the panel's details are read).
        paused: Why the bot stopped editing it (a missing Discord permission), else ``None``.
    """

    id: int
    guild_id: int
    channel_id: int
    message_id: int
    owner_id: int
    kind: BoardKind
    server_id: str | None
    server_name: str
    created_at: datetime
    paused: str | None = None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert: the bot posts in ``channel_id`` when ``server_id`` crashes, comes back, cannot be watched, or
    fills its disk; mentioning ``role_id`` if set.

    Attributes:
        paused: Why the bot cannot post (a missing Discord permission), else ``None``.
    """

    id: int
    guild_id: int
    channel_id: int
    owner_id: int
    server_id: str
    server_name: str
    role_id: int | None
    created_at: datetime
    paused: str | None = None


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _board(row: sqlite3.Row | tuple[Any, ...]) -> BoardRow:
    return BoardRow(
        id=int(row[0]),
        guild_id=int(row[1]),
        channel_id=int(row[2]),
        message_id=int(row[3]),
        owner_id=int(row[4]),
        kind="overview" if row[5] == "overview" else "server",
        server_id=None if row[6] is None else str(row[6]),
        server_name=str(row[7]),
        created_at=_moment(str(row[8])),
        paused=row[9],
    )


def _alert(row: sqlite3.Row | tuple[Any, ...]) -> AlertRow:
    return AlertRow(
        id=int(row[0]),
        guild_id=int(row[1]),
        channel_id=int(row[2]),
        owner_id=int(row[3]),
        server_id=str(row[4]),
        server_name=str(row[5]),
        role_id=None if row[6] is None else int(row[6]),
        created_at=_moment(str(row[7])),
        paused=row[8],
    )


class WatchStore:
    """Boards and alerts in the bot's database.

    Args:
        storage: The open database.

    Example:
        >>> store = WatchStore(bot.storage)  # doctest: +SKIP
        >>> boards = await store.boards()  # doctest: +SKIP
    """

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    # ------------------------------------------------------------------ boards

    async def add_board(
        self,
        *,
        guild_id: int,
        channel_id: int,
        message_id: int,
        owner_id: int,
        kind: BoardKind,
        server_id: str | None,
        server_name: str,
    ) -> BoardRow:
        """Stores a board whose message was just posted; returns it."""
        created = _now_text()
        async with self._storage.write() as conn:
            cursor = await conn.execute(
                "INSERT INTO boards (guild_id, channel_id, message_id, owner_id, kind, server_id, server_name, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, channel_id, message_id, owner_id, kind, server_id, server_name, created),
            )
            board_id = cursor.lastrowid
            await cursor.close()
        assert board_id is not None
        return BoardRow(
            int(board_id), guild_id, channel_id, message_id, owner_id, kind, server_id, server_name, _moment(created)
        )

    async def boards(self, guild_id: int | None = None) -> list[BoardRow]:
        """Every board (of one guild), oldest first."""
        if guild_id is None:
            rows = await self._storage.fetchall(f"SELECT {_BOARD_COLUMNS} FROM boards ORDER BY id")
        else:
            rows = await self._storage.fetchall(
                f"SELECT {_BOARD_COLUMNS} FROM boards WHERE guild_id = ? ORDER BY id", (guild_id,)
            )
        return [_board(row) for row in rows]

    async def board(self, board_id: int) -> BoardRow | None:
        """One board, or ``None``."""
        row = await self._storage.fetchone(f"SELECT {_BOARD_COLUMNS} FROM boards WHERE id = ?", (board_id,))
        return None if row is None else _board(row)

    async def remove_board(self, board_id: int) -> bool:
        """Forgets a board; ``True`` if it existed."""
        return await self._delete("DELETE FROM boards WHERE id = ?", (board_id,)) > 0

    async def set_board_paused(self, board_id: int, paused: str | None) -> None:
        """Records why a board is paused (``None``: it runs)."""
        async with self._storage.write() as conn:
            await conn.execute("UPDATE boards SET paused = ? WHERE id = ?", (paused, board_id))

    # ------------------------------------------------------------------ alerts

    async def add_alert(
        self,
        *,
        guild_id: int,
        channel_id: int,
        owner_id: int,
        server_id: str,
        server_name: str,
        role_id: int | None,
    ) -> AlertRow:
        """Stores an alert (one per channel and server: a second one replaces the first's owner and role)."""
        created = _now_text()
        async with self._storage.write() as conn:
            await conn.execute(
                "INSERT INTO alerts (guild_id, channel_id, owner_id, server_id, server_name, role_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, server_id) DO UPDATE SET "
                "owner_id = excluded.owner_id, server_name = excluded.server_name, role_id = excluded.role_id, "
                "paused = NULL",
                (guild_id, channel_id, owner_id, server_id, server_name, role_id, created),
            )
            async with conn.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE channel_id = ? AND server_id = ?", (channel_id, server_id)
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return _alert(row)

    async def alerts(self, guild_id: int | None = None) -> list[AlertRow]:
        """Every alert (of one guild), oldest first."""
        if guild_id is None:
            rows = await self._storage.fetchall(f"SELECT {_ALERT_COLUMNS} FROM alerts ORDER BY id")
        else:
            rows = await self._storage.fetchall(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE guild_id = ? ORDER BY id", (guild_id,)
            )
        return [_alert(row) for row in rows]

    async def alert(self, alert_id: int) -> AlertRow | None:
        """One alert, or ``None``."""
        row = await self._storage.fetchone(f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,))
        return None if row is None else _alert(row)

    async def remove_alert(self, alert_id: int) -> bool:
        """Forgets an alert; ``True`` if it existed."""
        return await self._delete("DELETE FROM alerts WHERE id = ?", (alert_id,)) > 0

    async def set_alert_paused(self, alert_id: int, paused: str | None) -> None:
        """Records why an alert cannot post (``None``: it can)."""
        async with self._storage.write() as conn:
            await conn.execute("UPDATE alerts SET paused = ? WHERE id = ?", (paused, alert_id))

    # ------------------------------------------------------------------ channels and guilds that went away

    async def remove_channel(self, channel_id: int) -> tuple[list[int], list[int]]:
        """Forgets every board and alert of a deleted channel; returns their ids (boards, alerts)."""
        boards = [b.id for b in await self.boards() if b.channel_id == channel_id]
        alerts = [a.id for a in await self.alerts() if a.channel_id == channel_id]
        await self._delete("DELETE FROM boards WHERE channel_id = ?", (channel_id,))
        await self._delete("DELETE FROM alerts WHERE channel_id = ?", (channel_id,))
        return boards, alerts

    async def _delete(self, sql: str, params: tuple[Any, ...]) -> int:
        async with self._storage.write() as conn:
            cursor = await conn.execute(sql, params)
            count = max(cursor.rowcount, 0)
            await cursor.close()
        return count
