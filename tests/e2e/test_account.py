"""``/account`` end to end: the link modal, unlink with its confirmation, info, and their failures.

Each test uses fresh Discord users and fresh panel users, so tests do not depend on each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import button_id, linked_user, new_account, text_of, wait_message
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID, modal_field_ids

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

Link = Callable[[FakeUser, str], Any]


def assert_answered_well(ix: InteractionRecord, *, deferred: bool = True) -> None:
    assert ix.latency is not None and ix.latency < 3, ix.describe()
    assert ix.ephemeral, ix.describe()
    if deferred:
        assert ix.deferred, ix.describe()


# ------------------------------------------------------------------------------------------ link


async def test_link_opens_a_modal_and_links_with_a_client_key(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser]
) -> None:
    user = users()
    account = new_account(panel, user, "acct")

    opened = await discord.slash(user, "account link", guild_id=GUILD_ID)
    await opened.wait_callback()
    assert opened.response_type == 9 and opened.modal is not None  # a modal is the first response
    assert opened.latency is not None and opened.latency < 3
    modal_id, fields = modal_field_ids(opened)
    assert len(fields) == 1

    submitted = await discord.submit_modal(user, modal_id, {fields[0]: account.client_key}, origin=opened)
    message = await submitted.wait_final(10)
    assert_answered_well(submitted)
    assert f"Linked to panel account **{account.username}**" in text_of(message)

    stored = await bot.storage.get_link(user.id)
    assert stored is not None and stored.panel_user_id == account.id and not stored.is_panel_admin
    assert account.client_key.encode() not in stored.encrypted_key
    assert discord.find_in_payloads(account.client_key) == []


async def test_link_refuses_an_application_key_and_says_which_key_to_create(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Link
) -> None:
    user = users()
    submitted = await link(user, panel.application_key)
    text = text_of(submitted.final)
    assert "application API key" in text
    assert "client API key" in text and f"{panel.url}/account/api" in text
    assert_answered_well(submitted)
    assert await bot.storage.get_link(user.id) is None
    assert discord.find_in_payloads(panel.application_key) == []


async def test_link_refuses_an_unknown_or_revoked_key(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Link
) -> None:
    user = users()
    account = new_account(panel, user, "acct")
    revoked = account.client_key
    with panel.store.lock:
        del panel.store.api_keys[revoked[:16]]

    submitted = await link(user, revoked)
    text = text_of(submitted.final)
    assert "rejected that key" in text and "revoked" in text
    assert f"{panel.url}/account/api" in text
    assert await bot.storage.get_link(user.id) is None
    assert discord.find_in_payloads(revoked) == []


async def test_link_refuses_something_that_is_not_a_key(
    bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser], link: Link
) -> None:
    user = users()
    submitted = await link(user, "this is not an api key at all")
    assert "does not look like a panel client API key" in text_of(submitted.final)
    assert await bot.storage.get_link(user.id) is None


async def test_relinking_replaces_the_previous_link(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Link
) -> None:
    user = users()
    first = new_account(panel, user, "acct")
    second = panel.add_user(f"second{user.id % 100000}")
    await link(user, first.client_key)
    submitted = await link(user, second.client_key)
    assert f"**{second.username}**" in text_of(submitted.final)
    stored = await bot.storage.get_link(user.id)
    assert stored is not None and stored.panel_user_id == second.id
    assert discord.find_in_payloads(first.client_key) == []
    assert discord.find_in_payloads(second.client_key) == []


async def test_a_key_revoked_after_linking_gets_the_revoked_message(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Link
) -> None:
    user, account = await linked_user(panel, users, link, "acct")
    with panel.store.lock:
        del panel.store.api_keys[account.client_key[:16]]

    ix = await discord.slash(user, "server list", guild_id=GUILD_ID)
    message = await ix.wait_final(10)
    assert_answered_well(ix)
    text = text_of(message)
    assert "revoked" in text and "/account link" in text
    assert discord.find_in_payloads(account.client_key) == []


# ------------------------------------------------------------------------------------------ info


async def test_info_shows_the_linked_account(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Link
) -> None:
    user, account = await linked_user(panel, users, link, "acct", admin=True)

    ix = await discord.slash(user, "account info", guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    fields = {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
    assert fields["Panel username"] == account.username
    assert fields["Panel admin"] == "yes"
    assert fields["Linked since"].startswith("<t:")
    assert "Last used" in fields
    assert discord.find_in_payloads(account.client_key) == []


async def test_info_for_a_regular_user_says_not_admin(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Link
) -> None:
    user, _ = await linked_user(panel, users, link, "acct")
    ix = await discord.slash(user, "account info", guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    fields = {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
    assert fields["Panel admin"] == "no"


async def test_info_when_not_linked_says_how_to_link(
    bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser]
) -> None:
    user = users()
    ix = await discord.slash(user, "account info", guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    text = text_of(message)
    assert "not linked a panel account" in text and "/account link" in text


# ------------------------------------------------------------------------------------------ unlink


async def test_unlink_after_confirmation_forgets_the_key(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Link
) -> None:
    user, account = await linked_user(panel, users, link, "acct")

    ix = await discord.slash(user, "account unlink", guild_id=GUILD_ID)
    question = await ix.wait_final(5)
    assert_answered_well(ix)
    assert account.username in text_of(question)
    click = await discord.click(user, question, button_id(question, "Unlink account"))
    await click.wait_final(5)
    done = await wait_message(ix, "Unlinked")
    assert int(done.get("flags") or 0) & 64

    assert await bot.storage.get_link(user.id) is None
    audit = await bot.storage.recent_audit(10, discord_user_id=user.id)
    assert any(entry.action == "account.unlink" for entry in audit)

    after = await discord.slash(user, "server list", guild_id=GUILD_ID)
    assert "not linked a panel account" in text_of(await after.wait_final(5))
    assert discord.find_in_payloads(account.client_key) == []


async def test_unlink_cancelled_keeps_the_link(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Link
) -> None:
    user, _ = await linked_user(panel, users, link, "acct")

    ix = await discord.slash(user, "account unlink", guild_id=GUILD_ID)
    question = await ix.wait_final(5)
    click = await discord.click(user, question, button_id(question, "Cancel"))
    await click.wait_final(5)
    await wait_message(ix, "Cancelled")
    assert await bot.storage.get_link(user.id) is not None


async def test_unlink_when_not_linked_says_how_to_link(
    bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser]
) -> None:
    user = users()
    ix = await discord.slash(user, "account unlink", guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    assert_answered_well(ix)
    assert "not linked a panel account" in text_of(message)
    assert not message.get("components")
