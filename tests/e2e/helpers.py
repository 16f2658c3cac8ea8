"""Helpers shared by the e2e test modules: reading the bot's messages and buttons, linking fresh players,
and the audit log.

Fixtures live in ``conftest.py``; these are plain functions (``from tests.e2e.helpers import text_of``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pyjexactyl.testing import FakePanel, FakeServer
from pyjexactyl.testing import FakeUser as PanelUser
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID

# ---------------------------------------------------------------------------------------------- messages


def text_of(message: dict[str, Any] | None, *, footer: bool = True) -> str:
    """A message's content and every visible embed text (``footer=False`` leaves the footers out)."""
    if not message:
        return ""
    parts: list[str] = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields") or []]
        if footer:
            parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def all_text(ix: InteractionRecord) -> str:
    """The text of every message of the interaction."""
    return "\n".join(text_of(m) for m in ix.messages)


async def wait_text(ix: InteractionRecord, needle: str, timeout: float = 5.0) -> str:
    """Waits until one of the interaction's messages shows ``needle``; returns all their text."""
    await ix.wait_for(lambda r: needle in all_text(r), timeout)
    return all_text(ix)


async def wait_message(ix: InteractionRecord, text: str, timeout: float = 5.0) -> dict[str, Any]:
    """Waits until the interaction's latest message contains ``text``; returns that message."""
    await ix.wait_for(lambda r: text in text_of(r.last_message), timeout)
    assert ix.last_message is not None
    return ix.last_message


# ---------------------------------------------------------------------------------------------- buttons


def buttons(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every component of every row of the message."""
    assert message is not None
    return [c for row in message.get("components") or [] for c in row.get("components") or []]


def button(message: dict[str, Any] | None, label: str) -> dict[str, Any]:
    """The button labelled ``label``."""
    for component in buttons(message):
        if component.get("label") == label:
            return component
    raise AssertionError(f"no button {label!r} in {[b.get('label') for b in buttons(message)]}")


def button_id(message: dict[str, Any] | None, label: str) -> str:
    """The custom_id of the button labelled ``label``."""
    return str(button(message, label)["custom_id"])


async def confirm_message(ix: InteractionRecord, label: str) -> dict[str, Any]:
    """Waits for the confirmation question with a ``label`` button and returns that message."""
    await ix.wait_for(lambda r: any(b.get("label") == label for m in r.messages for b in buttons(m)), 5)
    return next(m for m in ix.messages if any(b.get("label") == label for b in buttons(m)))


async def forged_click(discord: FakeDiscord, user: FakeUser, message: dict[str, Any], label: str) -> InteractionRecord:
    """``user`` pressing the button ``label`` of ``message`` though Discord's client would not let them (an
    ephemeral message is not theirs to see): a modified client, sent through the fake's raw dispatch."""
    custom_id = button_id(message, label)
    shown = discord.store.get(int(message["id"]))
    assert shown is not None
    return await discord._new_interaction(
        itype=3,
        name=custom_id,
        user=user,
        data={"custom_id": custom_id, "component_type": 2},
        guild_id=GUILD_ID,
        channel_id=None,
        dm=False,
        member_permissions=None,
        roles=(),
        message=shown,
    )


async def refusal(ix: InteractionRecord, timeout: float = 5.0) -> str:
    """The interaction's answer, checked to be a single, timely, ephemeral first response."""
    message = await ix.wait_final(timeout)
    assert len(ix.callbacks) == 1, ix.describe()
    assert ix.latency is not None and ix.latency < 3, ix.describe()
    assert ix.ephemeral, ix.describe()
    return text_of(message)


def panel_paths(panel: FakePanel) -> set[str]:
    """Every path the panel was asked for since its requests were last cleared."""
    return {r.path for r in panel.requests}


# ---------------------------------------------------------------------------------------------- players


@dataclass
class Player:
    """A Discord user linked to their own panel account, with one server."""

    user: FakeUser
    account: PanelUser
    server: FakeServer


def new_account(panel: FakePanel, user: FakeUser, prefix: str, *, admin: bool = False) -> PanelUser:
    """A panel account for the Discord ``user``, named ``<prefix><digits of the user's id>``."""
    return panel.add_user(f"{prefix}{user.id % 100000}", admin=admin)


async def link_account(
    link: Callable[[FakeUser, str], Awaitable[InteractionRecord]], user: FakeUser, account: PanelUser
) -> None:
    """Links ``user`` to ``account`` through ``/account link`` and checks that it worked."""
    linked = await link(user, account.client_key)
    assert "Linked to panel account" in text_of(linked.final)


async def linked_user(
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Callable[[FakeUser, str], Awaitable[InteractionRecord]],
    prefix: str,
    *,
    admin: bool = False,
) -> tuple[FakeUser, PanelUser]:
    """A new Discord user (``users(prefix)``) linked to a new panel account of their own."""
    user = users(prefix)
    account = new_account(panel, user, prefix, admin=admin)
    await link_account(link, user, account)
    return user, account


async def helper_without_websocket(
    panel: FakePanel,
    users: Callable[..., FakeUser],
    link: Callable[[FakeUser, str], Awaitable[InteractionRecord]],
    owner_prefix: str,
    server_name: str,
    helper_prefix: str,
) -> tuple[FakeUser, FakeServer]:
    """A running server of a new linked owner, and a new linked subuser of it with ``control.console`` but
    without ``websocket.connect`` (the panel always adds it; an edited database may not have it)."""
    _owner, owner_account = await linked_user(panel, users, link, owner_prefix)
    server = panel.add_server(owner_account, server_name, state="running")
    helper, helper_account = await linked_user(panel, users, link, helper_prefix)
    subuser = panel.add_subuser(server, helper_account, ["control.console"])
    subuser.permissions.remove("websocket.connect")
    return helper, server


# ---------------------------------------------------------------------------------------------- audit log


async def audit_for(bot: Any, user: FakeUser) -> list[Any]:
    """The latest 50 audit entries of ``user``."""
    return list(await bot.storage.recent_audit(50, discord_user_id=user.id))


async def wait_finished(bot: Any, discord: FakeDiscord, user: FakeUser, timeout: float = 10.0) -> None:
    """Waits until the bot has handled every interaction of ``user`` to the end (as its log line says)."""
    for ix in [i for i in discord.interactions if i.user.id == user.id]:
        await bot.tracker.wait_finished(ix.id, timeout)


async def wait_audit(bot: Any, discord: FakeDiscord, user: FakeUser, action: str, outcome: str) -> Any:
    """The audit entry ``action`` with ``outcome`` of ``user``: written by the command's handler just after
    the answer, so it is there once the bot has handled the user's interactions to the end."""
    await wait_finished(bot, discord, user)
    entries = await audit_for(bot, user)
    for entry in entries:
        if entry.action == action and entry.outcome == outcome:
            return entry
    raise AssertionError(f"no audit entry {action} {outcome}: {entries}")
