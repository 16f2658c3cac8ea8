"""Versioned schema migrations for the bot's SQLite database.

The schema version lives in ``PRAGMA user_version``.  Each :class:`Migration` is applied
in its own ``BEGIN IMMEDIATE`` transaction together with the version bump, so a crash
mid-migration leaves the database at the previous version, never half-migrated.
Migrations are append-only: never edit one that has shipped, add a new one instead.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from dataclasses import dataclass

import aiosqlite

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "Migration",
    "SchemaVersionError",
    "apply_migrations",
    "get_schema_version",
]


@dataclass(frozen=True)
class Migration:
    """One schema step: after it is applied the database is at ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="linked accounts, audit log and key/value store",
        statements=(
            """
            CREATE TABLE linked_accounts (
                discord_user_id INTEGER PRIMARY KEY,
                panel_user_id   INTEGER NOT NULL,
                panel_username  TEXT    NOT NULL,
                is_panel_admin  INTEGER NOT NULL DEFAULT 0 CHECK (is_panel_admin IN (0, 1)),
                encrypted_key   BLOB    NOT NULL,
                linked_at       TEXT    NOT NULL,
                last_used_at    TEXT
            )
            """,
            """
            CREATE TABLE audit_log (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                at              TEXT    NOT NULL,
                discord_user_id INTEGER,
                action          TEXT    NOT NULL,
                target          TEXT,
                outcome         TEXT    NOT NULL,
                detail          TEXT
            )
            """,
            """
            CREATE TABLE kv (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
        ),
    ),
    Migration(
        version=2,
        description="indexes for audit log queries",
        statements=(
            "CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at)",
            "CREATE INDEX IF NOT EXISTS audit_log_user ON audit_log (discord_user_id, id)",
        ),
    ),
    Migration(
        version=3,
        description="status boards and alerts (issue 10)",
        statements=(
            # owner_id is the Discord user whose linked key the board runs with; no foreign key to
            # linked_accounts: an unlinked owner's board stays, paused, and resumes when they link again.
            """
            CREATE TABLE boards (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                guild_id    INTEGER NOT NULL,
                channel_id  INTEGER NOT NULL,
                message_id  INTEGER NOT NULL UNIQUE,
                owner_id    INTEGER NOT NULL,
                kind        TEXT    NOT NULL CHECK (kind IN ('server', 'overview')),
                server_id   TEXT,
                server_name TEXT    NOT NULL DEFAULT '',
                created_at  TEXT    NOT NULL,
                paused      TEXT,
                CHECK ((kind = 'server') = (server_id IS NOT NULL))
            )
            """,
            "CREATE INDEX boards_guild ON boards (guild_id, id)",
            "CREATE INDEX boards_channel ON boards (channel_id)",
            """
            CREATE TABLE alerts (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                guild_id    INTEGER NOT NULL,
                channel_id  INTEGER NOT NULL,
                owner_id    INTEGER NOT NULL,
                server_id   TEXT    NOT NULL,
                server_name TEXT    NOT NULL DEFAULT '',
                role_id     INTEGER,
                created_at  TEXT    NOT NULL,
                paused      TEXT,
                UNIQUE (channel_id, server_id)
            )
            """,
            "CREATE INDEX alerts_guild ON alerts (guild_id, id)",
        ),
    ),
)

#: The schema version this code expects.
LATEST_VERSION: int = MIGRATIONS[-1].version


class SchemaVersionError(RuntimeError):
    """The database was written by a newer version of the bot, or migrations are broken."""


def _check_migration_list() -> None:
    expected = 1
    for migration in MIGRATIONS:
        if migration.version != expected:
            raise SchemaVersionError(
                f"migration list is not contiguous: expected version {expected}, found {migration.version}"
            )
        expected += 1


_check_migration_list()


async def get_schema_version(conn: aiosqlite.Connection) -> int:
    """The schema version recorded in the database (0 for a fresh file)."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def apply_migrations(conn: aiosqlite.Connection, *, target: int | None = None) -> int:
    """Bring the schema up to ``target`` (default: :data:`LATEST_VERSION`).

    ``conn`` must be in autocommit mode (``isolation_level=None``).  Idempotent:
    already-applied migrations are skipped.  Returns the resulting version.

    :raises SchemaVersionError: if the database is newer than this code understands.
    """
    goal = LATEST_VERSION if target is None else target
    if not 0 <= goal <= LATEST_VERSION:
        raise ValueError(f"target schema version must be between 0 and {LATEST_VERSION}, not {goal}")
    current = await get_schema_version(conn)
    if current > LATEST_VERSION:
        raise SchemaVersionError(
            f"the database schema is version {current}, but this bot only understands up to version "
            f"{LATEST_VERSION}: upgrade the bot (or restore a backup made by this version)"
        )
    for migration in MIGRATIONS:
        if migration.version <= current or migration.version > goal:
            continue
        try:
            await conn.execute("BEGIN IMMEDIATE")
            # Re-check under the write lock: another process may have migrated meanwhile.
            if await get_schema_version(conn) >= migration.version:
                await conn.execute("ROLLBACK")
                current = await get_schema_version(conn)
                continue
            for statement in migration.statements:
                await conn.execute(statement)
            # PRAGMA does not accept bound parameters; the version is a trusted int.
            await conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            await conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):  # "no transaction is active" is fine
                await conn.execute("ROLLBACK")
            raise
        current = migration.version
    return await get_schema_version(conn)
