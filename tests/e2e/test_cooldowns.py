"""Cooldowns (issue 8, item 7): one power cooldown per user and server across every signal, and a small
per-user rate for console commands; each refusal is one ephemeral sentence with the time to wait."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import linked_user, text_of, wait_finished, wait_message
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

RETRY = re.compile(r"try again in \d+ s")


def power_requests(panel: FakePanel, identifier: str) -> int:
    return sum(1 for r in panel.requests if r.path.endswith(f"/servers/{identifier}/power"))


async def test_every_power_signal_shares_one_cooldown_per_server(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "masher")
    alpha = panel.add_server(account, "Alpha", state="running")
    beta = panel.add_server(account, "Beta")
    panel.clear_requests()

    first = await discord.slash(user, "server restart", {"server": alpha.identifier}, guild_id=GUILD_ID)
    await first.wait_final(5)
    for command in ("server stop", "server start", "server kill", "server restart"):
        # by name, too: the cooldown follows the server, not what was typed
        refused = await discord.slash(user, command, {"server": "alpha"}, guild_id=GUILD_ID)
        message = await refused.wait_final(5)
        text = text_of(message)
        assert RETRY.search(text), (command, text)
        assert alpha.identifier in text and "Kill" not in text, (command, text)
        assert refused.ephemeral
    other = await discord.slash(user, "server start", {"server": beta.identifier}, guild_id=GUILD_ID)
    await wait_message(other, "is now running")  # another server has its own cooldown
    await wait_message(first, "is now running")
    await wait_finished(bot, discord, user)
    assert power_requests(panel, alpha.identifier) == 1
    assert power_requests(panel, beta.identifier) == 1


async def test_console_commands_have_a_per_user_rate(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "spammer")
    server = panel.add_server(account, "Chat", state="running")
    answers = []
    for index in range(10):
        ix = await discord.slash(
            user, "server command", {"server": server.identifier, "command": f"say {index}"}, guild_id=GUILD_ID
        )
        answers.append(text_of(await ix.wait_final(5)))
    refused = [a for a in answers if RETRY.search(a)]
    assert refused, answers
    assert len(server.console) == 10 - len(refused) >= 3
