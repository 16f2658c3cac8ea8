"""SQLite persistence for the bot (linked accounts, audit log, small key/value store).

Usage::

    storage = await Storage.open(config.database_path)
    ...
    await storage.close()

    # or
    async with Storage.open(config.database_path) as storage:
        ...

The database runs in WAL mode with ``synchronous=FULL`` and every write method commits
before it returns, so a write that has returned survives even a ``SIGKILL``.  Writes on
the shared connection are serialised with a lock so one task's transaction can never
swallow (or roll back) another task's write.  Reads go through a second, read-only
connection: in WAL mode they never wait for a writer, so no read (resolving a user's
link, listing the audit log) queues behind a write that waits for another process's lock.
Panel API keys are only ever stored encrypted, and never written to the audit log.

The database file (and so its ``-wal`` and ``-shm`` files, which SQLite gives the
database's mode) is created 0600 and its directory 0700, whatever the umask.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Generator, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite

from bot.migrations import LATEST_VERSION, SchemaVersionError, apply_migrations, get_schema_version
from bot.private_files import make_private_directory, make_private_file, tighten
from bot.redaction import redact_secrets

__all__ = [
    "AuditEntry",
    "LinkedAccount",
    "SchemaVersionError",
    "Storage",
    "StorageConflictError",
    "StorageError",
    "redact_secrets",
]

_LINK_COLUMNS = "discord_user_id, panel_user_id, panel_username, is_panel_admin, encrypted_key, linked_at, last_used_at"
_AUDIT_COLUMNS = "id, at, discord_user_id, action, target, outcome, detail"
_MAX_AUDIT_TEXT = 1000
_ITER_BATCH = 200

_PLAINTEXT_KEY = re.compile(rb"^\s*(?:ptl[ac]|papp|pacc)_")
_SIDE_FILES = ("-wal", "-shm", "-journal")
"""Files SQLite keeps beside the database (they hold the same data)."""


class StorageError(Exception):
    """The database could not be opened or used."""


class StorageConflictError(StorageError):
    """A conditional update found rows that changed since they were read; nothing was written."""

    def __init__(self, discord_user_ids: Iterable[int]) -> None:
        self.discord_user_ids: list[int] = sorted(discord_user_ids)
        super().__init__(
            "linked accounts changed while they were being updated "
            f"(Discord user ids: {_format_ids(self.discord_user_ids)}); nothing was written, try again"
        )


@dataclass(frozen=True)
class LinkedAccount:
    """A Discord user's link to a panel account.  The ``repr`` hides ``encrypted_key``."""

    discord_user_id: int
    panel_user_id: int
    panel_username: str
    is_panel_admin: bool
    encrypted_key: bytes = field(repr=False)
    linked_at: datetime
    last_used_at: datetime | None = None

    def is_same_link(self, other: LinkedAccount | None) -> bool:
        """Whether ``other`` is this very link: the same user, linked at the same moment. A re-link (even to the
        same panel account with the same key) is a new link; a key rotation is not."""
        return (
            other is not None
            and other.discord_user_id == self.discord_user_id
            and other.panel_user_id == self.panel_user_id
            and other.linked_at == self.linked_at
        )


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    id: int
    at: datetime
    discord_user_id: int | None
    action: str
    target: str | None
    outcome: str
    detail: str | None


def _format_ids(ids: list[int], limit: int = 20) -> str:
    shown = ", ".join(str(i) for i in ids[:limit])
    if len(ids) > limit:
        shown += f" and {len(ids) - limit} more"
    return shown


def _now() -> datetime:
    return datetime.now(UTC)


