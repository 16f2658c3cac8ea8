"""Tests for bot.discord_endpoints: pointing discord.py at another API base and gateway (the fake Discord), and
resetting it, on any discord.py that has the two documented attributes; a clear refusal where they changed."""

from __future__ import annotations

import discord
import discord.gateway
import discord.http
import pytest
import yarl

from bot.discord_endpoints import (
    UnsupportedDiscordVersion,
    apply_discord_endpoints,
    current_discord_endpoints,
    reset_discord_endpoints,
)


def test_endpoints_patch_and_reset() -> None:
    default = current_discord_endpoints()
    apply_discord_endpoints("http://127.0.0.1:1/api/v10/", "ws://127.0.0.1:1/gateway")
    try:
        assert discord.http.Route.BASE == "http://127.0.0.1:1/api/v10"
        assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == yarl.URL("ws://127.0.0.1:1/gateway")
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:1/api/v10/users/@me"
        with pytest.raises(ValueError):
            apply_discord_endpoints("ftp://x", None)
    finally:
        reset_discord_endpoints()
    assert current_discord_endpoints() == default
    apply_discord_endpoints(None, None)  # production: no-op
    assert current_discord_endpoints() == default


def test_endpoints_work_on_any_version_that_has_the_two_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord, "version_info", discord.version_info._replace(minor=9, micro=3))
    try:
        apply_discord_endpoints("http://127.0.0.1:1/api/v10", None)
        assert current_discord_endpoints()[0] == "http://127.0.0.1:1/api/v10"
    finally:
        reset_discord_endpoints()


@pytest.mark.parametrize(
    ("owner", "attribute", "value", "named"),
    [
        (discord.http.Route, "BASE", None, "discord.http.Route.BASE does not exist"),
        (discord.http.Route, "BASE", yarl.URL("https://discord.com/api/v10"), "Route.BASE is a URL, not a str"),
        (discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", "wss://gateway.discord.gg/", "is a str, not a URL"),
    ],
    ids=["missing", "base changed type", "gateway changed type"],
)
def test_endpoints_refuse_clearly_where_the_attributes_changed(
    monkeypatch: pytest.MonkeyPatch, owner: type, attribute: str, value: object, named: str
) -> None:
    default = current_discord_endpoints()
    if value is None:
        monkeypatch.delattr(owner, attribute)
    else:
        monkeypatch.setattr(owner, attribute, value)
    with pytest.raises(UnsupportedDiscordVersion) as info:
        apply_discord_endpoints("http://127.0.0.1:1/api/v10", "ws://127.0.0.1:1/gateway")
    assert named in str(info.value) and "DISCORD_API_BASE" in str(info.value)
    monkeypatch.undo()
    assert current_discord_endpoints() == default  # nothing was changed
