"""Tests for bot.storage against real SQLite files (its migrations: test_migrations.py)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.crypto import KeyVault, generate_key
from bot.migrations import LATEST_VERSION
from bot.storage import LinkedAccount, Storage, StorageConflictError, StorageError
from bot.storage import links as storage_links

REPO_ROOT = Path(__file__).resolve().parents[2]
KEY_A = b"gAAAAAB-encrypted-key-for-user-a"
KEY_B = b"gAAAAAB-encrypted-key-for-user-b"


async def test_open_configures_sqlite(db_path: Path) -> None:
    storage = await Storage.open(db_path)
    try:
        conn = storage._connection()
        async with conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"  # type: ignore[index]
        async with conn.execute("PRAGMA synchronous") as cur:
            assert (await cur.fetchone())[0] == 2  # type: ignore[index]  # FULL
        async with conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1  # type: ignore[index]
        assert await storage.schema_version() == LATEST_VERSION
        assert await storage.ping()
        assert not storage.closed
    finally:
        await storage.close()
    assert storage.closed
    assert db_path.is_file()  # noqa: ASYNC240
    assert not await storage.ping()
    await storage.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        await storage.get_link(1)


async def test_async_context_manager_forms(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        await storage.set_kv("a", "1")
    assert storage.closed
    async with await Storage.open(db_path) as storage2:
        assert await storage2.get_kv("a") == "1"
    assert storage2.closed


async def test_link_get_relink_unlink(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        assert await storage.get_link(1) is None
        assert await storage.count_links() == 0

        linked = await storage.link_account(1, 10, "alice", False, KEY_A)
        got = await storage.get_link(1)
        assert got == linked
        assert isinstance(got, LinkedAccount)
        assert got.panel_user_id == 10
        assert got.panel_username == "alice"
        assert got.is_panel_admin is False
        assert got.encrypted_key == KEY_A
        assert got.linked_at.tzinfo is not None
        assert abs(got.linked_at - datetime.now(UTC)) < timedelta(minutes=1)
        assert got.last_used_at is None

        assert await storage.touch_last_used(1)
        touched = await storage.get_link(1)
        assert touched is not None and touched.last_used_at is not None
        assert not await storage.touch_last_used(999)

        # Re-link replaces everything and resets last_used_at.
        await storage.link_account(1, 11, "alice2", True, KEY_B)
        relinked = await storage.get_link(1)
        assert relinked is not None
        assert (relinked.panel_user_id, relinked.panel_username, relinked.is_panel_admin) == (11, "alice2", True)
        assert relinked.encrypted_key == KEY_B
        assert relinked.last_used_at is None
        assert await storage.count_links() == 1

        await storage.link_account(2, 20, "bob", False, KEY_A)
        assert await storage.count_links() == 2
        assert [a.discord_user_id for a in await storage.all_links()] == [1, 2]

        assert await storage.unlink(1) is True
        assert await storage.unlink(1) is False
        assert await storage.get_link(1) is None
        assert await storage.count_links() == 1


async def test_large_discord_ids(db_path: Path) -> None:
    big = 1_234_567_890_123_456_789
    async with Storage.open(db_path) as storage:
        await storage.link_account(big, 1, "u", False, KEY_A)
        link = await storage.get_link(big)
        assert link is not None and link.discord_user_id == big


async def test_linked_account_repr_hides_key(db_path: Path) -> None:
    token = KeyVault([generate_key()]).encrypt("ptlc_" + "x" * 43)
    async with Storage.open(db_path) as storage:
        account = await storage.link_account(5, 50, "carol", False, token)
    text = repr(account)
    assert "encrypted_key" not in text
    assert token.decode() not in text
    assert "carol" in text


async def test_link_validation(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        with pytest.raises(TypeError):
            await storage.link_account(1, 1, "u", False, "not-bytes")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="plaintext"):
            await storage.link_account(1, 1, "u", False, b"ptlc_" + b"a" * 43)
        with pytest.raises(ValueError):
            await storage.link_account(0, 1, "u", False, KEY_A)
        with pytest.raises(TypeError):
            await storage.link_account(True, 1, "u", False, KEY_A)
        assert await storage.count_links() == 0


async def test_iter_links_batches(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_links, "_ITER_BATCH", 2)
    async with Storage.open(db_path) as storage:
        for uid in (5, 3, 9, 1, 7):
            await storage.link_account(uid, uid, f"u{uid}", False, KEY_A)
        seen = [a.discord_user_id async for a in storage.iter_links()]
        assert seen == [1, 3, 5, 7, 9]
        # Writing while iterating is safe (no cursor held open between batches).
        async for account in storage.iter_links():
            await storage.touch_last_used(account.discord_user_id)
        assert all(a.last_used_at is not None for a in await storage.all_links())


async def test_replace_encrypted_keys(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        await storage.link_account(1, 1, "a", False, KEY_A)
        await storage.link_account(2, 2, "b", False, KEY_A)
        assert await storage.replace_encrypted_keys({1: KEY_B, 2: KEY_B, 3: KEY_B}) == 2
        assert {a.encrypted_key for a in await storage.all_links()} == {KEY_B}
        assert await storage.get_link(3) is None

        # Conditional replace: a stale expectation aborts the whole batch.
        with pytest.raises(StorageConflictError) as info:
            await storage.replace_encrypted_keys({1: KEY_A, 2: KEY_A}, expected={1: KEY_B, 2: KEY_A})
        assert info.value.discord_user_ids == [2]
        assert {a.encrypted_key for a in await storage.all_links()} == {KEY_B}
        assert await storage.replace_encrypted_keys({1: KEY_A}, expected={1: KEY_B}) == 1


async def test_concurrent_writes_are_serialised(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        await asyncio.gather(
            *(storage.link_account(uid, uid, f"u{uid}", False, KEY_A) for uid in range(1, 21)),
            *(storage.add_audit("link", discord_user_id=uid) for uid in range(1, 21)),
            storage.replace_encrypted_keys({1: KEY_B}),
        )
        assert await storage.count_links() == 20
        assert len(await storage.recent_audit(100)) == 20


async def test_cancelled_write_leaves_storage_usable(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        task = asyncio.create_task(storage.link_account(1, 1, "a", False, KEY_A))
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await storage.link_account(2, 2, "b", False, KEY_B)
        assert not storage._connection().in_transaction
        assert await storage.get_link(2) is not None


async def test_two_connections_share_the_file(db_path: Path) -> None:
    async with Storage.open(db_path) as first, Storage.open(db_path) as second:
        await first.link_account(1, 1, "a", False, KEY_A)
        assert await second.get_link(1) is not None
        await second.unlink(1)
        assert await first.get_link(1) is None


async def test_audit_log(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        first = await storage.add_audit("link", discord_user_id=1, target="alice", outcome="ok")
        second = await storage.add_audit(
            "power",
            discord_user_id=2,
            target="server abc123",
            outcome="error",
            detail="panel said 403 for key ptlc_" + "Z" * 43 + " and token gAAAAABlongciphertextvalue123456789==",
        )
        await storage.add_audit("unlink", discord_user_id=1)
        assert second > first

        entries = await storage.recent_audit(10)
        assert [e.action for e in entries] == ["unlink", "power", "link"]
        power = entries[1]
        assert power.discord_user_id == 2
        assert power.target == "server abc123"
        assert power.outcome == "error"
        assert power.detail is not None
        assert "ptlc_" not in power.detail and "gAAAAA" not in power.detail
        assert "[redacted]" in power.detail
        assert power.at.tzinfo is not None

        assert len(await storage.recent_audit(2)) == 2
        assert await storage.recent_audit(0) == []
        assert [e.action for e in await storage.recent_audit(10, discord_user_id=1)] == ["unlink", "link"]

        long = await storage.add_audit("x", detail="y" * 5000)
        assert len((await storage.recent_audit(1))[0].detail or "") == 1000
        assert long > second

        with pytest.raises(ValueError):
            await storage.add_audit("")

        old = datetime.now(UTC) - timedelta(days=100)
        await storage.add_audit("ancient", at=old)
        assert await storage.prune_audit(datetime.now(UTC) - timedelta(days=30)) == 1
        assert "ancient" not in [e.action for e in await storage.recent_audit(100)]


async def test_kv(db_path: Path) -> None:
    async with Storage.open(db_path) as storage:
        assert await storage.get_kv("tree_hash") is None
        await storage.set_kv("tree_hash", "abc")
        await storage.set_kv("tree_hash", "def")
        assert await storage.get_kv("tree_hash") == "def"
        assert await storage.delete_kv("tree_hash")
        assert not await storage.delete_kv("tree_hash")
        assert await storage.get_kv("tree_hash") is None


async def test_a_link_known_by_uuid_only(db_path: Path) -> None:
    """Pelican's account object has a uuid and no id: the link is stored, compared and unlinked by it."""
    uuid = "1d2e3f40-0000-4000-8000-000000000001"
    async with Storage.open(db_path) as storage:
        linked = await storage.link_account(1, None, "pel", False, KEY_A, panel_user_uuid=uuid)
        got = await storage.get_link(1)
        assert got == linked and got is not None
        assert (got.panel_user_id, got.panel_user_uuid, got.panel_ref) == (None, uuid, f"panel user {uuid}")
        assert got.is_panel_user(5, uuid) and not got.is_panel_user(5, "another") and not got.is_panel_user(5, None)
        assert got.is_same_link(linked)
        assert await storage.unlink(1, only=got)
        with pytest.raises(ValueError, match="id or its uuid"):
            await storage.link_account(2, None, "nobody", False, KEY_A)
        with pytest.raises(TypeError):
            await storage.link_account(2, None, "nobody", False, KEY_A, panel_user_uuid="")


