"""``/server command`` answers with what the console printed (issue 10): the lines that followed the command, ANSI
stripped, in a code block that nothing in them can break, at most ~20 lines / 1,900 characters, gathered until
the console is quiet for 1.5 s (10 s at most). Without ``websocket.connect`` or with the node down it says the
command was sent and why there is no output. The command itself always goes through the panel's HTTP route,
exactly once; a console session the hub already holds is reused (no token request).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel, FakeServer
from tests.e2e.helpers import Player, helper_without_websocket, linked_user, text_of, wait_finished, wait_message
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

READING = "Reading the console"


async def new_player(panel: FakePanel, users: Callable[..., FakeUser], link: Any, name: str) -> Player:
    user, account = await linked_user(panel, users, link, "out")
    return Player(user, account, panel.add_server(account, name, state="running"))


async def command(discord: FakeDiscord, player: Player, line: str) -> InteractionRecord:
    return await discord.slash(
        player.user, "server command", {"server": player.server.identifier, "command": line}, guild_id=GUILD_ID
    )


def command_posts(panel: FakePanel, server: FakeServer) -> int:
    return sum(1 for r in panel.requests if r.method == "POST" and r.path.endswith(f"/{server.identifier}/command"))


def token_requests(panel: FakePanel, server: FakeServer) -> int:
    return sum(1 for r in panel.requests if r.path.endswith(f"/{server.identifier}/websocket"))


def socket_commands(panel: FakePanel, server: FakeServer) -> int:
    return sum(1 for f in panel.wings.received("send command") if f.server == server.uuid)


async def output_of(ix: InteractionRecord, needle: str, timeout: float = 15.0) -> dict[str, Any]:
    """The answer once its reading is over and it shows ``needle``."""
    await ix.wait_for(lambda r: needle in text_of(r.last_message) and READING not in text_of(r.last_message), timeout)
    assert ix.last_message is not None
    return ix.last_message


def fences(text: str) -> int:
    return len(re.findall("```", text))


async def test_the_lines_that_followed_the_command_are_shown(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Lobby")
    server = player.server
    panel.wings.respond(
        "list", ["\x1b[33mThere are 2 of a max of 20 players online:\x1b[0m Steve, Alex"], server=server
    )
    panel.clear_requests()
    ix = await command(discord, player, "list")
    first = await ix.wait_final(5)
    assert "Sent to the console of **Lobby**" in text_of(first)
    message = await output_of(ix, "Steve, Alex")
    text = text_of(message)
    assert "```\n> list\nThere are 2 of a max of 20 players online: Steve, Alex\n```" in text
    assert "\x1b" not in text
    assert ix.ephemeral and ix.deferred and ix.latency is not None and ix.latency < 3
    await wait_finished(bot, discord, player.user)
    assert server.console == ["list"]  # sent once ...
    assert command_posts(panel, server) == 1  # ... over the panel's HTTP route ...
    assert socket_commands(panel, server) == 0  # ... and not again over the websocket


async def test_reading_goes_on_while_lines_come_and_stops_after_a_quiet_second_and_a_half(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Slow")
    server = player.server
    ix = await command(discord, player, "save-all")
    await wait_message(ix, READING, 10)
    for n in range(5):  # the game keeps printing, 0.5 s apart: 2.5 s in all, longer than the quiet period
        await asyncio.sleep(0.5)
        panel.console_output(server, f"saving chunk {n}")
    message = await output_of(ix, "saving chunk 4")
    panel.console_output(server, "printed after the answer")
    await wait_finished(bot, discord, player.user)
    text = text_of(ix.last_message)
    assert all(f"saving chunk {n}" in text for n in range(5)), text
    assert "printed after the answer" not in text
    assert message["content"].count("\n") >= 6


async def test_reading_ends_after_the_timeout_even_if_the_console_never_goes_quiet(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    cog = bot.get_cog("Server")
    cog.command_timeout = 2.0
    player = await new_player(panel, users, link, "Chatty")
    stop = asyncio.Event()

    async def spam() -> None:
        n = 0
        while not stop.is_set():
            panel.console_output(player.server, f"tick {n}")
            n += 1
            await asyncio.sleep(0.2)

    spammer: asyncio.Task[None] | None = None
    try:
        ix = await command(discord, player, "say hi")
        await wait_message(ix, READING, 10)
        spammer = asyncio.create_task(spam())
        await output_of(ix, "tick 0", 8)
        still_printing = not stop.is_set()  # the answer came while the console was never quiet
    finally:
        stop.set()
        cog.command_timeout = 10.0
        if spammer is not None:
            await spammer
    assert still_printing
    assert "tick 1" in text_of(ix.last_message)


async def test_long_output_is_cut_to_twenty_lines_with_a_count_of_the_rest(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Verbose")
    panel.wings.respond("help", [f"/command{n:02d} does a thing" for n in range(50)], server=player.server)
    ix = await command(discord, player, "help")
    message = await output_of(ix, "more lines")
    content = message["content"]
    assert len(content) <= 2000
    assert "… 31 more lines" in content  # the echo "> help" and 19 of the 50 lines are shown
    assert "/command18 does a thing" in content and "/command19 does a thing" not in content
    assert fences(content) == 2


async def test_a_long_line_fills_the_budget_but_never_the_limit(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Wide")
    panel.wings.respond("dump", ["x" * 250 for _ in range(20)], server=player.server)
    ix = await command(discord, player, "dump")
    message = await output_of(ix, "more lines")
    content = message["content"]
    assert len(content) <= 2000 and fences(content) == 2
    assert 1500 <= len(content)


async def test_console_lines_cannot_break_the_code_block_nor_mention_anyone(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Hostile")
    hostile = [
        "```",
        "@everyone @here <@123456789012345678> <@&910000000000000001>",
        "**bold** __under__ ~~gone~~ ||spoiler|| [link](https://example.invalid)",
        "ends with backticks ``````",
        "\x1b]0;title\x07tab\there\x00nul \u202eevil",
    ]
    panel.wings.respond("evil", hostile, server=player.server)
    ix = await command(discord, player, "evil")
    message = await output_of(ix, "@everyone")
    content = message["content"]
    assert fences(content) == 2, content  # only the block's own fences
    block = content[content.index("```") : content.rindex("```") + 3]
    assert "@everyone @here <@123456789012345678>" in block  # shown as text, inside the block
    assert "\x00" not in content and "\x07" not in content and "\u202e" not in content and "\x1b" not in content
    assert "tab    here" in content
    log = discord.message_log(message)
    assert all(edit.mentions.notifies_nobody for edit in log.edits)
    assert log.mentions is None or log.mentions.notifies_nobody
    bodies = [edit.body for edit in log.edits if "@everyone" in str(edit.body)]
    assert bodies and all(body.get("allowed_mentions", {}).get("parse") == [] for body in bodies), bodies


async def test_without_the_websocket_permission_the_command_is_sent_and_the_answer_says_why(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    helper, server = await helper_without_websocket(panel, users, link, "owner", "Shared", "helper")
    panel.clear_requests()
    ix = await discord.slash(
        helper, "server command", {"server": server.identifier, "command": "say from a helper"}, guild_id=GUILD_ID
    )
    message = await ix.wait_final(10)
    text = text_of(message)
    assert "Sent to the console of **Shared**" in text
    assert "No output is shown" in text and "`websocket.connect`" in text, text
    await wait_finished(bot, discord, helper)
    assert server.console == ["say from a helper"]
    assert command_posts(panel, server) == 1 and socket_commands(panel, server) == 0


async def test_with_the_node_down_the_command_is_sent_and_the_answer_says_why(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    user, account = await linked_user(panel, users, link, "down")
    node = panel.add_node("Unlucky")
    server = panel.add_server(account, "Far away", state="running", node=node)
    panel.wings.set_node_down(node)
    try:
        ix = await discord.slash(
            user, "server command", {"server": server.identifier, "command": "say anyone?"}, guild_id=GUILD_ID
        )
        message = await ix.wait_final(10)
    finally:
        panel.wings.set_node_down(node, False)
    text = text_of(message)
    assert "No output is shown" in text and "cannot be reached" in text, text
    await wait_finished(bot, discord, user)
    assert server.console == ["say anyone?"]


async def test_an_open_console_session_is_reused_without_a_token_request(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Shared session")
    server = player.server
    sub = await bot.watch.subscribe(player.user.id, server.identifier, purpose="board")
    try:
        assert (await sub.wait_ready(5)).link == "connected"
        panel.clear_requests()
        ix = await command(discord, player, "list")
        await output_of(ix, "players online")
        await wait_finished(bot, discord, player.user)
        assert token_requests(panel, server) == 0
        assert len([c for c in panel.wings.connections if c.server == server.uuid and c.open]) == 1
    finally:
        sub.close()


async def test_a_command_the_game_does_not_answer_says_the_console_printed_nothing(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    player = await new_player(panel, users, link, "Silent")
    panel.wings.echo_format = None  # real Wings does not echo: a command without an answer prints nothing
    try:
        ix = await command(discord, player, "whitelist reload")
        message = await output_of(ix, "printed nothing")
    finally:
        panel.wings.echo_format = "> {command}"
    assert "```" not in message["content"]
