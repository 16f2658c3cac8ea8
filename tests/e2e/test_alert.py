"""``/alert`` end to end: a crash alert that mentions its role and nothing else, none for a requested stop or
kill, one alert and a "flapping" note for a crashing loop, unreachable and reachable-again after the node went
down, the disk alert, disabled after unlink, and the checks before anything is stored.

Real bot, FakeDiscord and FakePanel with its fake Wings; timings are shortened by ``tune``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import pytest_asyncio

from pyjexactyl import AsyncJexactyl
from pyjexactyl.testing import FakePanel, FakeServer
from tests.e2e.helpers import button_id, confirm_message, text_of
from tests.fake_discord import FakeChannel, FakeDiscord, FakeRole, FakeUser
from tests.fake_discord import permissions as P

from .conftest import GUILD_ID
from .watch_helpers import Owner, board_id_of, command, new_owner, owner_server_channel, tune

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

ONCALL = FakeRole(id=960000000000000001, name="oncall", mentionable=True)


@pytest_asyncio.fixture(scope="module", loop_scope="module", autouse=True)
async def fast(bot: Any, discord: FakeDiscord) -> None:
    tune(bot)
    await discord.add_role(ONCALL)


async def alert_on(
    discord: FakeDiscord, bot: Any, owner: Owner, server: FakeServer, channel: FakeChannel, *, role: bool = True
) -> int:
    options: dict[str, Any] = {"server": server.identifier, "channel": channel}
    if role:
        options["role"] = ONCALL
    ix = await command(discord, owner.user, "alert add", **options)
    assert "will now post" in text_of(ix.final), text_of(ix.final)
    alert_id = board_id_of(ix)
    watch = bot.watchers.alerts.watches[alert_id]
    await watch.sub.wait_ready(5)
    return alert_id


def posts_in(discord: FakeDiscord, channel: FakeChannel) -> list[dict[str, Any]]:
    return discord.messages_in(channel)


async def test_a_crash_alert_mentions_the_role_and_nothing_else(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(
        discord, panel, users, link, "crasher", "Hardcore @here <@123>", "alerts"
    )
    await alert_on(discord, bot, owner, server, channel)
    panel.wings.crash(server, exit_code=137, oom_killed=True)
    message = await discord.wait_message(channel, timeout=5)
    content = message["content"]
    assert content.startswith(f"<@&{ONCALL.id}>") and "crashed" in content, content
    mentions = discord.mentions_of(message)
    assert mentions.notifies_only(roles={ONCALL.id}), mentions
    assert not mentions.in_embeds
    shown = text_of(message)
    assert "137" in shown and "Out of memory" in shown and "yes" in shown, shown
    assert "running again" in shown, "restarted within the settle time: said in the same message"
    assert "@here" not in shown.replace("@\u200bhere", "") and "<@123>" not in shown
    assert discord.find_in_payloads(owner.account.client_key) == []
    assert len(posts_in(discord, channel)) == 1


def state_of(bot: Any, server: FakeServer) -> str | None:
    """The state the bot's shared session last saw."""
    snapshot = bot.watch.latest(server.identifier)
    return snapshot.state if snapshot is not None else None


