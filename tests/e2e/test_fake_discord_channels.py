"""FakeDiscord's channels, messages, permissions and gateway events, driven through the real discord.py client.

A tiny throwaway client (not the product bot) uses discord.py's public API against the fake: what it sees must
match what the fake recorded and enforced. Issue 10's status boards, alerts and live consoles are built on these.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fake_discord import FakeChannel, FakeDiscord, FakeRole, FakeUser
from tests.fake_discord import permissions as P
from tests.fake_discord.permissions import FakeOverwrite, channel_permissions

APP_ID = 900000000000000001
GUILD_ID = 910000000000000001
ALICE = FakeUser(id=930000000000000001, username="alice")
OPS = FakeRole(id=940000000000000001, name="ops", mentionable=True)
# the bits a text channel is about; discord.py's Permissions.all() and the fake's ALL differ past these
TEXT_BITS = (
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.MENTION_EVERYONE
    | P.MANAGE_MESSAGES
    | P.MANAGE_CHANNELS
    | P.ADMINISTRATOR
)


class Probe(discord.Client):
    """A client with one guild command, ``/perms [where]``, that reports what discord.py computed."""

    def __init__(self, intents: discord.Intents | None = None, **options: Any) -> None:
        super().__init__(intents=intents or discord.Intents.default(), guild_ready_timeout=0.05, **options)
        self.tree = app_commands.CommandTree(self)
        self.seen: dict[str, Any] = {}

        @app_commands.command(name="perms", description="Report permissions")
        async def perms(interaction: discord.Interaction, where: app_commands.AppCommandChannel | None = None) -> None:
            assert interaction.guild is not None and isinstance(interaction.channel, discord.TextChannel)
            me = interaction.guild.me
            self.seen = {
                "app": interaction.app_permissions.value,
                "member": interaction.permissions.value,
                "channel_for_me": interaction.channel.permissions_for(me).value,
                "where": where.permissions.value if where is not None else None,
            }
            await interaction.response.send_message("ok", ephemeral=True)

        self.tree.add_command(perms, guild=discord.Object(GUILD_ID))

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=discord.Object(GUILD_ID))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py waits 5 s before a re-IDENTIFY; not needed here


@pytest.fixture
async def fd() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(application_id=APP_ID, guild_ids=[GUILD_ID]) as fake:
        yield fake


@pytest.fixture
async def client(fd: FakeDiscord) -> AsyncIterator[Probe]:
    probe = Probe()
    async with fd.running(probe):
        await probe.wait_until_ready()
        await fd.wait_synced(GUILD_ID)
        yield probe


async def after(waiter: Awaitable[Any], action: Awaitable[Any]) -> Any:
    """Run ``action`` (a fake control), then return what the already registered client ``waiter`` got."""
    await action
    return await waiter


async def text_channel(client: Probe, fd: FakeDiscord, name: str = "alerts", **kw: Any) -> tuple[FakeChannel, Any]:
    created = client.wait_for("guild_channel_create", check=lambda c: c.name == name, timeout=5)
    fake = await fd.add_channel(name, **kw)
    channel = await created
    assert isinstance(channel, discord.TextChannel) and channel.id == fake.id
    return fake, channel


async def overwrite(client: Probe, fd: FakeDiscord, channel: FakeChannel, target: Any, **kw: int) -> None:
    updated = client.wait_for("guild_channel_update", check=lambda b, a: a.id == channel.id, timeout=5)
    await after(updated, fd.set_overwrite(channel, target, **kw))


# --------------------------------------------------------------------------- pure permission arithmetic


def test_permission_arithmetic_follows_discords_order() -> None:
    base = P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS
    g, role, member = 1, 2, 3

    def perms(*overwrites: FakeOverwrite, roles: tuple[int, ...] = (role,), start: int = base) -> int:
        return channel_permissions(
            base=start, guild_id=g, overwrites={o.id: o for o in overwrites}, role_ids=roles, member_id=member
        )

    assert perms() == base
    # @everyone denies, the role allows back: role overwrites win over @everyone's
    assert perms(FakeOverwrite(g, 0, deny=P.SEND_MESSAGES), FakeOverwrite(role, 0, allow=P.SEND_MESSAGES)) == base
    # a role's allow and another role's deny on the same bit: allow wins (allows are applied after denies)
    both = perms(FakeOverwrite(role, 0, deny=P.EMBED_LINKS), FakeOverwrite(9, 0, allow=P.EMBED_LINKS), roles=(role, 9))
    assert both == base
    # the member's own overwrite is applied last
    assert perms(FakeOverwrite(role, 0, allow=P.EMBED_LINKS), FakeOverwrite(member, 1, deny=P.EMBED_LINKS)) == (
        P.VIEW_CHANNEL | P.SEND_MESSAGES
    )
    # implicit: no Send Messages takes Embed Links; no View Channel takes everything of the channel
    assert perms(FakeOverwrite(g, 0, deny=P.SEND_MESSAGES)) == P.VIEW_CHANNEL
    assert perms(FakeOverwrite(member, 1, deny=P.VIEW_CHANNEL), start=base | P.MANAGE_GUILD) == P.MANAGE_GUILD
    # Administrator ignores every overwrite
    assert perms(FakeOverwrite(g, 0, deny=P.VIEW_CHANNEL), start=P.ADMINISTRATOR) == P.ALL
    assert "SEND_MESSAGES" in P.describe(P.SEND_MESSAGES | P.EMBED_LINKS)


# --------------------------------------------------------------------------- messages as a resource


async def test_channel_messages_create_fetch_edit_history_delete(fd: FakeDiscord, client: Probe) -> None:
    fake, channel = await text_channel(client, fd)
    assert fd.get_channel(fake.id) is fake and fd.messages_in(fake) == []

    first = await channel.send("hello", embed=discord.Embed(title="Board", description="starting"))
    second = await channel.send("second")
    assert [m["id"] for m in fd.messages_in(fake)] == [str(first.id), str(second.id)]
    assert fd.requests[-1].body["content"] == "second"  # every body is recorded

    fetched = await channel.fetch_message(first.id)
    assert fetched.content == "hello" and fetched.embeds[0].title == "Board"
    history = [m.id async for m in channel.history(limit=10)]
    assert history == [second.id, first.id]  # newest first, as Discord answers
    assert [m.id async for m in channel.history(limit=10, after=discord.Object(first.id))] == [second.id]

    n = fd.edit_count(first)
    for state in ("running", "stopping", "offline"):
        first = await first.edit(embed=discord.Embed(title="Board", description=state))
    log = fd.message_log(first.id)
    assert [e.message["embeds"][0]["description"] for e in log.edits[n:]] == ["running", "stopping", "offline"]
    assert log.current is not None and log.current["embeds"][0]["description"] == "offline"  # latest state wins
    assert log.edit_times() == sorted(log.edit_times()) and log.max_edits_within(60.0) == 3
    assert [r.status for r in log.attempts] == [200, 200, 200]
    assert (await channel.fetch_message(first.id)).embeds[0].description == "offline"

    await second.delete()
    assert fd.message_log(second.id).deleted_by == fd.bot_user.id
    with pytest.raises(discord.NotFound) as gone:
        await channel.fetch_message(second.id)
    assert gone.value.code == 10008
    with pytest.raises(discord.NotFound) as gone:
        await channel.get_partial_message(second.id).edit(content="x")
    assert gone.value.code == 10008 and fd.requests[-1].error_code == 10008
    with pytest.raises(discord.NotFound) as unknown:
        await client.get_partial_messageable(123456789).send("nowhere")
    assert unknown.value.code == 10003
    fd.assert_clean()


async def test_limits_are_checked_on_every_channel_message(fd: FakeDiscord, client: Probe) -> None:
    fake, channel = await text_channel(client, fd)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.status == 400 and too_long.value.code == 50035
    assert fd.pop_violations() == [f"[POST /channels/{fake.id}/messages] content is 2001 chars (> 2000)"]

    msg = await channel.send("ok")
    with pytest.raises(discord.HTTPException):
        await msg.edit(embed=discord.Embed(title="t" * 257))
    assert any("embed[0].title is 257 chars" in v for v in fd.pop_violations())
    assert fd.message_log(msg).current == fd.store.get(msg.id) and fd.edit_count(msg) == 0

    # allowed_mentions of a shape Discord refuses (discord.py never builds one: send it raw)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fd.token}"}) as http:
        bad = {"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}
        async with http.post(f"{fd.api_base}/channels/{fake.id}/messages", json=bad) as answer:
            assert answer.status == 400 and (await answer.json())["code"] == 50035
        async with http.post(f"{fd.api_base}/channels/{fake.id}/messages", json={"content": ""}) as answer:
            assert answer.status == 400 and (await answer.json())["code"] == 50006
    violations = fd.pop_violations()
    assert any("mutually exclusive" in v for v in violations) and any("empty message" in v for v in violations)
    fd.assert_clean()


async def test_waits_are_event_driven(fd: FakeDiscord, client: Probe) -> None:
    fake, channel = await text_channel(client, fd)
    go = asyncio.Event()

    async def board() -> None:
        await go.wait()
        msg = await channel.send("board: starting")
        for state in ("running", "offline"):
            await msg.edit(content=f"board: {state}")

    task = asyncio.create_task(board())
    with pytest.raises(TimeoutError):
        await fd.wait_message(fake, lambda m: "board" in m["content"], timeout=0.05)
    go.set()
    posted = await fd.wait_message(fake, lambda m: m["content"].startswith("board"))
    offline = await fd.wait_edit(posted, lambda m: m["content"] == "board: offline", after=0)
    assert offline.index == 1 and offline.message["content"] == "board: offline"
    await task
    await fd.wait_request("PATCH", rf"/channels/{fake.id}/messages/\d+", status=200, after=0)

    deleted = asyncio.create_task(fd.wait_deleted(posted))
    await fd.delete_message(posted, by=ALICE)
    log = await deleted
    assert log.deleted_by == ALICE.id and fd.messages_in(fake) == []
    with pytest.raises(LookupError):
        await fd.delete_message(posted)


# --------------------------------------------------------------------------- permissions


async def test_bot_permissions_match_discord_py_and_interaction_payloads(fd: FakeDiscord, client: Probe) -> None:
    fake, channel = await text_channel(client, fd)
    guild = client.get_guild(GUILD_ID)
    assert guild is not None and guild.me is not None
    bot_role = fd.bot_role()
    assert [r.id for r in guild.me.roles if not r.is_default()] == [bot_role.id] and guild.get_role(bot_role.id)

    def agree() -> int:
        assert guild is not None
        computed = fd.bot_permissions(fake)
        assert channel.permissions_for(guild.me).value & TEXT_BITS == computed & TEXT_BITS
        return computed

    assert agree() & P.EMBED_LINKS
    await overwrite(client, fd, fake, fd.bot_role(), deny=P.EMBED_LINKS)
    assert not agree() & P.EMBED_LINKS
    await overwrite(client, fd, fake, GUILD_ID, deny=P.SEND_MESSAGES)  # @everyone
    assert not agree() & (P.SEND_MESSAGES | P.EMBED_LINKS)
    await overwrite(client, fd, fake, fd.bot_user.id, allow=P.SEND_MESSAGES)  # the bot member
    assert agree() & P.SEND_MESSAGES and not agree() & P.EMBED_LINKS
    await overwrite(client, fd, fake, GUILD_ID, deny=P.VIEW_CHANNEL)
    assert not agree() & P.VIEW_CHANNEL

    admin = FakeRole(id=940000000000000009, name="admin", permissions=P.ADMINISTRATOR)
    created = client.wait_for("guild_role_create", timeout=5)
    await after(created, fd.add_role(admin))
    updated = client.wait_for("member_update", timeout=5)
    await after(updated, fd.set_bot_roles([bot_role, admin]))
    assert agree() & TEXT_BITS == TEXT_BITS  # Administrator bypasses every overwrite

    # the interaction carries the same: app_permissions, and the member's permissions in the channel
    removed = client.wait_for("member_update", timeout=5)
    await after(removed, fd.set_bot_roles([bot_role]))
    ix = await fd.slash(ALICE, "perms", {"where": fake}, channel_id=fake.id, roles=[OPS])
    await ix.wait_final()
    assert client.seen["app"] == fd.bot_permissions(fake) == int(ix.payload["app_permissions"])
    assert client.seen["channel_for_me"] & TEXT_BITS == client.seen["app"] & TEXT_BITS
    assert not client.seen["member"] & P.VIEW_CHANNEL  # @everyone cannot see #alerts...
    assert client.seen["where"] == client.seen["member"]  # ...and the resolved channel says the same
    await overwrite(client, fd, fake, OPS, allow=P.VIEW_CHANNEL | P.SEND_MESSAGES)
    ix = await fd.slash(ALICE, "perms", channel_id=fake.id, roles=[OPS])
    await ix.wait_final()
    assert client.seen["member"] & (P.VIEW_CHANNEL | P.SEND_MESSAGES) == P.VIEW_CHANNEL | P.SEND_MESSAGES
    # member_permissions stands for what the member's roles grant: @everyone's still apply, as on Discord
    ix = await fd.slash(ALICE, "perms", member_permissions=P.MANAGE_CHANNELS)
    await ix.wait_final()
    assert client.seen["member"] & (P.MANAGE_CHANNELS | P.VIEW_CHANNEL) == P.MANAGE_CHANNELS | P.VIEW_CHANNEL
    # the default channel is unchanged: an ordinary member, and the bot with its usual permissions
    ix = await fd.slash(ALICE, "perms")
    await ix.wait_final()
    assert client.seen["member"] == int(ix.payload["member"]["permissions"]) == guild.default_role.permissions.value
    fd.assert_clean()


async def test_rest_routes_enforce_the_bots_permissions(fd: FakeDiscord, client: Probe) -> None:
    fake, channel = await text_channel(client, fd)
    kept = await channel.send("posted before the change")

    await overwrite(client, fd, fake, fd.bot_role(), deny=P.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as no_send:
        await channel.send("x")
    assert no_send.value.code == 50013 and fd.requests[-1].note == "missing SEND_MESSAGES"
    edited = await kept.edit(content="edits need only View Channel")  # as on Discord
    assert edited.content == "edits need only View Channel"

    await overwrite(client, fd, fake, fd.bot_role(), deny=P.EMBED_LINKS | P.ATTACH_FILES)
    stripped = await channel.send("text stays", embed=discord.Embed(title="dropped"))
    assert stripped.embeds == [] and stripped.content == "text stays"  # silently, as Discord does
    assert fd.message_log(stripped).embeds_stripped == 1 and "EMBED_LINKS" in fd.requests[-1].note
    with pytest.raises(discord.HTTPException) as empty:
        await channel.send(embed=discord.Embed(title="nothing left"))
    assert empty.value.code == 50006
    with pytest.raises(discord.Forbidden) as no_files:
        await channel.send("with a file", file=discord.File(__file__))
    assert no_files.value.code == 50013 and fd.requests[-1].note == "missing ATTACH_FILES"

    await overwrite(client, fd, fake, fd.bot_role(), deny=P.READ_MESSAGE_HISTORY)
    with pytest.raises(discord.Forbidden) as no_history:
        await channel.fetch_message(kept.id)
    assert no_history.value.code == 50013
    assert [m async for m in channel.history(limit=5)] == []  # Discord answers an empty list

    await overwrite(client, fd, fake, fd.bot_role(), deny=P.VIEW_CHANNEL)
    for attempt in (channel.send("x"), kept.edit(content="y"), kept.delete()):
        with pytest.raises(discord.Forbidden) as hidden:
            await attempt
        assert hidden.value.code == 50001
    assert fd.requests[-1].note == "missing VIEW_CHANNEL"

    restored = client.wait_for("guild_channel_update", check=lambda b, a: a.id == fake.id, timeout=5)
    await after(restored, fd.remove_overwrite(fake, fd.bot_role()))
    assert fake.overwrites == {} and (await channel.send("back", embed=discord.Embed(title="t"))).embeds
    fd.assert_clean()


# --------------------------------------------------------------------------- gateway events


async def test_gateway_events_tests_trigger(fd: FakeDiscord, client: Probe) -> None:
    fake, channel = await text_channel(client, fd)
    msg = await channel.send("board")

    raw_delete = client.wait_for("raw_message_delete", timeout=5)
    event = await after(raw_delete, fd.delete_message(msg, by=ALICE))
    assert (event.message_id, event.channel_id, event.guild_id) == (msg.id, fake.id, GUILD_ID)
    with pytest.raises(discord.NotFound):
        await msg.edit(content="gone")

    renamed = client.wait_for("guild_channel_update", timeout=5)
    before_after = await after(renamed, fd.update_channel(fake, name="status", topic="boards"))
    assert before_after[1].name == "status" and before_after[1].topic == "boards"

    role_created = client.wait_for("guild_role_create", timeout=5)
    await after(role_created, fd.add_role(OPS))
    await overwrite(client, fd, fake, OPS, allow=P.VIEW_CHANNEL)
    role_deleted = client.wait_for("guild_role_delete", timeout=5)
    role = await after(role_deleted, fd.delete_role(OPS))
    assert role.id == OPS.id and OPS.id not in fd.guild().roles and OPS.id not in fake.overwrites

    everyone = client.wait_for("guild_role_update", timeout=5)
    await after(everyone, fd.set_everyone_permissions(P.VIEW_CHANNEL))
    assert client.get_guild(GUILD_ID).default_role.permissions.value == P.VIEW_CHANNEL  # type: ignore[union-attr]

    channel_deleted = client.wait_for("guild_channel_delete", timeout=5)
    assert (await after(channel_deleted, fd.delete_channel(fake))).id == fake.id
    with pytest.raises(discord.NotFound) as gone:
        await channel.send("into the void")
    assert gone.value.code == 10003 and fd.requests[-1].note == "deleted channel"
    events = [d.event for d in fd.dispatches if d.delivered]
    for name in ("CHANNEL_CREATE", "MESSAGE_DELETE", "CHANNEL_UPDATE", "GUILD_ROLE_DELETE", "CHANNEL_DELETE"):
        assert name in events
    fd.assert_clean()


async def test_events_honour_the_intents_the_bot_identified_with() -> None:
    intents = discord.Intents.none()
    intents.guilds = True  # what the product bot asks for today: no GUILD_MESSAGES
    async with FakeDiscord(application_id=APP_ID, guild_ids=[GUILD_ID]) as fd:
        probe = Probe(intents=intents)
        async with fd.running(probe):
            await probe.wait_until_ready()
            channel = probe.get_channel(fd.channel_for())
            assert isinstance(channel, discord.TextChannel)
            msg = await channel.send("board")
            await fd.delete_message(msg)
            withheld = [d for d in fd.dispatches if d.event == "MESSAGE_DELETE"]
            assert len(withheld) == 1 and not withheld[0].delivered
            updated = probe.wait_for("member_update", timeout=5)
            await after(updated, fd.set_bot_roles([fd.bot_role()]))  # the bot's own member update always passes
            assert fd.dispatches[-1].event == "GUILD_MEMBER_UPDATE" and fd.dispatches[-1].delivered
