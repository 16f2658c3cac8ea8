"""FakeDiscord records, per message, whom it would notify -- driven through the real discord.py client.

Crash alerts (issue 10) must mention the configured role and nothing else, in the content: these tests show
the fake tells that apart from a mention in an embed, a role nobody may ping, an edit, or an ephemeral answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.fake_discord import FakeDiscord, FakeRole, FakeUser
from tests.fake_discord import permissions as P
from tests.fake_discord.mentions import check_allowed_mentions, parse_mentions

APP_ID = 900000000000000001
GUILD_ID = 910000000000000001
ALICE = FakeUser(id=930000000000000001, username="alice")
OPS = FakeRole(id=940000000000000001, name="ops", mentionable=True)
QUIET = FakeRole(id=940000000000000002, name="quiet")  # not mentionable: only Mention Everyone pings it
ONLY_OPS = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(OPS.id)])
ALERT = f"<@&{OPS.id}> mc-1 crashed (seen by <@{ALICE.id}>, @everyone)"


class Client(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)

        @app_commands.command(name="ping", description="Answer with a role mention")
        async def ping(interaction: discord.Interaction, private: bool) -> None:
            await interaction.response.send_message(ALERT, ephemeral=private, allowed_mentions=ONLY_OPS)

        @app_commands.command(name="later", description="Defer, then answer with a role mention")
        async def later(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(ALERT, allowed_mentions=ONLY_OPS)

        self.tree.add_command(ping, guild=discord.Object(GUILD_ID))
        self.tree.add_command(later, guild=discord.Object(GUILD_ID))

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=discord.Object(GUILD_ID))


@pytest.fixture
async def fd() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(application_id=APP_ID, guild_ids=[GUILD_ID], roles={GUILD_ID: [OPS, QUIET]}) as fake:
        yield fake


@pytest.fixture
async def channel(fd: FakeDiscord) -> AsyncIterator[discord.TextChannel]:
    client = Client()
    async with fd.running(client):
        await client.wait_until_ready()
        await fd.wait_synced(GUILD_ID)
        found = client.get_channel(fd.channel_for())
        assert isinstance(found, discord.TextChannel)
        yield found


def test_parsing_and_allowed_mentions_shape() -> None:
    assert parse_mentions(f"<@{ALICE.id}> <@!{ALICE.id}> <@&{OPS.id}> @here") == ({ALICE.id}, {OPS.id}, False, True)
    assert parse_mentions("@\u200beveryone <@&x>") == (set(), set(), False, False)  # escaped like discord.py does
    assert check_allowed_mentions({"parse": [], "roles": [str(OPS.id)], "replied_user": False}) == []
    bad: list[dict[str, Any]] = [
        {"parse": ["roles"], "roles": ["1"]},
        {"parse": ["channels"]},
        {"users": ["1"] * 101},
        {"users": ["alice"]},
        {"mentions": []},
    ]
    assert all(check_allowed_mentions(shape) for shape in bad)


async def test_an_alert_notifies_its_role_and_nobody_else(fd: FakeDiscord, channel: discord.TextChannel) -> None:
    alert = await channel.send(ALERT, allowed_mentions=ONLY_OPS)
    mentions = fd.mentions_of(alert)
    assert mentions.notifies_only(roles={OPS.id})
    assert mentions.written_users == {ALICE.id} and mentions.written_everyone  # written, not notified
    # discord.py reads the message object the fake answered with: the same story
    assert [r.id for r in alert.role_mentions] == [OPS.id] and alert.mentions == [] and not alert.mention_everyone

    # the same mention inside an embed renders but notifies nobody
    embedded = await channel.send(embed=discord.Embed(description=ALERT), allowed_mentions=ONLY_OPS)
    assert fd.mentions_of(embedded).notifies_nobody and f"<@&{OPS.id}>" in fd.mentions_of(embedded).in_embeds

    # a role members may not ping needs Mention Everyone, which the bot lacks by default
    quiet = await channel.send(f"<@&{QUIET.id}> down", allowed_mentions=discord.AllowedMentions(roles=True))
    assert fd.mentions_of(quiet).notifies_nobody and "not mentionable" in fd.mentions_of(quiet).notes[0]
    everyone = await channel.send("@everyone down", allowed_mentions=discord.AllowedMentions(everyone=True))
    assert fd.mentions_of(everyone).notifies_nobody
    bot_role = fd.bot_role()
    await fd.update_role(replace(bot_role, permissions=bot_role.permissions | P.MENTION_EVERYONE))
    quiet = await channel.send(f"<@&{QUIET.id}> down", allowed_mentions=discord.AllowedMentions(roles=True))
    assert fd.mentions_of(quiet).notifies_only(roles={QUIET.id})

    # an edit that adds a mention updates the message's mentions but pings nobody
    edited = await alert.edit(content=f"{ALERT} (again)", allowed_mentions=ONLY_OPS)
    assert [r.id for r in edited.role_mentions] == [OPS.id]
    last = fd.message_log(alert).edits[-1]
    assert last.mentions is not None and last.mentions.edit and last.mentions.notifies_nobody
    fd.assert_clean()


async def test_mentions_without_allowed_mentions_are_violations(fd: FakeDiscord, channel: discord.TextChannel) -> None:
    pinged = await channel.send(f"<@&{OPS.id}> down")  # no allowed_mentions: Discord parses everything
    assert fd.mentions_of(pinged).notifies_only(roles={OPS.id})
    assert fd.pop_violations() == [
        f"[POST /channels/{channel.id}/messages] notifies users/roles/everyone ([], [{OPS.id}], False) without an "
        "explicit allowed_mentions"
    ]
    await channel.send("no mention, no allowed_mentions")
    assert fd.pop_violations() == []
    fd.require_allowed_mentions = True  # the strict rule: every public message says what it may mention
    await channel.send("no mention, no allowed_mentions")
    assert fd.pop_violations() == [
        f"[POST /channels/{channel.id}/messages] public message sent without allowed_mentions"
    ]
    await channel.send("fine", allowed_mentions=discord.AllowedMentions.none())
    fd.assert_clean()


async def test_interaction_answers_record_mentions_too(fd: FakeDiscord, channel: discord.TextChannel) -> None:
    public = await fd.slash(ALICE, "ping", {"private": False})
    await public.wait_final()
    assert fd.mentions_of(public.original_message or {}).notifies_only(roles={OPS.id})
    private = await fd.slash(ALICE, "ping", {"private": True})
    await private.wait_final()
    mentions = fd.mentions_of(private.original_message or {})
    assert mentions.ephemeral and mentions.notifies_nobody and mentions.roles == {OPS.id}
    # the first content of a deferred answer is delivered like a new message: it notifies
    deferred = await fd.slash(ALICE, "later")
    await deferred.wait_final()
    assert deferred.deferred and fd.mentions_of(deferred.original_message or {}).notifies_only(roles={OPS.id})
    fd.assert_clean()
