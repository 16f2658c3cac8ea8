"""Cards: the embeds that show one server. Pure functions of the panel's data, so every place that shows a
server (``/server status`` today; boards and status buttons later) renders it the same way.

:func:`status_card` takes what the panel answered, ``GET /servers/{id}`` (the details) and
``GET /servers/{id}/resources`` (the usage, or ``None`` when the panel refused it because the server is
suspended, installing, restoring a backup, being transferred or its node is in maintenance), and returns the
embed:

* a server the panel gates gets a card saying so and what happens next, never an error;
* an offline server shows what it is allocated, and no empty bars;
* CPU reads against its limit: ``75% of 200% (2 cores)`` (a limit of 0 is "no limit");
* the address players connect to (the primary allocation: ``alias or ip:port``) and when it was read
  (``<t:…:R>``, which Discord shows in the reader's time zone, e.g. "2 minutes ago");
* on Jexactyl v3, a renewable server's days left before renewal, a warning within ``renewal_warn_days``, and a
  suspension for want of renewal says how to lift it (:mod:`bot.renewal`). Other panels send no renewal.

Example:
    >>> embed = status_card(details, usage)  # doctest: +SKIP
    >>> await interaction.followup.send(embed=embed, ephemeral=True)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord

from .config import DEFAULT_RENEWAL_WARN_DAYS
from .embeds import STATE_COLOURS, STATE_DOTS, UNKNOWN_DOT, clip, escape, human_bytes, human_duration, make_embed
from .renewal import renewal_days, renewal_line, suspended_for_renewal
from .servers import plain_text

__all__ = ["GATED_STATES", "LIVE_STATES", "Allocation", "primary_address", "status_card", "usage_fields"]

NAME_MAX = 100
BAR_WIDTH = 12
FOOTER = "Limits are what the server is allocated; usage is live."

GATED_STATES: dict[str, tuple[str, str]] = {
    "suspended": ("⛔", "suspended: it cannot be started or used until a panel administrator unsuspends it."),
    "installing": ("🛠️", "being installed: the panel is setting it up. Check again in a few minutes."),
    "install_failed": ("⚠️", "installation failed: ask a panel administrator to reinstall it."),
    "reinstall_failed": ("⚠️", "reinstallation failed: ask a panel administrator to reinstall it."),
    "restoring_backup": ("♻️", "restoring a backup: it is unavailable until the restore has finished."),
    "transferring": ("🚚", "being moved to another node: it is unavailable until the transfer has finished."),
    "maintenance": ("🔧", "its node is under maintenance: try again later."),
}
"""The panel ``status`` values (and two flags) that make it refuse everything but the details, with what
the card says of each."""
GATED_COLOUR = discord.Colour.dark_grey()
LIVE_STATES = ("running", "starting", "stopping")


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _percent(value: float) -> str:
    return f"{value:.0f}%" if value >= 10 or value == 0 else f"{value:.1f}%"


def _cores(limit: float) -> str:
    cores = limit / 100
    shown = f"{cores:.0f}" if cores == int(cores) else f"{cores:.2f}".rstrip("0")
    return f"{shown} core" + ("" if cores == 1 else "s")


def _bar(used: float, limit: float) -> str:
    """``▰▰▰▰▱▱▱▱▱▱▱▱ 38% of the limit``."""
    ratio = max(0.0, min(used / limit, 1.0))
    filled = round(ratio * BAR_WIDTH)
    return "▰" * filled + "▱" * (BAR_WIDTH - filled) + f" {used / limit:.0%} of the limit"


def _code(value: str) -> str:
    return "`" + value.replace("`", "'") + "`"


def gate_of(details: Mapping[str, Any]) -> str | None:
    """The key of :data:`GATED_STATES` that applies to the server, or ``None``."""
    status = details.get("status")
    if details.get("is_suspended") or status == "suspended":
        return "suspended"
    if isinstance(status, str) and status in GATED_STATES:
        return status
    if details.get("is_transferring"):
        return "transferring"
    if details.get("is_node_under_maintenance"):
        return "maintenance"
    return None


def primary_address(details: Mapping[str, Any]) -> str | None:
    """``alias or ip`` and port of the primary allocation (``is_default``), from ``relationships.allocations``."""
    relationships = details.get("relationships") or {}
    allocations = (relationships.get("allocations") or {}).get("data") or []
    for item in allocations:
        attributes = item.get("attributes", item) if isinstance(item, Mapping) else {}
        if attributes.get("is_default"):
            host = attributes.get("ip_alias") or attributes.get("ip")
            port = attributes.get("port")
            if host and port:
                return f"{plain_text(str(host))}:{port}"
    return None


@dataclass(frozen=True, slots=True)
class Allocation:
    """What a server is allocated (0 means no limit): CPU in percent of one core, memory and disk in bytes.

    Example:
        >>> Allocation.of({"limits": {"cpu": 200, "memory": 1024, "disk": 0}}).memory
        1073741824.0
    """

    cpu: float
    memory: float
    disk: float

    @classmethod
    def of(cls, details: Mapping[str, Any]) -> Allocation:
        """Reads ``limits`` (``cpu`` percent, ``memory`` and ``disk`` MiB) from ``GET /servers/{id}``."""
        limits = details.get("limits") or {}
        mib = 1024 * 1024
        return cls(_number(limits.get("cpu")), _number(limits.get("memory")) * mib, _number(limits.get("disk")) * mib)

    def line(self) -> str:
        """``CPU 200% (2 cores) · memory 1.0 GiB · disk no limit``."""
        cpu = f"CPU {self.cpu:.0f}% ({_cores(self.cpu)})" if self.cpu > 0 else "CPU no limit"
        memory = f"memory {human_bytes(self.memory)}" if self.memory > 0 else "memory no limit"
        disk = f"disk {human_bytes(self.disk)}" if self.disk > 0 else "disk no limit"
        return f"{cpu} · {memory} · {disk}"


def _cpu(cpu: float, limit: float | None) -> str:
    if limit is None:
        return _percent(cpu)
    if limit <= 0:
        return f"{_percent(cpu)} (no limit; 100% is one full core)"
    return f"{_percent(cpu)} of {limit:.0f}% ({_cores(limit)})\n{_bar(cpu, limit)}"


def _amount(used: float, limit: float | None) -> str:
    if limit is None:
        return human_bytes(used)
    if limit <= 0:
        return f"{human_bytes(used)} (no limit)"
    return f"{human_bytes(used)} of {human_bytes(limit)}\n{_bar(used, limit)}"


def usage_fields(
    state: str, resources: Mapping[str, Any], allocation: Allocation | None
) -> list[tuple[str, str, bool]]:
    """The usage fields that follow "State" on a status card and a status board, so both read the same.

    A server that runs shows uptime, CPU against its limit, memory, disk (with bars) and network; an offline one
    shows what it is allocated and the disk it takes, and no empty bars.

    Args:
        state: The power state (``running``, ``starting``, ``stopping``, ``offline``…).
        resources: Usage as ``GET /servers/{id}/resources`` names it (``cpu_absolute``, ``memory_bytes``,
            ``disk_bytes``, ``network_rx_bytes``, ``network_tx_bytes``, ``uptime`` in ms).
        allocation: The server's limits, or ``None`` while they are not known yet (figures show without a limit).

    Example:
        >>> [name for name, _, _ in usage_fields("offline", {"disk_bytes": 5}, None)]
        ['Disk in use']
    """
    disk = _number(resources.get("disk_bytes"))
    cpu_limit, memory_limit, disk_limit = (
        (None, None, None) if allocation is None else (allocation.cpu, allocation.memory, allocation.disk)
    )
    fields: list[tuple[str, str, bool]] = []
    if state in LIVE_STATES:
        uptime = _number(resources.get("uptime"))
        fields.append(("Uptime", "under a second" if 0 < uptime < 1000 else human_duration(uptime), True))
        fields.append(("CPU", _cpu(_number(resources.get("cpu_absolute")), cpu_limit), False))
        fields.append(("Memory", _amount(_number(resources.get("memory_bytes")), memory_limit), False))
        fields.append(("Disk", _amount(disk, disk_limit), False))
        fields.append(
            (
                "Network",
                f"↓ {human_bytes(_number(resources.get('network_rx_bytes')))} received · "
                f"↑ {human_bytes(_number(resources.get('network_tx_bytes')))} sent",
                False,
            )
        )
        return fields
    # offline: nothing in use, so no bars; what it is allocated, and the disk it takes
    if allocation is not None:
        fields.append(("Allocated", allocation.line(), False))
    shown = human_bytes(disk)
    if disk_limit is not None and disk_limit > 0:
        shown += f" of {human_bytes(disk_limit)}"
    fields.append(("Disk in use", shown, False))
    return fields


def status_card(
    details: Mapping[str, Any],
    usage: Mapping[str, Any] | None,
    *,
    read_at: datetime | None = None,
    renewal_warn_days: int = DEFAULT_RENEWAL_WARN_DAYS,
) -> discord.Embed:
    """The status card of one server.

    Args:
        details: ``GET /servers/{id}`` attributes (``name``, ``identifier``, ``node``, ``limits``, ``status``
            and the flags, ``relationships.allocations``).
        usage: ``GET /servers/{id}/resources`` attributes, or ``None`` when the panel refused them (a gated
            server: the card then says why).
        read_at: When the data was read (default: now).
        renewal_warn_days: ``RENEWAL_WARN_DAYS``: within this many days a renewal line becomes a warning.

    Returns:
        The embed; all panel text is escaped and every part within Discord's limits.
    """
    read_at = read_at or datetime.now(UTC)
    name = plain_text(str(details.get("name") or details.get("identifier") or "?"))
    identifier = str(details.get("identifier") or "")
    allocation = Allocation.of(details)
    gate = gate_of(details)
    state = str((usage or {}).get("current_state") or "unknown")

    lines = [_code(identifier) + (f" on node {escape(details['node'])}" if details.get("node") else "")]
    address = primary_address(details)
    if address:
        lines.append(f"Address: {_code(address)}")
    renewal = renewal_days(details)
    if renewal is not None and gate is None:
        lines.append(renewal_line(renewal, warn_days=renewal_warn_days))
    lines.append(f"Read {discord.utils.format_dt(read_at, 'R')}")

    fields: list[tuple[str, str, bool]] = []
    if gate is not None or usage is None:
        icon, text = GATED_STATES.get(gate or "", (UNKNOWN_DOT, "unavailable: the panel does not report its usage."))
        if gate == "suspended" and renewal is not None and renewal <= 0:
            text = suspended_for_renewal(renewal)
        dot, colour = icon, GATED_COLOUR
        fields.append(("State", f"{icon} {text}", False))
        fields.append(("Allocated", allocation.line(), False))
    else:
        dot = STATE_DOTS.get(state, UNKNOWN_DOT)
        colour = STATE_COLOURS.get(state, discord.Colour.light_grey())
        fields.append(("State", f"{dot} {escape(state)}", True))
        fields += usage_fields(state, usage.get("resources") or {}, allocation)
    return make_embed(
        f"{dot} {escape(clip(name, NAME_MAX))}",
        "\n".join(lines),
        colour=colour,
        fields=fields,
        footer=FOOTER,
    )
