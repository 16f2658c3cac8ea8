"""Hostile and broken input, through the real bot, FakeDiscord and FakePanel.

Server and backup values with ``../``, ``%2e%2e``, slashes, unicode and 4,000 characters typed straight into
the slash options (bypassing autocomplete) get a clear ephemeral refusal and reach no panel path but the user's
own list endpoints; a console command at the length limit; keys of the wrong kind or shape pasted into the link
modal; and interactions from a user with no link, from DMs, and from a guild not in ``GUILD_IDS``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import Player, link_account, new_account, text_of
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import ADMIN_PERMISSIONS, GUILD_ID, modal_field_ids

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

OTHER_GUILD = 910000000000000777
NOT_LINKED = "You have not linked a panel account yet"
IN_DMS = "Use the bot's commands inside a server, not in direct messages."
OTHER_SERVER = "This bot is not enabled in this server."

HOSTILE = [
    "../../application/users",
    "../../../api/application/users/1",
    "..",
    "%2e%2e",
    "%2e%2e%2fapplication%2fusers",
    "..%2F..%2Fapplication",
    "a/b",
    "/",
    "..\\..\\application",
    "abcd1234/../../application/users",
    "abcd1234?include=secret#x",
    "null\x00byte",
    "сервер-ünïcødé-伺服器",
    "😀" * 20,
    "\u202egnp.exe\u200b\ufeff",
    "` @everyone **bold** <@1234567890123456789> ||spoiler||",
    "x" * 4000,
    "../" * 1333,
]


# ---------------------------------------------------------------------------------------------- helpers


async def refusal(ix: InteractionRecord, timeout: float = 5.0) -> str:
    """The interaction's answer, checked to be a single, timely, ephemeral first response."""
    message = await ix.wait_final(timeout)
    assert len(ix.callbacks) == 1, ix.describe()
    assert ix.latency is not None and ix.latency < 3, ix.describe()
    assert ix.ephemeral, ix.describe()
    return text_of(message)


@pytest_asyncio.fixture(loop_scope="module")
async def player(bot: Any, panel: FakePanel, users: Callable[..., FakeUser], link: Any) -> Player:
    user = users("input")
    account = new_account(panel, user, "input")
    server = panel.add_server(account, "Target Practice", state="running")
    panel.add_backup(server, "nightly")
    await link_account(link, user, account)
    return Player(user, account, server)


def panel_paths(panel: FakePanel) -> set[str]:
    return {r.path for r in panel.requests}


# ---------------------------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]) + f"({len(v)})")
async def test_hostile_server_values_are_refused_without_reaching_a_panel_path(
    discord: FakeDiscord, panel: FakePanel, player: Player, value: str
) -> None:
    panel.clear_requests()
    answers = []
    for command, options in [
        ("server status", {"server": value}),
        ("server start", {"server": value}),
        ("server command", {"server": value, "command": "op everyone"}),
        ("backup list", {"server": value}),
        ("backup download", {"server": value, "backup": value}),
    ]:
        ix = await discord.slash(player.user, command, options=options, guild_id=GUILD_ID)
        answers.append((command, await refusal(ix)))
    for command, text in answers:
        assert "No server matching" in text and "Pick one from the suggestions" in text, (command, text)
        assert len(text) < 400  # the value is shown clipped, not echoed whole
        assert "@everyone" not in text.replace("@\u200beveryone", "")  # mentions and markdown are neutralised
        assert "**bold**" not in text and "||spoiler||" not in text
    assert panel_paths(panel) == {"/api/client"}  # only the user's own server list was read
    assert all(r.key_identifier == player.account.client_key[:16] for r in panel.requests)
    assert player.server.state == "running" and player.server.console == []


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]) + f"({len(v)})")
async def test_hostile_backup_values_are_refused_without_reaching_a_panel_path(
    discord: FakeDiscord, panel: FakePanel, player: Player, value: str
) -> None:
    panel.clear_requests()
    own = player.server.identifier
    for command in ("backup download", "backup delete", "backup restore"):
        ix = await discord.slash(player.user, command, options={"server": own, "backup": value}, guild_id=GUILD_ID)
        text = await refusal(ix)
        assert "No backup matching" in text and "Target Practice" in text, (command, text)
        assert len(text) < 400
    assert panel_paths(panel) <= {"/api/client", f"/api/client/servers/{own}/backups"}
    assert f"/api/client/servers/{own}/backups" in panel_paths(panel)
    assert [b.name for b in player.server.backups] == ["nightly"]


