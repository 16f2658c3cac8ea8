"""Point discord.py at another Discord API/gateway (a fake on 127.0.0.1, or a staging double).

discord.py has no public setting for its endpoints. Every REST URL -- including interaction callbacks,
followups and webhook edits -- is built from the class attribute ``discord.http.Route.BASE``
(``https://discord.com/api/v10``), and a plain ``Client``/``Bot`` opens its gateway websocket at
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (a ``yarl.URL``, ``wss://gateway.discord.gg/``);
reconnects then use the ``resume_gateway_url`` the gateway sent in READY. (``AutoShardedClient`` asks
``GET /gateway/bot`` instead, which ``Route.BASE`` already redirects.)

These two class attributes are the only discord.py internals the bot touches, and this module is the ONE
place that does: before setting them it checks that they still exist with the expected types (``str`` and
``yarl.URL``), and refuses with :class:`UnsupportedDiscordVersion`, naming what changed, where they do not.
It does not pin a discord.py version: any 2.x (``>=2.7,<3``) with these attributes works. Nothing is touched
unless an endpoint is configured.

Usage, at start-up from configuration (``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``)::

    from bot.discord_endpoints import apply_discord_endpoints

    apply_discord_endpoints(os.environ.get("DISCORD_API_BASE"), os.environ.get("DISCORD_GATEWAY_URL"))
    await bot.start(token)

and in tests::

    apply_discord_endpoints(fd.api_base, fd.gateway_url)   # "http://127.0.0.1:PORT/api/v10", "ws://..."
    try:
        ...
    finally:
        reset_discord_endpoints()

``None`` for either URL means Discord's default. The patch is process-global: call it before
``bot.start()`` and do not run two bots against different endpoints in one process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import discord
import discord.gateway
import discord.http
import yarl

__all__ = [
    "DEFAULT_API_BASE",
    "DEFAULT_GATEWAY_URL",
    "UnsupportedDiscordVersion",
    "apply_discord_endpoints",
    "apply_discord_endpoints_from_env",
    "current_discord_endpoints",
    "reset_discord_endpoints",
]

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"

_original: tuple[str, yarl.URL] | None = None


class UnsupportedDiscordVersion(RuntimeError):
    """The installed discord.py no longer has the endpoint attributes this module sets."""


def _check_attributes() -> None:
    """Refuses (naming what changed) when ``Route.BASE`` or ``DiscordWebSocket.DEFAULT_GATEWAY`` is missing
    or no longer of the type this module sets."""
    expected = (
        ("discord.http.Route.BASE", getattr(discord.http, "Route", None), "BASE", str),
        (
            "discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY",
            getattr(discord.gateway, "DiscordWebSocket", None),
            "DEFAULT_GATEWAY",
            yarl.URL,
        ),
    )
    problems: list[str] = []
    for name, owner, attribute, kind in expected:
        value = getattr(owner, attribute, None)
        if value is None:
            problems.append(f"{name} does not exist")
        elif not isinstance(value, kind):
            problems.append(f"{name} is a {type(value).__name__}, not a {kind.__name__}")
    if problems:
        raise UnsupportedDiscordVersion(
            f"DISCORD_API_BASE / DISCORD_GATEWAY_URL cannot be applied with discord.py {discord.__version__}: "
            + "; ".join(problems)
            + ". Unset both to use Discord itself, or install a discord.py in which these attributes exist "
            "(2.7 has them)."
        )


def _normalise(url: str, schemes: tuple[str, ...], what: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"{what} must be an absolute {'/'.join(schemes)} URL, got {url!r}")
    return url


def apply_discord_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Make discord.py use ``api_base`` for REST and ``gateway_url`` for the gateway.

    ``api_base`` is the full versioned base, e.g. ``http://127.0.0.1:8080/api/v10`` (a trailing slash is
    dropped); ``gateway_url`` a ``ws://``/``wss://`` URL (``http(s)://`` works too: aiohttp upgrades it).
    ``None`` restores Discord's default for that one. Raises :class:`UnsupportedDiscordVersion` if a URL is
    given and discord.py's two attributes are missing or changed type, and ``ValueError`` for a malformed URL.
    """
    global _original
    if api_base is None and gateway_url is None:
        if _original is not None:
            reset_discord_endpoints()
        return
    _check_attributes()
    if _original is None:
        _original = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    base = DEFAULT_API_BASE if api_base is None else _normalise(api_base, ("http", "https"), "api_base")
    gateway = (
        DEFAULT_GATEWAY_URL
        if gateway_url is None
        else _normalise(gateway_url, ("ws", "wss", "http", "https"), "gateway_url")
    )
    discord.http.Route.BASE = base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


def apply_discord_endpoints_from_env(environ: Mapping[str, str] | None = None) -> None:
    """:func:`apply_discord_endpoints` from ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL`` (empty = unset)."""
    env = os.environ if environ is None else environ
    apply_discord_endpoints(env.get("DISCORD_API_BASE") or None, env.get("DISCORD_GATEWAY_URL") or None)


def reset_discord_endpoints() -> None:
    """Restore the endpoints discord.py had before the first :func:`apply_discord_endpoints`."""
    global _original
    if _original is None:
        return
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = _original
    _original = None


def current_discord_endpoints() -> tuple[str, str]:
    """The REST base and gateway URL discord.py will use right now."""
    return discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
