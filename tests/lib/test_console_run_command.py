"""``run_command``: the console lines that follow a command until the console is quiet, ``timeout`` passes
or ``max_lines`` arrived; and console sockets never starve the HTTP pool."""

from __future__ import annotations

import asyncio

import pytest

from pyjexactyl import AsyncJexactyl, InvalidArgumentError, ServerOfflineError
from pyjexactyl.testing import FakePanel, FakeServer
from tests.lib.console_helpers import WAIT


async def test_returns_the_echo_and_the_answer_once_the_console_is_quiet(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    fake_panel.wings.respond("list", ["There are 2 of a max of 20 players online: Steve, Alex"])
    fake_panel.console_output(server, "printed before the command")
    lines = await asyncio.wait_for(api.client.servers.run_command(server.identifier, "list", quiet=0.3), WAIT)
    assert lines == ["> list", "There are 2 of a max of 20 players online: Steve, Alex"]
    assert [f.args for f in fake_panel.wings.received("send command")] == [["list"]]
    assert fake_panel.wings.received("send logs") == []  # only what follows the command
    await fake_panel.wings.wait_for(lambda: not fake_panel.wings.open_connections())  # and the socket is closed


async def test_a_command_nobody_answers_returns_after_quiet(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    fake_panel.wings.echo_format = None
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await api.client.servers.run_command(server.identifier, "save-all", quiet=0.3, timeout=5) == []
    assert 0.3 <= loop.time() - started < 3


async def test_stops_at_max_lines(api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer) -> None:
    fake_panel.wings.respond("plugins", [f"plugin {n}" for n in range(100)])
    lines = await api.client.servers.run_command(server.identifier, "plugins", quiet=5, max_lines=10)
    assert lines == ["> plugins", *(f"plugin {n}" for n in range(9))]


async def test_a_console_that_never_goes_quiet_stops_at_timeout(
    api: AsyncJexactyl, fake_panel: FakePanel, server: FakeServer
) -> None:
    async def chatter() -> None:
        for n in range(1000):
            fake_panel.console_output(server, f"chatter {n}")
            await asyncio.sleep(0.05)

    task = asyncio.create_task(chatter())
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        call = api.client.servers.run_command(server.identifier, "say hi", quiet=5, timeout=0.8, max_lines=1000)
        lines = await asyncio.wait_for(call, WAIT)
        elapsed = loop.time() - started
    finally:
        task.cancel()
    assert elapsed < 3, elapsed  # quiet=5 never happened: the timeout ended it
    assert "> say hi" in lines and any(line.startswith("chatter") for line in lines)


async def test_an_offline_server_raises_before_sending(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    creative = fake_panel.server("Creative")
    with pytest.raises(ServerOfflineError):
        await api.client.servers.run_command(creative.identifier, "list")
    assert fake_panel.wings.received("send command") == []


@pytest.mark.parametrize("options", [{"quiet": 0}, {"timeout": -1}, {"max_lines": 0}])
async def test_bad_options_are_refused(api: AsyncJexactyl, server: FakeServer, options: dict[str, float]) -> None:
    with pytest.raises(InvalidArgumentError):
        await api.client.servers.run_command(server.identifier, "list", **options)  # type: ignore[arg-type]


async def test_open_consoles_do_not_take_the_http_connections(fake_panel: FakePanel) -> None:
    """A socket holds its connection for hours: on the HTTP pool (max_concurrency connections) the consoles
    would leave none for the token requests that keep them alive."""
    servers = fake_panel.add_servers(fake_panel.user, 4, "pool")
    async with AsyncJexactyl(fake_panel.url, fake_panel.user.client_key, max_concurrency=2) as client:
        consoles = [client.client.servers.console(s.identifier, logs=False) for s in servers]
        try:
            async with asyncio.timeout(WAIT):
                for console in consoles:
                    await console.__aenter__()
                account = await client.client.account.get_account()
        finally:
            for console in consoles:
                await console.close()
    assert account["attributes"]["username"] == fake_panel.user.username
    assert len([c for c in fake_panel.wings.connections if c.status == 101]) == 4
