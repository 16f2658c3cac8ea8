"""Linking a Discord user to a panel account with their client API key."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pyjexactyl.exceptions import ForbiddenError, UnauthorizedError

from .audit import record_audit
from .errors import UserFacingError
from .shapes import looks_like_panel_key
from .storage import LinkedAccount

if TYPE_CHECKING:
    from .app import JexactylBot

log = logging.getLogger("bot.linking")

APPLICATION_PREFIXES = ("ptla_", "papp_")


def _key_page(panel_url: str) -> str:
    return f"{panel_url}/account/api"


def _application_key_refused(panel_url: str) -> UserFacingError:
    """The answer to an application key pasted where the user's own client key belongs (recognised by its
    prefix, or by the panel's 403 for a legacy key without one)."""
    return UserFacingError(
        "That is an application API key; the bot needs your own client API key. Create one in the panel "
        f"under Account → API Credentials ({_key_page(panel_url)}) and run `/account link` again."
    )


def check_key_shape(key: str, panel_url: str) -> str:
    """Refuses what cannot be a client key before anything is sent; returns the stripped key."""
    key = key.strip()
    if key.startswith("Bearer "):
        key = key[len("Bearer ") :].strip()
    if key.startswith(APPLICATION_PREFIXES):
        raise _application_key_refused(panel_url)
    if not looks_like_panel_key(key):
        raise UserFacingError(
            "That does not look like a panel client API key (48 letters, digits or underscores, usually "
            f"starting with `ptlc_`). Copy the whole key from {_key_page(panel_url)} and try again."
        )
    return key


async def link_account(bot: JexactylBot, discord_user_id: int, raw_key: str) -> LinkedAccount:
    """Validates the key live (``GET /api/client/account``), stores it encrypted and returns the link.

    Raises:
        UserFacingError: the key has the wrong shape or kind, or the panel refused it.
    """
    key = check_key_shape(raw_key, bot.config.panel_url)
    api = bot.panels.new_client(key, retries=1)
    try:
        account = await api.client.account.get_account()
    except UnauthorizedError:
        raise UserFacingError(
            "The panel rejected that key (unknown, revoked or expired). Create a new client API key at "
            f"{_key_page(bot.config.panel_url)} and try again."
        ) from None
    except ForbiddenError as exc:
        if "application API key" in exc.detail:
            raise _application_key_refused(bot.config.panel_url) from None
        raise
    finally:
        await api.close()
    attributes = account.get("attributes", account)
    link = await bot.storage.link_account(
        discord_user_id,
        int(attributes["id"]),
        str(attributes.get("username", "")),
        bool(attributes.get("admin", False)),
        bot.vault.encrypt(key),
    )
    await bot.panels.forget(discord_user_id)
    bot.servers.cache.invalidate(discord_user_id)
    await bot.watch.link_changed(discord_user_id)
    await record_audit(
        bot.storage, "account.link", discord_user_id=discord_user_id, target=f"panel user {link.panel_user_id}"
    )
    log.info("user %s linked panel account %s", discord_user_id, link.panel_user_id)
    return link
