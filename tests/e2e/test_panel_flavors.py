"""The bot's core flows against every panel it supports: Pterodactyl 1.11, Jexactyl v3, Jexactyl v4 and Pelican.

Each test runs once per ``FakePanel`` flavor (the module parametrises ``panel_flavor``; every flavor gets its own
panel, fake Discord and bot): link, account info, list, status, power, console command, backups, ``/admin user
create``/``info`` and the own-account check, and what each panel offers of Jexactyl's renewal (``/server
renew`` and ``/help``). The flows' details are tested once, against the default panel, in ``test_server_*.py``,
``test_backup_*.py``, ``test_admin.py`` and ``test_account.py``; Jexactyl's own features in
``test_jexactyl.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import button_id, confirm_message, linked_user, text_of, wait_message, wait_text
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import ADMIN_PERMISSIONS, GUILD_ID

FLAVORS = ("pterodactyl", "jexactyl", "jexactyl4", "pelican")
NAMES = {"pterodactyl": "Pterodactyl", "jexactyl": "Jexactyl v3", "jexactyl4": "Jexactyl v4", "pelican": "Pelican"}

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.usefixtures("clean_discord"),
    pytest.mark.parametrize("panel_flavor", FLAVORS, indirect=True, scope="module"),
]

PROBES = [("/api/client/permissions", {}), ("/api/application/users", {"per_page": ["1"]})]
"""The library's dialect probes (``pyjexactyl._dialect``)."""


async def run(discord: FakeDiscord, user: FakeUser, name: str, /, **options: Any) -> InteractionRecord:
    ix = await discord.slash(
        user, name, options=options or None, guild_id=GUILD_ID, member_permissions=ADMIN_PERMISSIONS,
        check_permissions=False,
    )
    await ix.wait_callback(3)
    return ix


async def test_link_and_account_info(
    bot: Any, discord: FakeDiscord, panel: FakePanel, panel_flavor: str, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "acct")
    stored = await bot.storage.get_link(user.id)
    assert stored is not None and stored.panel_username == account.username
    if panel_flavor == "pelican":  # Pelican's account object has a uuid and no id
        assert (stored.panel_user_id, stored.panel_user_uuid) == (None, account.uuid)
    else:
        assert (stored.panel_user_id, stored.panel_user_uuid) == (account.id, None)

    account.store.balance = 1234
    text = text_of(await (await run(discord, user, "account info")).wait_final(5))
    assert account.username in text
    assert ("Store balance" in text and "**1,234** credits" in text) is (panel_flavor == "jexactyl")
    assert f"({NAMES[panel_flavor]})" in text  # the panel's kind, learnt through the library


async def test_list_status_power_and_command(
    bot: Any, discord: FakeDiscord, panel: FakePanel, panel_flavor: str, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "ops")
    server = panel.add_server(account, "Flavoured", state="offline")

    listed = text_of(await (await run(discord, user, "server list")).wait_final(5))
    assert "Flavoured" in listed and server.identifier in listed

    card = await (await run(discord, user, "server status", server=server.identifier)).wait_final(5)
    assert "Flavoured" in text_of(card) and "Allocated" in text_of(card)
    assert "Renewal" not in text_of(card)  # not renewable (Jexactyl v3 only, and this one is not)

    started = await run(discord, user, "server start", server="Flavoured")
    await wait_message(started, "is now running")
    assert server.state == "running"

    sent = await run(discord, user, "server command", server=server.identifier, command="say hi")
    assert "say hi" in text_of(await sent.wait_final(5))
    assert server.console[-1] == "say hi"

    card = await (await run(discord, user, "server status", server=server.identifier)).wait_final(5)
    fields = {f["name"]: f["value"] for f in card["embeds"][0]["fields"]}
    assert "running" in fields["State"] and "CPU" in fields

    other = panel.add_server(account, "Second", state="running")
    killed = await run(discord, user, "server kill", server=other.identifier)
    question = await confirm_message(killed, "Kill server")
    await (await discord.click(user, question, button_id(question, "Kill server"))).wait_final(5)
    await wait_text(killed, "is now offline")


