"""``/help`` end to end: the real bot answers through the fake Discord, linked or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import text_of
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import ADMIN_PERMISSIONS, GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def test_help_describes_every_group_and_how_to_start(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser]
) -> None:
    user = users("newcomer")
    ix = await discord.slash(user, "help", guild_id=GUILD_ID)
    message = await ix.wait_final(5)

    assert ix.response_type == 4  # answered at once: /help touches no panel
    assert ix.ephemeral
    assert ix.latency is not None and ix.latency < 3
    text = text_of(message)
    assert "/account link" in text
    assert f"{panel.url}/account/api" in text
    assert "client" in text and "application key" in text
    assert "/admin" not in text  # issue 8: not listed to members who cannot use it
    for command in (
        "/account unlink",
        "/account info",
        "/server list",
        "/server status",
        "/server start",
        "/server stop",
        "/server restart",
        "/server kill",
        "/server command",
        "/server console",
    ):
        assert command in text, command
    # The bot does not know the panel yet and the member has no key to ask it with: renewal is listed, naming the
    # panel that offers it.
    assert "`/server renew` — Renew a server with your credits (Jexactyl v3;" in text
    # Every synced group a member may use appears with its subcommands, described from the live tree.
    for group in discord.synced_commands(GUILD_ID):
        if group.get("options") and group["options"][0].get("type") in (1, 2) and group["name"] != "admin":
            assert f"/{group['name']}" in text


async def test_help_lists_admin_to_those_who_can_use_it(
    bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser]
) -> None:
    ix = await discord.slash(users("boss"), "help", guild_id=GUILD_ID, member_permissions=ADMIN_PERMISSIONS)
    text = text_of(await ix.wait_final(5))
    assert "/admin user create" in text and "/admin user delete" in text


async def test_help_works_for_linked_users_too(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user = users()
    account = panel.add_user(f"helped{user.id % 10000}")
    await link(user, account.client_key)
    ix = await discord.slash(user, "help", guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    assert "/account link" in text_of(message)
    assert discord.find_in_payloads(account.client_key) == []
    # The first linked member's /help taught the bot the panel (one request, after deferring): a Pterodactyl
    # panel has no renewal, so it is not listed, to them or to anyone after.
    assert ix.response_type == 5 and "/server renew" not in text_of(message)
    assert [r.path for r in panel.requests].count("/api/client/permissions") == 1
    again = await discord.slash(users("later"), "help", guild_id=GUILD_ID)
    later = await again.wait_final(5)
    assert again.response_type == 4 and "/server renew" not in text_of(later)