async def test_another_users_identifiers_are_not_theirs(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    stranger = panel.add_user(f"stranger{player.user.id % 100000}")
    theirs = panel.add_server(stranger, "Not Yours", state="running")
    backup = panel.add_backup(theirs, "their backup")
    panel.clear_requests()
    for command, options in [
        ("server kill", {"server": theirs.identifier}),
        ("server status", {"server": theirs.uuid}),
        ("server status", {"server": "Not Yours"}),
        ("backup download", {"server": theirs.identifier, "backup": backup.uuid}),
    ]:
        ix = await discord.slash(player.user, command, options=options, guild_id=GUILD_ID)
        assert "No server matching" in await refusal(ix)
    own = player.server.identifier
    ix = await discord.slash(
        player.user, "backup download", options={"server": own, "backup": backup.uuid}, guild_id=GUILD_ID
    )
    assert "No backup matching" in await refusal(ix)
    assert not any(theirs.identifier in path or backup.uuid in path for path in panel_paths(panel))
    assert theirs.state == "running"


# ---------------------------------------------------------------------------------------------- console


async def test_console_command_at_the_length_limit(discord: FakeDiscord, panel: FakePanel, player: Player) -> None:
    for line in ("say " + "a" * 996, "say " + "é" * 996, "say " + "😀" * 996):
        assert len(line) == 1000
        ix = await discord.slash(
            player.user, "server command", options={"server": player.server.identifier, "command": line}
        )
        text = await refusal(ix)
        assert "Sent to the console of **Target Practice**" in text
        assert player.server.console[-1] == line  # sent whole, exactly once
    assert len(player.server.console) == 3
    with pytest.raises(ValueError, match="max_length"):  # Discord itself refuses one character more
        await discord.slash(
            player.user, "server command", options={"server": player.server.identifier, "command": "a" * 1001}
        )
    ix = await discord.slash(
        player.user, "server command", options={"server": player.server.identifier, "command": "   "}
    )
    assert "Type the console command to send." in await refusal(ix)
    assert len(player.server.console) == 3


# ---------------------------------------------------------------------------------------------- link modal


async def open_link_modal(discord: FakeDiscord, user: FakeUser) -> tuple[InteractionRecord, str, str]:
    opened = await discord.slash(user, "account link", guild_id=GUILD_ID)
    await opened.wait_callback()
    modal_id, fields = modal_field_ids(opened)
    return opened, modal_id, fields[0]


async def submit_key(discord: FakeDiscord, user: FakeUser, key: str) -> InteractionRecord:
    opened, modal_id, field = await open_link_modal(discord, user)
    return await discord.submit_modal(user, modal_id, {field: key}, origin=opened)


WRONG_KEYS = {
    "random text": "hello, this is definitely my key",
    "discord token": "MTA1MjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB",
    "100 characters": "ptlc_" + "Z" * 95,
    "47 characters": "ptlc_" + "Q" * 42,
    "dots and dashes": "ptlc_abc.def-ghi.jkl-mno.pqr-stu.vwx-yz0.123-456",
    "sql": "ptlc_'; DROP TABLE linked_accounts; --aaaaaaaaaa",
    "unicode": "ptlc_" + "ä" * 43,
    "url": "https://panel.example.com/account/api?key=ptlc_x",
}


@pytest.mark.parametrize("kind", sorted(WRONG_KEYS))
async def test_link_refuses_what_is_not_a_client_key_before_asking_the_panel(
    bot: Any,
    discord: FakeDiscord,
    panel: FakePanel,
    users: Callable[..., FakeUser],
    log_records: list[str],
    kind: str,
) -> None:
    key = WRONG_KEYS[kind]
    user = users("paster")
    panel.clear_requests()
    ix = await submit_key(discord, user, key)
    text = await refusal(ix)
    assert "does not look like a panel client API key" in text and "/account/api" in text
    assert not panel.requests  # refused on its shape: nothing was sent anywhere
    assert await bot.storage.get_link(user.id) is None
    assert discord.find_in_payloads(key) == []
    if kind == "discord token":
        assert not any(key in line for line in log_records)


async def test_link_refuses_an_application_key_and_says_which_key_to_create(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], log_records: list[str]
) -> None:
    user = users("appkey")
    admin = panel.add_user(f"root{user.id % 100000}", admin=True)
    for key in (panel.application_key, panel.add_api_key(admin, kind="application")):
        panel.clear_requests()
        text = await refusal(await submit_key(discord, user, key))
        assert "application API key" in text and "client API key" in text and "Account → API Credentials" in text
        assert not panel.requests
        assert discord.find_in_payloads(key) == []
        assert not any(key in line for line in log_records)
    assert await bot.storage.get_link(user.id) is None


