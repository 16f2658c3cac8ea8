"""Hostile and broken input, through the real bot, FakeDiscord and FakePanel.

Server and backup values with ``../``, ``%2e%2e``, slashes, unicode and 4,000 characters typed straight into
the slash options (bypassing autocomplete) get a clear ephemeral refusal and reach no panel path but the user's
own list endpoints; a console command at the length limit; and interactions from a user with no link, from DMs,
and from a guild not in ``GUILD_IDS``. Keys pasted into the link form: ``test_bad_link_input.py``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import Player, link_account, new_account, panel_paths, refusal
from tests.fake_discord import FakeDiscord, FakeUser

from .conftest import ADMIN_PERMISSIONS, GUILD_ID

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


@pytest_asyncio.fixture(loop_scope="module")
async def player(bot: Any, panel: FakePanel, users: Callable[..., FakeUser], link: Any) -> Player:
    user = users("input")
    account = new_account(panel, user, "input")
    server = panel.add_server(account, "Target Practice", state="running")
    panel.add_backup(server, "nightly")
    await link_account(link, user, account)
    return Player(user, account, server)


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
