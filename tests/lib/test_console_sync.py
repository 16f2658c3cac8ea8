"""The live console through the sync client: the same session, wrapped generically (``with``/``for``,
blocking methods), against the fake Wings served from a thread."""

from __future__ import annotations

import inspect

import pytest

from pyjexactyl import (
    ConflictError,
    ConsoleAuthError,
    ConsoleOutput,
    ConsoleSession,
    Dropped,
    Jexactyl,
    Reconnected,
    ServerOfflineError,
    Stats,
    StatusChanged,
)
from pyjexactyl.events import Event
from pyjexactyl.testing import FakePanel
from tests.lib.console_helpers import WAIT


def read_until_sync(console: object, done: object, limit: int = 10_000) -> list[Event]:
    seen: list[Event] = []
    for event in console:  # type: ignore[attr-defined]
        if not isinstance(event, Stats):
            seen.append(event)
        if done(event):  # type: ignore[operator]
            return seen
        assert len(seen) < limit
    raise AssertionError(f"the session ended first; saw {seen}")


@pytest.fixture
def sync_api(fake_panel_sync: FakePanel) -> Jexactyl:
    api = Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key, backoff_factor=0)
    yield api  # type: ignore[misc]
    api.close()


def test_with_and_for_over_a_sync_console(sync_api: Jexactyl, fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Survival SMP")
    panel.wings.respond("list", ["There are 0 of a max of 20 players online: "])
    panel.console_output(server, "recent line")
    with sync_api.client.servers.console(server.identifier) as console:
        assert not isinstance(console, ConsoleSession)  # the generic wrapper, not a twin class
        assert not inspect.iscoroutinefunction(console.send_command)
        assert console.send_command.__doc__ == ConsoleSession.send_command.__doc__
        assert console.state == "running" and console.connection_state == "open"
        events = read_until_sync(console, lambda e: e == ConsoleOutput("recent line"))
        assert events[0] == StatusChanged("running")
        console.send_command("list")  # blocks until sent
        events = read_until_sync(console, lambda e: e == ConsoleOutput("There are 0 of a max of 20 players online: "))
        assert ConsoleOutput("> list") in events
        console.request_stats()
        read_until_sync(console, lambda e: isinstance(e, Stats))
        panel.wings.drop(server)
        assert isinstance(read_until_sync(console, lambda e: isinstance(e, Reconnected))[-1], Reconnected)
        assert console.reconnects == 1
        assert console.wait_for_state("running", timeout=WAIT) == "running"
    assert console.connection_state == "closed"
    # the records, not open_connections(): wait_for_sync runs its predicate holding the lock the fake's loop
    # needs to record frames, so a control that waits for that loop (as open_connections does) would deadlock
    panel.wings.wait_for_sync(lambda: not any(c.open for c in panel.wings.connections), WAIT)


def test_sync_errors_are_the_same_exceptions(sync_api: Jexactyl, fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    with pytest.raises(ConflictError):
        with sync_api.client.servers.console(panel.server("Suspended Server").identifier):
            pass
    with sync_api.client.servers.console(panel.server("Creative").identifier) as console:
        with pytest.raises(ServerOfflineError):
            console.send_command("say hi")
        panel.wings.emit("Creative", "jwt error", "jwt: server uuid mismatch")
        with pytest.raises(ConsoleAuthError):
            read_until_sync(console, lambda e: False)
        assert list(console) == []  # ended: a for loop just stops
    assert panel.wings.received("send command") == []


def test_a_slow_sync_consumer_gets_dropped_counts(sync_api: Jexactyl, fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    server = panel.server("Survival SMP")
    with sync_api.client.servers.console(server.identifier, logs=False, max_queue=10) as console:
        read_until_sync(console, lambda e: isinstance(e, StatusChanged))
        panel.console_output(server, *(f"line {n}" for n in range(100)))
        panel.wings.emit(server, "status", "stopping")
        console.wait_for_state("stopping", timeout=WAIT)
        events = read_until_sync(console, lambda e: e == StatusChanged("stopping"))
        assert console.dropped == 90
    assert events[0] == Dropped(90)
    assert [e.line for e in events if isinstance(e, ConsoleOutput)] == [f"line {n}" for n in range(90, 100)]


def test_sync_run_command(sync_api: Jexactyl, fake_panel_sync: FakePanel) -> None:
    panel = fake_panel_sync
    panel.wings.respond("version", ["This server is running Paper 1.21.4"])
    server = panel.server("Survival SMP")
    assert sync_api.client.servers.run_command(server.identifier, "version", quiet=0.3) == [
        "> version",
        "This server is running Paper 1.21.4",
    ]
