"""Command registration: GUILD_IDS syncs to those guilds at every start; without it the bot syncs globally
only when the command tree changed since the last sync (a hash kept in the database)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.config import load_config
from bot.discord_endpoints import reset_discord_endpoints
from bot.runtime import run_bot
from pyjexactyl.testing import FakePanel
from tests.fake_discord import FakeDiscord

GUILD = 910000000000000001

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def start_and_stop(fd: FakeDiscord, panel: FakePanel, env: dict[str, str]) -> None:
    config = load_config(
        {
            "DISCORD_TOKEN": fd.token,
            "PANEL_URL": panel.url,
            "DISCORD_API_BASE": fd.api_base,
            "DISCORD_GATEWAY_URL": fd.gateway_url,
            **env,
        },
        dotenv_path=None,
    )
    started: list[Any] = []
    # A short guild_ready_timeout and the wait for ready: discord.py dispatches "ready" from a task that closing the
    # client does not stop, so a bot closed before it dispatched it on a closed client (a coroutine never awaited).
    task = asyncio.create_task(run_bot(config, on_start=started.append, bot_options={"guild_ready_timeout": 0.05}))
    try:
        await fd.wait_ready(15)  # discord.py runs setup_hook (where the bot syncs) before it identifies
        await asyncio.wait_for(started[0].wait_until_ready(), 10)
    finally:
        if started:
            await started[0].close()
        await asyncio.wait_for(task, 10)
        reset_discord_endpoints()


async def test_global_sync_only_when_the_tree_changed(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "ENCRYPTION_KEY": Fernet.generate_key().decode()}
    async with FakePanel() as panel, FakeDiscord(guild_ids=(GUILD,)) as fd:
        await start_and_stop(fd, panel, env)
        global_syncs = [names for guild, names in fd.command_syncs if guild is None]
        assert len(global_syncs) == 1
        assert {c["name"] for c in global_syncs[0]} >= {"account", "server", "backup", "help"}
        assert "admin" not in {c["name"] for c in global_syncs[0]}  # /admin needs GUILD_IDS (issue 8, item 8)
        await start_and_stop(fd, panel, env)
        assert len([1 for guild, _ in fd.command_syncs if guild is None]) == 1, "re-synced an unchanged tree"
        assert not [1 for guild, _ in fd.command_syncs if guild is not None]


async def test_guild_ids_sync_to_each_guild_at_every_start(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "ENCRYPTION_KEY": Fernet.generate_key().decode(), "GUILD_IDS": str(GUILD)}
    async with FakePanel() as panel, FakeDiscord(guild_ids=(GUILD,)) as fd:
        await start_and_stop(fd, panel, env)
        await start_and_stop(fd, panel, env)
        assert [guild for guild, _ in fd.command_syncs] == [GUILD, GUILD]
