"""Proves the FakeDiscord harness with a tiny throwaway bot (not the product bot).

The real, unmodified discord.py client logs into the fake over HTTP + websocket on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands

from bot.discord_endpoints import (
    apply_discord_endpoints,
    current_discord_endpoints,
    reset_discord_endpoints,
)
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord
from tests.fake_discord.limits import check_autocomplete_choices, check_command_list, check_embeds, check_message

APP_ID = 900000000000000001
GUILD_ID = 910000000000000001
ALICE = FakeUser(id=930000000000000001, username="alice")
BOB = FakeUser(id=930000000000000002, username="bob")
SECRET = "ptla_SuperSecretPanelKey123"


class StatusView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Restart", custom_id="restart", style=discord.ButtonStyle.danger)
    async def restart(self, interaction: discord.Interaction, button: discord.ui.Button[StatusView]) -> None:
        await interaction.response.edit_message(content="restarting...", embed=None, view=None)


class RenameModal(discord.ui.Modal, title="Rename server"):
    new_name: discord.ui.TextInput[RenameModal] = discord.ui.TextInput(
        label="New name", custom_id="new_name", max_length=32
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"renamed to {self.new_name.value}", ephemeral=True)


class Picker(discord.ui.View):
    def __init__(self, seen: dict[str, Any]) -> None:
        super().__init__(timeout=60)
        self.seen = seen

    @discord.ui.select(
        custom_id="pick", max_values=2, options=[discord.SelectOption(label=x, value=x) for x in ("a", "b", "c")]
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Picker]) -> None:
        self.seen["picked"] = list(select.values)
        await interaction.response.send_modal(AskModal())


class AskModal(discord.ui.Modal, title="Question"):
    answer: discord.ui.TextInput[AskModal] = discord.ui.TextInput(label="Answer", custom_id="answer")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # modal opened from a component: the submit may update that component's message (type 7)
        await interaction.response.edit_message(content=f"answer: {self.answer.value}", view=None)


class BoardView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Refresh", custom_id="board:refresh")
    async def refresh(self, interaction: discord.Interaction, button: discord.ui.Button[BoardView]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="board (refreshed)")


def make_bot() -> commands.Bot:
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        guild_ready_timeout=0.05,
    )
    server = app_commands.Group(name="server", description="Manage a game server")

    @server.command(name="status", description="Show a server's status")
    @app_commands.describe(server="Server identifier")
    async def status(interaction: discord.Interaction, server: str) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)  # "call the panel"
        embed = discord.Embed(title=f"Server {server}", description="running")
        embed.add_field(name="CPU", value="12%")
        await interaction.followup.send(embed=embed, view=StatusView())

    @status.autocomplete("server")
    async def status_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if current == "many":
            return [app_commands.Choice(name=f"s{i}", value=f"s{i}") for i in range(30)]
        ids = ("abcd1234", "abcd9999", "ffff0000")
        return [app_commands.Choice(name=s, value=s) for s in ids if s.startswith(current)]

    @server.command(name="rename", description="Rename a server")
    async def rename(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(RenameModal())

    @server.command(name="secret", description="Show the API key (privately)")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"key: {SECRET}", ephemeral=True)

    @server.command(name="big", description="Oversized embed")
    async def big(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=discord.Embed(title="x" * 300))

    @server.command(name="slow", description="Answers too late")
    @app_commands.describe(delay="seconds to wait")
    async def slow(interaction: discord.Interaction, delay: float) -> None:
        await asyncio.sleep(delay)
        await interaction.response.send_message("finally")

    @server.command(name="leaky", description="Public defer, then an 'ephemeral' followup")
    async def leaky(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.followup.send(f"key: {SECRET}", ephemeral=True)

    @app_commands.command(name="ping", description="Global command")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    seen: dict[str, Any] = {}

    @app_commands.command(name="probe", description="Inspect what discord.py built from the payload")
    async def probe(interaction: discord.Interaction, who: discord.Member, count: int = 1) -> None:
        assert isinstance(interaction.user, discord.Member) and interaction.guild is not None
        seen.update(
            channel=type(interaction.channel).__name__,
            who=(type(who).__name__, who.id),
            count=count,
            roles=[r.id for r in interaction.user.roles],
            permissions=interaction.permissions.value,
        )
        report = discord.File(io.BytesIO(b"report body"), "report.txt")
        await interaction.response.send_message("probe", view=Picker(seen), file=report)

    @app_commands.command(name="board", description="Post a live board in the channel")
    async def board(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("posting", ephemeral=True)
        assert isinstance(interaction.channel, discord.TextChannel)
        message = await interaction.channel.send("board", view=BoardView())
        await message.edit(content="board v2")

    @app_commands.command(name="purge", description="Needs Manage Server")
    @app_commands.default_permissions(manage_guild=True)
    async def purge(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("purged")

    @app_commands.command(name="lookup", description="Calls a route the fake does not serve")
    async def lookup(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        assert interaction.guild is not None
        try:
            await interaction.guild.fetch_member(1)
        except discord.NotFound:
            seen["lookup"] = "404"
        await interaction.followup.send("not found")

    @app_commands.command(name="silent", description="Never answers")
    async def silent(interaction: discord.Interaction) -> None:
        return None

    async def setup_hook() -> None:
        guild = discord.Object(GUILD_ID)
        for command in (probe, board, purge, lookup, silent):
            bot.tree.add_command(command, guild=guild)
        bot.tree.add_command(server, guild=guild)
        bot.tree.add_command(ping)
        await bot.tree.sync(guild=guild)
        await bot.tree.sync()

    async def before_identify_hook(shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before every non-initial IDENTIFY (rate limit courtesy); not needed here.
        return None

    bot.seen = seen  # type: ignore[attr-defined]
    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    bot.before_identify_hook = before_identify_hook  # type: ignore[method-assign]
    return bot


@pytest.fixture
async def fd() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(application_id=APP_ID, guild_ids=[GUILD_ID]) as fake:
        yield fake


@pytest.fixture
async def tiny_bot(fd: FakeDiscord) -> AsyncIterator[commands.Bot]:
    client = make_bot()
    apply_discord_endpoints(fd.api_base, fd.gateway_url)
    task = asyncio.create_task(client.start(fd.token))
    try:
        await fd.wait_ready(5)
        await fd.wait_synced(GUILD_ID, timeout=5)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, 5)
        reset_discord_endpoints()


# --------------------------------------------------------------------------- unit checks


def test_limit_checks() -> None:
    assert check_message({"content": "x" * 2001}) == ["content is 2001 chars (> 2000)"]
    assert check_embeds([{"title": "t", "fields": [{"name": "a", "value": "b"}]}]) == []
    assert any("6000" in p for p in check_embeds([{"description": "x" * 4000}, {"description": "y" * 2500}]))
    assert check_autocomplete_choices([{"name": "a", "value": "a"}] * 26) == ["26 autocomplete choices (> 25)"]
    rows = [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "a", "label": "x" * 81}] * 2}]
    problems = check_message({"components": rows})
    assert any("label is 81" in p for p in problems) and any("duplicate custom_id" in p for p in problems)
    assert any("not lower-case" in p for p in check_command_list([{"name": "Ping", "description": "x"}]))
    assert any("description" in p for p in check_command_list([{"name": "ping", "description": ""}]))


# --------------------------------------------------------------------------- end to end


async def test_commands_components_modal_ephemeral(fd: FakeDiscord, tiny_bot: commands.Bot) -> None:
    # sync: guild commands carry guild_id, the global one does not (gotcha 3)
    guild_cmds = {c["name"]: c for c in fd.synced_commands(GUILD_ID)}
    assert {o["name"] for o in guild_cmds["server"]["options"]} >= {"status", "rename", "secret"}
    assert all(c["guild_id"] == str(GUILD_ID) for c in guild_cmds.values())
    assert [c["name"] for c in fd.synced_commands()] == ["ping"]

    # autocomplete (type 4)
    choices = await fd.autocomplete(ALICE, "server status", {"server": "abcd"}, focused="server")
    assert [c["value"] for c in choices] == ["abcd1234", "abcd9999"]

    # defer + followup with an embed and a view (type 2 -> 5, then POST /webhooks)
    ix = await fd.slash(ALICE, "server status", options={"server": "abcd1234"})
    final = await ix.wait_final(timeout=5)
    assert ix.deferred and not ix.ephemeral
    assert ix.latency is not None and ix.latency < 3
    assert final["embeds"][0]["title"] == "Server abcd1234"
    assert ix.last_message is not None
    assert ix.last_message["components"][0]["components"][0]["custom_id"] == "restart"
    assert ix.callbacks[0].body["type"] == 5 and len(ix.followups) == 1

    # button press answered with an edit (type 3 -> 7)
    click = await fd.click(ALICE, ix.last_message, "restart")
    edited = await click.wait_final(timeout=5)
    assert edited["content"] == "restarting..." and edited["components"] == [] and edited["embeds"] == []
    assert click.response_type == 7 and ix.last_message["content"] == "restarting..."  # same message
    with pytest.raises(LookupError):  # the view is gone, so is the button
        await fd.click(ALICE, ix.last_message, "restart")

    # modal opened (type 9) and submitted (type 5)
    opener = await fd.slash(ALICE, "server rename")
    modal = await opener.wait_final(timeout=5)
    assert opener.modal is not None and modal["title"] == "Rename server"
    submit = await fd.submit_modal(ALICE, modal["custom_id"], {"new_name": "prod-eu"}, origin=opener)
    reply = await submit.wait_final(timeout=5)
    assert reply["content"] == "renamed to prod-eu" and submit.ephemeral

    # ephemeral message; the secret is only in an ephemeral payload
    secret = await fd.slash(ALICE, "server secret")
    await secret.wait_final(timeout=5)
    assert secret.ephemeral
    hits = fd.find_in_payloads(SECRET)
    assert hits and all(h is secret.callbacks[0] for h in hits)
    assert fd.find_in_payloads(fd.token) == []  # IDENTIFY's token is redacted, headers not recorded

    # global command (interaction data without guild_id)
    ping = await fd.slash(BOB, "ping")
    assert (await ping.wait_final(timeout=5))["content"] == "pong"
    assert "guild_id" not in ping.payload["data"]

    fd.assert_clean()


async def test_limit_violations_are_detected(fd: FakeDiscord, tiny_bot: commands.Bot) -> None:
    big = await fd.slash(ALICE, "server big")
    await big.wait_callback(timeout=5)
    assert big.callbacks[0].status == 400  # rejected like Discord would (bot sees HTTPException)
    assert any("embed[0].title is 300 chars (> 256)" in v for v in fd.pop_violations())

    choices = await fd.autocomplete(ALICE, "server status", {"server": "many"}, focused="server")
    assert len(choices) == 30
    assert any("30 autocomplete choices" in v for v in fd.pop_violations())

    leaky = await fd.slash(ALICE, "server leaky")
    await leaky.wait_final(timeout=5)
    assert not leaky.ephemeral  # the public defer decides: the "ephemeral" followup is public
    assert any("PUBLIC defer" in v for v in fd.pop_violations())

    fd.response_deadline = 0.1
    slow = await fd.slash(ALICE, "server slow", {"delay": 0.3})
    await slow.wait_callback(timeout=5)
    assert slow.latency is not None and slow.latency >= 0.3
    assert any("first response after" in v for v in fd.pop_violations())

    with pytest.raises(ValueError):  # the Discord client would refuse: required option missing
        await fd.slash(ALICE, "server status")
    with pytest.raises(LookupError):
        await fd.slash(ALICE, "server nope")
    fd.assert_clean()


async def test_gateway_drop_resume_and_reidentify() -> None:
    async with FakeDiscord(application_id=APP_ID, guild_ids=[GUILD_ID]) as fd, fd.running(make_bot()):
        assert fd.identify_count == 1

        async def ping_ok(user: FakeUser) -> InteractionRecord:
            ix = await fd.slash(user, "ping")
            assert (await ix.wait_final(timeout=5))["content"] == "pong"
            return ix

        await ping_ok(ALICE)

        fd.drop_gateway()  # abrupt TCP abort -> discord.py RESUMEs
        pending = await fd.slash(BOB, "ping")  # dispatched while disconnected: replayed on RESUME
        await fd.wait_ready(timeout=5)
        assert fd.resume_count == 1 and fd.identify_count == 1
        assert (await pending.wait_final(timeout=5))["content"] == "pong"
        await ping_ok(ALICE)

        fd.drop_gateway(code=4000, resumable=False)  # RESUME refused -> INVALID_SESSION -> IDENTIFY
        await fd.wait_ready(timeout=5)
        assert fd.identify_count == 2
        await ping_ok(BOB)
        fd.assert_clean()
    assert current_discord_endpoints()[0] == "https://discord.com/api/v10"


async def test_selects_dm_files_channel_messages_and_checks(fd: FakeDiscord, tiny_bot: commands.Bot) -> None:
    seen: dict[str, Any] = tiny_bot.seen  # type: ignore[attr-defined]

    # user option resolved into a Member, roles created on the fly, file upload recorded; 429 retried
    fd.inject_error("POST", r"^/interactions/.*/callback$", 429, retry_after=0.01)
    probe = await fd.slash(ALICE, "probe", {"who": BOB, "count": 3}, roles=[940000000000000001])
    await probe.wait_final(timeout=5)
    assert seen["channel"] == "TextChannel" and seen["who"] == ("Member", BOB.id) and seen["count"] == 3
    assert 940000000000000001 in seen["roles"]
    assert [r.status for r in fd.requests if r.path.endswith("/callback")][:2] == [429, 200]
    assert probe.callbacks[0].files[0]["text"] == "report body"
    assert probe.last_message is not None and probe.last_message["attachments"][0]["filename"] == "report.txt"

    # select menu -> modal -> submit updates the select's message (type 7)
    with pytest.raises(ValueError):
        await fd.click(BOB, probe.last_message, "pick", values=["zzz"])
    pick = await fd.click(BOB, probe.last_message, "pick", values=["a", "c"])
    modal = await pick.wait_final(timeout=5)
    submit = await fd.submit_modal(BOB, modal["custom_id"], {"answer": "42"})
    assert (await submit.wait_final(timeout=5))["content"] == "answer: 42"
    assert seen["picked"] == ["a", "c"] and submit.response_type == 7
    assert probe.last_message["content"] == "answer: 42" and probe.last_message["components"] == []

    # a board posted in the channel (REST, not interaction), edited, then its button pressed
    board = await fd.slash(ALICE, "board")
    await board.wait_final(timeout=5)
    await fd.wait_for(lambda: bool(fd.channel_messages) and fd.channel_messages[-1]["content"] == "board v2")
    refresh = await fd.click(BOB, fd.channel_messages[-1], "board:refresh")
    assert (await refresh.wait_final(timeout=5))["content"] == "board (refreshed)"
    assert refresh.deferred and refresh.response_type == 6
    with pytest.raises(PermissionError):  # board's "posting" reply is ephemeral to Alice
        await fd.click(BOB, board.last_message or {}, "x")

    # DMs: channel/user objects instead of guild/member
    dm = await fd.slash(ALICE, "ping", dm=True)
    assert (await dm.wait_final(timeout=5))["content"] == "pong"
    assert "member" not in dm.payload and dm.payload["user"]["id"] == str(ALICE.id)

    # default_member_permissions is enforced like the client does
    with pytest.raises(PermissionError):
        await fd.slash(ALICE, "purge")
    admin = await fd.slash(ALICE, "purge", member_permissions=discord.Permissions(manage_guild=True).value)
    assert (await admin.wait_final(timeout=5))["content"] == "purged"

    # unknown routes are answered 404 and recorded
    lookup = await fd.slash(ALICE, "lookup")
    await lookup.wait_final(timeout=5)
    assert seen["lookup"] == "404" and lookup.ephemeral
    assert fd.unhandled == [f"GET /guilds/{GUILD_ID}/members/1"]
    fd.unhandled.clear()

    # an interaction nobody answers is a violation once the deadline passed
    fd.response_deadline = 0.05
    await fd.slash(ALICE, "silent")
    await fd.wait_for(lambda: any("no response within" in v for v in fd.violations), 2)
    assert any("no response within" in v for v in fd.pop_violations())
    fd.assert_clean()
