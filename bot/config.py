"""Bot configuration, loaded from the environment (and an optional ``.env`` file).

:func:`load_config` validates every variable and reports *all* problems at once in a
:class:`ConfigError`, so an operator can fix a broken deployment in one pass.  Secret
values (``DISCORD_TOKEN``, ``PANEL_APPLICATION_KEY``, ``ENCRYPTION_KEY``) are never
included in error messages or in the ``repr`` of :class:`BotConfig`.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from .shapes import (
    is_placeholder_host,
    is_private_host,
    looks_like_discord_token,
    looks_like_panel_key,
    parse_database_url,
)

__all__ = [
    "DEFAULT_ALERT_UNREACHABLE",
    "DEFAULT_BOARD_INTERVAL",
    "DEFAULT_CONFIG_ERROR_DELAY",
    "DEFAULT_DATABASE_FILENAME",
    "DEFAULT_PANEL_TIMEOUT",
    "SECRET_FIELDS",
    "BotConfig",
    "ConfigError",
    "config_error_delay",
    "load_config",
    "looks_like_discord_token",
    "parse_database_url",
    "read_environment",
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

#: Seconds ``python -m bot run`` waits after a configuration error when ``CONFIG_ERROR_DELAY`` is not set.
DEFAULT_CONFIG_ERROR_DELAY = 0.0

#: Fields of :class:`BotConfig` whose values must never be displayed.
SECRET_FIELDS: frozenset[str] = frozenset({"discord_token", "panel_application_key", "encryption_keys"})

_LOG_LEVELS: dict[str, str] = {
    "CRITICAL": "CRITICAL",
    "FATAL": "CRITICAL",
    "ERROR": "ERROR",
    "WARNING": "WARNING",
    "WARN": "WARNING",
    "INFO": "INFO",
    "DEBUG": "DEBUG",
}

_GENERATE_KEY_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


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


class _Collector:
    """Reads variables from a mapping and accumulates problems."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self.problems: list[str] = []

    def get(self, name: str) -> str | None:
        """The stripped value of ``name``, or ``None`` when unset or blank."""
        value = self._env.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    # -- individual validators -------------------------------------------------------

    def discord_token(self) -> str:
        token = self.get("DISCORD_TOKEN")
        if token is None:
            self.add(
                "DISCORD_TOKEN is not set: create a bot in the Discord developer portal "
                "(https://discord.com/developers/applications) and put its token in DISCORD_TOKEN"
            )
            return ""
        if token.lower().startswith("bot "):
            self.add("DISCORD_TOKEN must be the bare bot token, without the 'Bot ' prefix")
        elif any(ch.isspace() for ch in token):
            self.add("DISCORD_TOKEN contains whitespace: paste the token exactly as the developer portal shows it")
        elif not looks_like_discord_token(token):
            self.add(
                f"DISCORD_TOKEN does not look like a bot token ({len(token)} characters): a bot token is about 70 "
                "characters in three parts separated by dots. Copy it from "
                "https://discord.com/developers/applications (your application → Bot → Reset Token); the "
                "application id, public key and client secret are not the token"
            )
        return token

    def panel_url(self) -> str:
        raw = self.get("PANEL_URL")
        if raw is None:
            self.add(
                "PANEL_URL is not set: put the base address of your Jexactyl/Pterodactyl panel in PANEL_URL "
                "(e.g. https://panel.<your domain>)"
            )
            return ""
        try:
            parts = urlsplit(raw)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for an invalid port
        except ValueError:
            self.add("PANEL_URL is not a valid URL: use the form https://panel.<your domain>")
            return ""
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            self.add("PANEL_URL must start with https:// (e.g. https://panel.<your domain>)")
            return ""
        if not host:
            self.add("PANEL_URL has no host name: use the form https://panel.<your domain>")
            return ""
        if parts.username is not None or parts.password is not None:
            self.add("PANEL_URL must not contain a user name or password; the bot authenticates with API keys")
            return ""
        if parts.query or parts.fragment:
            self.add("PANEL_URL must not contain a query string or fragment; give only the panel's base address")
            return ""
        if is_placeholder_host(host):
            self.add(
                f"PANEL_URL points to {host!r}, a placeholder reserved for documentation: put your own panel's "
                "address in PANEL_URL (the form https://panel.<your domain>)"
            )
            return ""
        if scheme == "http" and not is_private_host(host):
            self.add(
                f"PANEL_URL uses plain http for the public host {host!r}: API keys would travel unencrypted, "
                "so use https (http is only allowed for localhost and private 10/8, 172.16/12, 192.168/16 "
                "or loopback addresses)"
            )
            return ""
        return raw.rstrip("/")

    def panel_application_key(self) -> str | None:
        key = self.get("PANEL_APPLICATION_KEY")
        if key is None:
            return None
        if not looks_like_panel_key(key):
            self.add(
                "PANEL_APPLICATION_KEY does not look like a panel API key: expected 48 letters/digits, "
                "starting with ptla_ (or ptlc_, papp_, pacc_) or a legacy 48-character key; "
                "create one in the panel's Application API page"
            )
            return None
        return key

    def encryption_keys(self) -> tuple[str, ...]:
        raw = self.get("ENCRYPTION_KEY")
        if raw is None:
            return ()
        keys: list[str] = []
        entries = raw.split(",")
        for position, entry in enumerate(entries, start=1):
            key = entry.strip()
            where = f"entry {position} of {len(entries)}" if len(entries) > 1 else "the value"
            if not key:
                self.add(f"ENCRYPTION_KEY {where} is empty: remove the stray comma")
                continue
            try:
                Fernet(key)
            except (ValueError, TypeError):
                self.add(
                    f"ENCRYPTION_KEY {where} is not a valid Fernet key (it must be 32 url-safe base64-encoded "
                    f"bytes); {_GENERATE_KEY_HINT}"
                )
                continue
            keys.append(key)
        return tuple(keys)

    def id_list(self, name: str) -> tuple[int, ...]:
        raw = self.get(name)
        if raw is None:
            return ()
        ids: list[int] = []
        bad: list[str] = []
        for position, entry in enumerate(raw.split(","), start=1):
            item = entry.strip()
            if not item:
                continue
            try:
                value = int(item, 10)
            except ValueError:
                bad.append(f"entry {position} ({_preview(item)})")
                continue
            if value <= 0 or value >= 2**63:
                bad.append(f"entry {position} ({_preview(item)})")
                continue
            if value not in ids:
                ids.append(value)
        if bad:
            self.add(
                f"{name} must be a comma-separated list of numeric Discord IDs, but "
                f"{', '.join(bad)} is not a valid ID (enable Developer Mode in Discord and use 'Copy ID')"
            )
        return tuple(ids)

    def optional_url(self, name: str, schemes: tuple[str, ...]) -> str | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            parts = urlsplit(raw)
            parts.port  # noqa: B018 - raises ValueError for an invalid port
        except ValueError:
            self.add(f"{name} is not a valid URL")
            return None
        if parts.scheme.lower() not in schemes:
            allowed = ", ".join(f"{scheme}://" for scheme in schemes)
            self.add(f"{name} must start with one of {allowed}")
            return None
        if not parts.hostname:
            self.add(f"{name} has no host name")
            return None
        scheme = parts.scheme.lower()
        if scheme in ("http", "ws") and not is_private_host(parts.hostname):
            secure = "https" if scheme == "http" else "wss"
            self.add(
                f"{name} uses plain {scheme} for the public host {parts.hostname!r}: the bot token would travel "
                f"unencrypted, so use {secure} (plain http/ws is only allowed for localhost and private 10/8, "
                "172.16/12, 192.168/16 or loopback addresses, as for PANEL_URL)"
            )
            return None
        return raw.rstrip("/")

    def log_level(self) -> str:
        raw = self.get("LOG_LEVEL")
        if raw is None:
            return "INFO"
        level = _LOG_LEVELS.get(raw.upper())
        if level is None:
            self.add(f"LOG_LEVEL {_preview(raw)} is not a log level: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
            return "INFO"
        return level

    def health_port(self) -> int | None:
        raw = self.get("HEALTH_PORT")
        if raw is None:
            return None
        try:
            port = int(raw, 10)
        except ValueError:
            self.add(f"HEALTH_PORT must be a whole number between 1 and 65535, not {_preview(raw)}")
            return None
        if not 1 <= port <= 65535:
            self.add(f"HEALTH_PORT must be between 1 and 65535, not {port}")
            return None
        return port

    def panel_timeout(self) -> float:
        raw = self.get("PANEL_TIMEOUT")
        if raw is None:
            return DEFAULT_PANEL_TIMEOUT
        try:
            seconds = float(raw)
        except ValueError:
            self.add(f"PANEL_TIMEOUT must be a number of seconds (e.g. 15), not {_preview(raw)}")
            return DEFAULT_PANEL_TIMEOUT
        if not math.isfinite(seconds) or seconds <= 0:
            self.add(f"PANEL_TIMEOUT must be a number of seconds greater than 0, not {_preview(raw)}")
            return DEFAULT_PANEL_TIMEOUT
        return seconds

    def seconds_in(self, name: str, default: float, bounds: tuple[float, float], example: str) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        low, high = bounds
        try:
            seconds = float(raw)
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds) or not low <= seconds <= high:
            self.add(
                f"{name} must be a number of seconds from {low:g} to {high:g} (e.g. {example}), not {_preview(raw)}"
            )
            return default
        return seconds

    def config_error_delay(self) -> float:
        raw = self.get("CONFIG_ERROR_DELAY")
        if raw is None:
            return DEFAULT_CONFIG_ERROR_DELAY
        seconds = _parse_delay(raw)
        if seconds is None:
            self.add(f"CONFIG_ERROR_DELAY must be a number of seconds, 0 or more (e.g. 300), not {_preview(raw)}")
            return DEFAULT_CONFIG_ERROR_DELAY
        return seconds

    def database_url(self) -> str | None:
        raw = self.get("DATABASE_URL")
        if raw is None:
            return None
        try:
            parse_database_url(raw)
        except ValueError as exc:
            self.add(str(exc))
            return None
        return raw


def _parse_delay(raw: str) -> float | None:
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def config_error_delay(env: Mapping[str, str]) -> float:
    """``CONFIG_ERROR_DELAY`` from ``env``, read on its own: the configuration it belongs to may not load.
    An unset or invalid value gives :data:`DEFAULT_CONFIG_ERROR_DELAY` (an invalid one is also reported by
    :func:`load_config`).

    Example:
        >>> config_error_delay({"CONFIG_ERROR_DELAY": "300"})
        300.0
    """
    raw = (env.get("CONFIG_ERROR_DELAY") or "").strip()
    seconds = _parse_delay(raw) if raw else None
    return DEFAULT_CONFIG_ERROR_DELAY if seconds is None else seconds


def _preview(value: str, limit: int = 40) -> str:
    """``repr`` of a (non-secret) value, shortened so messages stay readable."""
    if len(value) > limit:
        value = value[:limit] + "…"
    return repr(value)


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
    c = _Collector(source)

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
    )
