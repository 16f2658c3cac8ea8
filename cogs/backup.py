"""``/backup``: list, create (with live progress), download, delete and restore a server's backups.

Every command re-resolves the submitted server through the caller's own key, and every submitted backup is
re-validated against that server's backup list before it reaches a panel path. Panel errors (the 2-per-10-
minutes throttle, the backup limit, locked backups, missing permissions) propagate to the tree's handler.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.audit import audited, record_audit
from bot.backups import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    LOCKED,
    BackupInfo,
    choice_label,
    elapsed_text,
    find_backup,
    list_backups,
)
from bot.embeds import clip, discord_time, escape, make_embed
from bot.errors import UserFacingError
from bot.servers import CHOICES_MAX, ServerRef, TTLCache, plain_text, server_mention
from bot.ui.base import BotView
from bot.ui.confirm import confirm
from bot.ui.paginator import ListPageSource, Paginator

if TYPE_CHECKING:
    from bot.app import JexactylBot
    from bot.clients import UserPanel
    from pyjexactyl import AsyncJexactyl

log = logging.getLogger("cogs.backup")

PER_PAGE = 10
AUTOCOMPLETE_BUDGET = 2.5
"""Seconds an autocomplete may spend before it answers with no choices (Discord allows 3)."""
PROGRESS_EDIT_SECONDS = 5.0
"""Fewest seconds between two progress edits of the same message."""


class Backups(commands.Cog):
    """A server's backups, through the caller's own key."""

    backup = app_commands.Group(name="backup", description="Manage your servers' backups", guild_only=True)

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot
        self.choice_cache = TTLCache(ttl=15.0)
        """Per-user backup lists for autocomplete (keyed by server), dropped on every write."""
        self.progress_edit_seconds = PROGRESS_EDIT_SECONDS

    async def cog_load(self) -> None:
        self._prune_choices.start()

    async def cog_unload(self) -> None:
        self._prune_choices.cancel()

    @tasks.loop(seconds=60)
    async def _prune_choices(self) -> None:
        """Drops stale backup lists, so the cache does not grow with every user and server ever listed."""
        self.choice_cache.prune()

    # ----------------------------------------------------------------- domain helpers

    async def _server(
        self, interaction: discord.Interaction[Any], value: str, *, reload: bool = True
    ) -> tuple[UserPanel, ServerRef]:
        """The caller's panel link and client, and the server they meant (re-resolved against their own list;
        ``reload=False`` for autocomplete: a made-up value must not reload the list on every keystroke)."""
        panel = await self.bot.panels.for_user(interaction.user.id)
        server = await self.bot.servers.resolve(interaction.user.id, panel.api, value, reload=reload)
        return panel, server


    async def _cancelled(self, interaction: discord.Interaction[Any], action: str, target: str) -> None:
        await record_audit(
            self.bot.storage, action, discord_user_id=interaction.user.id, target=target, outcome="not confirmed"
        )

    # ----------------------------------------------------------------- commands

    @backup.command(name="list")
    @app_commands.describe(server="The server whose backups to show")
    async def backup_list(self, interaction: discord.Interaction[Any], server: str) -> None:
        """List a server's backups with their size, date and state."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        panel, ref = await self._server(interaction, server)
        backups = await list_backups(panel.api, ref)
        title = f"Backups of {escape(clip(plain_text(ref.name), 200))} · {ref.identifier}"

        async def format_page(items: Sequence[BackupInfo], page: int, pages: int) -> discord.Embed:
            if not items:
                return make_embed(title, f"{server_mention(ref)} has no backups yet. Make one with `/backup create`.")
            lines = []
            for item in items:
                lock = f" {LOCKED}" if item.is_locked else ""
                lines.append(
                    f"{item.icon}{lock} **{escape(clip(item.name, 120))}**\n"
                    f"{item.size_text} · {item.state} · created {discord_time(item.created_at)}"
                )
            footer = f"{len(backups)} backup(s) · page {page + 1}/{pages} · {COMPLETED} completed  {IN_PROGRESS} in "
            footer += f"progress  {FAILED} failed  {LOCKED} locked"
            return make_embed(title, "\n\n".join(lines), footer=footer)

        paginator = Paginator(ListPageSource(backups, PER_PAGE, format_page), interaction, link=panel.account)
        await paginator.start(interaction)

    @backup.command(name="create")
    @app_commands.describe(
        server="The server to back up",
        name="A name for the backup (the panel picks one if empty)",
        locked="Lock the backup so it cannot be deleted",
    )
    async def backup_create(
        self,
        interaction: discord.Interaction[Any],
        server: str,
        name: app_commands.Range[str, 1, 191] | None = None,
        locked: bool = False,
    ) -> None:
        """Start a backup and follow it until it completes."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        started = time.monotonic()
        panel, ref = await self._server(interaction, server)
        api = panel.api
        backups = api.client.servers.backups
        detail = f"name={name!r} locked={locked}"
        async with audited(self.bot.storage, interaction, "backup.create", f"server {ref.identifier}", detail):
            created = BackupInfo.from_api(await backups.create_backup(ref.identifier, name=name, is_locked=locked))
        self.choice_cache.invalidate(interaction.user.id)
        log.info("user %s started backup %s on %s", interaction.user.id, created.uuid, ref.identifier)

        def render(info: BackupInfo, note: str) -> discord.Embed:
            lock = f" {LOCKED}" if info.is_locked else ""
            colour = {
                COMPLETED: discord.Colour.green(),
                FAILED: discord.Colour.red(),
            }.get(info.icon, discord.Colour.gold())
            return make_embed(
                f"{info.icon} Backup {info.state}",
                f"**{escape(clip(info.name, 200))}**{lock} on {server_mention(ref)}\n{note}",
                colour=colour,
                footer=f"Backup {info.uuid}",
            )

        elapsed = elapsed_text(time.monotonic() - started)
        await interaction.edit_original_response(embed=render(created, f"Started; {elapsed} elapsed."))
        await self._follow(interaction, api, ref, created, started, render)

    async def _follow(
        self,
        interaction: discord.Interaction[Any],
        api: AsyncJexactyl,
        ref: ServerRef,
        info: BackupInfo,
        started: float,
        render: Callable[[BackupInfo, str], discord.Embed],
    ) -> None:
        """Polls the backup and edits the answer with the elapsed time until it ends or ``backup_wait``."""
        deadline = started + self.bot.backup_wait
        last_edit = time.monotonic()
        while info.in_progress:
            await asyncio.sleep(self.bot.poll_interval)
            info = BackupInfo.from_api(await api.client.servers.backups.get_backup_detail(ref.identifier, info.uuid))
            now = time.monotonic()
            elapsed = elapsed_text(now - started)
            if not info.in_progress:
                break
            if now >= deadline:
                self.choice_cache.invalidate(interaction.user.id)
                await interaction.edit_original_response(
                    embed=render(
                        info,
                        f"Still running after {elapsed}; the panel finishes it on its own. Check `/backup list` later.",
                    )
                )
                return
            if now - last_edit >= max(self.bot.poll_interval, self.progress_edit_seconds):
                await interaction.edit_original_response(embed=render(info, f"In progress; {elapsed} elapsed."))
                last_edit = now
        self.choice_cache.invalidate(interaction.user.id)
        elapsed = elapsed_text(time.monotonic() - started)
        if info.is_successful:
            note = f"Completed in {elapsed}: {info.size_text}. Download it with `/backup download`."
        else:
            note = f"Failed after {elapsed}. Check the server's disk space and the node, then try again."
        await interaction.edit_original_response(embed=render(info, note))

    @backup.command(name="download")
    @app_commands.describe(server="The server the backup belongs to", backup="The backup to download")
    async def backup_download(self, interaction: discord.Interaction[Any], server: str, backup: str) -> None:
        """Get a private, short-lived download link for a backup."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        panel, ref = await self._server(interaction, server)
        api = panel.api
        info = await find_backup(api, ref, backup)
        if not info.is_successful:
            raise UserFacingError(
                f"The backup **{escape(info.name)}** is {info.state}: only completed backups can be downloaded."
            )
        signed = await api.client.servers.backups.get_backup_download(ref.identifier, info.uuid)
        url = str(signed.get("attributes", signed)["url"])
        embed = make_embed(
            f"Download {escape(info.name)}",
            f"[Download **{escape(clip(info.name, 200))}** ({info.size_text})]({url})\n"
            "The link works for about 15 minutes and gives access to every file in the backup: do not share it.",
            footer=f"{plain_text(ref.name)} ({ref.identifier}) · backup {info.uuid}",
        )
        view: discord.ui.View | None = None
        if len(url) <= 512:
            view = BotView(interaction)
            view.add_item(discord.ui.Button(label="Download", style=discord.ButtonStyle.link, url=url))
        if view is None:
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.followup.send(embed=embed, view=view, ephemeral=True)

    @backup.command(name="delete")
    @app_commands.describe(server="The server the backup belongs to", backup="The backup to delete")
    async def backup_delete(self, interaction: discord.Interaction[Any], server: str, backup: str) -> None:
        """Delete a backup (asks for confirmation)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        panel, ref = await self._server(interaction, server)
        api = panel.api
        info = await find_backup(api, ref, backup)
        target = f"server {ref.identifier} backup {info.uuid}"
        lock = f" It is {LOCKED} locked: unlock it on the panel first." if info.is_locked else ""
        question = (
            f"Delete the backup **{escape(clip(info.name, 200))}** ({info.size_text}, created "
            f"{discord_time(info.created_at)}) of {server_mention(ref)}? This cannot be undone.{lock}"
        )
        if not await confirm(interaction, question, "Delete backup", link=panel.account):
            await self._cancelled(interaction, "backup.delete", target)
            return
        async with audited(self.bot.storage, interaction, "backup.delete", target, f"name={info.name!r}"):
            await api.client.servers.backups.delete_backup(ref.identifier, info.uuid)
        self.choice_cache.invalidate(interaction.user.id)
        await interaction.followup.send(
            f"Deleted the backup **{escape(clip(info.name, 200))}** of {server_mention(ref)}.", ephemeral=True
        )

    @backup.command(name="restore")
    @app_commands.describe(
        server="The server to restore onto",
        backup="The backup to restore",
        truncate="Delete EVERY file on the server before restoring",
    )
    async def backup_restore(
        self, interaction: discord.Interaction[Any], server: str, backup: str, truncate: bool = False
    ) -> None:
        """Restore a backup onto its server (asks for confirmation)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        panel, ref = await self._server(interaction, server)
        api = panel.api
        info = await find_backup(api, ref, backup)
        if not info.is_successful:
            raise UserFacingError(
                f"The backup **{escape(info.name)}** is {info.state}: only completed backups can be restored."
            )
        target = f"server {ref.identifier} backup {info.uuid}"
        if truncate:
            warning = (
                "⚠️ **truncate is on: every file on the server is deleted first**, then the backup is restored. "
                "Files made after the backup are lost."
            )
        else:
            warning = "Files in the backup overwrite the server's current copies; other files are kept."
        question = (
            f"Restore the backup **{escape(clip(info.name, 200))}** (created {discord_time(info.created_at)}) onto "
            f"{server_mention(ref)}? The server is unavailable while it restores.\n{warning}"
        )
        if not await confirm(interaction, question, "Restore backup", link=panel.account):
            await self._cancelled(interaction, "backup.restore", target)
            return
        detail = f"name={info.name!r} truncate={truncate}"
        async with audited(self.bot.storage, interaction, "backup.restore", target, detail):
            await api.client.servers.backups.restore_backup(ref.identifier, info.uuid, truncate=truncate)
        self.bot.servers.cache.invalidate(interaction.user.id)
        await interaction.followup.send(
            f"Restoring **{escape(clip(info.name, 200))}** onto {server_mention(ref)}"
            f"{' after deleting every file' if truncate else ''}. The panel finishes it in the background: "
            "`/server status` shows when it is done.",
            ephemeral=True,
        )

    # ----------------------------------------------------------------- autocomplete

    @backup_list.autocomplete("server")
    @backup_create.autocomplete("server")
    @backup_download.autocomplete("server")
    @backup_delete.autocomplete("server")
    @backup_restore.autocomplete("server")
    async def server_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        async def load() -> list[app_commands.Choice[str]]:
            panel = await self.bot.panels.for_user(interaction.user.id)
            return await self.bot.servers.choices(interaction.user.id, panel.api, current)

        return await self._within_budget(interaction, load(), "server")

    @backup_download.autocomplete("backup")
    @backup_delete.autocomplete("backup")
    @backup_restore.autocomplete("backup")
    async def backup_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        server_value = getattr(interaction.namespace, "server", None)
        if not server_value:
            return []

        async def load() -> list[app_commands.Choice[str]]:
            panel, ref = await self._server(interaction, str(server_value), reload=False)

            async def fetch() -> list[BackupInfo]:
                return await list_backups(panel.api, ref)

            backups: list[BackupInfo] = await self.choice_cache.get(
                (interaction.user.id, f"backups:{ref.identifier}"), fetch
            )
            needle = current.strip().casefold()
            matches = [b for b in backups if not needle or needle in b.name.casefold() or b.uuid.startswith(needle)]
            return [app_commands.Choice(name=choice_label(b), value=b.uuid) for b in matches[:CHOICES_MAX]]

        return await self._within_budget(interaction, load(), "backup")

    async def _within_budget(
        self,
        interaction: discord.Interaction[Any],
        work: Coroutine[Any, Any, list[app_commands.Choice[str]]],
        what: str,
    ) -> list[app_commands.Choice[str]]:
        """Runs an autocomplete lookup within the time budget; anything that fails or is late gives ``[]``
        (an autocomplete cannot show an error message)."""
        started = interaction.extras.get("started")
        spent = time.perf_counter() - started if isinstance(started, float) else 0.0
        try:
            async with asyncio.timeout(max(0.1, AUTOCOMPLETE_BUDGET - spent)):
                result: list[app_commands.Choice[str]] = await work
                return result
        except TimeoutError:
            log.info("%s autocomplete for user %s ran out of time", what, interaction.user.id)
        except Exception as exc:
            log.info("%s autocomplete for user %s failed: %s", what, interaction.user.id, type(exc).__name__)
        return []


async def setup(bot: JexactylBot) -> None:
    """Adds the ``/backup`` group."""
    await bot.add_cog(Backups(bot))