async def test_backups(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "bk")
    server = panel.add_server(account, "Backed Up", backup_limit=5)

    created = await run(discord, user, "backup create", server=server.identifier, name="nightly")
    await wait_text(created, "✅ Backup completed", timeout=10)
    backup = next(b for b in server.backups if b.name == "nightly")

    listed = text_of(await (await run(discord, user, "backup list", server=server.identifier)).wait_final(5))
    assert "✅" in listed and "**nightly**" in listed

    link_text = text_of(
        await (await run(discord, user, "backup download", server=server.identifier, backup=backup.uuid)).wait_final(5)
    )
    assert "download/backup?token=" in link_text

    deleting = await run(discord, user, "backup delete", server=server.identifier, backup=backup.uuid)
    question = await confirm_message(deleting, "Delete backup")
    await (await discord.click(user, question, button_id(question, "Delete backup"))).wait_final(5)
    await wait_text(deleting, "Deleted the backup **nightly**")
    assert backup.deleted_at is not None


async def test_admin_user_create_info_and_own_account(
    bot: Any, discord: FakeDiscord, panel: FakePanel, panel_flavor: str, users: Callable[..., FakeUser], link: Any
) -> None:
    admin_user, admin_account = await linked_user(panel, users, link, "root", admin=True)
    nameless = panel_flavor in ("jexactyl4", "pelican")
    username = f"made_{panel_flavor}"

    created = await run(
        discord, admin_user, "admin user create", username=username, email=f"{username}@example.com",
        first_name="Ada", last_name="Lovelace",
    )
    text = text_of(await created.wait_final(5))
    assert "Panel user created" in text and "@example.com" in text
    made = next(u for u in panel.users if u.username == username)
    if nameless:  # the panel ignores the names: the bot says so instead of showing empty ones
        assert f"{NAMES[panel_flavor]} keeps no first or last name, so the names you gave were not stored" in text
        assert "none: " in text and "Ada Lovelace" not in text
    else:
        assert "Ada Lovelace" in text and (made.first_name, made.last_name) == ("Ada", "Lovelace")

    info = text_of(await (await run(discord, admin_user, "admin user info", user=username)).wait_final(5))
    assert f"Panel user {username}" in info
    assert ("keeps no first or last name" in info) is nameless and ("Ada Lovelace" in info) is not nameless

    # Without names: refused before anything is sent where the panel needs them, created where it has none.
    bare = f"bare_{panel_flavor}"
    answer = text_of(
        await (
            await run(discord, admin_user, "admin user create", username=bare, email=f"{bare}@example.com")
        ).wait_final(5)
    )
    if nameless:
        assert "Panel user created" in answer and "names you gave" not in answer
    else:
        assert "needs a first and a last name" in answer and NAMES[panel_flavor] in answer
        assert all(u.username != bare for u in panel.users)

    # The account the bot acts with is recognised on every panel (by uuid on Pelican).
    own = await run(discord, admin_user, "admin user delete", user=admin_account.username)
    assert "That is your own panel account" in text_of(await own.wait_final(5))


async def test_renewal_is_offered_only_by_jexactyl_v3(
    bot: Any, discord: FakeDiscord, panel: FakePanel, panel_flavor: str, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "renewer")
    server = panel.add_server(account, "Renewable")
    help_text = text_of(await (await run(discord, user, "help")).wait_final(5))
    renew = await run(discord, user, "server renew", server=server.identifier)
    if panel_flavor == "jexactyl":
        assert "/server renew" in help_text
        assert "does not need renewing" in text_of(await renew.wait_final(5))  # added servers are not renewable
    else:
        assert "/server renew" not in help_text  # hidden where the panel has no renewal
        assert "/server status" in help_text
        answer = text_of(await renew.wait_final(5))
        assert f"{NAMES[panel_flavor]} does not offer server renewal" in answer


async def test_the_panel_was_asked_its_kind_at_most_once(panel: FakePanel) -> None:
    """Everything above learnt the panel's kind from answers it needed anyway, plus at most one probe."""
    probes = [r for r in panel.requests if r.method == "GET" and (r.path, r.query) in PROBES]
    assert len(probes) <= 1, [(r.path, r.query) for r in probes]
