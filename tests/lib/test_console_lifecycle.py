"""A console session's token lifecycle and reconnects against the fake Wings' faults (§8.3 expiry, §6.10
errors): refresh on ``token expiring`` without losing events, ``token expired`` handled once, reconnect with
backoff after a drop / a refused upgrade / a Wings restart, giving up after ``reconnect_timeout``, and the
panel's 403/404/409 ending a reconnect at once."""

from __future__ import annotations

import asyncio
import doctest
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

import pyjexactyl._ansi
import pyjexactyl._console_frames
import pyjexactyl._console_link
import pyjexactyl._console_queue
import pyjexactyl._console_supervisor
import pyjexactyl.events
from pyjexactyl import (
    AsyncJexactyl,
    ConflictError,
    ConsoleDisconnectedError,
    ForbiddenError,
    NotFoundError,
    Reconnected,
    StatusChanged,
)
from pyjexactyl.testing import FakePanel
from tests.lib.console_helpers import WAIT, lines_of, read_line, read_until, websocket_requests

PanelFactory = Callable[..., Awaitable[FakePanel]]


@pytest.fixture
async def short_tokens(fake_panel_factory: PanelFactory) -> FakePanel:
    """A panel whose websocket tokens live 3 s (Wings warns ~1 s before expiry, checking every 0.3 s)."""
    return await fake_panel_factory(websocket_token_ttl=3)


@pytest.fixture
async def short_api(short_tokens: FakePanel) -> AsyncIterator[AsyncJexactyl]:
    async with AsyncJexactyl(short_tokens.url, short_tokens.user.client_key, backoff_factor=0) as client:
        yield client


async def test_an_expiring_token_is_refreshed_on_the_same_socket_without_losing_events(
    short_tokens: FakePanel, short_api: AsyncJexactyl
) -> None:
    panel, server = short_tokens, short_tokens.server("Survival SMP")
    count = 160  # one line every 50 ms: 8 s, so two refreshes or more of a 3 s token

    async def print_lines() -> None:
        for n in range(count):
            panel.console_output(server, f"tick {n}")
            await asyncio.sleep(0.05)

    async with short_api.client.servers.console(server.identifier, logs=False) as console:
        printer = asyncio.create_task(print_lines())
        events = await read_line(console, f"tick {count - 1}", timeout=30)
        await printer
    assert [line for line in lines_of(events) if line.startswith("tick")] == [f"tick {n}" for n in range(count)]
    wings = panel.wings
    assert len(wings.sent("token expiring")) >= 2
    assert len(wings.received("auth")) >= 3  # the first auth, then one per refresh
    assert websocket_requests(panel, server.identifier) == len(wings.received("auth"))
    assert len(wings.connections) == 1 and console.reconnects == 0  # all on the same socket
    assert wings.sent("jwt error") == [] and wings.sent("token expired") == []  # never let it lapse


async def test_an_expired_token_is_refreshed_once_and_the_session_goes_on(
    short_tokens: FakePanel, short_api: AsyncJexactyl
) -> None:
    panel, server = short_tokens, short_tokens.server("Survival SMP")
    panel.wings.token_expiring_threshold = 0  # no warning: the token lapses, Wings says "token expired"
    async with short_api.client.servers.console(server.identifier, logs=False) as console:
        await panel.wings.wait_for(lambda: panel.wings.sent("token expired") or panel.wings.sent("jwt error"), 10)
        await panel.wings.wait_for(lambda: len(panel.wings.sent("auth success")) >= 2, WAIT)
        panel.console_output(server, "after the refresh")
        events = await read_line(console, "after the refresh")
        assert console.connection_state == "open" and console.reconnects == 0
    assert "after the refresh" in lines_of(events)
    assert len(panel.wings.connections) == 1


async def test_a_refused_token_refresh_ends_the_session_with_the_panels_error(short_tokens: FakePanel) -> None:
    panel, server = short_tokens, short_tokens.server("Survival SMP")
    bob = panel.add_user("bob")
    subuser = panel.add_subuser(server, bob, ["control.console"])
    async with AsyncJexactyl(panel.url, bob.client_key, backoff_factor=0) as client:
        async with client.client.servers.console(server.identifier, logs=False, reconnect_timeout=60) as console:
            subuser.permissions.remove("websocket.connect")  # the next token request gets 403
            with pytest.raises(ForbiddenError):
                await read_until(console, lambda e: False, timeout=10)  # at the first refresh, not after 60 s
    assert websocket_requests(panel, server.identifier) == 2
    assert len(panel.wings.connections) == 1  # refused while refreshing: no reconnect was tried


async def test_a_dropped_socket_reconnects_and_asks_for_the_logs_again(
    api: AsyncJexactyl, fake_panel: FakePanel
) -> None:
    server = fake_panel.server("Survival SMP")
    fake_panel.console_output(server, "earlier line")
    async with api.client.servers.console(server.identifier) as console:
        await read_line(console, "earlier line")
        fake_panel.console_output(server, "before the drop")
        await read_line(console, "before the drop")
        assert fake_panel.wings.drop(server) == 1  # TCP cut, no close frame: the client sees 1006
        events = await read_line(console, "before the drop")  # the replayed recent lines end with it
        fake_panel.console_output(server, "after the drop")
        events += await read_line(console, "after the drop")
        assert console.reconnects == 1 and console.connection_state == "open"
    reconnected = events[0]
    assert isinstance(reconnected, Reconnected) and reconnected.attempts == 1 and reconnected.downtime < WAIT
    assert events[1] == StatusChanged("running")
    assert lines_of(events) == ["earlier line", "before the drop", "after the drop"]
    assert [f.event for f in fake_panel.wings.received(server=server.uuid)].count("send logs") == 2
    assert websocket_requests(fake_panel, server.identifier) == 2  # a fresh token for the new socket
    assert [c.status for c in fake_panel.wings.connections] == [101, 101]


