"""Paginated embeds. A page source formats one slice; the :class:`Paginator` view only navigates.

Buttons: first, previous, page x/y (opens a jump-to-page modal), next, last. Only the invoker may press
them; they disable themselves after 3 minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import discord

from ..errors import STALE_LINK
from .base import BotModal, BotView, link_is_current

if TYPE_CHECKING:
    from ..storage import LinkedAccount

T = TypeVar("T")
log = logging.getLogger("bot.ui.paginator")


class PageSource(Generic[T]):
    """Knows how many pages there are and renders one as an embed."""

    def page_count(self) -> int:
        raise NotImplementedError

    async def render(self, page: int) -> discord.Embed:
        """The embed for ``page`` (0-based)."""
        raise NotImplementedError


class ListPageSource(PageSource[T]):
    """Pages over a list already in memory.

    Args:
        items: Everything to show.
        per_page: Items per page.
        format_page: Coroutine turning one slice into an embed: ``(items, page, pages) -> Embed``.
    """

    def __init__(
        self,
        items: Sequence[T],
        per_page: int,
        format_page: Callable[[Sequence[T], int, int], Awaitable[discord.Embed]],
    ) -> None:
        self.items = items
        self.per_page = per_page
        self._format = format_page

    def page_count(self) -> int:
        return max(1, -(-len(self.items) // self.per_page))

    async def render(self, page: int) -> discord.Embed:
        start = page * self.per_page
        return await self._format(self.items[start : start + self.per_page], page, self.page_count())


class _JumpModal(BotModal, title="Go to page"):
    number: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Page number", min_length=1, max_length=6)

    def __init__(self, origin: discord.Interaction[Any], paginator: Paginator[Any]) -> None:
        super().__init__(origin, timeout=120)
        self.paginator = paginator
        self.number.placeholder = f"1 to {paginator.source.page_count()}"

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        link = self.paginator.link
        if link is not None and not await link_is_current(interaction, link):
            interaction.extras["outcome"] = "rejected:stale-link"
            await interaction.response.send_message(STALE_LINK, ephemeral=True)
            self.paginator.stop()
            return
        pages = self.paginator.source.page_count()
        try:
            page = int(str(self.number.value).strip())
        except ValueError:
            page = 0
        if not 1 <= page <= pages:
            await interaction.response.send_message(f"Pick a page from 1 to {pages}.", ephemeral=True)
            return
        await self.paginator.show(interaction, page - 1)


class Paginator(BotView, Generic[T]):
    """Navigation buttons over a :class:`PageSource`.

    Args:
        source: What to show.
        origin: The (deferred) interaction the pages answer; only its user may press the buttons.
        timeout: Seconds of inactivity before the buttons disable themselves.
        link: The panel link the pages were read with: after an unlink or a re-link the buttons refuse.
    """

    not_yours = "Only the person who ran the command can turn these pages."

    def __init__(
        self,
        source: PageSource[T],
        origin: discord.Interaction[Any],
        *,
        timeout: float = 180.0,
        link: LinkedAccount | None = None,
    ) -> None:
        super().__init__(origin, timeout=timeout, link=link)
        self.source = source
        self.page = 0
        self.message: discord.Message | None = None
        self._origin: discord.Interaction[Any] | None = None

    async def start(self, interaction: discord.Interaction[Any]) -> None:
        """Sends page 1 as the answer to a deferred interaction (ephemeral)."""
        self._origin = interaction
        embed = await self.source.render(0)
        self._update_buttons()
        if self.source.page_count() <= 1:
            self.stop()
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        self.message = await interaction.followup.send(embed=embed, view=self, ephemeral=True, wait=True)

    def _update_buttons(self) -> None:
        pages = self.source.page_count()
        self.first.disabled = self.previous.disabled = self.page <= 0
        self.next.disabled = self.last.disabled = self.page >= pages - 1
        self.counter.label = f"{self.page + 1}/{pages}"

    async def show(self, interaction: discord.Interaction[Any], page: int) -> None:
        """Shows ``page`` (0-based) in answer to a button or the jump modal."""
        self.page = max(0, min(page, self.source.page_count() - 1))
        await interaction.response.defer()
        embed = await self.source.render(self.page)
        self._update_buttons()
        await interaction.edit_original_response(embed=embed, view=self)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self._origin is not None and self.message is not None:
            try:
                await self._origin.followup.edit_message(self.message.id, view=self)
            except discord.HTTPException as exc:
                log.debug("could not disable paginator buttons: %s", exc)

    @discord.ui.button(label="≪", style=discord.ButtonStyle.secondary)
    async def first(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self.show(interaction, 0)

    @discord.ui.button(label="‹", style=discord.ButtonStyle.primary)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self.show(interaction, self.page - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary)
    async def counter(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(_JumpModal(interaction, self))

    @discord.ui.button(label="›", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self.show(interaction, self.page + 1)

    @discord.ui.button(label="≫", style=discord.ButtonStyle.secondary)
    async def last(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]) -> None:
        await self.show(interaction, self.source.page_count() - 1)
