"""``/server command`` end to end (the console, an offline server, the option's length), what every ``/server``
command says to a user who is not linked, and the ``/server`` commands the bot syncs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import audit_for, text_of
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import GUILD_ID
from .server_helpers import (
    Player,
    assert_answered_well,
    run,
)

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def test_command_reaches_the_console_and_is_audited(
    bot: Any, discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    server = panel.add_server(player.account, "Chatty", state="running")
    ix = await run(discord, player, "server command", server=server.identifier, command="say hello *world*")
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "Chatty" in text_of(message) and "say hello" in text_of(message)
    assert server.console[-1] == "say hello *world*"
    audit = await audit_for(bot, player.discord_user)
    assert any(e.action == "server.command" and e.detail == "say hello *world*" for e in audit)


async def test_command_to_an_offline_server_says_start_it_first(
    discord: FakeDiscord, panel: FakePanel, player: Player
) -> None:
    server = panel.add_server(player.account, "Sleepy")
    ix = await run(discord, player, "server command", server=server.identifier, command="list")
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "start it first" in text_of(message)
    assert server.console == []


async def test_command_option_is_limited_to_1000_characters(discord: FakeDiscord, player: Player) -> None:
    commands = discord.synced_commands(GUILD_ID)
    group = next(c for c in commands if c["name"] == "server")
    sub = next(o for o in group["options"] if o["name"] == "command")
    option = next(o for o in sub["options"] if o["name"] == "command")
    assert option["max_length"] == 1000 and option["min_length"] == 1


async def test_every_server_command_when_not_linked(discord: FakeDiscord, users: Callable[..., FakeUser]) -> None:
    stranger = users("stranger")
    for command, options in [
        ("server list", {}),
        ("server status", {"server": "abcd1234"}),
        ("server start", {"server": "abcd1234"}),
        ("server command", {"server": "abcd1234", "command": "list"}),
    ]:
        ix = await run(discord, stranger, command, **options)
        message = await ix.wait_final(5)
        assert_answered_well(ix)
        assert "not linked a panel account" in text_of(message), command


async def test_the_list_of_synced_server_commands(discord: FakeDiscord) -> None:
    group = next(c for c in discord.synced_commands(GUILD_ID) if c["name"] == "server")
    names = sorted(o["name"] for o in group["options"])
    assert names == ["command", "console", "kill", "list", "renew", "restart", "start", "status", "stop"]
