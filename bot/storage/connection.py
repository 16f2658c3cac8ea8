"""The database connection behind :class:`~bot.storage.Storage`: opening (private files, WAL, migrations),
closing, the serialised write transaction, the read-only reader connection, and the health probe."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import aiosqlite

from bot.migrations import LATEST_VERSION, apply_migrations, get_schema_version
from bot.private_files import make_private_directory, make_private_file, tighten

from .records import StorageError

__all__ = ["StorageConnection"]

_SIDE_FILES = ("-wal", "-shm", "-journal")
"""Files SQLite keeps beside the database (they hold the same data)."""

_S = TypeVar("_S", bound="StorageConnection")


async def _close_all(*connections: aiosqlite.Connection | None) -> None:
    for connection in connections:
        if connection is not None:
            await connection.close()


class _StorageOpener(Generic[_S]):
    """Result of :meth:`Storage.open`: await it, or use it as an async context manager."""

    def __init__(
        self, open_storage: Callable[[Path, float], Coroutine[Any, Any, _S]], path: Path, busy_timeout: float
    ) -> None:
        self._open_storage = open_storage
        self._path = path
        self._busy_timeout = busy_timeout
        self._storage: _S | None = None

    def __await__(self) -> Generator[Any, None, _S]:
        return self._open_storage(self._path, self._busy_timeout).__await__()

    async def __aenter__(self) -> _S:
        self._storage = await self._open_storage(self._path, self._busy_timeout)
        return self._storage

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._storage is not None:
            await self._storage.close()
            self._storage = None


class StorageConnection:
    """The connections of :class:`~bot.storage.Storage` (which adds the tables' methods)."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, reader: aiosqlite.Connection | None = None) -> None:
        """Internal: use :meth:`Storage.open`."""
        self._conn: aiosqlite.Connection | None = conn
        self._reader: aiosqlite.Connection | None = reader or conn
        self._path = path
        self._lock = asyncio.Lock()

    # -- lifecycle ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, busy_timeout: float = 5.0) -> _StorageOpener[Self]:
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        Returns an awaitable that is also an async context manager::

            storage = await Storage.open(path)
            async with Storage.open(path) as storage: ...

        :param busy_timeout: seconds to wait for another process's write lock.
        :raises StorageError: if the file cannot be opened or is not a usable database.
        :raises SchemaVersionError: if the database was written by a newer bot version.
        """
        return _StorageOpener(cls._open, Path(path), busy_timeout)

    @classmethod
    async def _open(cls, path: Path, busy_timeout: float) -> Self:
        try:
            make_private_directory(path.parent)
            make_private_file(path)
            for suffix in _SIDE_FILES:
                tighten(path.with_name(path.name + suffix))
        except OSError as exc:
            raise StorageError(
                f"could not create the database {str(path)!r} in a private directory: {exc.strerror or exc}"
            ) from None
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"could not open the database {str(path)!r}: {exc}") from None
        reader: aiosqlite.Connection | None = None
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
                row = await cursor.fetchone()
            if row is None or str(row[0]).lower() != "wal":
                raise StorageError(
                    f"could not enable WAL journaling for {str(path)!r} (got {row[0] if row else None!r}); "
                    "put DATA_DIR on a local file system"
                )
            await conn.execute("PRAGMA synchronous = FULL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await apply_migrations(conn)
            reader = await aiosqlite.connect(path, isolation_level=None)
            await reader.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            await reader.execute("PRAGMA query_only = ON")
        except sqlite3.DatabaseError as exc:
            await _close_all(conn, reader)
            raise StorageError(f"the database {str(path)!r} is not usable: {exc}") from None
        except BaseException:
            await _close_all(conn, reader)
            raise
        return cls(conn, path, reader=reader)

    async def close(self) -> None:
        """Close the connections (idempotent).  Waits for an in-flight write to finish."""
        async with self._lock:
            conn, self._conn = self._conn, None
            reader, self._reader = self._reader, None
            await _close_all(conn, reader if reader is not conn else None)

    async def set_busy_timeout(self, seconds: float) -> None:
        """How long a statement waits for another process's lock before failing (``Storage.open``'s
        ``busy_timeout``; tests shorten it)."""
        milliseconds = max(0, int(seconds * 1000))
        for conn in {id(c): c for c in (self._connection(), self._reader_connection())}.values():
            await conn.execute(f"PRAGMA busy_timeout = {milliseconds}")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def path(self) -> Path:
        """Location of the database file."""
        return self._path

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._conn is None

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"<Storage path={str(self._path)!r} {state}>"

    # -- internals ------------------------------------------------------------------------

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("the storage has been closed")
        return self._conn

    def _reader_connection(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise StorageError("the storage has been closed")
        return self._reader

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """Serialised ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction (rolled back on error)."""
        async with self._lock:
            conn = self._connection()
            try:
                # BEGIN is inside the try: if the caller is cancelled while BEGIN is queued,
                # aiosqlite still runs it, so the ROLLBACK below must always be issued.
                await conn.execute("BEGIN IMMEDIATE")
                yield conn
                await conn.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):  # "no transaction is active" is fine
                    await conn.execute("ROLLBACK")
                raise

    async def _fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._reader_connection().execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def _fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._reader_connection().execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    # -- for modules that keep their own tables (bot.watch.store) ---------------------------

    def write(self) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        """A serialised ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction (rolled back on error), committed before
        the block's end returns, like every write method here."""
        return self._write()

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query."""
        return await self._fetchone(sql, params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Every row of a query."""
        return await self._fetchall(sql, params)

    # -- health ---------------------------------------------------------------------------

    async def ping(self) -> bool:
        """True if the database is open, readable and at the expected schema version."""
        if self._conn is None:
            return False
        try:
            row = await self._fetchone("SELECT 1")
            return row is not None and await get_schema_version(self._conn) == LATEST_VERSION
        except (sqlite3.Error, ValueError, StorageError):
            return False

    async def schema_version(self) -> int:
        """The schema version recorded in the database."""
        return await get_schema_version(self._connection())
