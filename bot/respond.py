"""Answering interactions: deferring without making the user wait for Discord's round trip first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

T = TypeVar("T")


async def defer_while(interaction: discord.Interaction[Any], work: Awaitable[T]) -> T:
    """Defers the interaction (ephemeral, "thinking") and does ``work`` at the same time.

    The defer goes out at once, so Discord's 3-second window is met as before, but the panel round trips
    overlap Discord's instead of following it: the answer arrives one Discord round trip sooner. Returns
    ``work``'s result once the defer has landed too (a followup needs it); if ``work`` fails, its error is
    raised after the defer has landed, so the tree's error handler answers with a followup.

    Example:
        >>> details = await defer_while(interaction, api.client.servers.get_server(sid))  # doctest: +SKIP
    """
    defer = asyncio.ensure_future(interaction.response.defer(ephemeral=True, thinking=True))
    try:
        return await work
    finally:
        await defer
