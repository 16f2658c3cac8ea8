"""Jexactyl v3's own features in the bot, end to end against ``FakePanel(flavor="jexactyl")``: the renewal line
of the status card, ``/server renew`` (confirmation with the price and the balance, the result, the price the
bot learns, the panel's refusals), the store balance in ``/account info`` and the renewal reminders
(``RENEWAL_WARN_DAYS=3`` here). What other panels answer is in ``test_panel_flavors.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.reminders import RenewalReminders
from bot.renew import PRICE_KEY
from pyjexactyl.testing import FakePanel, FakeServer
from pyjexactyl.testing import FakeUser as PanelUser
from tests.e2e.helpers import all_text, button_id, confirm_message, linked_user, text_of, wait_audit, wait_text
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

PANEL_FLAVOR = "jexactyl"
BOT_ENV = {"RENEWAL_WARN_DAYS": "3"}

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


async def run(discord: FakeDiscord, user: FakeUser, name: str, /, **options: Any) -> InteractionRecord:
    ix = await discord.slash(user, name, options=options or None, guild_id=GUILD_ID)
    await ix.wait_callback(3)
    return ix


def renewable(panel: FakePanel, owner: PanelUser, name: str, days: int, **fields: Any) -> FakeServer:
    server = panel.add_server(owner, name, **fields)
    server.renewable, server.renewal = True, days
    return server


@pytest.fixture
def quiet_reminders(bot: Any) -> Any:
    """Reminders that look at a member again at once (the production default is every 10 minutes) and whose
    day is over when the test says so."""
    cog = bot.get_cog("Reminders")
    old = cog.reminders
    now = [0.0]
    cog.reminders = RenewalReminders(3, check_every=0.0, clock=lambda: now[0])
    yield now
    cog.reminders = old


# ---------------------------------------------------------------------------------------------- status card


async def test_the_status_card_shows_the_renewal(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "card")
    for days, expected in (
        (9, "⏳ Renewal: 9 days left before the panel suspends it."),
        (3, "⚠️ Renewal due: 3 days left before the panel suspends it. Renew it with `/server renew`."),
    ):
        server = renewable(panel, account, f"Days {days}", days)
        card = await (await run(discord, user, "server status", server=server.identifier)).wait_final(5)
        assert expected in card["embeds"][0]["description"]

    lapsed = renewable(panel, account, "Lapsed", 0)
    panel.run_renewals(1)  # the daily job: -1 day, suspended
    assert lapsed.status == "suspended" and lapsed.renewal == -1
    card = await (await run(discord, user, "server status", server=lapsed.identifier)).wait_final(5)
    state = {f["name"]: f["value"] for f in card["embeds"][0]["fields"]}["State"]
    assert "suspended because its renewal ran out: renew it with `/server renew`" in state
    assert "deletes it in 6 days" in state
    assert "administrator unsuspends" not in state  # the member can lift it themselves

    plain = panel.add_server(account, "Not renewable")
    card = await (await run(discord, user, "server status", server=plain.identifier)).wait_final(5)
    assert "Renewal" not in text_of(card)


# ---------------------------------------------------------------------------------------------- /server renew


async def test_renew_asks_with_the_price_and_balance_then_says_what_it_took(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    panel.jexactyl.settings.renewal_cost = 150  # not the default: the panel tells no client its price
    await bot.storage.delete_kv(PRICE_KEY)
    user, account = await linked_user(panel, users, link, "renew")
    account.store.balance = 1000
    server = renewable(panel, account, "Survival", 2)

    ix = await run(discord, user, "server renew", server=server.identifier)
    question = await confirm_message(ix, "Renew server")
    asked = text_of(question)
    assert "Renew **Survival**" in asked and server.identifier in asked
    assert "2 days left before the panel suspends it" in asked
    assert "Jexactyl's default price is **200** credits" in asked and "does not tell bots" in asked
    assert "Your balance: **1,000** credits" in asked
    assert account.store.balance == 1000 and server.renewal == 2  # nothing before the click

    await (await discord.click(user, question, button_id(question, "Renew server"))).wait_final(5)
    done = await wait_text(ix, "🔁 Renewed")
    assert "9 days left before renewal is due again (it had 2 days)" in done
    assert "The panel took **150** credits; your balance is now **850** credits" in done
    assert (account.store.balance, server.renewal) == (850, 9)
    entry = await wait_audit(bot, discord, user, "server.renew", "ok")
    assert entry.target == server.identifier and "took 150 credits" in (entry.detail or "")

    # The next confirmation (another member: the store's throttle is per member) states the learnt price.
    other_user, other = await linked_user(panel, users, link, "renew")
    other.store.balance = 100
    theirs = renewable(panel, other, "Creative", 1)
    ix = await run(discord, other_user, "server renew", server=theirs.identifier)
    question = await confirm_message(ix, "Renew server")
    asked = text_of(question)
    assert "**150** credits (what the last renewal through this bot took" in asked
    assert "Your balance: **100** credits. That looks too little" in asked
    await (await discord.click(other_user, question, button_id(question, "Renew server"))).wait_final(5)
    refused = await wait_text(ix, "not have enough credits")
    assert "The panel refused: You do not have enough credits to renew your server." in refused
    assert (other.store.balance, theirs.renewal) == (100, 1)
    await wait_audit(bot, discord, other_user, "server.renew", "failed: BadRequestError")


async def test_renew_cancelled_throttled_and_lifting_a_suspension(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "lapse")
    account.store.balance = 500
    lapsed = renewable(panel, account, "Lapsed World", 0)
    panel.run_renewals(1)
    assert lapsed.status == "suspended"

    ix = await run(discord, user, "server renew", server=lapsed.identifier)
    question = await confirm_message(ix, "Renew server")
    assert "Renewal ran out: the panel suspended it" in text_of(question)
    await (await discord.click(user, question, button_id(question, "Cancel"))).wait_final(5)
    await wait_text(ix, "Cancelled: nothing was done.")
    assert account.store.balance == 500 and lapsed.status == "suspended"

    ix = await run(discord, user, "server renew", server=lapsed.identifier)
    question = await confirm_message(ix, "Renew server")
    await (await discord.click(user, question, button_id(question, "Renew server"))).wait_final(5)
    done = await wait_text(ix, "🔁 Renewed")
    assert "Its suspension is lifted." in done
    assert "6 days left before renewal is due again (its renewal had run out)" in done
    assert lapsed.status is None and lapsed.renewal == 6

    # The store allows one renewal a minute per member: the panel's throttle is explained.
    again = await run(discord, user, "server renew", server=lapsed.identifier)
    question = await confirm_message(again, "Renew server")
    await (await discord.click(user, question, button_id(question, "Renew server"))).wait_final(5)
    await again.wait_for(lambda r: "Try again in" in all_text(r), 5)
    assert lapsed.renewal == 6


async def test_renew_refuses_a_server_that_does_not_expire_and_someone_elses(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "never")
    forever = panel.add_server(account, "Forever")
    answer = text_of(await (await run(discord, user, "server renew", server=forever.identifier)).wait_final(5))
    assert "does not need renewing: the panel does not make it expire" in answer
    foreign = renewable(panel, panel.admin, "Not Yours", 1)
    answer = text_of(await (await run(discord, user, "server renew", server=foreign.identifier)).wait_final(5))
    assert f"No server matching “{foreign.identifier}”" in answer


# ---------------------------------------------------------------------------------------------- reminders


async def test_a_due_renewal_is_reminded_once_a_day_after_the_next_command(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any, quiet_reminders: Any
) -> None:
    user, account = await linked_user(panel, users, link, "remind")
    soon = renewable(panel, account, "Soon", 3)
    renewable(panel, account, "Later", 4)  # beyond RENEWAL_WARN_DAYS=3
    gone = renewable(panel, account, "Gone", -2, suspended=True)
    shared = renewable(panel, panel.admin, "Shared", 1)
    panel.add_subuser(shared, account, ["control.console"])  # not theirs: the owner is reminded, not them

    ix = await run(discord, user, "server list")
    await ix.wait_for(lambda r: "Renewal reminder" in all_text(r), 5)
    note = ix.messages[-1]
    assert int(note.get("flags") or 0) & 64  # ephemeral
    text = text_of(note)
    assert f"**Soon** `{soon.identifier}`: 3 days left before the panel suspends it." in text
    assert f"**Gone** `{gone.identifier}`: suspended because its renewal ran out." in text
    assert "Later" not in text and "Shared" not in text
    assert "/server renew" in text and "/account info" in text
    assert "Your servers" in text_of(ix.messages[0])  # the command's own answer came first

    # Not again the same day, whatever the member does next.
    for command, options in (("server list", {}), ("account info", {})):
        ix = await run(discord, user, command, **options)
        await bot.tracker.wait_finished(ix.id, 5)  # the reminder runs inside the interaction
        assert "Renewal reminder" not in all_text(ix), command

    quiet_reminders[0] += 24 * 3600  # a day later: reminded again
    ix = await run(discord, user, "help")
    await ix.wait_for(lambda r: "Renewal reminder" in all_text(r), 5)


async def test_no_reminder_for_members_without_a_due_renewal_or_a_link(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any, quiet_reminders: Any
) -> None:
    user, account = await linked_user(panel, users, link, "fine")
    renewable(panel, account, "Fresh", 7)
    ix = await run(discord, user, "server list")
    await bot.tracker.wait_finished(ix.id, 5)
    assert "Renewal reminder" not in all_text(ix)
    stranger = users("stranger")
    ix = await run(discord, stranger, "help")
    await bot.tracker.wait_finished(ix.id, 5)
    assert len(ix.messages) == 1 and "Renewal reminder" not in all_text(ix)


async def test_account_info_shows_the_store_balance(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "rich")
    account.store.balance = 42
    text = text_of(await (await run(discord, user, "account info")).wait_final(5))
    assert "Store balance" in text and "**42** credits" in text and "(Jexactyl v3)" in text
