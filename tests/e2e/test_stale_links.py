"""Buttons and confirmations outlive the link they were made under (issue 8, items 2 and 9).

A confirmation (``/backup delete``, ``/server kill``, ``/account unlink``...) or a page of a list acts only if
the panel link it was created under is still the user's current link: after ``/account unlink`` or a re-link
to another account, pressing it does nothing and says why. And an unlink confirmed after a re-link never
deletes the new link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import (
    audit_for,
    button_id,
    confirm_message,
    link_account,
    linked_user,
    new_account,
    text_of,
    wait_finished,
    wait_text,
)
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

STALE = "nothing was done"


async def unlink(discord: FakeDiscord, user: FakeUser) -> None:
    """``/account unlink`` confirmed."""
    ix = await discord.slash(user, "account unlink", guild_id=GUILD_ID)
    question = await confirm_message(ix, "Unlink account")
    await discord.click(user, question, button_id(question, "Unlink account"))
    await wait_text(ix, "Unlinked")


async def press(discord: FakeDiscord, user: FakeUser, question: dict[str, Any], label: str) -> InteractionRecord:
    click = await discord.click(user, question, button_id(question, label))
    await click.wait_final(5)
    return click


async def test_unlink_stops_a_waiting_backup_delete(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "stale")
    server = panel.add_server(account, "Keeper")
    backup = panel.add_backup(server, "precious")
    ix = await discord.slash(
        user, "backup delete", {"server": server.identifier, "backup": backup.uuid}, guild_id=GUILD_ID
    )
    question = await confirm_message(ix, "Delete backup")
    await unlink(discord, user)
    panel.clear_requests()

    click = await press(discord, user, question, "Delete backup")
    await wait_text(ix, STALE)
    await wait_finished(bot, discord, user)
    assert STALE in text_of(click.final) + text_of(ix.last_message)
    assert backup.deleted_at is None
    assert not [r for r in panel.requests if r.method == "DELETE"], panel.requests
    assert not any(e.action == "backup.delete" and e.outcome == "ok" for e in await audit_for(bot, user))


async def test_relink_to_another_account_stops_a_waiting_kill(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "killer")
    server = panel.add_server(account, "Target", state="running")
    other = new_account(panel, user, "second")
    panel.add_subuser(server, other, ["control.stop"])  # the new account could reach it too
    ix = await discord.slash(user, "server kill", {"server": server.identifier}, guild_id=GUILD_ID)
    question = await confirm_message(ix, "Kill server")
    await link_account(link, user, other)
    panel.clear_requests()

    await press(discord, user, question, "Kill server")
    await wait_text(ix, STALE)
    await wait_finished(bot, discord, user)
    assert server.state == "running"
    assert not [r for r in panel.requests if r.path.endswith("/power")]


async def test_relink_to_the_same_account_also_stops_a_waiting_confirmation(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "same")
    server = panel.add_server(account, "Twice")
    backup = panel.add_backup(server, "kept")
    ix = await discord.slash(
        user, "backup delete", {"server": server.identifier, "backup": backup.uuid}, guild_id=GUILD_ID
    )
    question = await confirm_message(ix, "Delete backup")
    await link_account(link, user, account)  # a new link, even though it is the same panel account

    await press(discord, user, question, "Delete backup")
    await wait_text(ix, STALE)
    await wait_finished(bot, discord, user)
    assert backup.deleted_at is None


async def test_unlink_confirmed_after_a_relink_keeps_the_new_link(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, first = await linked_user(panel, users, link, "relinker")
    ix = await discord.slash(user, "account unlink", guild_id=GUILD_ID)
    question = await confirm_message(ix, "Unlink account")
    assert first.username in text_of(question)
    second = new_account(panel, user, "newer")
    await link_account(link, user, second)

    await press(discord, user, question, "Unlink account")
    await wait_text(ix, STALE)
    await wait_finished(bot, discord, user)
    current = await bot.storage.get_link(user.id)
    assert current is not None and current.panel_user_id == second.id
    assert "Unlinked" not in text_of(ix.last_message)


async def test_list_pages_stop_after_unlink(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "pager")
    server = panel.add_server(account, "Paged")
    for index in range(12):
        panel.add_backup(server, f"b{index:02d}")
    ix = await discord.slash(user, "backup list", {"server": server.identifier}, guild_id=GUILD_ID)
    message = await ix.wait_final(5)
    await unlink(discord, user)
    panel.clear_requests()

    click = await press(discord, user, message, "›")
    assert STALE in text_of(click.final) or "unlinked or replaced" in text_of(click.final)
    assert not panel.requests  # the old key was not used again