async def test_no_alert_for_a_requested_stop_or_kill(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner = await new_owner(panel, users, link, "stopper")
    by_bot = owner.server(panel, "Quiet", state="running")
    by_panel = owner.server(panel, "Calm", state="running")
    witness = owner.server(panel, "Witness", state="running")
    channel = await discord.add_channel("quiet-alerts")
    for server in (by_bot, by_panel, witness):
        await alert_on(discord, bot, owner, server, channel)
    hub = bot.watch

    stopped = await command(discord, owner.user, "server stop", permissions=None, server=by_bot.identifier)
    await stopped.wait_for(lambda r: "now offline" in text_of(r.last_message), 10)
    await hub.wait_for(lambda: state_of(bot, by_bot) == "offline", 5)

    async with AsyncJexactyl(panel.url, owner.account.client_key) as api:  # from the panel: no bot involved
        await api.client.servers.send_power_action(by_panel.identifier, "stop")
        await hub.wait_for(lambda: state_of(bot, by_panel) == "offline", 5)
        await api.client.servers.send_power_action(by_panel.identifier, "start")
        await hub.wait_for(lambda: state_of(bot, by_panel) == "running", 5)
        await api.client.servers.send_power_action(by_panel.identifier, "kill")
        await hub.wait_for(lambda: state_of(bot, by_panel) == "offline", 5)

    panel.wings.crash(witness, restart=False)  # the sync point: its alert comes after everything above
    message = await discord.wait_message(channel, timeout=5)
    assert "Witness" in text_of(message)
    assert [text_of(m)[:40] for m in posts_in(discord, channel)] == [text_of(message)[:40]]


async def test_a_flapping_server_gives_one_alert_and_a_note(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(discord, panel, users, link, "flapper", "Flappy", "flaps")
    await alert_on(discord, bot, owner, server, channel)
    panel.wings.crash_timeout = 0.0  # Wings restarts it after every crash
    hub = bot.watch
    alerts = bot.watchers.alerts

    def shows(text: str) -> bool:
        return any(text in text_of(m) for m in discord.messages_in(channel))

    try:
        for expected in ("crashed", "once more", "2 more times"):
            await hub.wait_for(lambda: state_of(bot, server) == "running", 5)
            panel.wings.crash(server)
            await alerts.changes.wait_for(lambda text=expected: shows(text), 5)  # type: ignore[misc]
        await hub.wait_for(lambda: state_of(bot, server) == "running", 5)
    finally:
        panel.wings.crash_timeout = 60.0
    messages = posts_in(discord, channel)
    assert len(messages) == 1, [text_of(m)[:60] for m in messages]
    assert "Flapping" in text_of(messages[0])
    assert discord.mentions_of(messages[0]).notifies_only(roles={ONCALL.id})


async def test_unreachable_then_reachable_after_the_node_comes_back(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner = await new_owner(panel, users, link, "nodeless")
    node = panel.add_node("Remote")
    panel.add_allocations(node, "10.0.9.1", [25565])
    server = owner.server(panel, "Far away", state="running", node=node)
    channel = await discord.add_channel("node-alerts")
    await alert_on(discord, bot, owner, server, channel)
    panel.wings.set_node_down(node)
    message = await discord.wait_message(channel, lambda m: "cannot be watched" in text_of(m), timeout=10)
    assert discord.mentions_of(message).notifies_only(roles={ONCALL.id})
    panel.wings.set_node_down(node, down=False)
    back = await discord.wait_message(channel, lambda m: "can be watched again" in text_of(m), timeout=10)
    assert "running" in text_of(back)


async def test_disk_alert_and_disabled_after_unlink(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(
        discord, panel, users, link, "hoarder", "Hoarder", "disk", disk=1024
    )
    alert_id = await alert_on(discord, bot, owner, server, channel, role=False)
    await bot.watch.wait_for(lambda: bot.watchers.alerts.watches[alert_id].sub.snapshot.details is not None, 5)
    server.disk_bytes = 950 * 1024 * 1024
    message = await discord.wait_message(channel, lambda m: "disk" in text_of(m), timeout=5)
    assert "93%" in text_of(message) or "92%" in text_of(message), text_of(message)
    assert discord.mentions_of(message).notifies_nobody

    listed = await command(discord, owner.user, "alert list")
    assert f"#{alert_id}" in text_of(listed.final) and "active" in text_of(listed.final)
    unlink = await discord.slash(owner.user, "account unlink", guild_id=GUILD_ID)
    question = await confirm_message(unlink, "Unlink account")
    await (await discord.click(owner.user, question, button_id(question, "Unlink account"))).wait_final(5)
    await bot.tracker.wait_finished(unlink.id, 10)  # the unlink itself ends after the button's answer
    listed = await command(discord, owner.user, "alert list")
    assert "disabled: the owner's panel link is gone" in text_of(listed.final)


async def test_alert_add_checks_before_storing_anything(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner = await new_owner(panel, users, link, "checker")
    server = owner.server(panel, "Checked", state="running")
    stored = len(await bot.watchers.store.alerts())
    refused = await command(discord, owner.user, "alert add", permissions=None, server=server.identifier)
    assert "Manage Channels" in text_of(refused.final)

    mute = await discord.add_channel("mute")
    await discord.set_overwrite(mute, discord.bot_role(), deny=P.EMBED_LINKS)
    missing = await command(discord, owner.user, "alert add", server=server.identifier, channel=mute)
    assert "**Embed Links**" in text_of(missing.final) and "Send Messages" not in text_of(missing.final)

    everyone = FakeRole(id=GUILD_ID, name="@everyone")
    channel = await discord.add_channel("ok")
    pinged = await command(discord, owner.user, "alert add", server=server.identifier, channel=channel, role=everyone)
    assert "cannot mention @everyone" in text_of(pinged.final)
    assert len(await bot.watchers.store.alerts()) == stored

    removed_id = board_id_of(await command(discord, owner.user, "alert add", server=server.identifier, channel=channel))
    choices = await discord.autocomplete(owner.user, "alert remove", {"alert": ""}, focused="alert", guild_id=GUILD_ID)
    assert str(removed_id) in [c["value"] for c in choices]
    removed = await command(discord, owner.user, "alert remove", alert=str(removed_id))
    assert "removed" in text_of(removed.final)
    assert await bot.watchers.store.alert(removed_id) is None


async def test_back_after_a_crash_is_its_own_alert(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    owner, server, channel = await owner_server_channel(discord, panel, users, link, "phoenix", "Phoenix", "phoenix")
    await alert_on(discord, bot, owner, server, channel)
    panel.wings.crash(server, restart=False)  # Wings does not restart it: someone starts it later
    crash = await discord.wait_message(channel, lambda m: "crashed" in text_of(m), timeout=5)
    assert "not restarting" in text_of(crash)
    server.state = "starting"
    server.state = "running"
    back = await discord.wait_message(channel, lambda m: "is back" in text_of(m), timeout=5)
    assert back["content"].startswith(f"<@&{ONCALL.id}>")
    assert discord.mentions_of(back).notifies_only(roles={ONCALL.id})
