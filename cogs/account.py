"""``/account``: link a panel account with a client API key, unlink it, and show what is linked.

The key is only ever typed into a modal (:class:`bot.ui.link.LinkModal`), never a slash option, so it
cannot be posted publicly by a command that fails to resolve.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.audit import record_audit
from bot.embeds import discord_time, escape, make_embed
from bot.errors import NotLinkedError
from bot.ui.confirm import confirm
from bot.ui.link import LinkModal

if TYPE_CHECKING:
    from bot.app import JexactylBot

log = logging.getLogger("cogs.account")


class Account(commands.GroupCog, group_name="account", group_description="Link your panel account to Discord"):
    """Linking a Discord user to their panel account."""

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="link")
    async def account_link(self, interaction: discord.Interaction[Any]) -> None:
        """Link your panel account with a client API key (asked in a private form)."""
        await interaction.response.send_modal(LinkModal(interaction))

    @app_commands.command(name="unlink")
    async def account_unlink(self, interaction: discord.Interaction[Any]) -> None:
        """Forget your panel account and the stored API key."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        user_id = interaction.user.id
        account = await self.bot.storage.get_link(user_id)
        if account is None:
            raise NotLinkedError()
        question = (
            f"Unlink the panel account **{escape(account.panel_username)}**? The bot deletes its copy of your "
            "API key and can no longer act for you until you run `/account link` again."
        )
        if not await confirm(interaction, question, "Unlink account", link=account):
            return
        # Only the link the question was about: a re-link made meanwhile stays (the confirmation also refuses
        # a press under a changed link; this closes the gap between that check and the delete).
        removed = await self.bot.storage.unlink(user_id, only=account)
        if removed:
            await self.bot.panels.forget(user_id)
            self.bot.servers.cache.invalidate(user_id)
            await self.bot.watch.link_changed(user_id)
        await record_audit(
            self.bot.storage,
            "account.unlink",
            discord_user_id=user_id,
            target=f"panel user {account.panel_user_id}",
            outcome="ok" if removed else "already unlinked or replaced",
        )
        if not removed:
            await interaction.followup.send(
                f"Nothing was done: **{escape(account.panel_username)}** is no longer your linked account "
                "(you unlinked or linked again meanwhile). Check with `/account info`.",
                ephemeral=True,
            )
            return
        log.info("user %s unlinked panel account %s", user_id, account.panel_user_id)
        await interaction.followup.send(
            f"Unlinked **{escape(account.panel_username)}**. The key itself still works on the panel: delete it "
            f"at {self.bot.config.panel_url}/account/api if you no longer use it.",
            ephemeral=True,
        )

    @app_commands.command(name="info")
    async def account_info(self, interaction: discord.Interaction[Any]) -> None:
        """Show which panel account you have linked."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        panel = await self.bot.panels.for_user(interaction.user.id)
        account = panel.account
        last_used = account.last_used_at.isoformat() if account.last_used_at else None
        embed = make_embed(
            "Your linked panel account",
            fields=[
                ("Panel username", escape(account.panel_username), True),
                ("Panel admin", "yes" if account.is_panel_admin else "no", True),
                ("Linked since", discord_time(account.linked_at.isoformat(), "f"), False),
                ("Last used", discord_time(last_used) if last_used else "never", False),
                ("Panel", self.bot.config.panel_url, False),
            ],
            footer="Run /account unlink to remove the link.",
        )
        await interaction.followup.send(embed=embed, ephemeral=True)


async def setup(bot: JexactylBot) -> None:
    """Adds the ``/account`` group."""
    await bot.add_cog(Account(bot))
