"""``/board``: public status messages the bot keeps current (:mod:`bot.watch.boards`).

Adding and removing boards is for members with Manage Channels or an ``ADMIN_ROLE_IDS`` role; a board runs
with its creator's linked key (the server is re-resolved against the creator's own list). The bot checks its
own View Channel, Send Messages and Embed Links in the target channel before it posts anything.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.watch.channels import classify, require_manager, target_channel
from bot.watch.commands import find_row, require_owner_or_manager, row_choices, send_row_list
from bot.watch.render import OverviewLine, board_embed, overview_embed, safe
from bot.watch.store import BoardRow

if TYPE_CHECKING:
    from bot.app import JexactylBot

log = logging.getLogger("cogs.board")

MAX_BOARDS = 100
"""Boards per guild at most."""
READY_WAIT = 3.0
"""Seconds ``/board add`` waits for the server's console before posting (it posts "connecting" after)."""
SERVER_HELP = "Your server: pick one from the suggestions"
CHANNEL_HELP = "Where to post it (default: this channel)"


async def post(channel: discord.TextChannel, embed: discord.Embed) -> discord.Message:
    """Posts a board; a refusal becomes a sentence for the user."""
    try:
        return await channel.send(embed=embed, allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException as exc:
        why = "it refused" if classify(exc) == "forbidden" else "it failed"
        raise UserFacingError(
            f"Discord did not let me post in {channel.mention} ({why}: {exc.status}). Check the bot's permissions "
            "there and try again."
        ) from None


def describe(row: BoardRow, status: str) -> str:
    """One line of ``/board list``."""
    what = f"**{safe(row.server_name)}** `{row.server_id}`" if row.kind == "server" else "**overview**"
    link = f"https://discord.com/channels/{row.guild_id}/{row.channel_id}/{row.message_id}"
    return f"`#{row.id}` {what} in <#{row.channel_id}> · by <@{row.owner_id}> · {status} · [message]({link})"


class Board(commands.GroupCog, group_name="board", group_description="Live status messages for your servers"):
    """Status boards."""

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot
        super().__init__()

    async def _checked(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel | None
    ) -> discord.TextChannel:
        require_manager(interaction, self.bot.config.admin_role_ids)
        target = target_channel(interaction, channel)
        assert interaction.guild_id is not None
        if len(await self.bot.watchers.store.boards(interaction.guild_id)) >= MAX_BOARDS:
            raise UserFacingError(
                f"This server has {MAX_BOARDS} boards already: remove one with `/board remove` first."
            )
        return target

    @app_commands.command(name="add")
    @app_commands.describe(server=SERVER_HELP, channel=CHANNEL_HELP)
    async def board_add(
        self, interaction: discord.Interaction[Any], server: str, channel: discord.TextChannel | None = None
    ) -> None:
        """Post a public status message for a server and keep it current."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await self._checked(interaction, channel)
        user_id = interaction.user.id
        panel = await self.bot.panels.for_user(user_id)
        ref = await self.bot.servers.resolve(user_id, panel.api, server)
        hub = self.bot.watch
        sub = await hub.subscribe(user_id, ref.identifier, purpose="board", details=True)
        try:
            snapshot = await sub.wait_ready(READY_WAIT)
            if snapshot.link == "connected":
                try:
                    await hub.wait_for(lambda: sub.snapshot.details is not None or not sub.snapshot.watchable, 2.0)
                except TimeoutError:
                    pass
            boards = self.bot.watchers.boards
            embed = board_embed(
                sub.snapshot,
                fallback_name=ref.name,
                interval=boards.interval,
                renewal_warn_days=self.bot.config.renewal_warn_days,
            )
            message = await post(target, embed)
            row = await self.bot.watchers.store.add_board(
                guild_id=target.guild.id,
                channel_id=target.id,
                message_id=message.id,
                owner_id=user_id,
                kind="server",
                server_id=ref.identifier,
                server_name=ref.name,
            )
        except BaseException:
            sub.close()
            raise
        await boards.added(row, sub)
        await self.bot.storage.add_audit(
            "board.add", discord_user_id=user_id, target=ref.identifier, detail=f"board {row.id} in {target.id}"
        )
        note = ""
        if sub.snapshot.pause is not None:
            note = f"\nIt shows “{sub.snapshot.pause.sentence}” for now."
        await interaction.followup.send(
            f"Board `#{row.id}` for **{safe(ref.name)}** posted in {target.mention}: {message.jump_url}{note}",
            ephemeral=True,
        )

    @app_commands.command(name="overview")
    @app_commands.describe(channel=CHANNEL_HELP)
    async def board_overview(
        self, interaction: discord.Interaction[Any], channel: discord.TextChannel | None = None
    ) -> None:
        """Post one public message covering every server your key can see."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = await self._checked(interaction, channel)
        user_id = interaction.user.id
        panel = await self.bot.panels.for_user(user_id)
        servers = await self.bot.servers.all(user_id, panel.api, fresh=True)
        lines = [OverviewLine(s.identifier, s.name, None) for s in servers[:40]]
        message = await post(target, overview_embed(lines, more=max(0, len(servers) - 40), updated_at=None))
        row = await self.bot.watchers.store.add_board(
            guild_id=target.guild.id,
            channel_id=target.id,
            message_id=message.id,
            owner_id=user_id,
            kind="overview",
            server_id=None,
            server_name="",
        )
        await self.bot.watchers.boards.added(row, None)
        await self.bot.storage.add_audit(
            "board.overview", discord_user_id=user_id, target=f"{len(servers)} servers", detail=f"board {row.id}"
        )
        await interaction.followup.send(
            f"Overview board `#{row.id}` posted in {target.mention}: {message.jump_url}", ephemeral=True
        )

    @app_commands.command(name="list")
    async def board_list(self, interaction: discord.Interaction[Any]) -> None:
        """Show this server's status boards."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        rows = await self.bot.watchers.store.boards(interaction.guild_id)
        manager = self.bot.watchers.boards
        await send_row_list(
            interaction,
            rows,
            title="Status boards",
            empty="No boards yet: add one with `/board add` or `/board overview`.",
            line=lambda row: describe(row, manager.status_of(row.id)),
        )

    @app_commands.command(name="remove")
    @app_commands.describe(board="The board to delete: pick one from the suggestions")
    async def board_remove(self, interaction: discord.Interaction[Any], board: str) -> None:
        """Delete a status board (its message too)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        row = await find_row(
            interaction,
            board,
            self.bot.watchers.store.board,
            "No such board in this server: pick one from the suggestions (`/board list`).",
        )
        require_owner_or_manager(interaction, row, self.bot.config.admin_role_ids)
        await self.bot.watchers.boards.remove(row.id, delete_message=True)
        await self.bot.storage.add_audit(
            "board.remove",
            discord_user_id=interaction.user.id,
            target=row.server_id or "overview",
            detail=f"board {row.id}",
        )
        await interaction.followup.send(f"Board `#{row.id}` removed.", ephemeral=True)

    @board_remove.autocomplete("board")
    async def board_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """This guild's boards matching what was typed."""
        return await row_choices(
            interaction,
            current,
            self.bot.watchers.store.boards,
            lambda row: row.server_name or "overview",
            what="board",
            log=log,
        )

async def setup(bot: JexactylBot) -> None:
    """Adds the ``/board`` group."""
    await bot.add_cog(Board(bot))
