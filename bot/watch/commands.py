"""What ``/board`` and ``/alert`` handle alike: finding the row a user picked (in this guild only), letting its
owner or a manager remove it, listing a guild's rows a page at a time, and suggesting them as the user types.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

import discord
from discord import app_commands

from bot.embeds import make_embed
from bot.errors import UserFacingError
from bot.ui.paginator import ListPageSource, Paginator

from .channels import require_manager

__all__ = ["GuildRow", "find_row", "require_owner_or_manager", "row_choices", "send_row_list"]

PER_PAGE = 10
"""Rows per page of ``/board list`` and ``/alert list``."""
SUGGESTION_WAIT = 2.0
"""Seconds an autocomplete waits for the guild's rows before it suggests nothing."""


class GuildRow(Protocol):
    """A board or an alert, as far as the shared handling needs it."""

    @property
    def id(self) -> int: ...

    @property
    def guild_id(self) -> int: ...

    @property
    def channel_id(self) -> int: ...

    @property
    def owner_id(self) -> int: ...


RowT = TypeVar("RowT", bound=GuildRow)


async def find_row(
    interaction: discord.Interaction[Any],
    value: str,
    load: Callable[[int], Awaitable[RowT | None]],
    missing: str,
) -> RowT:
    """The row the user picked (``12`` or ``#12``), if it belongs to this guild.

    Raises:
        UserFacingError: with ``missing`` when there is no such row in this guild.
    """
    wanted = value.strip().lstrip("#")
    row = await load(int(wanted)) if wanted.isdigit() else None
    if row is None or row.guild_id != interaction.guild_id:
        raise UserFacingError(missing)
    return row


def require_owner_or_manager(
    interaction: discord.Interaction[Any], row: GuildRow, admin_role_ids: Sequence[int]
) -> None:
    """Lets the row's owner through; anyone else must be allowed to manage boards and alerts.

    Raises:
        UserFacingError: with :data:`bot.watch.channels.MANAGER_REFUSED`.
    """
    if row.owner_id != interaction.user.id:
        require_manager(interaction, admin_role_ids)


async def send_row_list(
    interaction: discord.Interaction[Any],
    rows: Sequence[RowT],
    *,
    title: str,
    empty: str,
    line: Callable[[RowT], str],
) -> None:
    """Answers a deferred ``list`` command: ``empty`` when there are no rows, else ``line`` of each row,
    :data:`PER_PAGE` to a page."""
    if not rows:
        await interaction.followup.send(embed=make_embed(title, empty), ephemeral=True)
        return

    async def format_page(items: Sequence[Any], page: int, pages: int) -> discord.Embed:
        text = "\n".join(line(row) for row in items)
        return make_embed(title, text, footer=f"{len(rows)} in this server · page {page + 1} of {pages}")

    await Paginator(ListPageSource(rows, PER_PAGE, format_page), interaction).start(interaction)


async def row_choices(
    interaction: discord.Interaction[Any],
    current: str,
    load: Callable[[int], Awaitable[Sequence[RowT]]],
    label: Callable[[RowT], str],
    *,
    what: str,
    log: logging.Logger,
) -> list[app_commands.Choice[str]]:
    """This guild's rows whose suggestion (``#12 · <label> in #channel``) contains what was typed; none if the
    rows do not load within :data:`SUGGESTION_WAIT` (an autocomplete cannot show an error)."""
    if interaction.guild_id is None:
        return []
    try:
        rows = await asyncio.wait_for(load(interaction.guild_id), SUGGESTION_WAIT)
    except Exception as exc:
        log.debug("no %s suggestions: %r", what, exc)
        return []
    needle = current.strip().casefold()
    choices = []
    for row in rows:
        channel = interaction.guild.get_channel(row.channel_id) if interaction.guild else None
        where = f"#{channel.name}" if channel is not None else "a channel"
        name = f"#{row.id} · {label(row)} in {where}"
        if not needle or needle in name.casefold():
            choices.append(app_commands.Choice(name=name[:100], value=str(row.id)))
    return choices[:25]
