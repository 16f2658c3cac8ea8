"""Another writer holds the database's lock beyond the busy timeout (issue 8, item 3).

Reading must not depend on writing (``/server status`` used to record the key's last use first), and a panel
action that succeeded is reported as done even when its audit entry cannot be written; that failure is
logged at ERROR with the action, so the operator sees the hole in the audit log.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import linked_user, text_of, wait_finished, wait_message
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

BUSY_TIMEOUT = 0.2
"""Seconds the bot waits for the lock in these tests (5 s in production: the same code path, faster)."""


@contextmanager
def database_locked(path: Path) -> Iterator[None]:
    """Another process's writer: holds SQLite's write lock until the block ends (readers still read)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    handler = _Records()
    logging.getLogger().addHandler(handler)
    try:
        yield handler.records
    finally:
        logging.getLogger().removeHandler(handler)


@pytest_asyncio.fixture(loop_scope="module")
async def short_busy_timeout(bot: Any) -> AsyncIterator[None]:
    await bot.storage.set_busy_timeout(BUSY_TIMEOUT)
    yield
    await bot.storage.set_busy_timeout(5.0)


@pytest.mark.usefixtures("short_busy_timeout")
async def test_status_answers_while_the_database_is_locked(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "reader")
    server = panel.add_server(account, "Readable", state="running")
    with database_locked(bot.storage.path):
        ix = await discord.slash(user, "server status", {"server": server.identifier}, guild_id=GUILD_ID)
        message = await ix.wait_final(5)
        choices = await discord.autocomplete(
            user, "server start", {"server": "read"}, focused="server", guild_id=GUILD_ID
        )
    assert "went wrong" not in text_of(message)
    assert server.identifier in text_of(message) and "Readable" in text_of(message)
    assert [c["value"] for c in choices] == [server.identifier]
    await wait_finished(bot, discord, user)


@pytest.mark.usefixtures("short_busy_timeout")
async def test_a_start_that_reached_the_panel_is_reported_done_when_its_audit_write_fails(
    bot: Any,
    discord: FakeDiscord,
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Any,
    errors: list[logging.LogRecord],
) -> None:
    user, account = await linked_user(panel, users, link, "writer")
    server = panel.add_server(account, "Startable")
    with database_locked(bot.storage.path):
        ix = await discord.slash(user, "server start", {"server": server.identifier}, guild_id=GUILD_ID)
        first = await ix.wait_final(5)
        assert "went wrong" not in text_of(first)
        assert "Sent **start**" in text_of(first)
        await wait_message(ix, "is now running")
    assert server.state == "running"
    await wait_finished(bot, discord, user)
    failed = [r for r in errors if r.levelno == logging.ERROR and "audit" in r.getMessage()]
    assert failed, [r.getMessage() for r in errors if r.levelno >= logging.WARNING]
    assert "server.power" in failed[0].getMessage() and server.identifier in failed[0].getMessage()
    assert all(audit.action != "server.power" for audit in await bot.storage.recent_audit(50, discord_user_id=user.id))


@pytest.mark.usefixtures("short_busy_timeout")
async def test_a_console_command_that_reached_the_panel_is_reported_done_when_its_audit_write_fails(
    bot: Any,
    discord: FakeDiscord,
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Any,
    errors: list[logging.LogRecord],
) -> None:
    user, account = await linked_user(panel, users, link, "console")
    server = panel.add_server(account, "Talkative", state="running")
    with database_locked(bot.storage.path):
        ix = await discord.slash(
            user, "server command", {"server": server.identifier, "command": "say locked"}, guild_id=GUILD_ID
        )
        message = await ix.wait_final(5)
    assert "Sent to the console" in text_of(message), text_of(message)
    assert server.console[-1] == "say locked"
    await wait_finished(bot, discord, user)
    assert any(r.levelno == logging.ERROR and "server.command" in r.getMessage() for r in errors)
