"""``/admin user`` end to end: the run-time gate (Discord side and live panel-admin check), create (with a
member's ``external_id``), list, info (by id, username, e-mail, mention, ``discord:<id>``) and delete (confirm,
cancel, refusals), with the audit log and the key the panel calls are made with.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from pyjexactyl.testing import FakeUser as PanelUser
from tests.e2e.helpers import button_id, confirm_message, linked_user, text_of, wait_audit, wait_text
from tests.fake_discord import FakeDiscord, FakeRole, FakeUser, InteractionRecord

from .conftest import ADMIN_PERMISSIONS, GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

ADMIN_ROLE = FakeRole(id=950000000000000001, name="Panel staff")
OTHER_ROLE = FakeRole(id=950000000000000002, name="Members")
BOT_ENV = {"ADMIN_ROLE_IDS": f"{ADMIN_ROLE.id}, 950000000000000099"}


# ---------------------------------------------------------------------------------------------- helpers


@dataclass
class Invoker:
    """A Discord user linked to a panel account, and how they appear in the guild."""

    discord: FakeUser
    account: PanelUser
    permissions: int | None = ADMIN_PERMISSIONS
    roles: tuple[FakeRole, ...] = ()


@pytest.fixture
def make_invoker(panel: FakePanel, users: Callable[..., FakeUser], link: Any) -> Callable[..., Any]:
    async def make(
        *, panel_admin: bool = True, permissions: int | None = ADMIN_PERMISSIONS, roles: tuple[FakeRole, ...] = ()
    ) -> Invoker:
        user, account = await linked_user(panel, users, link, "staff", admin=panel_admin)
        return Invoker(user, account, permissions, roles)

    return make


async def admin(discord: FakeDiscord, who: Invoker, command: str, **options: Any) -> InteractionRecord:
    """Runs ``/admin <command>`` as ``who``; Discord's default permissions are not what is tested here (a
    server can grant the command to any role), so the fake does not hide it from non-administrators."""
    ix = await discord.slash(
        who.discord,
        f"admin {command}",
        options=options,
        guild_id=GUILD_ID,
        member_permissions=who.permissions,
        roles=list(who.roles),
        check_permissions=False,
    )
    await ix.wait_callback(3)
    assert ix.deferred, f"/admin {command} must defer first"
    assert ix.latency is not None and ix.latency < 3
    return ix


def panel_user(panel: FakePanel, username: str) -> PanelUser | None:
    return next((u for u in panel.users if u.username == username), None)


# ---------------------------------------------------------------------------------------------- the gate


async def test_group_is_hidden_from_non_administrators_by_default(bot: Any, discord: FakeDiscord) -> None:
    synced = {c["name"]: c for c in discord.synced_commands(GUILD_ID)}
    assert int(synced["admin"]["default_member_permissions"]) == ADMIN_PERMISSIONS
    assert synced["admin"]["dm_permission"] is False
    with pytest.raises(PermissionError):
        await discord.slash(FakeUser(id=777, username="someone"), "admin user list", guild_id=GUILD_ID)


async def test_not_a_discord_admin_is_refused_even_if_panel_admin(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker(panel_admin=True, permissions=None, roles=(OTHER_ROLE,))
    panel.clear_requests()
    ix = await admin(discord, who, "user list")
    text = text_of(await ix.wait_final(5))
    assert "Only members with the Administrator permission" in text
    assert "ADMIN_ROLE_IDS" in text
    assert ix.ephemeral
    assert not any(r.api == "application" for r in panel.requests)  # nothing reached the panel's admin API
    entry = await wait_audit(bot, discord, who.discord, "admin.denied", "refused")
    assert entry.detail == "not a Discord admin" and entry.target == "/admin user list"


async def test_discord_admin_but_not_panel_admin_is_refused(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker(panel_admin=False)
    before = len(panel.users)
    ix = await admin(
        discord, who, "user create", username="sneaky", email="sneaky@example.com", first_name="S", last_name="N"
    )
    text = text_of(await ix.wait_final(5))
    assert "your linked panel account is not a panel administrator" in text
    assert len(panel.users) == before and panel_user(panel, "sneaky") is None
    entry = await wait_audit(bot, discord, who.discord, "admin.denied", "refused")
    assert entry.detail == "not a panel admin"


async def test_panel_admin_status_is_checked_live(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker(panel_admin=True)
    ix = await admin(discord, who, "user list")
    assert "Panel users" in text_of(await ix.wait_final(5))
    who.account.root_admin = False  # demoted on the panel after linking
    ix = await admin(discord, who, "user list")
    assert "your linked panel account is not a panel administrator" in text_of(await ix.wait_final(5))
    who.account.root_admin = True


async def test_unlinked_discord_admin_is_told_to_link(
    bot: Any, discord: FakeDiscord, users: Callable[..., FakeUser]
) -> None:
    who = Invoker(users("fresh"), PanelUser(id=0, uuid="", username="", email=""))
    ix = await admin(discord, who, "user list")
    text = text_of(await ix.wait_final(5))
    assert "not linked a panel account" in text and "/account link" in text


async def test_admin_role_from_config_is_enough_on_the_discord_side(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker(panel_admin=True, permissions=None, roles=(OTHER_ROLE, ADMIN_ROLE))
    ix = await admin(discord, who, "user info", user="admin")
    text = text_of(await ix.wait_final(5))
    assert "Panel user admin" in text and "admin@example.com" in text
    await wait_audit(bot, discord, who.discord, "admin.user.info", "ok")


# ---------------------------------------------------------------------------------------------- create


async def test_create_for_a_member_sets_external_id(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any, users: Callable[..., FakeUser]
) -> None:
    who = await make_invoker()
    member = users("newbie")
    ix = await admin(
        discord,
        who,
        "user create",
        username="newbie_one",
        email="newbie.one@example.com",
        first_name="New",
        last_name="Bie",
        member=member,
    )
    message = await ix.wait_final(5)
    text = text_of(message)
    assert ix.ephemeral
    assert "Panel user created" in text
    assert "e-mails **newbie.one@example.com** a link to set the password" in text
    assert f"<@{member.id}>" in text and f"discord:{member.id}" in text

    created = panel_user(panel, "newbie_one")
    assert created is not None
    assert created.external_id == f"discord:{member.id}"
    assert (created.email, created.first_name, created.last_name, created.root_admin) == (
        "newbie.one@example.com",
        "New",
        "Bie",
        False,
    )
    entry = await wait_audit(bot, discord, who.discord, "admin.user.create", "ok")
    assert f"discord:{member.id}" in (entry.detail or "")

    # The member's account is found from a mention and from discord:<id>.
    for ref in (f"<@{member.id}>", f"<@!{member.id}>", f"discord:{member.id}"):
        ix = await admin(discord, who, "user info", user=ref)
        info = text_of(await ix.wait_final(5))
        assert "Panel user newbie_one" in info and str(created.id) in info, ref
        assert f"<@{member.id}>" in info


async def test_create_without_member_and_validation_errors(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker()
    ix = await admin(
        discord, who, "user create", username="plain_user", email="plain@example.com", first_name="P", last_name="U"
    )
    text = text_of(await ix.wait_final(5))
    assert "Created the panel account **plain\\_user**" in text
    assert "external id" not in text.split("Created", 1)[1].split("\n")[0]
    created = panel_user(panel, "plain_user")
    assert created is not None and created.external_id is None

    # The same username again: the panel's validation message, audited as failed.
    ix = await admin(
        discord, who, "user create", username="plain_user", email="other@example.com", first_name="P", last_name="U"
    )
    text = text_of(await ix.wait_final(5))
    assert "The panel rejected the input" in text and "username" in text
    await wait_audit(bot, discord, who.discord, "admin.user.create", "failed: ValidationError")


# ---------------------------------------------------------------------------------------------- list / info


async def test_list_is_paginated(bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any) -> None:
    who = await make_invoker()
    for i in range(12):
        panel.add_user(f"listed{i:02d}", create_key=False)
    ix = await admin(discord, who, "user list")
    first = await ix.wait_final(5)
    assert ix.ephemeral
    total = len(panel.users)
    pages = -(-total // 10)
    page1 = text_of(first)
    assert f"{total} user(s) · page 1/{pages}" in page1
    assert "**admin** (#1) 👑" in page1
    for line in page1.splitlines():  # issue 8: each id once
        assert len(re.findall(r"#\d+", line)) <= 1, line
    assert "alice@example.com" in page1
    click = await discord.click(who.discord, first, button_id(first, "≫"))
    await click.wait_final(5)
    last_page = text_of(click.last_message)
    assert f"page {pages}/{pages}" in last_page
    await wait_audit(bot, discord, who.discord, "admin.user.list", "ok")


async def test_info_by_id_username_email_and_unknown(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker()
    target = panel.add_user("findable_fred", "fred@example.com", first_name="Fred", last_name="Stone")
    for ref in (str(target.id), "findable_fred", "FINDABLE_FRED", "fred@example.com"):
        ix = await admin(discord, who, "user info", user=ref)
        text = text_of(await ix.wait_final(5))
        assert "Panel user findable_fred" in text, ref
        assert "fred@example.com" in text and "Fred Stone" in text

    for ref, expected in (
        ("999999", "No panel user has the id 999999."),
        ("nobody_here", "No panel user has the username “nobody\\_here”."),
        ("nobody@example.com", "No panel user has the e-mail"),
        ("findable", "No panel user has the username"),  # partial matches are not enough
        ("discord:123456789012345678", "No panel user has the external id `discord:123456789012345678`"),
    ):
        ix = await admin(discord, who, "user info", user=ref)
        assert expected in text_of(await ix.wait_final(5)), ref


# ---------------------------------------------------------------------------------------------- delete


async def test_delete_with_confirmation(bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any) -> None:
    who = await make_invoker()
    doomed = panel.add_user("doomed_dan", "dan@example.com", create_key=False)
    ix = await admin(discord, who, "user delete", user="dan@example.com")
    question = await confirm_message(ix, "Delete user")
    assert "Delete the panel account **doomed\\_dan**" in text_of(question)
    assert panel_user(panel, "doomed_dan") is not None
    click = await discord.click(who.discord, question, button_id(question, "Delete user"))
    await click.wait_final(5)
    await wait_text(ix, "Deleted the panel account **doomed\\_dan**")
    assert panel_user(panel, "doomed_dan") is None
    entry = await wait_audit(bot, discord, who.discord, "admin.user.delete", "ok")
    assert str(doomed.id) in (entry.target or "")


async def test_delete_cancelled_and_refusals(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker()
    kept = panel.add_user("kept_kate", create_key=False)
    ix = await admin(discord, who, "user delete", user=str(kept.id))
    question = await confirm_message(ix, "Delete user")
    click = await discord.click(who.discord, question, button_id(question, "Cancel"))
    await click.wait_final(5)
    await wait_text(ix, "Cancelled: nothing was done.")
    assert panel_user(panel, "kept_kate") is not None
    await wait_audit(bot, discord, who.discord, "admin.user.delete", "not confirmed")

    # The panel refuses to delete a user who owns servers; the refusal is shown and audited.
    owner = panel.add_user("server_owner", create_key=False)
    panel.add_server(owner, "Owned")
    ix = await admin(discord, who, "user delete", user="server_owner")
    question = await confirm_message(ix, "Delete user")
    click = await discord.click(who.discord, question, button_id(question, "Delete user"))
    await click.wait_final(5)
    await wait_text(ix, "Cannot delete a user with active servers")
    assert panel_user(panel, "server_owner") is not None
    await wait_audit(bot, discord, who.discord, "admin.user.delete", "failed: BadRequestError")

    # Nobody deletes the account the bot acts with for them.
    ix = await admin(discord, who, "user delete", user=who.account.username)
    assert "That is your own panel account" in text_of(await ix.wait_final(5))
    assert panel_user(panel, who.account.username) is not None
    await wait_audit(bot, discord, who.discord, "admin.user.delete", "refused: self")


# ---------------------------------------------------------------------------------------------- keys


async def test_panel_calls_use_the_admins_own_key_without_an_application_key(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker()
    panel.clear_requests()
    ix = await admin(discord, who, "user info", user="alice")
    await ix.wait_final(5)
    used = {r.key_identifier for r in panel.requests if r.api == "application"}
    assert used == {who.account.client_key[:16]}


async def test_panel_calls_use_the_application_key_when_configured(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any
) -> None:
    who = await make_invoker()
    clients = bot.panels
    clients._application_key = panel.application_key  # as if PANEL_APPLICATION_KEY were set
    try:
        panel.clear_requests()
        ix = await admin(discord, who, "user info", user="alice")
        assert "Panel user alice" in text_of(await ix.wait_final(5))
        application = [r for r in panel.requests if r.api == "application"]
        assert application and {r.key_identifier for r in application} == {panel.application_key[:16]}
        # The gate still checked the invoker's own account with their own key.
        assert any(
            r.path == "/api/client/account" and r.key_identifier == who.account.client_key[:16] for r in panel.requests
        )
    finally:
        clients._application_key = None
        if clients._application is not None:
            await clients._application.close()
            clients._application = None


async def test_no_key_in_any_payload_or_log(
    bot: Any, discord: FakeDiscord, panel: FakePanel, log_records: list[str]
) -> None:
    discord.assert_no_violations()
    keys = [panel.application_key, panel.admin.client_key, panel.user.client_key]
    keys += [u.client_key for u in panel.users if u.client_key]
    for key in keys:
        assert discord.find_in_payloads(key) == []
        assert not any(key in line for line in log_records)
    admin_interactions = [i for i in discord.interactions if i.type == 2 and i.name.startswith("admin ")]
    assert admin_interactions
    assert all(i.ephemeral for i in admin_interactions)


# ---------------------------------------------------------------------------------------------- issue 8, item 10


@pytest.mark.parametrize("ref", ["²", "٣", "１２", "12²"])
async def test_info_with_digits_int_cannot_read_gets_a_clear_answer(
    bot: Any, discord: FakeDiscord, panel: FakePanel, make_invoker: Any, ref: str
) -> None:
    """``str.isdigit`` accepts superscripts and other scripts' digits that ``int`` refuses."""
    who = await make_invoker()
    ix = await admin(discord, who, "user info", user=ref)
    text = text_of(await ix.wait_final(5))
    assert "No panel user has the username" in text and ref in text, text
    assert "went wrong" not in text
