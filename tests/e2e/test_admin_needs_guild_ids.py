"""``/admin`` needs ``GUILD_IDS`` (issue 8, item 8).

Without ``GUILD_IDS`` the bot's commands are global: anyone may invite the bot to a guild they created, where
they are Administrator, and pass the Discord half of the ``/admin`` gate. So without it ``/admin`` is off: it
is not registered at all, ``/help`` does not mention it, and the start-up log says why and what to set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.helpers import text_of
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import ADMIN_PERMISSIONS, GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

BOT_ENV = {"GUILD_IDS": ""}


async def test_admin_is_not_registered_without_guild_ids(
    bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser], log_records: list[str]
) -> None:
    assert bot.config.guild_ids == ()
    synced = {command["name"] for command in discord.synced_commands(None)}
    assert {"account", "server", "backup", "help"} <= synced
    assert "admin" not in synced
    with pytest.raises(LookupError):
        await discord.slash(users("owner"), "admin user list", guild_id=GUILD_ID, member_permissions=ADMIN_PERMISSIONS)
    assert any("/admin is off" in line and "GUILD_IDS" in line for line in log_records), "no start-up warning"


async def test_help_does_not_offer_admin_without_guild_ids(
    bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser]
) -> None:
    ix = await discord.slash(users("owner"), "help", guild_id=GUILD_ID, member_permissions=ADMIN_PERMISSIONS)
    assert "/admin" not in text_of(await ix.wait_final(5))
