"""The small key/value store (settings the bot keeps between runs)."""

from __future__ import annotations

from .connection import StorageConnection

__all__ = ["KeyValueStore"]


class KeyValueStore(StorageConnection):
    """The ``kv`` table's methods of :class:`~bot.storage.Storage`."""

    # -- key/value ------------------------------------------------------------------------

    async def get_kv(self, key: str) -> str | None:
        """The value stored under ``key``, or ``None``."""
        row = await self._fetchone("SELECT value FROM kv WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    async def set_kv(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (replacing any previous value)."""
        if not isinstance(value, str):
            raise TypeError(f"kv values must be str, not {type(value).__name__}")
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def delete_kv(self, key: str) -> bool:
        """Remove ``key``.  Returns ``True`` if it existed."""
        async with self._write() as conn:
            cursor = await conn.execute("DELETE FROM kv WHERE key = ?", (key,))
            removed = cursor.rowcount > 0
            await cursor.close()
        return removed
