"""Answering interactions: deferring without making the user wait for Discord's round trip first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

T = TypeVar("T")

OVERLAP_MAX_IN_FLIGHT = 4
"""Above this many interactions in flight, the defer is sent before any panel work starts."""


async def defer_while(interaction: discord.Interaction[Any], work: Awaitable[T]) -> T:
    """Defers the interaction (ephemeral, "thinking") and does ``work``, overlapping the two when the bot
    is not busy.

    The defer always goes out first, so Discord's 3-second window is met. When few interactions are in
    flight, the panel round trips then overlap Discord's answer to the defer instead of following it, and
    the reply arrives one Discord round trip sooner. Under a burst the loop is the bottleneck, and every
    other interaction's defer must not queue behind this one's panel calls, so the defer completes first.
    Returns ``work``'s result once the defer has landed; if ``work`` fails, its error is raised after the
    defer has landed, so the tree's error handler answers with a followup.

    Example:
        >>> details = await defer_while(interaction, api.client.servers.get_server(sid))  # doctest: +SKIP
    """
    defer = interaction.response.defer(ephemeral=True, thinking=True)
    tracker = getattr(interaction.client, "tracker", None)
    if tracker is not None and len(tracker) > OVERLAP_MAX_IN_FLIGHT:
        await defer
        return await work
    pending = asyncio.ensure_future(defer)
    await asyncio.sleep(0)  # let the defer's request start before the panel work takes the loop
    try:
        return await work
    finally:
        await pending
