"""Helpers of the board and alert e2e modules: fast timings, a linked owner with servers, reading boards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pyjexactyl.testing import FakePanel, FakeServer
from pyjexactyl.testing import FakeUser as PanelUser
from tests.e2e.helpers import linked_user, text_of
from tests.fake_discord import FakeChannel, FakeDiscord, FakeUser, InteractionRecord
from tests.fake_discord import permissions as P
from tests.fake_discord.payloads import DEFAULT_MEMBER_PERMISSIONS

from .conftest import GUILD_ID

MANAGER = DEFAULT_MEMBER_PERMISSIONS | P.MANAGE_CHANNELS
"""An ordinary member's permissions plus Manage Channels: may add boards and alerts."""

STATE_GAP = 0.5
INTERVAL = 2.0


def tune(bot: Any) -> None:
    """Timings that let the tests run in seconds (the ratios stay as in production: state changes first)."""
    bot.watch.stagger = 0.0
    bot.watch.linger = 0.0
    bot.watch.tick = 0.05
    bot.watch.reconnect_timeout = 0.5
    bot.watch.retry_backoff = (0.3, 1.0)
    bot.watchers.boards.interval = INTERVAL
    bot.watchers.boards.state_gap = STATE_GAP
    bot.watchers.alerts.crash_settle = 0.3
    bot.watchers.alerts.unreachable = 1.5


@dataclass
class Owner:
    """A linked Discord user with their own panel account."""

    user: FakeUser
    account: PanelUser

    def server(self, panel: FakePanel, name: str = "Survival", **fields: Any) -> FakeServer:
        return panel.add_server(self.account, name, **fields)


async def new_owner(
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Callable[[FakeUser, str], Awaitable[InteractionRecord]],
    prefix: str = "owner",
) -> Owner:
    user, account = await linked_user(panel, users, link, prefix)
    return Owner(user, account)


async def owner_server_channel(
    discord: FakeDiscord,
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Callable[[FakeUser, str], Awaitable[InteractionRecord]],
    prefix: str,
    server_name: str,
    channel_name: str,
    **fields: Any,
) -> tuple[Owner, FakeServer, FakeChannel]:
    """A new linked owner, a running server of theirs named ``server_name`` (with ``fields``), and a new text
    channel ``channel_name``: where most board and alert tests start."""
    owner = await new_owner(panel, users, link, prefix)
    server = owner.server(panel, server_name, state="running", **fields)
    channel = await discord.add_channel(channel_name)
    return owner, server, channel


async def command(
    discord: FakeDiscord, user: FakeUser, name: str, *, permissions: int | None = MANAGER, **options: Any
) -> InteractionRecord:
    """Runs ``/name`` in the test guild as a member with ``permissions`` (Manage Channels by default)."""
    ix = await discord.slash(user, name, options=options or None, guild_id=GUILD_ID, member_permissions=permissions)
    await ix.wait_final(10)
    return ix


def embed_text(message: dict[str, Any] | None) -> str:
    return text_of(message)


def board_id_of(ix: InteractionRecord) -> int:
    """The ``#N`` the bot's answer names."""
    text = text_of(ix.final)
    start = text.index("`#") + 2
    return int(text[start : text.index("`", start)])
