"""``ConsoleSession``: a live console over the Wings websocket (``shared/panel-api.md`` §6.10 and §8).

The session is a small state machine::

    new --async with--> connecting --auth success--> open --socket drops--> reconnecting --> open ...
                                                      |                          |
                                                      +------ close() / error ---+--> closed

This module is the public surface (lifecycle, iteration, commands); the task that owns the socket, refreshes
tokens and reconnects is :class:`~pyjexactyl._console_supervisor.SessionCore`, the connection steps are in
:mod:`pyjexactyl._console_link`, and the bounded queue in :mod:`pyjexactyl._console_queue`.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING

from ._console_frames import encode_frame
from ._console_supervisor import ConnectionState, SessionCore
from .events import Event
from .exceptions import ConsoleDisconnectedError, InvalidArgumentError, ServerOfflineError

if TYPE_CHECKING:
    from ._endpoints.client.servers import ClientServers, PowerSignal

__all__ = ["ConnectionState", "ConsoleSession"]

POWER_SIGNALS = ("start", "stop", "restart", "kill")


class ConsoleSession(SessionCore):
    """A live console of one server: typed events in, commands and power actions out.

    Made by ``api.client.servers.console(server_id)``; use it as an async context manager and iterate it.
    Entering connects and authenticates (so a refused key or token raises there); iterating yields
    :mod:`pyjexactyl.events` until the block exits, :meth:`close` is called, the server is deleted, or the
    session gives up reconnecting (:class:`~pyjexactyl.ConsoleDisconnectedError`). The first events are the
    server's state (:class:`~pyjexactyl.events.StatusChanged`) and, with ``logs=True`` on a running server,
    its recent console lines.

    The token lasts 10 minutes: when Wings warns that it is expiring, the session fetches a fresh one (one
    ``GET /websocket``) and authenticates again on the same socket, so no event is lost. When the socket
    drops it reconnects with exponential backoff, yields :class:`~pyjexactyl.events.Reconnected`, and asks for
    the recent lines again (``logs_on_reconnect``); events Wings sent while it was down are lost. A slow
    consumer does not grow memory: see ``max_queue`` and :class:`~pyjexactyl.events.Dropped`.

    Wings acknowledges nothing: a command or power action is sent, and its effects show up as events. Without
    the ``control.console`` / ``control.start`` / ``control.stop`` / ``control.restart`` permission Wings
    ignores it silently.

    Args:
        servers: The ``api.client.servers`` namespace (its ``get_websocket`` provides tokens).
        server_id: Server identifier (abbreviated UUID).
        logs: Ask for the recent console lines after connecting.
        max_queue: How many lines may wait for the consumer before the oldest are dropped.
        reconnect_timeout: Seconds to keep trying after the socket drops before giving up.
        logs_on_reconnect: Ask for the recent console lines again after a reconnect (they may repeat lines
            already delivered).
        heartbeat: Seconds between websocket pings; a socket that misses a pong counts as dropped.

    Example:
        >>> async with api.client.servers.console("1a2b3c4d") as console:  # doctest: +SKIP
        ...     await console.send_command("say hello")
        ...     async for event in console:
        ...         if isinstance(event, ConsoleOutput):
        ...             print(strip_ansi(event.line))
    """

    def __init__(
        self,
        servers: ClientServers,
        server_id: str,
        *,
        logs: bool = True,
        max_queue: int = 1000,
        reconnect_timeout: float = 300.0,
        logs_on_reconnect: bool = True,
        heartbeat: float | None = 30.0,
    ) -> None:
        if max_queue < 1:
            raise InvalidArgumentError("max_queue must be at least 1")
        if reconnect_timeout < 0:
            raise InvalidArgumentError("reconnect_timeout must be 0 or more seconds")
        if heartbeat is not None and heartbeat <= 0:
            raise InvalidArgumentError("heartbeat must be a positive number of seconds, or None")
        super().__init__(
            servers,
            server_id,
            logs=logs,
            max_queue=max_queue,
            reconnect_timeout=reconnect_timeout,
            logs_on_reconnect=logs_on_reconnect,
            heartbeat=heartbeat,
        )

    # -- public state ------------------------------------------------------------------------------------

    @property
    def server_id(self) -> str:
        """The server this console belongs to."""
        return self._server_id

    @property
    def state(self) -> str | None:
        """The server's last known power state (``offline``, ``starting``, ``running``, ``stopping``), from
        the latest ``status`` event Wings sent (it may be ahead of the events consumed so far); ``None`` before
        the first one."""
        return self._state

    @property
    def connection_state(self) -> ConnectionState:
        """``new``, ``connecting``, ``open``, ``reconnecting`` or ``closed``."""
        return self._connection

    @property
    def dropped(self) -> int:
        """Events the bounded queue dropped because the consumer fell behind (console lines first)."""
        return self._queue.dropped

    @property
    def reconnects(self) -> int:
        """How many times the session reconnected after its socket dropped."""
        return self._reconnects

    @property
    def malformed_frames(self) -> int:
        """Frames that were not a JSON object with an ``event`` (logged and skipped)."""
        return self._malformed

    def __repr__(self) -> str:
        return f"<ConsoleSession server={self._server_id!r} {self._connection} state={self._state!r}>"

    # -- lifecycle --------------------------------------------------------------------------------------

    async def __aenter__(self) -> ConsoleSession:
        """Connects and authenticates; the events start flowing.

        Raises:
            ForbiddenError: the key's user lacks ``websocket.connect`` on this server.
            ConflictError: the server is suspended, installing, restoring or being transferred.
            NotFoundError: no such server for this key.
            ConsoleAuthError: Wings refused the token or the ``Origin``.
            ConsoleDisconnectedError: the node could not be reached.
        """
        if self._connection != "new":
            raise RuntimeError("a ConsoleSession can be entered once; ask console() for a new one")
        self._connection = "connecting"
        try:
            events = await self._link.open()
        except BaseException:
            self._connection = "closed"
            self._ended.set()
            raise
        self._opened(events)
        self._client._consoles.add(self)
        self._supervisor = asyncio.create_task(self._run(), name=f"pyjexactyl-console-{self._server_id}")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Closes the session (see :meth:`close`)."""
        await self.close()

    async def close(self) -> None:
        """Closes the socket and ends the iteration (events still waiting are discarded). Idempotent.

        Example:
            >>> await console.close()  # doctest: +SKIP
        """
        if self._connection == "closed" and self._supervisor is None:
            return
        self._connection = "closed"
        self._ready.clear()
        self._queue.close()
        supervisor, self._supervisor = self._supervisor, None
        try:
            if supervisor is not None and not supervisor.done():
                supervisor.cancel()
                try:
                    await supervisor
                except asyncio.CancelledError:
                    if (task := asyncio.current_task()) is not None and task.cancelling():
                        raise  # our own task is being cancelled: say so, after closing the socket below
        finally:
            # Also when close() runs inside a cancelled task (``async with`` in a task that was cancelled): the
            # socket must not outlive the session; a second close() would return early above.
            await self._link.close()
            self._client._consoles.discard(self)
            self._ended.set()
        if self._debug:
            self._log.debug("pyjexactyl: console %s closed", self._server_id)

    def __aiter__(self) -> ConsoleSession:
        """The session is its own iterator of events."""
        return self

    async def __anext__(self) -> Event:
        """The next event (see :mod:`pyjexactyl.events`). The iteration ends when the session is closed or
        after :class:`~pyjexactyl.events.ServerDeleted`.

        Raises:
            ConsoleDisconnectedError: reconnecting failed for ``reconnect_timeout`` seconds.
            ConsoleAuthError: Wings refused the session's token for a reason other than expiry.
            JexactylApiError: the panel refused a new token (403, 404, 409) while reconnecting.
        """
        if self._connection == "new":
            raise RuntimeError("enter the session first: async with api.client.servers.console(id) as console")
        return await self._queue.get()

    def _discard_pending(self) -> None:
        """Drops the events waiting now (``run_command`` wants only what follows its command)."""
        while self._queue.get_nowait() is not None:
            pass

    # -- commands ------------------------------------------------------------------------------------------

    async def send_command(self, line: str) -> None:
        """Sends a command line to the server's console (needs ``control.console``).

        Wings does not acknowledge it: what the server prints in answer arrives as
        :class:`~pyjexactyl.events.ConsoleOutput` events (``run_command`` collects them for you). Wings also
        ignores commands to an offline server silently, so the session refuses them itself.

        Args:
            line: One command, e.g. ``say hello`` (no line breaks).

        Raises:
            ServerOfflineError: the server's last known state is ``offline``; nothing was sent.
            ConsoleDisconnectedError: the session has ended.

        Example:
            >>> await console.send_command("whitelist add Steve")  # doctest: +SKIP
        """
        if not isinstance(line, str) or not line.strip():
            raise InvalidArgumentError("line must be a non-empty command string")
        if "\n" in line or "\r" in line:
            raise InvalidArgumentError("line must be one command, without line breaks")
        if self._state == "offline":
            raise ServerOfflineError(
                502,
                "ConsoleServerOffline",
                "Server must be online in order to send commands. (The console's last known state is offline; "
                "Wings would ignore the command, so it was not sent.)",
                method="WS",
                path="send command",
            )
        await self._send(encode_frame("send command", line))

    async def set_power(self, signal: PowerSignal) -> None:
        """Sends a power action over the socket (needs the matching ``control.*`` permission).

        The state changes asynchronously and arrives as :class:`~pyjexactyl.events.StatusChanged` events.
        If another power action is still running, Wings answers with a
        :class:`~pyjexactyl.events.DaemonError`.

        Args:
            signal: ``start``, ``stop``, ``restart`` or ``kill``.

        Example:
            >>> await console.set_power("restart")  # doctest: +SKIP
        """
        if signal not in POWER_SIGNALS:
            raise InvalidArgumentError(f"signal must be one of {', '.join(POWER_SIGNALS)}; got {signal!r}")
        await self._send(encode_frame("set state", signal))

    async def request_stats(self) -> None:
        """Asks Wings for one :class:`~pyjexactyl.events.Stats` event now (it sends them every second while
        the server runs anyway).

        Example:
            >>> await console.request_stats()  # doctest: +SKIP
        """
        await self._send(encode_frame("send stats"))

    async def request_logs(self) -> None:
        """Asks Wings to replay the server's recent console lines (only while it runs).

        Example:
            >>> await console.request_logs()  # doctest: +SKIP
        """
        await self._send(encode_frame("send logs"))

    async def wait_for_state(self, *states: str, timeout: float | None = None) -> str:
        """Waits until the server's last known state is one of ``states`` (returns at once if it is already).

        It watches the ``status`` events as they arrive, without consuming them: they are still delivered to
        the iteration.

        Args:
            *states: ``offline``, ``starting``, ``running`` and/or ``stopping``.
            timeout: Seconds to wait at most (``None``: no limit).

        Returns:
            The state reached.

        Raises:
            TimeoutError: ``timeout`` passed first.
            ConsoleDisconnectedError: the session ended first.

        Example:
            >>> await console.set_power("start")  # doctest: +SKIP
            >>> await console.wait_for_state("running", timeout=120)  # doctest: +SKIP
            'running'
        """
        if not states:
            raise InvalidArgumentError("name at least one state to wait for")
        async with asyncio.timeout(timeout):
            while self._state not in states:
                if self._ended.is_set() or self._connection == "new":
                    raise ConsoleDisconnectedError(f"The console session of {self._server_id} is not open")
                await self._first_of(self._state_changed, self._ended)
        assert self._state is not None
        return self._state

    async def _send(self, frame: str) -> None:
        """Sends when the socket is open and authenticated (waits through a reconnect or a token refresh)."""
        for _ in range(2):
            await self._wait_ready()
            try:
                async with self._send_lock:
                    await self._link.send(frame)
                return
            except ConsoleDisconnectedError:
                self._ready.clear()  # the supervisor notices the drop and reconnects; try once more after
        raise ConsoleDisconnectedError(f"The console of {self._server_id} dropped twice while sending")

    async def _wait_ready(self) -> None:
        if self._connection in ("new", "closed") or self._ended.is_set():
            raise ConsoleDisconnectedError(f"The console session of {self._server_id} is not open")
        if self._ready.is_set():
            return
        await self._first_of(self._ready, self._ended)
        if not self._ready.is_set():
            raise ConsoleDisconnectedError(f"The console session of {self._server_id} has ended")
