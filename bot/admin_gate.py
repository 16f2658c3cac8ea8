"""Who may use ``/admin``, on the Discord side: the check ``/admin`` runs first, and ``/help`` uses to decide
whether to list it.

The panel side (the invoker's linked account must be a panel administrator, checked live) is in
``cogs/admin.py``. ``/admin`` exists only with ``GUILD_IDS`` set: without it anyone could invite the bot to a
guild they created, where they are Administrator (see :func:`admin_enabled`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

__all__ = ["ADMIN_NEEDS_GUILD_IDS", "admin_enabled", "has_discord_admin"]

ADMIN_NEEDS_GUILD_IDS = (
    "/admin is off because GUILD_IDS is not set: without it anyone can invite the bot to a server they created, "
    "where they are Administrator, and pass the Discord half of the /admin check. Set GUILD_IDS to your "
    "server's id to turn /admin on."
)


def admin_enabled(guild_ids: Sequence[int]) -> bool:
    """``/admin`` is registered only when the bot is limited to known guilds (``GUILD_IDS``)."""
    return bool(guild_ids)


def has_discord_admin(interaction: discord.Interaction[Any], admin_role_ids: Sequence[int]) -> bool:
    """Whether the invoker is a guild member with Administrator or one of ``admin_role_ids``."""
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        return False
    if interaction.permissions.administrator:
        return True
    allowed = set(admin_role_ids)
    return any(role.id in allowed for role in member.roles)
