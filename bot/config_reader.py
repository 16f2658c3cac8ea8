"""One reader per configuration variable: each reads its variable from the environment mapping, checks it,
and records one clear sentence per problem (never the value of a secret), so :func:`bot.config.load_config`
can report every problem at once."""

from __future__ import annotations

import math
from collections.abc import Mapping
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from .config_defaults import DEFAULT_CONFIG_ERROR_DELAY, DEFAULT_PANEL_TIMEOUT, DEFAULT_RENEWAL_WARN_DAYS
from .shapes import (
    is_placeholder_host,
    is_private_host,
    looks_like_discord_token,
    looks_like_panel_key,
    parse_database_url,
)

__all__ = ["EnvReader", "parse_delay"]

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


class EnvReader:
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

    def renewal_warn_days(self) -> int:
        raw = self.get("RENEWAL_WARN_DAYS")
        if raw is None:
            return DEFAULT_RENEWAL_WARN_DAYS
        try:
            days = int(raw, 10)
        except ValueError:
            days = -1
        if not 0 <= days <= 365:
            self.add(
                f"RENEWAL_WARN_DAYS must be a whole number of days from 0 (no reminders) to 365, not {_preview(raw)}"
            )
            return DEFAULT_RENEWAL_WARN_DAYS
        return days

    def config_error_delay(self) -> float:
        raw = self.get("CONFIG_ERROR_DELAY")
        if raw is None:
            return DEFAULT_CONFIG_ERROR_DELAY
        seconds = parse_delay(raw)
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


def parse_delay(raw: str) -> float | None:
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _preview(value: str, limit: int = 40) -> str:
    """``repr`` of a (non-secret) value, shortened so messages stay readable."""
    if len(value) > limit:
        value = value[:limit] + "…"
    return repr(value)
