"""Bot configuration, loaded from the environment (and an optional ``.env`` file).

:func:`load_config` validates every variable and reports *all* problems at once in a
:class:`ConfigError`, so an operator can fix a broken deployment in one pass.  Secret
values (``DISCORD_TOKEN``, ``PANEL_APPLICATION_KEY``, ``ENCRYPTION_KEY``) are never
included in error messages or in the ``repr`` of :class:`BotConfig`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config_defaults import (
    ALERT_UNREACHABLE_RANGE,
    BOARD_INTERVAL_RANGE,
    DEFAULT_ALERT_UNREACHABLE,
    DEFAULT_BOARD_INTERVAL,
    DEFAULT_CONFIG_ERROR_DELAY,
    DEFAULT_DATABASE_FILENAME,
    DEFAULT_PANEL_TIMEOUT,
    DEFAULT_RENEWAL_WARN_DAYS,
)
from .config_reader import EnvReader, parse_delay
from .shapes import looks_like_discord_token, parse_database_url

__all__ = [
    "DEFAULT_ALERT_UNREACHABLE",
    "DEFAULT_BOARD_INTERVAL",
    "DEFAULT_CONFIG_ERROR_DELAY",
    "DEFAULT_DATABASE_FILENAME",
    "DEFAULT_PANEL_TIMEOUT",
    "DEFAULT_RENEWAL_WARN_DAYS",
    "SECRET_FIELDS",
    "BotConfig",
    "ConfigError",
    "config_error_delay",
    "load_config",
    "looks_like_discord_token",
    "parse_database_url",
    "read_environment",
]

#: Fields of :class:`BotConfig` whose values must never be displayed.
SECRET_FIELDS: frozenset[str] = frozenset({"discord_token", "panel_application_key", "encryption_keys"})


class ConfigError(ValueError):
    """The configuration is invalid.

    ``problems`` holds one clear sentence per problem; ``str(error)`` lists them all.
    No message ever contains the value of a secret.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems: list[str] = list(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"Invalid bot configuration ({count} {noun}):"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        super().__init__("\n".join(lines))


@dataclass(frozen=True, repr=False)
class BotConfig:
    """Validated, immutable bot settings.

    Build it with :func:`load_config`.  The ``repr`` redacts every secret field.
    """

    discord_token: str
    panel_url: str
    panel_application_key: str | None = None
    data_dir: Path = field(default_factory=lambda: Path("./data"))
    database_url: str | None = None
    #: Fernet keys; the first encrypts, all of them decrypt.  Empty means "use DATA_DIR/secret.key".
    encryption_keys: tuple[str, ...] = ()
    guild_ids: tuple[int, ...] = ()
    admin_role_ids: tuple[int, ...] = ()
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    log_level: str = "INFO"
    health_port: int | None = None
    health_host: str = "127.0.0.1"
    #: Seconds one panel request may take before the user is told the panel did not answer in time.
    panel_timeout: float = DEFAULT_PANEL_TIMEOUT
    #: Seconds ``run`` waits after a configuration error before exiting (see :func:`config_error_delay`).
    config_error_delay: float = DEFAULT_CONFIG_ERROR_DELAY
    #: Seconds between two usage edits of a status board (a state change is shown within 2 s).
    board_interval: float = DEFAULT_BOARD_INTERVAL
    #: Seconds a watched server may be unreachable before its alert says so.
    alert_unreachable: float = DEFAULT_ALERT_UNREACHABLE
    #: Days before a Jexactyl v3 server's renewal is due that its owner is reminded (0: never).
    renewal_warn_days: int = DEFAULT_RENEWAL_WARN_DAYS

    @property
    def database_path(self) -> Path:
        """Path of the SQLite database: ``DATABASE_URL`` if set, else ``DATA_DIR/bot.db``."""
        if self.database_url:
            return parse_database_url(self.database_url)
        return self.data_dir / DEFAULT_DATABASE_FILENAME

    def __repr__(self) -> str:
        parts: list[str] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS:
                shown = "<redacted>" if value else repr(value)
            else:
                shown = repr(value)
            parts.append(f"{f.name}={shown}")
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__


def config_error_delay(env: Mapping[str, str]) -> float:
    """``CONFIG_ERROR_DELAY`` from ``env``, read on its own: the configuration it belongs to may not load.
    An unset or invalid value gives :data:`DEFAULT_CONFIG_ERROR_DELAY` (an invalid one is also reported by
    :func:`load_config`).

    Example:
        >>> config_error_delay({"CONFIG_ERROR_DELAY": "300"})
        300.0
    """
    raw = (env.get("CONFIG_ERROR_DELAY") or "").strip()
    seconds = parse_delay(raw) if raw else None
    return DEFAULT_CONFIG_ERROR_DELAY if seconds is None else seconds


def read_environment(dotenv_path: str | Path | None = ".env") -> dict[str, str]:
    """The process environment layered over the ``.env`` file (real variables win)."""
    merged: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        from dotenv import dotenv_values

        try:
            values = dotenv_values(dotenv_path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                [f"the .env file {str(dotenv_path)!r} could not be read ({type(exc).__name__})"]
            ) from None
        merged.update({name: value for name, value in values.items() if value is not None})
    merged.update(os.environ)
    return merged


def load_config(env: Mapping[str, str] | None = None, *, dotenv_path: str | Path | None = ".env") -> BotConfig:
    """Load and validate the bot configuration.

    :param env: variables to use *instead of* the process environment and ``.env``
        (meant for tests).  When ``None``, the process environment is read and the
        ``.env`` file at ``dotenv_path`` (if it exists) fills in variables that are
        not set in the real environment.
    :param dotenv_path: location of the ``.env`` file, or ``None`` to skip it.
    :raises ConfigError: listing every problem found.
    """
    source: Mapping[str, str] = env if env is not None else read_environment(dotenv_path)
    c = EnvReader(source)

    discord_token = c.discord_token()
    panel_url = c.panel_url()
    panel_application_key = c.panel_application_key()
    data_dir = Path(c.get("DATA_DIR") or "./data")
    database_url = c.database_url()
    encryption_keys = c.encryption_keys()
    guild_ids = c.id_list("GUILD_IDS")
    admin_role_ids = c.id_list("ADMIN_ROLE_IDS")
    discord_api_base = c.optional_url("DISCORD_API_BASE", ("https", "http"))
    discord_gateway_url = c.optional_url("DISCORD_GATEWAY_URL", ("wss", "ws", "https", "http"))
    log_level = c.log_level()
    health_port = c.health_port()
    health_host = c.get("HEALTH_HOST") or "127.0.0.1"
    panel_timeout = c.panel_timeout()
    delay = c.config_error_delay()
    board_interval = c.seconds_in("BOARD_INTERVAL", DEFAULT_BOARD_INTERVAL, BOARD_INTERVAL_RANGE, "15")
    alert_unreachable = c.seconds_in("ALERT_UNREACHABLE", DEFAULT_ALERT_UNREACHABLE, ALERT_UNREACHABLE_RANGE, "120")
    renewal_warn_days = c.renewal_warn_days()

    if c.problems:
        raise ConfigError(c.problems)
    return BotConfig(
        discord_token=discord_token,
        panel_url=panel_url,
        panel_application_key=panel_application_key,
        data_dir=data_dir,
        database_url=database_url,
        encryption_keys=encryption_keys,
        guild_ids=guild_ids,
        admin_role_ids=admin_role_ids,
        discord_api_base=discord_api_base,
        discord_gateway_url=discord_gateway_url,
        log_level=log_level,
        health_port=health_port,
        health_host=health_host,
        panel_timeout=panel_timeout,
        config_error_delay=delay,
        board_interval=board_interval,
        alert_unreachable=alert_unreachable,
        renewal_warn_days=renewal_warn_days,
    )
