"""Gateway faults: the fake Discord cuts the bot's websocket; the bot reconnects (RESUME, or a new IDENTIFY when
the session cannot be resumed) and keeps serving commands, including an interaction sent while it was away and
one that was in flight when the connection dropped.

discord.py waits 5 s before any IDENTIFY after the first (``before_identify_hook``); the bot instance's hook is
replaced here so the re-IDENTIFY test does not spend those 5 s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import Player, link_account, new_account, text_of
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(autouse=True)
def _clean(discord: FakeDiscord, panel: FakePanel) -> Iterator[None]:
    yield
    panel.set_latency(0.0)
    for ix in discord.interactions:
        assert len(ix.callbacks) == 1, ix.describe()
    discord.assert_clean()


@pytest_asyncio.fixture(loop_scope="module")
async def fast_identify(bot: Any) -> AsyncIterator[None]:
    async def no_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    bot.before_identify_hook = no_wait
    yield
    del bot.before_identify_hook


@pytest_asyncio.fixture(loop_scope="module")
async def player(bot: Any, panel: FakePanel, users: Callable[..., FakeUser], link: Any) -> Player:
    user = users("gw")
    account = new_account(panel, user, "gw")
    server = panel.add_server(account, f"Gateway {user.id % 1000}", state="running")
    await link_account(link, user, account)
    return Player(user, account, server)


async def status(discord: FakeDiscord, player: Player) -> InteractionRecord:
    return await discord.slash(
        player.user, "server status", options={"server": player.server.identifier}, guild_id=GUILD_ID
    )


async def assert_serves(discord: FakeDiscord, player: Player) -> None:
    ix = await status(discord, player)
    message = await ix.wait_final(5)
    assert ix.deferred and ix.ephemeral and ix.latency is not None and ix.latency < 3, ix.describe()
    assert player.server.name in text_of(message, footer=False)


async def test_aborted_connection_is_resumed(bot: Any, discord: FakeDiscord, player: Player) -> None:
    await assert_serves(discord, player)
    identifies, resumes = discord.identify_count, discord.resume_count
    discord.drop_gateway()  # TCP abort, no close frame
    await discord.wait_ready(10)
    assert discord.resume_count == resumes + 1 and discord.identify_count == identifies
    await assert_serves(discord, player)
    assert not bot.is_closed()


@pytest.mark.parametrize("code", [1001, 4000, 4008])
async def test_close_frames_are_resumed(discord: FakeDiscord, player: Player, code: int) -> None:
    resumes = discord.resume_count
    discord.drop_gateway(code=code)
    await discord.wait_ready(10)
    assert discord.resume_count == resumes + 1
    await assert_serves(discord, player)


async def test_session_that_cannot_be_resumed_is_identified_again(
    bot: Any, discord: FakeDiscord, player: Player, fast_identify: None
) -> None:
    identifies = discord.identify_count
    discord.drop_gateway(resumable=False)
    await discord.wait_ready(10)
    assert discord.identify_count == identifies + 1
    await assert_serves(discord, player)
    # Nothing is synced again on a reconnect; the tree was synced once at start.
    assert len([s for s in discord.command_syncs if s[0] == GUILD_ID]) == 1


async def test_interaction_sent_while_disconnected_is_answered_after_the_resume(
    discord: FakeDiscord, player: Player
) -> None:
    discord.drop_gateway()
    ix = await status(discord, player)  # buffered by the fake, replayed on RESUME
    await discord.wait_ready(10)
    message = await ix.wait_final(5)
    assert ix.latency is not None and ix.latency < 3 and ix.deferred
    assert player.server.name in text_of(message, footer=False)


async def test_command_in_flight_during_a_drop_still_answers(
    discord: FakeDiscord, panel: FakePanel, player: Player, fast_identify: None
) -> None:
    await assert_serves(discord, player)  # the server list is cached
    panel.set_latency(0.5)
    ix = await status(discord, player)
    await ix.wait_callback(3)  # deferred; the panel calls are under way
    discord.drop_gateway(resumable=False)
    message = await ix.wait_final(5)  # answers go over REST, not the gateway
    assert player.server.name in text_of(message, footer=False)
    await discord.wait_ready(10)
    panel.set_latency(0.0)
    await assert_serves(discord, player)


async def test_repeated_drops(discord: FakeDiscord, player: Player, fast_identify: None) -> None:
    for round_ in range(4):
        discord.drop_gateway(resumable=round_ % 2 == 0)
        await discord.wait_ready(10)
        await assert_serves(discord, player)
    # Heartbeats go to the live connection only; nothing the fake did not understand was sent.
    assert not discord.unhandled