async def test_link_refuses_a_well_shaped_key_the_panel_does_not_know(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], log_records: list[str]
) -> None:
    user = users("unknown")
    for key in ("ptlc_" + secrets.token_hex(22)[:43], secrets.token_hex(24)):  # new style, legacy 48 characters
        assert len(key) == 48
        panel.clear_requests()
        text = await refusal(await submit_key(discord, user, key), timeout=10)
        assert "The panel rejected that key" in text
        assert panel_paths(panel) == {"/api/client/account"}
        assert discord.find_in_payloads(key) == []
    assert await bot.storage.get_link(user.id) is None


async def test_link_accepts_a_pasted_key_with_whitespace_or_bearer(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser]
) -> None:
    for decorate in ("  {}\n", "Bearer {}"):
        user = users("paste")
        account = panel.add_user(f"paste{user.id % 100000}")
        text = await refusal(await submit_key(discord, user, decorate.format(account.client_key)))
        assert f"Linked to panel account **{account.username}**" in text
        link = await bot.storage.get_link(user.id)
        assert link is not None and bot.vault.decrypt(link.encrypted_key) == account.client_key


async def test_link_modal_limits_and_a_client_that_ignores_them(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser]
) -> None:
    user = users("huge")
    opened, modal_id, field = await open_link_modal(discord, user)
    with pytest.raises(ValueError, match="max_length"):  # Discord's client refuses 4,000 characters
        await discord.submit_modal(user, modal_id, {field: "k" * 4000}, origin=opened)
    with pytest.raises(ValueError, match="min_length"):
        await discord.submit_modal(user, modal_id, {field: "short"}, origin=opened)
    # A modified client sends them anyway: the bot refuses on shape, sends nothing to the panel.
    panel.clear_requests()
    for value in ("k" * 4000, "short", ""):
        ix = await discord._new_interaction(  # the fake's raw dispatch, without the client-side checks
            itype=5,
            name=modal_id,
            user=user,
            data={
                "custom_id": modal_id,
                "components": [{"type": 1, "components": [{"type": 4, "id": 1, "custom_id": field, "value": value}]}],
            },
            guild_id=GUILD_ID,
            channel_id=None,
            dm=False,
            member_permissions=None,
            roles=(),
        )
        text = await refusal(ix)
        assert "does not look like a panel client API key" in text
        assert len(text) < 400
        opened, modal_id, field = await open_link_modal(discord, user)  # each submit closes the modal
    assert not panel.requests
    assert await bot.storage.get_link(user.id) is None


# ---------------------------------------------------------------------------------------------- no link


UNLINKED_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("account info", {}),
    ("account unlink", {}),
    ("server list", {}),
    ("server status", {"server": "abcd1234"}),
    ("server start", {"server": "abcd1234"}),
    ("server stop", {"server": "abcd1234"}),
    ("server restart", {"server": "abcd1234"}),
    ("server kill", {"server": "abcd1234"}),
    ("server command", {"server": "abcd1234", "command": "stop"}),
    ("backup list", {"server": "abcd1234"}),
    ("backup create", {"server": "abcd1234"}),
    ("backup download", {"server": "abcd1234", "backup": "b"}),
    ("backup delete", {"server": "abcd1234", "backup": "b"}),
    ("backup restore", {"server": "abcd1234", "backup": "b"}),
]


