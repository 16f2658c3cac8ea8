"""The ``/server status`` card (issue 8, "What users see"): a card for every state the panel can be in,
never an error for a suspended, installing or restoring server; no empty bars for an offline server; CPU
explained against its limit; when it was read; and the address players connect to.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import discord as discord_py
import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import linked_user, text_of
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

BARS = ("▰", "▱")
TIMESTAMP = re.compile(r"<t:(\d+):R>")


async def status(discord: FakeDiscord, user: FakeUser, identifier: str) -> dict[str, Any]:
    ix = await discord.slash(user, "server status", {"server": identifier}, guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    assert ix.ephemeral and ix.deferred
    assert message.get("embeds"), text_of(message)
    embed: dict[str, Any] = message["embeds"][0]
    return embed


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields") or []}


def card_text(embed: dict[str, Any]) -> str:
    return text_of({"embeds": [embed]})


@pytest.mark.parametrize(
    ("status_value", "says"),
    [
        ("suspended", "suspended"),
        ("installing", "being installed"),
        ("install_failed", "installation failed"),
        ("restoring_backup", "restoring a backup"),
    ],
)
async def test_a_server_the_panel_gates_gets_a_card_not_an_error(
    bot: Any,
    discord: FakeDiscord,
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Any,
    status_value: str,
    says: str,
) -> None:
    user, account = await linked_user(panel, users, link, "gated")
    name = f"Gated {status_value.replace('_', ' ')}"
    server = panel.add_server(account, name, status=status_value)
    embed = await status(discord, user, server.identifier)
    text = card_text(embed)
    assert name in embed["title"]
    assert server.identifier in text
    assert says in fields(embed)["State"], fields(embed)
    assert "cannot do that right now" not in text and "went wrong" not in text
    assert not any(bar in text for bar in BARS)


async def test_an_offline_server_shows_no_empty_bars(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "offline")
    server = panel.add_server(account, "Sleeping", memory=2048, cpu=200)
    embed = await status(discord, user, server.identifier)
    text = card_text(embed)
    assert embed["color"] == discord_py.Colour.red().value
    assert "offline" in fields(embed)["State"]
    assert not any(bar in text for bar in BARS), text
    assert "2.0 GiB" in text and "2 cores" in text  # what it is allocated, without usage bars


async def test_cpu_reads_against_its_limit_in_cores(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "cpu")
    server = panel.add_server(account, "Busy Box", state="running", cpu=200)
    cpu = fields(await status(discord, user, server.identifier))["CPU"]
    assert cpu.startswith("75% of 200% (2 cores)"), cpu
    unlimited = panel.add_server(account, "No Limit", state="running", cpu=0)
    cpu = fields(await status(discord, user, unlimited.identifier))["CPU"]
    assert "no limit" in cpu and not any(bar in cpu for bar in BARS), cpu


async def test_the_card_says_when_it_was_read_and_where_to_connect(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "addr")
    server = panel.add_server(account, "Joinable", state="running")
    allocation = panel.store.allocations[server.allocation_id]
    before = int(time.time())
    embed = await status(discord, user, server.identifier)
    text = card_text(embed)
    assert f"{allocation.ip}:{allocation.port}" in text
    stamp = TIMESTAMP.search(text)
    assert stamp is not None and before - 1 <= int(stamp.group(1)) <= time.time() + 1, text

    allocation.alias = "play.mygameserver.net"
    text = card_text(await status(discord, user, server.identifier))
    assert f"play.mygameserver.net:{allocation.port}" in text and allocation.ip not in text


async def test_the_card_title_is_escaped(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    """Issue 8, item 10: the status embed title shows panel text as text."""
    user, account = await linked_user(panel, users, link, "title")
    server = panel.add_server(account, "**Loud** __name__", state="running")
    embed = await status(discord, user, server.identifier)
    assert "\\*\\*Loud\\*\\*" in embed["title"] and "\\_\\_name\\_\\_" in embed["title"], embed["title"]
