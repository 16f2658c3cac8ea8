"""Keys of the wrong kind or shape pasted into the ``/account link`` form, through the real bot, FakeDiscord and
FakePanel: refused with a sentence saying which key to create, before the panel is asked where the shape is
wrong; a pasted key with whitespace or a ``Bearer`` prefix is accepted; the form's limits hold even against a
client that ignores them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest

from pyjexactyl.testing import FakePanel
from tests.e2e.helpers import panel_paths, refusal
from tests.fake_discord import FakeDiscord, FakeUser, InteractionRecord

from .conftest import GUILD_ID, modal_field_ids

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("clean_discord")]


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
