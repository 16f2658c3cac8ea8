"""The defaults and bounds of the bot's configuration variables (the values :func:`bot.config.load_config`
uses when a variable is unset, and the ranges it accepts)."""

from __future__ import annotations

__all__ = [
    "ALERT_UNREACHABLE_RANGE",
    "BOARD_INTERVAL_RANGE",
    "DEFAULT_ALERT_UNREACHABLE",
    "DEFAULT_BOARD_INTERVAL",
    "DEFAULT_CONFIG_ERROR_DELAY",
    "DEFAULT_DATABASE_FILENAME",
    "DEFAULT_PANEL_TIMEOUT",
    "DEFAULT_RENEWAL_WARN_DAYS",
]

#: Name of the SQLite file inside ``DATA_DIR`` when ``DATABASE_URL`` is not set.
DEFAULT_DATABASE_FILENAME = "bot.db"

#: Seconds one panel request may take when ``PANEL_TIMEOUT`` is not set.
DEFAULT_PANEL_TIMEOUT = 15.0

#: Seconds between two usage edits of a status board when ``BOARD_INTERVAL`` is not set, and its bounds.
DEFAULT_BOARD_INTERVAL = 15.0
BOARD_INTERVAL_RANGE = (5.0, 3600.0)

#: Seconds a watched server may be unreachable before its alert says so (``ALERT_UNREACHABLE``), and bounds.
DEFAULT_ALERT_UNREACHABLE = 120.0
ALERT_UNREACHABLE_RANGE = (10.0, 86400.0)

#: Days before a Jexactyl server's renewal is due that its owner is reminded, when ``RENEWAL_WARN_DAYS`` is not set.
DEFAULT_RENEWAL_WARN_DAYS = 2

#: Seconds ``python -m bot run`` waits after a configuration error when ``CONFIG_ERROR_DELAY`` is not set.
DEFAULT_CONFIG_ERROR_DELAY = 0.0