def test_an_id_decides_before_a_uuid() -> None:
    link = LinkedAccount(1, 7, "u", False, KEY_A, datetime.now(UTC), panel_user_uuid="u-1")
    assert link.is_panel_user(7, None) and link.is_panel_user(7, "other")
    assert not link.is_panel_user(8, "u-1")  # the ids say another account
    assert link.is_panel_user(None, "u-1")


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not an sqlite database at all" * 100)
    with pytest.raises(StorageError, match="not usable"):
        await Storage.open(bogus)


_CHILD = textwrap.dedent(
    """
    import asyncio, sys, time
    from bot.storage import Storage

    async def main() -> None:
        storage = await Storage.open(sys.argv[1])
        await storage.link_account(4242, 99, "survivor", True, b"gAAAAAB-survives-sigkill")
        await storage.add_audit("link", discord_user_id=4242)
        print("ok", flush=True)
        time.sleep(60)

    asyncio.run(main())
    """
)


def _link_in_child_then_sigkill(db_path: Path) -> int:
    """Run the child until it reports "ok" (link committed), SIGKILL it, return its exit code."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != b"ok":
            proc.kill()
            _, err = proc.communicate(timeout=10)
            pytest.fail(f"child did not report ok: {line!r} {err.decode(errors='replace')}")
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


async def test_committed_link_survives_sigkill(db_path: Path) -> None:
    assert _link_in_child_then_sigkill(db_path) == -signal.SIGKILL

    async with Storage.open(db_path) as storage:
        link = await storage.get_link(4242)
        assert link is not None
        assert link.panel_username == "survivor"
        assert link.is_panel_admin is True
        assert link.encrypted_key == b"gAAAAAB-survives-sigkill"
        assert [e.action for e in await storage.recent_audit(5)] == ["link"]
