"""100 interactions at once from 20 users, each linked to their own panel account with their own servers.

Every interaction is answered exactly once (a defer inside 3 s, then the answer), every power signal and
console command reaches the panel exactly once, with the key of the user who asked, and nobody sees anything
of anybody else: no other user's server names, identifiers or key in any payload sent for them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel, FakeServer
from pyjexactyl.testing import FakeUser as PanelUser
from tests.e2e.helpers import text_of
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]

USERS = 20


@dataclass
class Tenant:
    """One Discord user, their panel account and their three servers."""

    number: int
    user: FakeUser
    account: PanelUser
    console: FakeServer  # running: status and a console command
    starting: FakeServer  # offline: /server start
    stopping: FakeServer  # running: /server stop

    @property
    def servers(self) -> list[FakeServer]:
        return [self.console, self.starting, self.stopping]

    @property
    def secrets_and_names(self) -> list[str]:
        """What must never reach another user: server names and identifiers, the key."""
        found = [self.account.client_key]
        for server in self.servers:
            found += [server.name, server.identifier, server.uuid]
        return found


async def make_tenants(panel: FakePanel, users: Callable[..., FakeUser], link: Any) -> list[Tenant]:
    tenants = []
    for number in range(USERS):
        user = users("tenant")
        account = panel.add_user(f"tenant{number:02d}x{user.id % 10000}")
        tenants.append(
            Tenant(
                number,
                user,
                account,
                panel.add_server(account, f"T{number:02d} Console", state="running"),
                panel.add_server(account, f"T{number:02d} Starter", state="offline"),
                panel.add_server(account, f"T{number:02d} Stopper", state="running"),
            )
        )
    linked = await asyncio.gather(*(link(t.user, t.account.client_key) for t in tenants))  # 20 links at once
    for t, ix in zip(tenants, linked, strict=True):
        assert f"Linked to panel account **{t.account.username}**" in text_of(ix.final)
    return tenants


def say(tenant: Tenant) -> str:
    return f"say hello from tenant {tenant.number:02d}"


async def test_a_hundred_interactions_from_twenty_users_at_once(
    bot: Any, discord: FakeDiscord, panel: FakePanel, users: Callable[..., FakeUser], link: Any
) -> None:
    tenants = await make_tenants(panel, users, link)
    panel.clear_requests()
    first_interaction = len(discord.interactions)

    plans: list[tuple[Tenant, str, dict[str, Any]]] = []
    for t in tenants:
        plans += [
            (t, "server list", {}),
            (t, "server status", {"server": t.console.identifier}),
            (t, "server command", {"server": t.console.identifier, "command": say(t)}),
            (t, "server start", {"server": t.starting.identifier}),
            (t, "server stop", {"server": t.stopping.identifier}),
        ]
    # Interleave users: each user's five commands are spread over the burst.
    plans = [plans[i + 5 * u] for i in range(5) for u in range(USERS)]
    assert len(plans) == 100
    sent: list[InteractionRecord] = list(
        await asyncio.gather(
            *(discord.slash(t.user, name, options=options or None, guild_id=GUILD_ID) for t, name, options in plans)
        )
    )
    await asyncio.gather(*(ix.wait_final(15) for ix in sent))

    # Answered exactly once each: one first response (a defer, inside 3 s), then the answer, ephemeral.
    assert len(discord.interactions) - first_interaction == 100
    for (t, name, _), ix in zip(plans, sent, strict=True):
        assert ix.user.id == t.user.id
        assert len(ix.callbacks) == 1 and ix.callbacks[0].status == 200, ix.describe()
        assert ix.deferred and ix.ephemeral and ix.latency is not None and ix.latency < 3, ix.describe()
        text = text_of(ix.final)
        assert "Something went wrong" not in text and "panel is busy" not in text, (name, text)

    # Power actions: each followed to the end, each sent once.
    for (_, name, _), ix in zip(plans, sent, strict=True):
        if name == "server start":
            await ix.wait_for(lambda r: "is now running" in text_of(r.last_message), 10)
        elif name == "server stop":
            await ix.wait_for(lambda r: "is now offline" in text_of(r.last_message), 10)
    for t in tenants:
        assert t.starting.state == "running" and t.stopping.state == "offline" and t.console.state == "running"
        power = {
            s.identifier: [
                r for r in panel.requests if r.method == "POST" and r.path.endswith(f"/{s.identifier}/power")
            ]
            for s in t.servers
        }
        assert [json.loads(r.body)["signal"] for r in power[t.starting.identifier]] == ["start"]
        assert [json.loads(r.body)["signal"] for r in power[t.stopping.identifier]] == ["stop"]
        assert power[t.console.identifier] == []
        commands = [r for r in panel.requests if r.path.endswith(f"/{t.console.identifier}/command")]
        assert [json.loads(r.body)["command"] for r in commands] == [say(t)]
        assert t.console.console == [say(t)]
        audit = await bot.storage.recent_audit(20, discord_user_id=t.user.id)
        assert sorted((e.action, e.detail, e.outcome) for e in audit if e.action.startswith("server.")) == [
            ("server.command", say(t), "ok"),
            ("server.power", "start", "ok"),
            ("server.power", "stop", "ok"),
        ]

    # Every panel call about a server was made with its owner's key.
    owner_key = {s.identifier: t.account.client_key[:16] for t in tenants for s in t.servers}
    for request in panel.requests:
        parts = request.path.split("/")
        if len(parts) > 4 and parts[3] == "servers" and parts[4] in owner_key:
            assert request.key_identifier == owner_key[parts[4]], request.path

    # Nobody sees anybody else's servers or key (and nobody sees any key at all).
    for t in tenants:
        own_text = "\n".join(ix.all_text() for ix in sent if ix.user.id == t.user.id)
        own_text += "\n".join(text_of(m) for ix in sent if ix.user.id == t.user.id for m in ix.messages)
        for server in t.servers:
            assert server.name in own_text
        for other in tenants:
            if other is t:
                continue
            leaked = [s for s in other.secrets_and_names if s in own_text]
            assert not leaked, f"tenant {t.number} saw {leaked} of tenant {other.number}"
        assert t.account.client_key not in own_text
        assert discord.find_in_payloads(t.account.client_key) == []

    # The list each user got shows exactly their own three servers.
    for (t, name, _), ix in zip(plans, sent, strict=True):
        if name == "server list":
            listed = text_of(ix.final)
            assert all(s.name in listed for s in t.servers) and "3 servers" in listed

    # And a burst of autocompletes, one per user, suggests each user's own servers only.
    choices = await asyncio.gather(
        *(discord.autocomplete(t.user, "server status", {"server": ""}, focused="server") for t in tenants)
    )
    for t, offered in zip(tenants, choices, strict=True):
        assert sorted(c["value"] for c in offered) == sorted(s.identifier for s in t.servers)
