"""``/server renew``: renewing a server on a Jexactyl v3 panel, after a confirmation that states the price and the
member's balance.

**The price.** Jexactyl takes its renewal price from the setting ``jexactyl::renewal:cost`` (default 200
credits), but no API route tells a client what it is: ``GET /api/client/store/costs`` lists the prices of
the store's resources only (cpu, memory, disk, slots, ports, backups, databases), and the renewal price is
rendered only into the web page's configuration (``StoreComposer``), which needs a browser session. So the
confirmation states what the bot can know: the price the **last renewal through the bot** took (the balance
before minus the balance after, kept in the database), or, before any, Jexactyl's default and that the panel's
administrators may have set another. The result then says exactly what this renewal took.

On every other panel (Pterodactyl, Jexactyl v4, Pelican) the command answers that the panel does not offer it;
the bot learns which panel it is through the library (:mod:`bot.panel_kind`), never from the key prefix.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import JexactylError

from .audit import record_audit
from .errors import UserFacingError
from .panel_kind import JEXACTYL_V3
from .renewal import DEFAULT_RENEWAL_PRICE, days_text, renewal_days, renewal_line
from .servers import server_mention
from .storage import StorageError
from .ui.confirm import confirm

if TYPE_CHECKING:
    from .app import JexactylBot
    from .servers import ServerRef

__all__ = ["PRICE_KEY", "credits_of", "renew_server"]

log = logging.getLogger("bot.renew")

PRICE_KEY = "jexactyl_renewal_price"
"""Key (in the database's key/value table) of the price the last renewal through the bot took."""
NAME_MAX = 100


def credits_of(balance: Mapping[str, Any]) -> int | None:
    """The credit balance from ``GET /api/client/store``'s answer, or ``None`` when it is not a number."""
    attributes = balance.get("attributes", balance)
    value = attributes.get("balance") if isinstance(attributes, Mapping) else None
    try:
        return None if value is None or isinstance(value, bool) else int(float(value))
    except (TypeError, ValueError):
        return None


def credits_text(amount: int) -> str:
    """``**1,250** credits``."""
    return f"**{amount:,}** credit" + ("" if amount == 1 else "s")


async def learnt_price(bot: JexactylBot) -> int | None:
    """The price the last renewal through the bot took, if one is recorded (a failed read is no price)."""
    try:
        raw = await bot.storage.get_kv(PRICE_KEY)
    except (sqlite3.Error, StorageError) as exc:
        log.warning("could not read the learnt renewal price: %s", exc)
        return None
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() else None


async def _remember_price(bot: JexactylBot, price: int) -> None:
    try:
        await bot.storage.set_kv(PRICE_KEY, str(price))
    except (sqlite3.Error, StorageError) as exc:  # only a hint for the next confirmation
        log.warning("could not record the renewal price: %s", exc)


def _price_sentence(price: int | None, balance: int | None) -> str:
    if price is None:
        said = (
            f"Jexactyl's default price is {credits_text(DEFAULT_RENEWAL_PRICE)}; this panel's administrators may "
            "have set another, which the panel does not tell bots"
        )
    else:
        said = (
            f"{credits_text(price)} (what the last renewal through this bot took; the panel does not tell bots "
            "its price)"
        )
    sentence = f"The panel takes its renewal price from your credits: {said}."
    if balance is not None:
        sentence += f" Your balance: {credits_text(balance)}."
        if price is not None and balance < price:
            sentence += " That looks too little: the panel refuses unless the price has changed."
    return sentence


async def _after(api: AsyncJexactyl, ref: ServerRef) -> tuple[Mapping[str, Any] | None, int | None]:
    """The server object and the balance after the renewal, each ``None`` when the panel did not say (best
    effort: the renewal itself already happened)."""
    answers: list[Any] = list(
        await asyncio.gather(
            api.client.servers.get_server(ref.identifier), api.client.store.get_balance(), return_exceptions=True
        )
    )
    server, balance = answers
    for answer in (server, balance):
        if isinstance(answer, BaseException):
            if not isinstance(answer, Exception):
                raise answer
            log.debug("reading %s after its renewal: %r", ref.identifier, answer)
    return (
        server if isinstance(server, Mapping) else None,
        credits_of(balance) if isinstance(balance, Mapping) else None,
    )


def _suspended(details: Mapping[str, Any]) -> bool:
    return bool(details.get("is_suspended")) or details.get("status") == "suspended"


async def renew_server(bot: JexactylBot, interaction: discord.Interaction[Any], value: str) -> None:
    """The whole of ``/server renew``: checks the panel offers renewal, resolves the server against the
    member's own list, asks (price, balance, days left), renews, and says what it took.

    Raises:
        UserFacingError: the panel has no renewal, the server is not renewable or not the member's.
        JexactylError: the panel refused (not enough credits, the store's once-a-minute throttle...).
    """
    await interaction.response.defer(ephemeral=True, thinking=True)
    user_id = interaction.user.id
    panel = await bot.panels.for_user(user_id)
    kind = bot.panels.kind
    if await kind.is_one_of(panel.api, JEXACTYL_V3) is False:
        raise UserFacingError(
            f"{kind.name} does not offer server renewal: only Jexactyl v3 panels make servers expire and renew "
            "them, so nothing needs renewing here."
        )
    ref = await bot.servers.resolve(user_id, panel.api, value)
    api = panel.api
    details, balance = await asyncio.gather(
        api.client.servers.get_server(ref.identifier), api.client.store.get_balance()
    )
    days = renewal_days(details)
    mention = server_mention(ref, NAME_MAX)
    if days is None:
        raise UserFacingError(f"{mention} does not need renewing: the panel does not make it expire.")
    credits = credits_of(balance)
    question = (
        f"Renew {mention}?\n{renewal_line(days, warn_days=bot.config.renewal_warn_days, hint=False)}\n"
        "Renewing adds the panel's renewal period (7 days unless its administrators changed it) and lifts a "
        f"suspension for want of renewal. {_price_sentence(await learnt_price(bot), credits)}"
    )
    if not await confirm(interaction, question, "Renew server", link=panel.account):
        return
    before = credits_of(await api.client.store.get_balance())
    try:
        await api.client.servers.renew_server(ref.identifier)
    except JexactylError as exc:
        await record_audit(
            bot.storage, "server.renew", discord_user_id=user_id, target=ref.identifier,
            outcome=f"failed: {type(exc).__name__}",
        )
        raise
    bot.servers.cache.invalidate(user_id)  # the list's renewal days are stale now
    details_after, after = await _after(api, ref)
    days_after = renewal_days(details_after) if details_after is not None else None
    took = before - after if before is not None and after is not None and before > after else None
    if took is not None and days_after is not None and days_after > days:  # it did renew: that was the price
        await _remember_price(bot, took)
    await record_audit(
        bot.storage, "server.renew", discord_user_id=user_id, target=ref.identifier,
        detail=f"{days} -> {days_after} days; took {took} credits",
    )
    log.info("user %s renewed %s", user_id, ref.identifier)
    lines = [f"🔁 Renewed {mention}."]
    if days_after is not None:
        had = f"it had {days_text(days)}" if days > 0 else "its renewal had run out"
        lines.append(f"{days_text(days_after)} left before renewal is due again ({had}).")
    if details_after is not None and _suspended(details):
        if _suspended(details_after) and days_after is not None and days_after < 0:
            lines.append("It is still suspended: its renewal is still behind, renew it again to bring it back.")
        elif _suspended(details_after):
            lines.append("It is still suspended.")
        else:
            lines.append("Its suspension is lifted.")
    if took is not None and after is not None:
        lines.append(f"The panel took {credits_text(took)}; your balance is now {credits_text(after)}.")
    elif after is not None:
        lines.append(f"Your balance is now {credits_text(after)}.")
    await interaction.followup.send(" ".join(lines), ephemeral=True)
