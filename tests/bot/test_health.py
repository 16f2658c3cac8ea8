"""``GET /health``: 200 only while the gateway session is live and the database answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from cryptography.fernet import Fernet

from bot.__main__ import run_bot
from bot.app import JexactylBot
from bot.clients import PanelClients
from bot.config import load_config
from bot.crypto import KeyVault
from bot.discord_endpoints import reset_discord_endpoints
from bot.health import HealthServer, probe, probe_main
from bot.storage import Storage
from pyjexactyl.testing import FakePanel
from tests.bot.helpers import free_port
from tests.fake_discord import FakeDiscord

GUILD_ID = 910000000000000001


@pytest_asyncio.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guild_ids=(GUILD_ID,)) as fake:
        yield fake


async def get(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


async def wait_status(url: str, status: int, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            code, body = await get(url)
        except aiohttp.ClientConnectionError as exc:
            last = exc
        else:
            if code == status:
                return body
            last = (code, body)
        await asyncio.sleep(0.02)
    raise AssertionError(f"health never answered {status}; last: {last}")


async def test_not_ready_closing_and_closed_store(panel: FakePanel, tmp_path: Path) -> None:
    config = load_config(
        {"DISCORD_TOKEN": "x" * 20, "PANEL_URL": panel.url, "DATA_DIR": str(tmp_path)}, dotenv_path=None
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
        bot._connection.guild_ready_timeout = 0.3  # on_ready 0.3 s after the last GUILD_CREATE instead of 2 s

    task = asyncio.create_task(run_bot(config, on_start=on_start))
    url = f"http://127.0.0.1:{port}/health"
    try:
        # Before READY (and the guild_ready_timeout after it): 503.
        first = await wait_status(url, 503)
        assert first["status"] == "unavailable" and first["store"] == "ok"
        body = await wait_status(url, 200)
        assert body["status"] == "ok" and body["gateway"] == "connected" and body["store"] == "ok"
        assert set(body) == {"status", "gateway", "store", "latency_ms"}
        assert await asyncio.to_thread(probe_main, {"HEALTH_PORT": str(port)}) == 0
        assert started[0].panels.timeout == 7.0  # run_bot hands PANEL_TIMEOUT to the panel clients

        # The gateway drops and the session cannot be resumed: 503 until the bot is READY again.
        discord.drop_gateway(resumable=False)
        body = await wait_status(url, 503, timeout=3)
        assert body["gateway"] == "disconnected" and body["latency_ms"] is None
        await discord.wait_ready(10)
        await wait_status(url, 200)
        assert discord.identify_count == 2

        # The database goes away: 503.
        bot: JexactylBot = started[0]
        await bot.storage.close()
        body = await wait_status(url, 503, timeout=3)
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