def _to_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _from_text(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _check_user_id(value: int, name: str = "discord_user_id") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 < value < 2**63:
        raise ValueError(f"{name} must be a positive 64-bit integer")
    return value


def _check_encrypted_key(value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"encrypted_key must be bytes from KeyVault.encrypt, not {type(value).__name__}")
    data = bytes(value)
    if not data:
        raise ValueError("encrypted_key must not be empty")
    if _PLAINTEXT_KEY.match(data):
        raise ValueError("encrypted_key looks like a plaintext panel API key; encrypt it with KeyVault first")
    return data


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = redact_secrets(str(value))
    if len(cleaned) > _MAX_AUDIT_TEXT:
        cleaned = cleaned[: _MAX_AUDIT_TEXT - 1] + "…"
    return cleaned


def _row_to_link(row: sqlite3.Row | tuple[Any, ...]) -> LinkedAccount:
    linked_at = _from_text(row[5])
    assert linked_at is not None
    return LinkedAccount(
        discord_user_id=int(row[0]),
        panel_user_id=int(row[1]),
        panel_username=str(row[2]),
        is_panel_admin=bool(row[3]),
        encrypted_key=bytes(row[4]),
        linked_at=linked_at,
        last_used_at=_from_text(row[6]),
    )


def _row_to_audit(row: sqlite3.Row | tuple[Any, ...]) -> AuditEntry:
    at = _from_text(row[1])
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


async def _close_all(*connections: aiosqlite.Connection | None) -> None:
    for connection in connections:
        if connection is not None:
            await connection.close()


class _StorageOpener:
    """Result of :meth:`Storage.open`: await it, or use it as an async context manager."""

    def __init__(self, path: Path, busy_timeout: float) -> None:
        self._path = path
        self._busy_timeout = busy_timeout
        self._storage: Storage | None = None

    def __await__(self) -> Generator[Any, None, Storage]:
        return Storage._open(self._path, self._busy_timeout).__await__()

    async def __aenter__(self) -> Storage:
        self._storage = await Storage._open(self._path, self._busy_timeout)
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


class Storage:
    """Async access to the bot's SQLite database.  Create it with :meth:`open`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, reader: aiosqlite.Connection | None = None) -> None:
        """Internal: use :meth:`Storage.open`."""
        self._conn: aiosqlite.Connection | None = conn
        self._reader: aiosqlite.Connection | None = reader or conn
        self._path = path
        self._lock = asyncio.Lock()

    # -- lifecycle ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, busy_timeout: float = 5.0) -> _StorageOpener:
        """Open (creating if needed) the database at ``path`` and apply pending migrations.

        Returns an awaitable that is also an async context manager::

            storage = await Storage.open(path)
            async with Storage.open(path) as storage: ...

        :param busy_timeout: seconds to wait for another process's write lock.
        :raises StorageError: if the file cannot be opened or is not a usable database.
        :raises SchemaVersionError: if the database was written by a newer bot version.
        """
        return _StorageOpener(Path(path), busy_timeout)

    @classmethod
    async def _open(cls, path: Path, busy_timeout: float) -> Storage:
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

    # -- linked accounts ------------------------------------------------------------------

    async def link_account(
        self,
        discord_user_id: int,
        panel_user_id: int,
        panel_username: str,
        is_admin: bool,
        encrypted_key: bytes,
    ) -> LinkedAccount:
        """Link (or re-link, replacing the previous link) a Discord user to a panel account.

        ``encrypted_key`` must come from :meth:`bot.crypto.KeyVault.encrypt`.  Committed
        before returning.  Returns the stored record.
        """
        _check_user_id(discord_user_id)
        if isinstance(panel_user_id, bool) or not isinstance(panel_user_id, int):
            raise TypeError(f"panel_user_id must be an int, not {type(panel_user_id).__name__}")
        if not isinstance(panel_username, str):
            raise TypeError(f"panel_username must be a str, not {type(panel_username).__name__}")
        key = _check_encrypted_key(encrypted_key)
        account = LinkedAccount(
            discord_user_id=discord_user_id,
            panel_user_id=panel_user_id,
            panel_username=panel_username,
            is_panel_admin=bool(is_admin),
            encrypted_key=key,
            linked_at=_now(),
            last_used_at=None,
        )
        async with self._write() as conn:
            await conn.execute(
                f"INSERT INTO linked_accounts ({_LINK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL) "
                "ON CONFLICT (discord_user_id) DO UPDATE SET "
                "panel_user_id = excluded.panel_user_id, panel_username = excluded.panel_username, "
                "is_panel_admin = excluded.is_panel_admin, encrypted_key = excluded.encrypted_key, "
                "linked_at = excluded.linked_at, last_used_at = NULL",
                (
                    account.discord_user_id,
                    account.panel_user_id,
                    account.panel_username,
                    int(account.is_panel_admin),
                    account.encrypted_key,
                    _to_text(account.linked_at),
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
            sql = "DELETE FROM linked_accounts WHERE discord_user_id = ? AND panel_user_id = ? AND linked_at = ?"
            params = (discord_user_id, only.panel_user_id, _to_text(only.linked_at))
        async with self._write() as conn:
            cursor = await conn.execute(sql, params)
            removed = cursor.rowcount > 0
            await cursor.close()
        return removed

    async def touch_last_used(self, discord_user_id: int, *, at: datetime | None = None) -> bool:
        """Record that the user's key was just used.  Returns ``False`` if the user is not linked."""
        moment = _to_text(at or _now())
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
        items = [(_check_user_id(uid), _check_encrypted_key(key)) for uid, key in mapping.items()]
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
                    _to_text(at or _now()),
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
            cursor = await conn.execute("DELETE FROM audit_log WHERE at < ?", (_to_text(older_than),))
            removed = max(cursor.rowcount, 0)
            await cursor.close()
        return removed

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
