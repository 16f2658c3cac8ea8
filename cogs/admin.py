"""``/admin user``: create, list, inspect and delete panel users from Discord.

Only for members with Administrator or an ``ADMIN_ROLE_IDS`` role **whose linked panel account is a panel
administrator** (checked live, at run time, by :func:`require_admin` before anything else; Discord's default
permissions on the group are only a first line). The panel calls go through ``PANEL_APPLICATION_KEY`` when
it is set, else through the admin's own key. Every admin action is audited with its outcome.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.admin_gate import ADMIN_NEEDS_GUILD_IDS, admin_enabled, has_discord_admin
from bot.audit import audited, record_audit
from bot.clients import UserPanel
from bot.embeds import clip, discord_time, escape, make_embed
from bot.errors import NotAdminError, UserFacingError
from bot.panel_kind import NAMELESS
from bot.ui.confirm import confirm
from bot.ui.paginator import ListPageSource, Paginator
from pyjexactyl.exceptions import NotFoundError

if TYPE_CHECKING:
    from bot.app import JexactylBot
    from pyjexactyl import AsyncJexactyl

log = logging.getLogger("cogs.admin")

PER_PAGE = 10
DISCORD_EXTERNAL_PREFIX = "discord:"
_MENTION = re.compile(r"^<@!?(\d{15,21})>$")
_DISCORD_REF = re.compile(r"^discord:(\d{15,21})$", re.IGNORECASE)

NOT_DISCORD_ADMIN = (
    "Only members with the Administrator permission, or a role the bot's operator listed in `ADMIN_ROLE_IDS`, "
    "can use `/admin`."
)
NOT_PANEL_ADMIN = (
    "You may use `/admin` in this server, but your linked panel account is not a panel administrator, so the "
    "bot refuses to act on the panel for you. Link an administrator's client API key with `/account link`."
)


def external_id_for(user_id: int) -> str:
    """The panel ``external_id`` the bot gives the account of Discord user ``user_id``."""
    return f"{DISCORD_EXTERNAL_PREFIX}{user_id}"


@dataclass(frozen=True, slots=True)
class PanelUser:
    """What the commands show of a panel account."""

    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    has_names: bool
    """Whether the panel keeps names (Jexactyl v4 and Pelican send none)."""
    uuid: str | None
    root_admin: bool
    two_factor: bool
    external_id: str | None
    language: str
    created_at: str | None

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> PanelUser:
        attributes = item.get("attributes", item)
        return cls(
            id=int(attributes["id"]),
            username=str(attributes.get("username", "")),
            email=str(attributes.get("email", "")),
            first_name=str(attributes.get("first_name") or ""),
            last_name=str(attributes.get("last_name") or ""),
            has_names="first_name" in attributes or "last_name" in attributes,
            uuid=str(attributes["uuid"]) if attributes.get("uuid") else None,
            root_admin=bool(attributes.get("root_admin")),
            two_factor=bool(attributes.get("2fa", attributes.get("2fa_enabled"))),  # Pelican: 2fa_enabled
            external_id=attributes.get("external_id"),
            language=str(attributes.get("language") or "en"),
            created_at=attributes.get("created_at"),
        )

    @property
    def discord_id(self) -> int | None:
        """The Discord user the account was created for (from ``external_id``), if any."""
        match = _DISCORD_REF.match(self.external_id or "")
        return int(match.group(1)) if match else None

    def label(self) -> str:
        return f"**{escape(clip(self.username, 100))}** (#{self.id})"


@dataclass(frozen=True, slots=True)
class AdminContext:
    """The checked invoker: their own panel link and the client admin commands act with."""

    panel: UserPanel
    api: AsyncJexactyl


async def require_admin(bot: JexactylBot, interaction: discord.Interaction[Any]) -> AdminContext:
    """The run-time gate every ``/admin`` command calls first (after deferring).

    Raises:
        NotAdminError: not a Discord admin (Administrator or an ``ADMIN_ROLE_IDS`` role), or the linked panel
            account is not a panel administrator (checked live with the user's own key).
        NotLinkedError: no linked panel account.
    """
    command = interaction.command.qualified_name if interaction.command else "admin"
    reason: str | None = None
    try:
        guild_ids = bot.config.guild_ids
        if not admin_enabled(guild_ids) or interaction.guild_id not in guild_ids:  # the cog is not even loaded then
            reason = "not a configured guild"
            raise NotAdminError(NOT_DISCORD_ADMIN)
        if not has_discord_admin(interaction, bot.config.admin_role_ids):
            reason = "not a Discord admin"
            raise NotAdminError(NOT_DISCORD_ADMIN)
        panel = await bot.panels.for_user(interaction.user.id)
        account = await panel.api.client.account.get_account()
        if not bool(account.get("attributes", account).get("admin")):
            reason = "not a panel admin"
            raise NotAdminError(NOT_PANEL_ADMIN)
    except UserFacingError as exc:
        await record_audit(
            bot.storage,
            "admin.denied",
            discord_user_id=interaction.user.id,
            target=f"/{command}",
            outcome="refused",
            detail=reason or type(exc).__name__,
        )
        raise
    return AdminContext(panel=panel, api=await bot.panels.admin_api(panel))


async def find_user(api: AsyncJexactyl, value: str) -> PanelUser:
    """Finds a panel user by id, ``discord:<id>`` / a Discord mention (their ``external_id``), e-mail or
    username (exact, case-insensitive).

    Raises:
        UserFacingError: nobody matches.
    """
    wanted = value.strip()
    if not wanted:
        raise UserFacingError("Give a panel user id, username, e-mail, or a Discord mention.")
    shown = escape(clip(wanted, 100))
    mention = _MENTION.match(wanted) or _DISCORD_REF.match(wanted)
    if mention:
        external_id = external_id_for(int(mention.group(1)))
        response = await api.user.list_users(external_id=external_id)
        for item in await response.collect():
            user = PanelUser.from_api(item)
            if user.external_id == external_id:
                return user
        raise UserFacingError(
            f"No panel user has the external id `{external_id}`. Accounts made with `/admin user create member:` "
            "get one; look others up by username or e-mail."
        )
    if wanted.isascii() and wanted.isdigit() and len(wanted) < 15:  # not "²" or "١٢": isdigit() takes those
        try:
            return PanelUser.from_api(await api.user.get_user_info(user_id=int(wanted)))
        except NotFoundError:
            raise UserFacingError(f"No panel user has the id {shown}.") from None
    if "@" in wanted:
        response = await api.user.list_users(email=wanted)
        field = "e-mail"
    else:
        response = await api.user.list_users(username=wanted)
        field = "username"
    for item in await response.collect():
        user = PanelUser.from_api(item)
        if (user.email if field == "e-mail" else user.username).casefold() == wanted.casefold():
            return user
    raise UserFacingError(f"No panel user has the {field} “{shown}”.")


def user_embed(user: PanelUser, title: str, description: str | None = None, *, panel: str = "") -> discord.Embed:
    """One panel user as an embed (``panel``: the panel's name, for a panel that keeps no names)."""
    if user.has_names:
        name = escape(f"{user.first_name} {user.last_name}".strip()) or "—"
    else:
        name = f"none: {panel or 'this panel'} keeps no first or last name"
    discord_link = f"<@{user.discord_id}>" if user.discord_id else escape(user.external_id or "—")
    return make_embed(
        title,
        description,
        fields=[
            ("Username", escape(user.username) or "—", True),
            ("Panel id", str(user.id), True),
            ("E-mail", escape(user.email) or "—", True),
            ("Name", name, True),
            ("Panel admin", "yes" if user.root_admin else "no", True),
            ("Two-factor", "on" if user.two_factor else "off", True),
            ("Discord / external id", discord_link, True),
            ("Language", escape(user.language), True),
            ("Created", discord_time(user.created_at, "f"), True),
        ],
    )


class Admin(commands.Cog):
    """Panel administration for Discord admins who are also panel admins."""

    admin = app_commands.Group(
        name="admin",
        description="Panel administration (panel admins only)",
        guild_only=True,
        default_permissions=discord.Permissions(administrator=True),
    )
    user = app_commands.Group(name="user", description="Manage panel users", parent=admin)

    def __init__(self, bot: JexactylBot) -> None:
        self.bot = bot


    @user.command(name="create")
    @app_commands.describe(
        username="The new account's username",
        email="The new account's e-mail (the panel sends the password link there)",
        first_name="First name (panels that keep names require it; Jexactyl v4 and Pelican keep none)",
        last_name="Last name (panels that keep names require it; Jexactyl v4 and Pelican keep none)",
        member="The Discord member the account is for (lets /admin user info find it)",
    )
    async def user_create(
        self,
        interaction: discord.Interaction[Any],
        username: app_commands.Range[str, 1, 191],
        email: app_commands.Range[str, 3, 191],
        first_name: app_commands.Range[str, 1, 191] | None = None,
        last_name: app_commands.Range[str, 1, 191] | None = None,
        member: discord.User | None = None,
    ) -> None:
        """Create a panel user; the panel e-mails them a link to set a password."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        context = await require_admin(self.bot, interaction)
        kind = self.bot.panels.kind
        # Known without a request: require_admin read the invoker's account object, which tells them apart.
        nameless = await kind.is_one_of(context.panel.api, NAMELESS)
        first, last = (first_name or "").strip(), (last_name or "").strip()
        if nameless is False and not (first and last):
            raise UserFacingError(
                f"{kind.name} needs a first and a last name for a new account: add the `first_name` and "
                "`last_name` options."
            )
        external_id = external_id_for(member.id) if member is not None else None
        detail = f"username={username!r} email={email!r} external_id={external_id}"
        async with audited(self.bot.storage, interaction, "admin.user.create", f"username {username}", detail):
            created = await context.api.user.create_user(
                username.strip(), email.strip(), first, last, external_id=external_id
            )
        user = PanelUser.from_api(created)
        log.info("user %s created panel user %s", interaction.user.id, user.id)
        linked = f" It is tied to {member.mention} (external id `{external_id}`)." if member is not None else ""
        names = ""
        if (first or last) and not user.has_names:
            names = f"\n{kind.name} keeps no first or last name, so the names you gave were not stored."
        description = (
            f"Created the panel account {user.label()}.{linked}\n"
            f"The panel e-mails **{escape(user.email)}** a link to set the password; the account cannot sign in "
            f"until that is done.{names}"
        )
        embed = user_embed(user, "Panel user created", description, panel=kind.name)
        await interaction.followup.send(embed=embed, ephemeral=True)

    @user.command(name="list")
    async def user_list(self, interaction: discord.Interaction[Any]) -> None:
        """List every panel user."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        context = await require_admin(self.bot, interaction)
        async with audited(self.bot.storage, interaction, "admin.user.list", "panel users"):
            response = await context.api.user.list_users(params={"per_page": 100})
            users = [PanelUser.from_api(item) for item in await response.collect()]

        async def format_page(items: Sequence[PanelUser], page: int, pages: int) -> discord.Embed:
            if not items:
                return make_embed("Panel users", "The panel has no users.")
            lines = []
            for user in items:
                badges = " 👑" if user.root_admin else ""
                discord_link = f" · <@{user.discord_id}>" if user.discord_id else ""
                lines.append(f"{user.label()}{badges}\n{escape(clip(user.email, 200))}{discord_link}")
            return make_embed(
                "Panel users",
                "\n".join(lines),
                footer=f"{len(users)} user(s) · page {page + 1}/{pages} · 👑 panel admin",
            )

        paginator = Paginator(ListPageSource(users, PER_PAGE, format_page), interaction, link=context.panel.account)
        await paginator.start(interaction)

    @user.command(name="info")
    @app_commands.describe(user="A panel user id, username, e-mail, or a Discord mention / discord:<id>")
    async def user_info(self, interaction: discord.Interaction[Any], user: app_commands.Range[str, 1, 200]) -> None:
        """Show one panel user."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        context = await require_admin(self.bot, interaction)
        async with audited(self.bot.storage, interaction, "admin.user.info", f"lookup {user}"):
            found = await find_user(context.api, user)
        embed = user_embed(found, f"Panel user {found.username}", panel=self.bot.panels.kind.name)
        await interaction.followup.send(embed=embed, ephemeral=True)

    @user.command(name="delete")
    @app_commands.describe(user="A panel user id, username, e-mail, or a Discord mention / discord:<id>")
    async def user_delete(self, interaction: discord.Interaction[Any], user: app_commands.Range[str, 1, 200]) -> None:
        """Delete a panel user (asks for confirmation)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        context = await require_admin(self.bot, interaction)
        async with audited(self.bot.storage, interaction, "admin.user.lookup", f"lookup {user}"):
            found = await find_user(context.api, user)
        target = f"panel user {found.id} ({found.username})"
        if context.panel.account.is_panel_user(found.id, found.uuid):
            await record_audit(
                self.bot.storage,
                "admin.user.delete",
                discord_user_id=interaction.user.id,
                target=target,
                outcome="refused: self",
            )
            raise UserFacingError("That is your own panel account: the bot does not delete the account it acts with.")
        question = (
            f"Delete the panel account {found.label()} ({escape(found.email)})? This cannot be undone; the panel "
            "refuses while the user still owns servers."
        )
        if not await confirm(interaction, question, "Delete user", link=context.panel.account):
            await record_audit(
                self.bot.storage,
                "admin.user.delete",
                discord_user_id=interaction.user.id,
                target=target,
                outcome="not confirmed",
            )
            return
        async with audited(self.bot.storage, interaction, "admin.user.delete", target):
            await context.api.user.delete_user(user_id=found.id)
        log.info("user %s deleted panel user %s", interaction.user.id, found.id)
        await interaction.followup.send(f"Deleted the panel account {found.label()}.", ephemeral=True)


async def setup(bot: JexactylBot) -> None:
    """Adds the ``/admin`` group, only when ``GUILD_IDS`` is set (:func:`bot.admin_gate.admin_enabled`)."""
    if not admin_enabled(bot.config.guild_ids):
        log.warning("%s", ADMIN_NEEDS_GUILD_IDS)
        return
    await bot.add_cog(Admin(bot))
