"""Boards and alerts survive a restart: a graceful shutdown edits the live board to "monitoring paused (bot
restarting)" within the shutdown budget, and the next start (same data directory) edits the same message back
to the live state, and the alert watches again. Two bots run one after the other in this process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from cryptography.fernet import Fernet

from bot.config import load_config
from bot.crypto import KeyVault
from bot.discord_endpoints import reset_discord_endpoints
from bot.runtime import run_bot
from bot.storage import Storage
from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import text_of
from tests.fake_discord import FakeDiscord, FakeRole, FakeUser

from .conftest import GUILD_ID
from .watch_helpers import MANAGER, tune

pytestmark = pytest.mark.asyncio(loop_scope="module")

OWNER = FakeUser(id=740000000000000001, username="restarter")
ONCALL = FakeRole(id=960000000000000002, name="oncall", mentionable=True)


class Running:
    """One bot started through ``run_bot``, as ``python -m bot`` does (in this process)."""

    def __init__(self, instance: Any, task: asyncio.Task[None]) -> None:
        self.bot = instance
        self.task = task

    async def stop(self) -> float:
        """Graceful shutdown (what SIGTERM does); returns how long it took."""
        started = time.monotonic()
        self.bot.begin_shutdown()
        await self.bot.close()
        await asyncio.wait_for(self.task, 15)
        reset_discord_endpoints()
        return time.monotonic() - started


async def start(panel: FakePanel, discord: FakeDiscord, data_dir: Path, key: str) -> Running:
    identified = discord.identify_count
    env = {
        "DISCORD_TOKEN": discord.token,
        "PANEL_URL": panel.url,
        "DATA_DIR": str(data_dir),
        "ENCRYPTION_KEY": key,
        "GUILD_IDS": str(GUILD_ID),
        "DISCORD_API_BASE": discord.api_base,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        "LOG_LEVEL": "DEBUG",
    }
    started: list[Any] = []
    task = asyncio.create_task(run_bot(load_config(env, dotenv_path=None), on_start=started.append))
    await discord.wait_for(lambda: discord.identify_count > identified or task.done(), 15)
    if task.done():
        task.result()
        raise RuntimeError("the bot stopped before it was ready")
    await discord.wait_ready(15)
    instance = started[0]
    tune(instance)
    await instance.watchers.ready.wait()
    return Running(instance, task)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def panel() -> AsyncIterator[FakePanel]:
    async with FakePanel(power_delay=0.05) as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guild_ids=(GUILD_ID,)) as fake:
        yield fake


async def test_boards_and_alerts_resume_after_a_restart(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    account = panel.add_user("restarter")
    server = panel.add_server(account, "Persistent", state="running")
    async with Storage.open(tmp_path / "bot.db") as storage:
        await storage.link_account(
            OWNER.id, account.id, account.username, False, KeyVault([key]).encrypt(account.client_key or "")
        )
    await discord.add_role(ONCALL)
    channel = await discord.add_channel("persistent")

    first = await start(panel, discord, tmp_path, key)
    added = await discord.slash(
        OWNER,
        "board add",
        options={"server": server.identifier, "channel": channel},
        guild_id=GUILD_ID,
        member_permissions=MANAGER,
    )
    assert "posted in" in text_of(await added.wait_final(10))
    alert = await discord.slash(
        OWNER,
        "alert add",
        options={"server": server.identifier, "channel": channel, "role": ONCALL},
        guild_id=GUILD_ID,
        member_permissions=MANAGER,
    )
    assert "will now post" in text_of(await alert.wait_final(10))
    board = next(m for m in discord.messages_in(channel) if "Persistent" in text_of(m))
    await discord.wait_edit(board, lambda m: "CPU" in text_of(m), timeout=5)

    edits = discord.edit_count(board)
    took = await first.stop()
    paused = await discord.wait_edit(
        board, lambda m: "monitoring paused (bot restarting)" in text_of(m), after=edits, timeout=1
    )
    assert took < first.bot.shutdown_grace, took
    assert "Persistent" in text_of(paused.message)

    server.state = "offline"  # changes while the bot is away
    posts = len(discord.channel_messages)
    edits = discord.edit_count(board)
    second = await start(panel, discord, tmp_path, key)
    try:
        back = await discord.wait_edit(
            board, lambda m: "🔴" in text_of(m) and "paused" not in text_of(m), after=edits, timeout=10
        )
        assert "offline" in text_of(back.message)
        assert len(discord.channel_messages) == posts, "the same message is edited; nothing new is posted"

        server.state = "running"
        await second.bot.watch.wait_for(
            lambda: (second.bot.watch.latest(server.identifier) or server).state == "running", 5
        )
        panel.wings.crash(server, restart=False)
        crash = await discord.wait_message(channel, lambda m: "crashed" in text_of(m), timeout=5)
        assert discord.mentions_of(crash).notifies_only(roles={ONCALL.id})
    finally:
        await second.stop()
    discord.assert_clean()
