"""Per-user panel clients (issue 8, item 6): one connection pool shared by every user's client, and idle
clients closed (least recently used first, and after an idle timeout), without closing the shared pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import linked_user, text_of
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def status_ok(discord: FakeDiscord, user: FakeUser, identifier: str) -> None:
    ix = await discord.slash(user, "server status", {"server": identifier}, guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    assert identifier in text_of(message), text_of(message)


async def test_every_users_client_shares_one_connection_pool(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    players = []
    for _ in range(12):
        user, account = await linked_user(panel, users, link, "pool")
        players.append((user, panel.add_server(account, "Pooled", state="running")))
    panel.clear_requests()
    for user, server in players:
        await status_ok(discord, user, server.identifier)
    peers = {r.peer for r in panel.requests}
    assert None not in peers
    # 12 users one after the other: a shared keep-alive pool reuses its connections (a status makes two
    # requests at once, so two); one session per user would open at least one connection each.
    assert len(peers) <= 4, f"{len(peers)} connections for 12 users"


async def test_idle_clients_are_closed_and_the_pool_survives(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    first, first_account = await linked_user(panel, users, link, "idle")
    second, second_account = await linked_user(panel, users, link, "idle")
    one = panel.add_server(first_account, "Idle One", state="running")
    two = panel.add_server(second_account, "Idle Two", state="running")
    await status_ok(discord, first, one.identifier)
    await status_ok(discord, second, two.identifier)
    assert bot.panels.cached >= 2

    old = bot.panels.idle_timeout
    bot.panels.idle_timeout = 0.0
    try:
        closed = await bot.panels.sweep()
    finally:
        bot.panels.idle_timeout = old
    assert closed >= 2 and bot.panels.cached == 0
    # Closing users' clients leaves the shared pool open: the next command simply makes a new client.
    await status_ok(discord, first, one.identifier)
    await status_ok(discord, second, two.identifier)
    assert bot.panels.cached == 2


async def test_the_cache_of_clients_is_bounded(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    old = bot.panels.max_clients
    bot.panels.max_clients = 3
    try:
        for _ in range(6):
            user, account = await linked_user(panel, users, link, "lru")
            await status_ok(discord, user, panel.add_server(account, "Bounded", state="running").identifier)
            assert bot.panels.cached <= 3
    finally:
        bot.panels.max_clients = old
