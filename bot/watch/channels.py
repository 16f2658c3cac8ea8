"""The Discord side of boards and alerts: who may add them, whether the bot can post in a channel, and what a
failed post or edit means (public discord.py APIs only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import discord

from bot.errors import UserFacingError

__all__ = [
    "BOT_NEEDS",
    "MANAGER_REFUSED",
    "Outcome",
    "can_manage",
    "classify",
    "missing_bot_permissions",
    "require_manager",
    "target_channel",
]

Outcome = Literal["gone", "forbidden", "rate_limited", "failed"]
"""What a failed post or edit means: the message or channel is ``gone`` (remove quietly), the bot lacks a
permission (``forbidden``: pause, log), Discord asked it to slow down (``rate_limited``), anything else
(``failed``: try again later)."""

UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_GUILD = 10004

BOT_NEEDS: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
"""What the bot needs in a board's or an alert's channel (attribute of :class:`discord.Permissions`, name)."""

MANAGER_REFUSED = (
    "Only members with the Manage Channels permission, or a role the bot's operator listed in `ADMIN_ROLE_IDS`, "
    "can add or remove boards and alerts."
)


def can_manage(interaction: discord.Interaction[Any], admin_role_ids: Sequence[int]) -> bool:
    """Whether the invoker may add boards and alerts in this guild: Manage Channels (Discord resolves it for
    the invoker, Administrator included) or an ``ADMIN_ROLE_IDS`` role."""
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        return False
    permissions = interaction.permissions
    if permissions.manage_channels or permissions.administrator:
        return True
    allowed = set(admin_role_ids)
    return any(role.id in allowed for role in member.roles)


def missing_bot_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """The permissions of :data:`BOT_NEEDS` the bot lacks in ``channel`` (its roles and the channel's
    overwrites, as the guild cache knows them), by name."""
    me = channel.guild.me
    permissions = channel.permissions_for(me)
    return [name for attribute, name in BOT_NEEDS if not getattr(permissions, attribute)]


def classify(exc: BaseException) -> Outcome:
    """What a failed post or edit means (see :data:`Outcome`).

    Example:
        >>> classify(RuntimeError())
        'failed'
    """
    if isinstance(exc, discord.RateLimited):
        return "rate_limited"
    if isinstance(exc, discord.NotFound):
        return "gone" if exc.code in (UNKNOWN_CHANNEL, UNKNOWN_MESSAGE, UNKNOWN_GUILD, 0) else "failed"
    if isinstance(exc, discord.Forbidden):
        return "forbidden"
    if isinstance(exc, discord.HTTPException) and exc.status == 429:
        return "rate_limited"
    return "failed"


def describe_forbidden(exc: BaseException) -> str:
    """A log-friendly reason for a refused post or edit (Discord's code and text, no message content)."""
    if isinstance(exc, discord.HTTPException):
        return f"Discord refused it ({exc.status}, code {exc.code}: {exc.text or 'no text'})"
    return type(exc).__name__


def require_manager(interaction: discord.Interaction[Any], admin_role_ids: Sequence[int]) -> None:
    """Refuses an invoker who may not add or remove boards and alerts.

    Raises:
        UserFacingError: with :data:`MANAGER_REFUSED`.
    """
    if not can_manage(interaction, admin_role_ids):
        raise UserFacingError(MANAGER_REFUSED)


def target_channel(interaction: discord.Interaction[Any], channel: discord.TextChannel | None) -> discord.TextChannel:
    """The channel to post in (``channel``, else the one the command was used in), once the bot has View
    Channel, Send Messages and Embed Links there.

    Raises:
        UserFacingError: not a text channel of this guild, or the bot lacks a permission there (named).
    """
    target = channel if channel is not None else interaction.channel
    if not isinstance(target, discord.TextChannel) or target.guild.id != interaction.guild_id:
        raise UserFacingError("Boards and alerts go in a text channel of this server: pick one with `channel:`.")
    missing = missing_bot_permissions(target)
    if missing:
        names = ", ".join(f"**{name}**" for name in missing)
        raise UserFacingError(
            f"I cannot post in {target.mention}: I am missing {names} there. Give the bot's role "
            f"{'that permission' if len(missing) == 1 else 'these permissions'} in that channel (or pick "
            "another channel), then try again."
        )
    return target