async def test_reconnect_can_skip_the_logs(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    server = fake_panel.server("Survival SMP")
    fake_panel.console_output(server, "old")
    async with api.client.servers.console(server.identifier, logs_on_reconnect=False) as console:
        await read_line(console, "old")
        fake_panel.wings.drop(server, code=1012)  # a clean close (service restart) reconnects too
        fake_panel.console_output(server, "new")
        await read_until(console, lambda e: isinstance(e, Reconnected))
        fake_panel.console_output(server, "newer")
        events = await read_line(console, "newer")
    assert "old" not in lines_of(events)
    assert [f.event for f in fake_panel.wings.received(server=server.uuid)].count("send logs") == 1


async def test_refused_upgrades_are_retried_with_backoff(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    server = fake_panel.server("Survival SMP")
    async with api.client.servers.console(server.identifier, logs=False) as console:
        fake_panel.wings.refuse_next(2, status=502)
        fake_panel.wings.drop(server)
        events = await read_until(console, lambda e: isinstance(e, Reconnected), timeout=15)
    reconnected = events[-1]
    assert isinstance(reconnected, Reconnected) and reconnected.attempts == 3
    statuses = [c.status for c in fake_panel.wings.connections]
    assert statuses == [101, 502, 502, 101]
    first_retry, second_retry = (c.opened_at for c in fake_panel.wings.connections[2:4])
    refused_at = fake_panel.wings.connections[1].opened_at
    assert first_retry - refused_at >= 0.45 and second_retry - first_retry >= 0.95  # 0.5 s, then 1 s (+ jitter)


async def test_a_restarted_wings_denies_old_tokens_and_the_session_reconnects_with_a_new_one(
    api: AsyncJexactyl, fake_panel: FakePanel
) -> None:
    server = fake_panel.server("Survival SMP")
    async with api.client.servers.console(server.identifier, logs=False) as console:
        assert fake_panel.wings.restart(server.node_id) == 1
        await read_until(console, lambda e: isinstance(e, Reconnected))
        fake_panel.console_output(server, "back")
        await read_line(console, "back")
    assert fake_panel.wings.sent("jwt error") == []


async def test_giving_up_after_reconnect_timeout(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    server = fake_panel.server("Survival SMP")
    async with api.client.servers.console(server.identifier, logs=False, reconnect_timeout=1.5) as console:
        fake_panel.console_output(server, "last words")
        await read_line(console, "last words")
        fake_panel.wings.set_node_down(server.node_id)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ConsoleDisconnectedError) as caught:
            await read_until(console, lambda e: False, timeout=15)
        elapsed = loop.time() - started
        assert console.connection_state == "closed"
    assert 1.5 <= elapsed < 5, elapsed
    assert caught.value.attempts >= 2 and caught.value.downtime >= 1.5
    assert "Gave up reconnecting" in str(caught.value) and caught.value.__cause__ is not None


@pytest.mark.parametrize(
    ("change", "error"),
    [("suspend", ConflictError), ("revoke", ForbiddenError), ("delete", NotFoundError)],
)
async def test_a_panel_refusal_while_reconnecting_is_final(
    api: AsyncJexactyl, fake_panel: FakePanel, change: str, error: type[Exception]
) -> None:
    bob = fake_panel.add_user("bob")
    server = fake_panel.server("Survival SMP")
    subuser = fake_panel.add_subuser(server, bob, ["control.console"])
    async with AsyncJexactyl(fake_panel.url, bob.client_key, backoff_factor=0) as client:
        async with client.client.servers.console(server.identifier, reconnect_timeout=60) as console:
            if change == "suspend":
                server.status = "suspended"
            elif change == "revoke":
                subuser.permissions.remove("websocket.connect")
            else:
                server.subusers.remove(subuser)  # the server is no longer bob's to see
            fake_panel.wings.drop(server)
            with pytest.raises(error):
                await read_until(console, lambda e: False, timeout=WAIT)  # at once, not after 60 s
    assert websocket_requests(fake_panel, server.identifier) == 2  # the first token, then one refusal


async def test_a_session_that_cannot_connect_at_first_says_so(api: AsyncJexactyl, fake_panel: FakePanel) -> None:
    server = fake_panel.server("Survival SMP")
    fake_panel.wings.set_node_down(server.node_id)
    with pytest.raises(ConsoleDisconnectedError) as caught:
        async with api.client.servers.console(server.identifier):
            pass
    assert "Could not reach Wings" in str(caught.value)


def test_docstring_examples_of_the_console_modules() -> None:
    for module in (
        pyjexactyl.events,
        pyjexactyl._console_frames,
        pyjexactyl._ansi,
        pyjexactyl._console_supervisor,
        pyjexactyl._console_link,
        pyjexactyl._console_queue,
    ):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
