"""What boards and alerts look like: pure functions from a :class:`~bot.watch.model.FeedSnapshot` to an embed.

Everything from the panel (names, node names, addresses) is made one plain line and escaped (no markdown, no
mentions); nothing here ever holds a key or a signed URL. Times are Discord timestamps (``<t:…:R>``), which
every reader sees in their own time zone and which keep counting without an edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord

from bot.cards import Allocation, primary_address, usage_fields
from bot.config import DEFAULT_RENEWAL_WARN_DAYS
from bot.embeds import (
    STATE_COLOURS,
    STATE_DOTS,
    UNKNOWN_DOT,
    clip,
    escape,
    human_bytes,
    make_embed,
)
from bot.renewal import renewal_days, renewal_line
from bot.servers import plain_text

from .crash import CrashReport
from .model import FeedSnapshot

__all__ = [
    "PAUSED_COLOUR",
    "RESTARTING",
    "OverviewLine",
    "address_of",
    "alert_embed",
    "board_embed",
    "overview_embed",
    "server_name",
]

NAME_MAX = 100
PAUSED_COLOUR = discord.Colour.dark_grey()
LOST_COLOUR = discord.Colour.dark_orange()
RESTARTING = "monitoring paused (bot restarting)"
OVERVIEW_LINES = 40
"""Servers an overview shows at most (then "and N more")."""


def safe(text: object, limit: int = NAME_MAX) -> str:
    """Panel text ready for a public message: one line, clipped, markdown and mentions escaped, and every ``<``
    followed by a zero-width space, so no ``<@id>``, ``<@&id>``, ``<#id>`` or ``<t:…>`` token survives.

    Example:
        >>> safe("Lobby <@123> @here")
        'Lobby <\u200b@123> @\u200bhere'
    """
    return escape(clip(plain_text(str(text)), limit)).replace("<", "<\u200b")


def _code(text: object) -> str:
    return "`" + clip(plain_text(str(text)), NAME_MAX).replace("`", "'") + "`"


def _ts(epoch: float | None, style: str = "R") -> str:
    if not epoch:
        return "never"
    return discord.utils.format_dt(datetime.fromtimestamp(epoch, UTC), style)  # type: ignore[arg-type]


def server_name(snapshot: FeedSnapshot, fallback: str) -> str:
    """The server's name (from the panel's details once read, else what was stored), escaped."""
    details = snapshot.details or {}
    return safe(details.get("name") or fallback or snapshot.server_id)


def address_of(details: Mapping[str, Any] | None) -> str | None:
    """``alias or ip:port`` of the primary allocation, one plain line (see :func:`bot.cards.primary_address`)."""
    return primary_address(details or {})


def _health_line(snapshot: FeedSnapshot, banner: str | None) -> str | None:
    if banner:
        return f"⏸️ {banner}: the values below are the last ones read."
    if snapshot.pause is not None:
        return f"⏸️ {snapshot.pause.sentence}."
    if snapshot.link in ("reconnecting", "unreachable"):
        return f"⚠️ The node cannot be reached since {_ts(snapshot.since)}; the values below are the last ones read."
    if snapshot.link == "connecting":
        return "⏳ Connecting to the server's console…"
    return None


def board_embed(
    snapshot: FeedSnapshot,
    *,
    fallback_name: str,
    interval: float,
    banner: str | None = None,
    renewal_warn_days: int = DEFAULT_RENEWAL_WARN_DAYS,
) -> discord.Embed:
    """A server's status board.

    Args:
        snapshot: What the hub knows of the server now.
        fallback_name: The name stored with the board (until the panel's details are read).
        interval: The board's usage interval (said in the footer).
        banner: A pause to show instead of the live state (``RESTARTING`` at shutdown).
        renewal_warn_days: ``RENEWAL_WARN_DAYS``: a Jexactyl v3 renewal due within this many days is a warning.
    """
    state = snapshot.state or "unknown"
    live = banner is None and snapshot.watchable
    dot = STATE_DOTS.get(state, UNKNOWN_DOT) if live or snapshot.lost else "⏸️"
    colour = STATE_COLOURS.get(state, discord.Colour.light_grey()) if live else PAUSED_COLOUR
    if banner is None and snapshot.lost:
        colour = LOST_COLOUR
    details = snapshot.details
    lines = [_code(snapshot.server_id) + (f" · {_code(address)}" if (address := address_of(details)) else "")]
    renewal = renewal_days(details) if details is not None else None
    if renewal is not None:  # Jexactyl v3 only; public, so without the command hint
        lines.append(renewal_line(renewal, warn_days=renewal_warn_days, hint=False))
    health = _health_line(snapshot, banner)
    if health:
        lines.append(health)
    lines.append(f"Updated {_ts(snapshot.updated_at)}")
    stats = snapshot.stats
    fields: list[tuple[str, str, bool]] = [("State", f"{STATE_DOTS.get(state, UNKNOWN_DOT)} {escape(state)}", True)]
    if stats is not None:  # the same fields as the status card (bot.cards), from Wings' figures
        resources = {
            "cpu_absolute": stats.cpu_absolute,
            "memory_bytes": stats.memory_bytes,
            "disk_bytes": stats.disk_bytes,
            "network_rx_bytes": stats.network_rx_bytes,
            "network_tx_bytes": stats.network_tx_bytes,
            "uptime": stats.uptime_ms,
        }
        fields += usage_fields(state, resources, Allocation.of(details) if details is not None else None)
    return make_embed(
        f"{dot} {server_name(snapshot, fallback_name)}",
        "\n".join(lines),
        colour=colour,
        fields=fields,
        footer=f"Live status board · usage every {interval:g} s, state changes as they happen",
    )


@dataclass(frozen=True, slots=True)
class OverviewLine:
    """One server of an overview: its identifier, the name from the owner's server list, and its snapshot."""

    server_id: str
    name: str
    snapshot: FeedSnapshot | None


def overview_embed(
    lines: Sequence[OverviewLine], *, more: int, updated_at: float | None, banner: str | None = None
) -> discord.Embed:
    """One message covering many servers: a state dot, the name, CPU and memory per line; "and N more" past
    :data:`OVERVIEW_LINES`."""
    rows: list[str] = []
    if banner:
        rows.append(f"⏸️ {banner}: the lines below are the last ones read.\n")
    for line in lines:
        snapshot = line.snapshot
        state = snapshot.state if snapshot is not None else None
        dot = STATE_DOTS.get(state or "", UNKNOWN_DOT)
        name = f"**{safe(line.name, 60)}**"
        if snapshot is None or snapshot.link == "connecting":
            rows.append(f"{UNKNOWN_DOT} {name}")
            continue
        if snapshot.pause is not None:
            rows.append(f"⏸️ {name} · not watched")
            continue
        if snapshot.lost:
            rows.append(f"⚠️ {name} · node unreachable")
            continue
        stats = snapshot.stats
        usage = f" · CPU {stats.cpu_absolute:.0f}% · {human_bytes(stats.memory_bytes)}" if stats is not None else ""
        rows.append(f"{dot} {name}{usage}")
    if more > 0:
        rows.append(f"… and {more} more")
    if not lines:
        rows.append("No servers on the owner's panel account.")
    rows.append(f"\nUpdated {_ts(updated_at)}")
    return make_embed(
        "Servers",
        "\n".join(rows),
        colour=PAUSED_COLOUR if banner else discord.Colour.blurple(),
        footer="Live overview · state, CPU and memory",
    )


def paused_overview(message: str) -> discord.Embed:
    """An overview that cannot be built (the owner's link is gone)."""
    return make_embed("Servers", f"⏸️ {message}.", colour=PAUSED_COLOUR, footer="Live overview")


# ---------------------------------------------------------------------------------------------- alerts


def alert_embed(
    kind: str, name: str, snapshot: FeedSnapshot, *, report: CrashReport | None = None, back: bool = False
) -> discord.Embed:
    """The embed of an alert (the role mention goes in the message content, where it notifies).

    Args:
        kind: ``crash``, ``back``, ``unreachable``, ``reachable`` or ``disk``.
        name: The server's name, escaped.
        snapshot: What the hub knows of the server now.
        report: What Wings said about the crash.
        back: The crashed server is already running again (said in the crash alert itself).
    """
    now = datetime.now(UTC).timestamp()
    fields: list[tuple[str, str, bool]] = []
    if kind == "crash":
        title = f"🔴 {name} crashed"
        text = "It went offline without a stop, kill or restart being asked for."
        colour = discord.Colour.red()
        if report is not None:
            if report.exit_code is not None:
                fields.append(("Exit code", str(report.exit_code), True))
            if report.out_of_memory is not None:
                fields.append(("Out of memory", "yes" if report.out_of_memory else "no", True))
            if report.restart is False:
                fields.append(("Restart", "Wings is not restarting it: " + safe(report.restart_note, 200), False))
            elif back:
                fields.append(("Restart", "It was restarted and is running again.", False))
            elif report.restart:
                fields.append(("Restart", "Wings is restarting it.", False))
    elif kind == "back":
        title = f"🟢 {name} is back"
        text = "It is running again."
        colour = discord.Colour.green()
    elif kind == "unreachable":
        title = f"⚠️ {name} cannot be watched"
        text = f"Its node (or Wings) has not answered since {_ts(snapshot.since)}."
        colour = LOST_COLOUR
    elif kind == "reachable":
        title = f"🟢 {name} can be watched again"
        state = snapshot.state or "unknown"
        text = f"Its node answers again; the server is {STATE_DOTS.get(state, UNKNOWN_DOT)} {escape(state)}."
        colour = discord.Colour.green()
    else:  # disk
        disk_limit = Allocation.of(snapshot.details or {}).disk
        used = snapshot.stats.disk_bytes if snapshot.stats is not None else 0
        share = used / disk_limit if disk_limit > 0 else 0.0
        title = f"💾 {name} is running out of disk"
        text = f"It uses {share:.0%} of its disk limit: {human_bytes(used)} of {human_bytes(disk_limit)}."
        colour = discord.Colour.orange()
    return make_embed(
        title, f"{text}\n{_ts(now, 'f')}", colour=colour, fields=fields, footer=f"Server {snapshot.server_id}"
    )


def alert_content(kind: str, name: str, role_id: int | None) -> str:
    """The message content: the role mention (the only one allowed) and one short sentence."""
    sentence = {
        "crash": f"🔴 **{name}** crashed.",
        "back": f"🟢 **{name}** is back.",
        "unreachable": f"⚠️ **{name}** cannot be watched: its node is unreachable.",
        "reachable": f"🟢 **{name}** can be watched again.",
        "disk": f"💾 **{name}** uses over 90% of its disk.",
    }[kind]
    return f"<@&{role_id}> {sentence}" if role_id is not None else sentence


def flapping_note(kind: str, count: int, first: float, window: float) -> str:
    """The note an alert gets instead of repeating itself within the repeat window (``window`` seconds)."""
    what = {"crash": "crashed", "back": "came back", "unreachable": "was lost", "reachable": "came back"}.get(
        kind, "crossed the limit"
    )
    times = "once more" if count == 1 else f"{count} more times"
    held = f"{window / 60:g} minutes" if window >= 60 else f"{window:g} s"
    return f"⚠️ Flapping: it {what} {times} since {_ts(first)}; repeats within {held} are not posted again."
