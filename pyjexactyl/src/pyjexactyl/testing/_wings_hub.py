"""The core of the fake Wings: per-server channels, broadcasting, and the hooks the panel side calls."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from . import _wings_events as ev
from ._routing import Runtime
from ._state import FakeNode, FakeServer
from ._wings_events import StateOutput
from ._wings_record import WingsRecorder
from ._wings_server import WingsServer
from ._wings_session import WingsSession

__all__ = ["WingsHub"]

T = TypeVar("T")
ServerRef = FakeServer | int | str
Response = list[str] | Callable[[FakeServer, str], Iterable[str]]

#: lines of console output kept per server (``send logs`` replays the last ``log_count`` of them)
HISTORY_CAP = 1000


class _Channel:
    """What the fake Wings keeps per server: its open sockets and its console history."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.sessions: list[WingsSession] = []
        self.history: deque[str] = deque(maxlen=HISTORY_CAP)
        self.last_crash: float | None = None


class WingsHub(WingsRecorder):
    """The state and plumbing of the fake Wings; the knobs are documented on :class:`FakeWings`."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        host: str = "127.0.0.1",
        token_ttl: int = 600,
        stats_interval: float = 1.0,
        allowed_origins: Iterable[str] = (),
    ) -> None:
        super().__init__(runtime.changes)
        self.runtime = runtime
        self.store = runtime.store
        self.token_ttl = token_ttl
        self._check_interval: float | None = None
        self._expiring_threshold: float | None = None
        self._stats_interval = stats_interval
        self._stats_wake: asyncio.Event | None = None
        self.allowed_origins: list[str] = list(allowed_origins)
        self.log_count = 150
        self.console_responses: dict[str, Response] = {k: list(v) for k, v in ev.DEFAULT_RESPONSES.items()}
        self.echo_format: str | None = "> {command}"
        self.state_output: dict[str, StateOutput] = ev.default_state_output()
        self.install_script_output: list[str] = list(ev.DEFAULT_INSTALL_OUTPUT)
        self.backup_event_suffix = True
        self.app_name = "Pterodactyl"
        self.crash_timeout = 60.0
        self._server: WingsServer  # created by WingsHooks, which the server's sessions call into
        self.host = host
        self._channels: dict[str, _Channel] = {}
        self._server_responses: dict[str, dict[str, Response]] = {}
        self._delays: dict[str | None, float] = {}
        self._boot: dict[int, float] = {}
        self._denied: dict[int, dict[str, float]] = {}
        self._issued: dict[str, float] = {}
        self._started_at = time.time()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.store.state_listener = self.state_changed
        for server in self.store.servers.values():
            server._on_state = self.state_changed

    # ================================================================================ knobs
    @property
    def stats_interval(self) -> float:
        """Seconds between ``stats`` frames while a container runs; a change applies at once."""
        return self._stats_interval

    @stats_interval.setter
    def stats_interval(self, value: float) -> None:
        self._stats_interval = value
        wake = self._stats_wake
        if wake is not None:
            self._dispatch(wake.set)

    @property
    def token_check_interval(self) -> float:
        """Seconds between two expiry checks of a socket's token (Wings: 30; default ``min(30, ttl / 10)``)."""
        return self._check_interval if self._check_interval is not None else min(30.0, self.token_ttl / 10)

    @token_check_interval.setter
    def token_check_interval(self, value: float | None) -> None:
        self._check_interval = value

    @property
    def token_expiring_threshold(self) -> float:
        """``token expiring`` goes out when at most this many seconds remain (Wings: 60; default ``min(60, ttl/3)``)."""
        if self._expiring_threshold is not None:
            return self._expiring_threshold
        return min(60.0, self.token_ttl / 3)

    @token_expiring_threshold.setter
    def token_expiring_threshold(self, value: float | None) -> None:
        self._expiring_threshold = value

    def respond(self, command: str, lines: Response | None, *, server: ServerRef | None = None) -> None:
        """Script the console's answer to ``command`` (for one server, or for all); ``None`` removes it."""
        table = self.console_responses if server is None else self._server_responses.setdefault(self._uuid(server), {})
        if lines is None:
            table.pop(command, None)
        else:
            table[command] = lines if callable(lines) else list(lines)

    # ================================================================================ lifecycle
    async def start(self) -> None:
        """Listen for every node (called by ``FakePanel.start_async``)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        await self._server.start()
        self._stats_wake = asyncio.Event()
        self._ticker = self._loop.create_task(self._tick_stats(self._stats_wake), name="fake-wings-stats")

    async def stop(self) -> None:
        """Close every socket and listener (called by ``FakePanel.stop_async``)."""
        ticker, self._ticker = self._ticker, None
        self._stats_wake = None
        if ticker is not None:
            ticker.cancel()
            try:
                await ticker
            except asyncio.CancelledError:
                pass
        await self._server.stop()
        self._loop = self._loop_thread = None

    def _call(self, function: Callable[[], T]) -> T:
        """Run ``function`` under the store lock on the panel's loop and return its result."""
        loop = self._loop
        if loop is None or loop.is_closed() or threading.get_ident() == self._loop_thread:
            with self.store.lock:
                return function()
        done = threading.Event()
        outcome: list[Any] = []

        def run() -> None:
            try:
                with self.store.lock:
                    outcome.append((True, function()))
            except BaseException as exc:  # handed to the calling thread
                outcome.append((False, exc))
            finally:
                done.set()

        loop.call_soon_threadsafe(run)
        if not done.wait(10):
            raise TimeoutError("the fake panel's loop did not run the Wings control in 10 s")
        ok, value = outcome[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def _dispatch(self, function: Callable[[], None]) -> None:
        """Run ``function`` on the panel's loop without waiting (for hooks called from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed() or threading.get_ident() == self._loop_thread:
            with self.store.lock:
                function()
            return

        def run() -> None:
            with self.store.lock:
                function()

        loop.call_soon_threadsafe(run)

    # ================================================================================ lookups
    def _resolve(self, ref: ServerRef) -> FakeServer:
        if isinstance(ref, FakeServer):
            return ref
        with self.store.lock:
            found = self.store.servers.get(ref) if isinstance(ref, int) else self.store.find_server(ref)
            if found is None and isinstance(ref, str):
                found = next((s for s in self.store.servers.values() if s.uuid == ref or s.name == ref), None)
        if found is None:
            raise KeyError(ref)
        return found

    def _uuid(self, ref: ServerRef) -> str:
        return self._resolve(ref).uuid

    def _channel(self, server: FakeServer) -> _Channel:
        channel = self._channels.get(server.uuid)
        if channel is None:
            channel = self._channels[server.uuid] = _Channel(server)
        return channel

    def _node_id(self, node: FakeNode | int) -> int:
        return node.id if isinstance(node, FakeNode) else node

    def boot_time(self, node_id: int) -> float:
        """When the node's Wings (last) booted; tokens issued before are refused."""
        return self._boot.get(node_id, self._started_at)

    def denied_jtis(self, node_id: int) -> dict[str, float]:
        """``jti`` → time of revocation on the node (``/ws/deny``)."""
        return self._denied.setdefault(node_id, {})

    def issued_at(self, claims: dict[str, Any]) -> float | None:
        """The exact issue time of a token this fake issued (by its ``unique_id``)."""
        unique = claims.get("unique_id")
        return self._issued.get(unique) if isinstance(unique, str) else None

    def frame_delay(self, server_uuid: str) -> float:
        """Seconds an outgoing frame of the server waits before it is written."""
        return self._delays.get(server_uuid, self._delays.get(None, 0.0))

    def origin_allowed(self, origin: str | None) -> bool:
        """Wings' ``CheckOrigin``: the panel URL, or a listed origin, or ``*``."""
        if origin is not None and origin == self.runtime.url:
            return True
        return any(allowed == "*" or allowed == origin for allowed in self.allowed_origins)

    def history(self, server: ServerRef) -> list[str]:
        """The server's console history (game output since its container last started)."""
        return list(self._channel(self._resolve(server)).history)

    def sessions(self, server: ServerRef | None = None) -> list[WingsSession]:
        """Open sockets (all, or one server's)."""
        if server is None:
            return [s for channel in self._channels.values() for s in channel.sessions]
        channel = self._channels.get(self._uuid(server))
        return list(channel.sessions) if channel else []

    # ================================================================================ broadcasting
    def _broadcast(self, server: FakeServer, event: str, args: list[str] | None = None) -> None:
        channel = self._channels.get(server.uuid)
        for session in list(channel.sessions) if channel else []:
            if session.listening:
                session.send(event, args)

    def _console(self, server: FakeServer, lines: Iterable[str], *, keep: bool = True) -> None:
        channel = self._channel(server)
        clock = time.strftime("%H:%M:%S")
        for line in lines:
            text = line.replace("{time}", clock)
            if keep:
                channel.history.append(text)
            self._broadcast(server, ev.CONSOLE_OUTPUT, [text])

    def _daemon(self, server: FakeServer, texts: Iterable[str]) -> None:
        self._console(server, (ev.daemon_line(t, self.app_name) for t in texts), keep=False)

    def state_changed(self, server: FakeServer, old: str, new: str) -> None:
        """``FakeServer.state`` changed (from any thread): output, ``status``, and zeroed ``stats`` when offline."""

        def apply() -> None:
            output = self.state_output.get(new, StateOutput())
            self._daemon(server, output.daemon)
            if new == "starting":
                self._channel(server).history.clear()  # Wings recreates the container: its log starts afresh
            self._console(server, output.before)
            self._broadcast(server, ev.STATUS, [new])
            if new == "offline":
                self._broadcast(server, ev.STATS, [ev.stats_payload(server)])
            self._console(server, output.after)

        self._dispatch(apply)

    async def _tick_stats(self, wake: asyncio.Event) -> None:
        while True:
            try:
                await asyncio.wait_for(wake.wait(), max(0.01, self._stats_interval))
            except TimeoutError:
                pass
            else:  # the interval changed: start a new one
                wake.clear()
                continue
            with self.store.lock:
                for channel in list(self._channels.values()):
                    if channel.sessions and channel.server.state != "offline":
                        self._broadcast(channel.server, ev.STATS, [ev.stats_payload(channel.server)])
