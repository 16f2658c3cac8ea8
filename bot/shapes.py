"""What valid configuration values look like: a bot token, a panel key, a panel host, a database URL.

Pure functions of a string, used by :mod:`bot.config` (and :mod:`bot.linking` for pasted keys). Nothing is
sent anywhere and no secret is ever put in a message.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from pathlib import Path

__all__ = [
    "is_placeholder_host",
    "is_private_host",
    "looks_like_discord_token",
    "looks_like_panel_key",
    "parse_database_url",
]

_PRIVATE_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("::1/128"),
)

_TOKEN_SHAPE = re.compile(r"([A-Za-z0-9_-]{16,})\.([A-Za-z0-9_-]{5,})\.([A-Za-z0-9_-]{20,})")
"""A bot token: base64 of the bot's user id, a timestamp, an HMAC, separated by dots."""

_PLACEHOLDER_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org", "example", "invalid")
"""Reserved for documentation (RFC 2606): a PANEL_URL there was copied from an example, never a real panel."""

_PANEL_KEY_PREFIXES: tuple[str, ...] = ("ptla_", "ptlc_", "papp_", "pacc_")
_PANEL_KEY_LENGTH = 48
_SQLITE_URL_PREFIX = "sqlite:///"


def parse_database_url(value: str) -> Path:
    """Turn ``DATABASE_URL`` (a plain path or ``sqlite:///path``) into a :class:`Path`.

    Follows the SQLAlchemy convention: ``sqlite:///relative.db`` is relative to the
    working directory and ``sqlite:////abs/path.db`` is absolute.

    :raises ValueError: for another scheme, an empty path or an in-memory database.
    """
    raw = value.strip()
    if raw.lower().startswith(_SQLITE_URL_PREFIX):
        raw = raw[len(_SQLITE_URL_PREFIX) :]
        # Drop a query string such as "?mode=rwc"; it has no meaning for us.
        raw = raw.split("?", 1)[0]
    elif "://" in raw or raw.lower().startswith("sqlite:"):
        raise ValueError(
            "DATABASE_URL must be a file path or a sqlite:///path URL; only SQLite databases are supported"
        )
    if not raw:
        raise ValueError("DATABASE_URL does not contain a file path (e.g. sqlite:///data/bot.db)")
    if raw == ":memory:":
        raise ValueError("DATABASE_URL must point to a file; an in-memory database would lose every link")
    return Path(raw)


def is_private_host(host: str) -> bool:
    """True for ``localhost`` and for IP addresses in loopback/RFC 1918 ranges."""
    lowered = host.lower().rstrip(".")
    if lowered == "localhost" or lowered.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(lowered)
    except ValueError:
        return False
    return any(address.version == net.version and address in net for net in _PRIVATE_NETWORKS)


def is_placeholder_host(host: str) -> bool:
    lowered = host.lower().rstrip(".")
    return any(lowered == domain or lowered.endswith("." + domain) for domain in _PLACEHOLDER_DOMAINS)


def looks_like_discord_token(token: str) -> bool:
    """Whether ``token`` has the shape of a Discord bot token: three base64url parts separated by dots, the
    first of which encodes the bot's numeric user id. Nothing is sent anywhere.

    Example:
        >>> looks_like_discord_token("notatoken")
        False
    """
    match = _TOKEN_SHAPE.fullmatch(token)
    if match is None:
        return False
    head = match.group(1)
    try:
        user_id = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
    except (binascii.Error, ValueError):
        return False
    return user_id.isdigit()


def looks_like_panel_key(key: str) -> bool:
    """Whether ``key`` has the shape of a panel API key: 48 characters, an optional ``ptlc_``/``ptla_``/
    ``pacc_``/``papp_`` prefix, letters and digits otherwise (legacy keys have no prefix)."""
    if len(key) != _PANEL_KEY_LENGTH:
        return False
    body = key
    for prefix in _PANEL_KEY_PREFIXES:
        if key.startswith(prefix):
            body = key[len(prefix) :]
            break
    return body.isascii() and body.isalnum()
