"""``GET /health``: 200 only while the gateway session is live and the database answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from cryptography.fernet import Fernet

from bot.app import JexactylBot
from bot.clients import PanelClients
from bot.config import load_config
from bot.crypto import KeyVault
from bot.discord_endpoints import reset_discord_endpoints
from bot.health import HealthServer, probe, probe_main
from bot.runtime import run_bot
from bot.storage import Storage
from pyjexactyl.testing import FakePanel
from tests.bot.helpers import free_port
from tests.fake_discord import FakeDiscord, bot_token

GUILD_ID = 910000000000000001


@pytest_asyncio.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guild_ids=(GUILD_ID,)) as fake:
        yield fake


async def get(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def status_once(url: str) -> tuple[int, dict[str, Any]]:
    """``GET /health`` (the health server is up: it starts before the bot connects)."""
    return await get(url)


async def test_not_ready_closing_and_closed_store(panel: FakePanel, tmp_path: Path) -> None:
    config = load_config(
        {"DISCORD_TOKEN": bot_token(), "PANEL_URL": panel.url, "DATA_DIR": str(tmp_path)}, dotenv_path=None
    )
    storage = await Storage.open(tmp_path / "bot.db")
    vault = KeyVault([Fernet.generate_key()])
    bot = JexactylBot(config=config, storage=storage, vault=vault, panels=PanelClients(panel.url, storage, vault))
    server = HealthServer(bot, storage, port=0)
    await server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
        code, body = await get(server.url)
        assert (code, body) == (
            503,
            {"status": "unavailable", "gateway": "disconnected", "store": "ok", "latency_ms": None},
        )
        assert await asyncio.to_thread(probe, "127.0.0.1", server.port) == (
            False,
            "unhealthy (HTTP 503): status=unavailable, gateway=disconnected, store=ok, latency_ms=None",
        )
        bot.begin_shutdown()
        assert (await get(server.url))[1]["gateway"] == "closing"
        await storage.close()
        code, body = await get(server.url)
        assert code == 503 and body["store"] == "unavailable"
    finally:
        await server.stop()
        await storage.close()


async def test_health_follows_the_gateway_and_the_store(panel: FakePanel, discord: FakeDiscord, tmp_path: Path) -> None:
    port = free_port()
    env = {
        "DISCORD_TOKEN": discord.token,
        "PANEL_URL": panel.url,
        "DATA_DIR": str(tmp_path),
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "GUILD_IDS": str(GUILD_ID),
        "DISCORD_API_BASE": discord.api_base,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        "HEALTH_PORT": str(port),
        "PANEL_TIMEOUT": "7",
    }
    config = load_config(env, dotenv_path=None)
    started: list[Any] = []

    async def identify_now(shard_id: int | None, initial: bool) -> None:
        pass  # discord.py waits 5 s before a re-IDENTIFY (Discord's identify limit); not against the fake

    def on_start(bot: JexactylBot) -> None:
        started.append(bot)
        bot.before_identify_hook = identify_now  # type: ignore[method-assign]

    # on_ready 0.3 s after the last GUILD_CREATE instead of discord.py's default 2 s (a public Client option).
    task = asyncio.create_task(run_bot(config, on_start=on_start, bot_options={"guild_ready_timeout": 0.3}))
    url = f"http://127.0.0.1:{port}/health"
    try:
        await discord.wait_ready(10)  # IDENTIFY answered: the health server is up, READY not yet dispatched
        bot: JexactylBot = started[0]
        await bot.wait_gateway(True, 10)
        code, body = await status_once(url)
        assert code == 200 and body["status"] == "ok" and body["gateway"] == "connected" and body["store"] == "ok"
        assert set(body) == {"status", "gateway", "store", "latency_ms"}
        assert await asyncio.to_thread(probe_main, {"HEALTH_PORT": str(port)}) == 0
        assert bot.panels.timeout == 7.0  # run_bot hands PANEL_TIMEOUT to the panel clients

        # The gateway drops and the session cannot be resumed: 503 until the bot is READY again.
        discord.drop_gateway(resumable=False)
        await bot.wait_gateway(False, 3)
        code, body = await status_once(url)
        assert code == 503 and body["gateway"] == "disconnected" and body["latency_ms"] is None
        await discord.wait_ready(10)
        await bot.wait_gateway(True, 10)
        assert (await status_once(url))[0] == 200
        assert discord.identify_count == 2

        # The database goes away: 503 at once.
        await bot.storage.close()
        code, body = await status_once(url)
        assert code == 503
        assert body == {
            "status": "unavailable",
            "gateway": "connected",
            "store": "unavailable",
            "latency_ms": body["latency_ms"],
        }
    finally:
        if started:
            await started[0].close()
        await asyncio.wait_for(task, 10)
        reset_discord_endpoints()
    # Stopped with the bot.
    code = await asyncio.to_thread(probe_main, {"HEALTH_PORT": str(port)})
    assert code == 1
