"""What boards show (``bot/watch/render.py``): escaping of panel text, the health lines, the Jexactyl renewal."""

from __future__ import annotations

import time

from bot.cards import status_card
from bot.watch.model import FeedSnapshot, PauseReason
from bot.watch.render import RESTARTING, board_embed, safe
from pyjexactyl.events import Stats


def snapshot(**fields: object) -> FeedSnapshot:
    values: dict[str, object] = {"server_id": "1a2b3c4d", "link": "connected", "pause": None, "since": time.time()}
    values.update(fields)
    return FeedSnapshot(**values)  # type: ignore[arg-type]


def description(embed: object) -> str:
    return str(getattr(embed, "description", ""))


def test_panel_text_cannot_mention_format_or_form_tokens() -> None:
    shown = safe("**Lobby** @everyone <@&123> <#456> <t:0:R>\u202e\n")
    assert "@everyone" not in shown and "<@" not in shown and "<#" not in shown and "<t:" not in shown
    assert "**" not in shown and "\u202e" not in shown and "\n" not in shown


def test_a_jexactyl_renewal_shows_on_the_board_without_the_owners_command() -> None:
    details = {"name": "Renewed", "renewable": True, "renewal": 1, "limits": {"disk": 1024}}
    embed = board_embed(snapshot(state="running", details=details), fallback_name="x", interval=15, renewal_warn_days=2)
    assert "Renewal due" in description(embed) and "/server renew" not in description(embed)
    plain = board_embed(snapshot(state="running", details={"name": "Plain"}), fallback_name="x", interval=15)
    assert "Renewal" not in description(plain)


def test_health_lines() -> None:
    stats = Stats(memory_bytes=1, cpu_absolute=1.0, disk_bytes=1, state="running")
    lost = board_embed(snapshot(link="unreachable", state="running", stats=stats), fallback_name="S", interval=15)
    assert "cannot be reached since <t:" in description(lost)
    gone = board_embed(snapshot(link="paused", pause=PauseReason.LINK_GONE), fallback_name="S", interval=15)
    assert "paused: the owner's panel link is gone" in description(gone)
    restarting = board_embed(snapshot(state="running", stats=stats), fallback_name="S", interval=15, banner=RESTARTING)
    assert "monitoring paused (bot restarting)" in description(restarting)


DETAILS = {"name": "Same", "identifier": "1a2b3c4d", "limits": {"cpu": 200, "memory": 1024, "disk": 2048}}


def fields_of(embed: object) -> list[tuple[str, str]]:
    return [(str(field.name), str(field.value)) for field in getattr(embed, "fields", [])]


def test_a_board_reads_like_the_status_card() -> None:
    """Same figures, same fields: CPU against its limit in cores, bars only while it runs (as ``/server status``)."""
    for state in ("running", "offline"):
        stats = Stats(
            memory_bytes=512 * 1024 * 1024,
            cpu_absolute=75.0,
            disk_bytes=300 * 1024 * 1024,
            network_rx_bytes=10,
            network_tx_bytes=20,
            uptime_ms=90_061_000 if state == "running" else 0,
            state=state,
        )
        resources = {
            "cpu_absolute": 75.0,
            "memory_bytes": stats.memory_bytes,
            "disk_bytes": stats.disk_bytes,
            "network_rx_bytes": 10,
            "network_tx_bytes": 20,
            "uptime": stats.uptime_ms,
        }
        card = status_card(DETAILS, {"current_state": state, "resources": resources})
        board = board_embed(snapshot(state=state, stats=stats, details=DETAILS), fallback_name="x", interval=15)
        assert fields_of(board) == fields_of(card), state
    running = dict(
        fields_of(board_embed(snapshot(state="running", stats=stats, details=DETAILS), fallback_name="x", interval=15))
    )
    assert running["CPU"].startswith("75% of 200% (2 cores)\n▰"), running
    offline = dict(fields_of(board))
    assert "CPU" not in offline and "▰" not in str(offline) and offline["Allocated"].startswith("CPU 200% (2 cores)")


def test_a_board_before_the_details_are_read_shows_figures_without_limits() -> None:
    stats = Stats(memory_bytes=1024, cpu_absolute=5.0, disk_bytes=2048, state="offline")
    offline = dict(fields_of(board_embed(snapshot(state="offline", stats=stats), fallback_name="x", interval=15)))
    assert "Allocated" not in offline and offline["Disk in use"] == "2.0 KiB", offline
    running = dict(fields_of(board_embed(snapshot(state="running", stats=stats), fallback_name="x", interval=15)))
    assert running["CPU"] == "5.0%" and "no limit" not in running["Memory"], running
