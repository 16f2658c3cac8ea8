"""Embeds that always respect Discord's limits, and the small formatters the commands share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
TOTAL_MAX = 6000

STATE_COLOURS = {
    "running": discord.Colour.green(),
    "starting": discord.Colour.gold(),
    "stopping": discord.Colour.orange(),
    "offline": discord.Colour.red(),
}
STATE_DOTS = {"running": "🟢", "starting": "🟡", "stopping": "🟠", "offline": "🔴"}
UNKNOWN_DOT = "⚪"


def clip(text: object, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def escape(text: object) -> str:
    """Panel-provided text made safe to show in markdown (no mentions, no formatting)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(str(text)))


def make_embed(
    title: str,
    description: str | None = None,
    *,
    colour: discord.Colour | None = None,
    fields: list[tuple[str, str, bool]] | None = None,
    footer: str | None = None,
) -> discord.Embed:
    """Builds an embed, clipping every part to its limit and dropping fields past the 6,000 total."""
    embed = discord.Embed(
        title=clip(title, TITLE_MAX),
        description=clip(description, DESCRIPTION_MAX) if description else None,
        colour=colour or discord.Colour.blurple(),
    )
    if footer:
        embed.set_footer(text=clip(footer, FOOTER_MAX))
    for name, value, inline in (fields or [])[:FIELDS_MAX]:
        name = clip(name or "\u200b", FIELD_NAME_MAX)
        value = clip(value or "\u200b", FIELD_VALUE_MAX)
        if len(embed) + len(name) + len(value) > TOTAL_MAX:
            break
        embed.add_field(name=name, value=value, inline=inline)
    return embed


def human_bytes(value: float | int | None) -> str:
    """``1536`` → ``1.5 KiB``."""
    amount = float(value or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(amount) < 1024 or unit == "TiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} TiB"  # pragma: no cover


def human_duration(milliseconds: int | float) -> str:
    """``90061000`` → ``1d 1h 1m``."""
    seconds = int(milliseconds // 1000)
    if seconds <= 0:
        return "—"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    text = " ".join(p for p in parts if p)
    return text or f"{secs}s"


def discord_time(value: Any, style: str = "R") -> str:
    """An ISO-8601 timestamp from the panel as a Discord timestamp (``<t:...:R>``); ``—`` when missing."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return escape(value)
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]
