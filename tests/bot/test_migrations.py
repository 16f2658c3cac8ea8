"""Tests for bot.migrations against real SQLite files: a database of every older version opens at the latest
with its rows kept, reopening changes nothing, and a newer database is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.migrations import LATEST_VERSION, MIGRATIONS, SchemaVersionError, apply_migrations, get_schema_version
from bot.storage import Storage

KEY_A = b"gAAAAAB-encrypted-key-for-user-a"


async def test_migrations_idempotent_on_reopen(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        await storage.link_account(1, 1, "a", False, KEY_A)
        await storage.set_kv("k", "v")
    for _ in range(2):
        async with Storage.open(db_path) as storage:
            assert await storage.schema_version() == LATEST_VERSION
            assert await storage.count_links() == 1
            assert await storage.get_kv("k") == "v"
            assert await apply_migrations(storage._connection()) == LATEST_VERSION


async def test_migrations_applied_from_older_version(db_path: Path) -> None:
    assert LATEST_VERSION >= 2
    db_path.parent.mkdir(parents=True)
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        assert await get_schema_version(conn) == 0
        assert await apply_migrations(conn, target=1) == 1
        await conn.execute(
            "INSERT INTO linked_accounts VALUES (77, 7, 'old', 0, ?, '2024-01-01T00:00:00+00:00', NULL)", (KEY_A,)
        )
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'audit_log_at'") as c:
            assert await c.fetchone() is None

    async with Storage.open(db_path) as storage:
        assert await storage.schema_version() == LATEST_VERSION
        link = await storage.get_link(77)
        assert link is not None and link.panel_username == "old"
        assert link.linked_at == datetime(2024, 1, 1, tzinfo=UTC)
        async with storage._connection().execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'audit_log_at'"
        ) as c:
            assert await c.fetchone() is not None


async def test_a_version_2_link_keeps_its_panel_id_and_gets_no_uuid(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        assert await apply_migrations(conn, target=2) == 2
        await conn.execute(
            "INSERT INTO linked_accounts VALUES (78, 8, 'kept', 1, ?, '2024-01-01T00:00:00+00:00', "
            "'2024-02-01T00:00:00+00:00')",
            (KEY_A,),
        )
    async with Storage.open(db_path) as storage:
        assert await storage.schema_version() == LATEST_VERSION
        link = await storage.get_link(78)
        assert link is not None
        assert (link.panel_user_id, link.panel_user_uuid, link.panel_username, link.is_panel_admin) == (
            8,
            None,
            "kept",
            True,
        )
        assert link.last_used_at == datetime(2024, 2, 1, tzinfo=UTC)
        assert link.panel_ref == "panel user 8"


def test_migration_list_is_contiguous() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


async def test_newer_schema_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        await conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    with pytest.raises(SchemaVersionError, match="upgrade the bot"):
        await Storage.open(db_path)
