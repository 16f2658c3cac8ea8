"""``/alert``: posts in a channel when a server crashes, comes back, cannot be watched, or fills its disk
(:mod:`bot.watch.alerts`).

Adding and removing alerts is for members with Manage Channels or an ``ADMIN_ROLE_IDS`` role; an alert runs
with its creator's linked key. It mentions the chosen role, and nothing else.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.watch.channels import require_manager, target_channel
from bot.watch.commands import find_row, require_owner_or_manager, row_choices, send_row_list
from bot.watch.render import safe
from bot.watch.store import AlertRow

if TYPE_CHECKING:
    from bot.app import JexactylBot

log = logging.getLogger("cogs.alert")

MAX_ALERTS = 100
"""Alerts per guild at most."""


def describe(row: AlertRow, status: str) -> str:
    """One line of ``/alert list``."""
    role = f" · mentions <@&{row.role_id}>" if row.role_id is not None else ""
    return (
        f"`#{row.id}` **{safe(row.server_name)}** `{row.server_id}` in <#{row.channel_id}>{role} · by "
        f"<@{row.owner_id}> · {status}"
    )


def role_note(role: discord.Role, channel: discord.TextChannel) -> str:
    """A warning when the role will be shown but not notified."""
    if role.mentionable or channel.permissions_for(channel.guild.me).mention_everyone:
        return ""
    return (
        f"\nNote: {role.mention} is not mentionable and the bot lacks Mention Everyone in {channel.mention}, so "
        "alerts will show the role without notifying it. Make the role mentionable to fix that."
    )


class Alert(commands.GroupCog, group_name="alert", group_description="Crash and downtime alerts for your servers"):
    """Alerts."""

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="add")
    @app_commands.describe(
        server="Your server: pick one from the suggestions",
        channel="Where to post alerts (default: this channel)",
        role="A role to mention in each alert (optional)",
    )
    async def alert_add(
        self,
        interaction: discord.Interaction[Any],
        server: str,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
    ) -> None:
        """Post alerts when a server crashes, comes back, cannot be watched, or fills its disk."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        require_manager(interaction, self.bot.config.admin_role_ids)
        target = target_channel(interaction, channel)
        if role is not None and role.is_default():
            raise UserFacingError("Alerts cannot mention @everyone: pick a role, or leave `role` out.")
        store = self.bot.watchers.store
        existing = await store.alerts(target.guild.id)
        user_id = interaction.user.id
        panel = await self.bot.panels.for_user(user_id)
        ref = await self.bot.servers.resolve(user_id, panel.api, server)
        replacing = any(a.channel_id == target.id and a.server_id == ref.identifier for a in existing)
        if not replacing and len(existing) >= MAX_ALERTS:
            raise UserFacingError(
                f"This server has {MAX_ALERTS} alerts already: remove one with `/alert remove` first."
            )
        row = await store.add_alert(
            guild_id=target.guild.id,
            channel_id=target.id,
            owner_id=user_id,
            server_id=ref.identifier,
            server_name=ref.name,
            role_id=role.id if role is not None else None,
        )
        await self.bot.watchers.alerts.start(row)
        await self.bot.storage.add_audit(
            "alert.add", discord_user_id=user_id, target=ref.identifier, detail=f"alert {row.id} in {target.id}"
        )
        mention = f", mentioning {role.mention}" if role is not None else ""
        verb = "now post" if not replacing else "still post"
        await interaction.followup.send(
            f"Alerts `#{row.id}` for **{safe(ref.name)}** will {verb} in {target.mention}{mention}: when it crashes, "
            "comes back, cannot be watched, or uses over 90% of its disk."
            + (role_note(role, target) if role is not None else ""),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="list")
    async def alert_list(self, interaction: discord.Interaction[Any]) -> None:
        """Show this server's alerts, and which are disabled."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        rows = await self.bot.watchers.store.alerts(interaction.guild_id)
        manager = self.bot.watchers.alerts
        await send_row_list(
            interaction,
            rows,
            title="Alerts",
            empty="No alerts yet: add one with `/alert add`.",
            line=lambda row: describe(row, manager.status_of(row.id)),
        )

    @app_commands.command(name="remove")
    @app_commands.describe(alert="The alert to delete: pick one from the suggestions")
    async def alert_remove(self, interaction: discord.Interaction[Any], alert: str) -> None:
        """Delete an alert."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        row = await find_row(
            interaction,
            alert,
            self.bot.watchers.store.alert,
            "No such alert in this server: pick one from the suggestions (`/alert list`).",
        )
        require_owner_or_manager(interaction, row, self.bot.config.admin_role_ids)
        await self.bot.watchers.alerts.remove(row.id)
        await self.bot.storage.add_audit(
            "alert.remove", discord_user_id=interaction.user.id, target=row.server_id, detail=f"alert {row.id}"
        )
        await interaction.followup.send(f"Alert `#{row.id}` removed.", ephemeral=True)

    @alert_remove.autocomplete("alert")
    async def alert_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """This guild's alerts matching what was typed."""
        return await row_choices(
            interaction,
            current,
            self.bot.watchers.store.alerts,
            lambda row: row.server_name,
            what="alert",
            log=log,
        )

async def setup(bot: JexactylBot) -> None:
    """Adds the ``/alert`` group."""
    await bot.add_cog(Alert(bot))