async def test_a_user_with_no_link_is_told_how_to_link_and_nothing_reaches_the_panel(
    discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser]
) -> None:
    stranger = users("nolink")
    panel.clear_requests()
    for command, options in UNLINKED_COMMANDS:
        ix = await discord.slash(stranger, command, options=options or None, guild_id=GUILD_ID)
        text = await refusal(ix)
        assert NOT_LINKED in text and "/account link" in text, command
    ix = await discord.slash(stranger, "admin user list", guild_id=GUILD_ID, member_permissions=ADMIN_PERMISSIONS)
    assert NOT_LINKED in await refusal(ix)
    for command in ("server status", "backup list"):
        assert await discord.autocomplete(stranger, command, {"server": ""}, focused="server") == []
    assert (
        await discord.autocomplete(stranger, "backup download", {"server": "abcd1234", "backup": ""}, focused="backup")
        == []
    )
    assert not panel.requests


# ---------------------------------------------------------------------------------------------- DMs / guilds


@pytest_asyncio.fixture(loop_scope="module")
async def stale_global_commands(bot: Any, discord: FakeDiscord) -> AsyncIterator[None]:
    """Global commands left registered by an earlier run without ``GUILD_IDS``: Discord shows them in DMs and
    in every guild the bot is in, so interactions arrive from outside ``GUILD_IDS``."""
    commands = [
        {k: v for k, v in c.items() if k not in ("id", "application_id", "version", "guild_id")}
        for c in discord.synced_commands(GUILD_ID)
    ]
    url = f"{discord.api_base}/applications/{discord.application_id}/commands"
    headers = {"Authorization": f"Bot {discord.token}"}
    async with aiohttp.ClientSession() as session, session.put(url, json=commands, headers=headers) as response:
        assert response.status == 200
    assert discord.synced_commands(None)
    yield


GATED_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("help", {}),
    ("account link", {}),
    ("account info", {}),
    ("server list", {}),
    ("server status", {"server": "abcd1234"}),
    ("server kill", {"server": "abcd1234"}),
    ("server command", {"server": "abcd1234", "command": "stop"}),
]


@pytest.mark.parametrize(("where", "message"), [("dm", IN_DMS), ("other guild", OTHER_SERVER)])
async def test_interactions_from_dms_and_other_guilds_are_refused(
    discord: FakeDiscord,
    panel: FakePanel,
    player: Player,
    stale_global_commands: None,
    log_records: list[str],
    where: str,
    message: str,
) -> None:
    scope: dict[str, Any] = {"dm": True} if where == "dm" else {"guild_id": OTHER_GUILD}
    own = {"server": player.server.identifier}
    panel.clear_requests()
    for command, options in GATED_COMMANDS:
        if "server" in options:
            options = {**options, **own}
        ix = await discord.slash(player.user, command, options=options or None, **scope)
        text = await refusal(ix)
        assert text == message, (command, text)
        assert ix.response_type == 4 and not ix.modal  # not even the link modal opens
    choices = await discord.autocomplete(player.user, "server status", {"server": ""}, focused="server", **scope)
    assert choices == []
    assert not panel.requests  # a linked user's key is not used from there either
    assert player.server.state == "running" and player.server.console == []
    if where == "dm":
        with pytest.raises(PermissionError):  # /admin is guild-only: Discord does not offer it in DMs
            await discord.slash(player.user, "admin user list", dm=True)
    logging.getLogger(__name__).debug("gated %s", where)


# ---------------------------------------------------------------------------------------------- issue 8, item 10


async def test_control_characters_in_an_option_cannot_forge_log_lines(
    bot: Any, discord: FakeDiscord, player: Player, log_records: list[str]
) -> None:
    forged = "x\ninteraction user=1 type=slash command=admin user delete outcome=ok ms=1\r\x1b[2K\u2028y"
    ix = await discord.slash(player.user, "server status", options={"server": forged}, guild_id=GUILD_ID)
    assert "No server matching" in await refusal(ix)
    await bot.tracker.wait_finished(ix.id, 5)
    logged = [r for r in log_records if "command=admin user delete outcome=ok ms=1" in r]
    assert logged, "the refusal (with the value) is logged"
    for record in logged:
        assert not any(ch in record for ch in "\n\r\x1b\u2028"), repr(record)
        assert "\\n" in record and "\\x1b" in record  # shown escaped, not dropped
