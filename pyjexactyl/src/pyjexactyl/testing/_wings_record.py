"""What the fake Wings' sockets exchanged, and event-driven waits on it (from any thread or loop)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from ._changes import ChangeSignal
from ._wings_events import WingsConnection, WingsFrame

__all__ = ["WingsRecorder"]

T = TypeVar("T")


class WingsRecorder:
    """``frames`` and ``connections`` in arrival order, plus :meth:`wait_for` / :meth:`wait_for_sync`.

    Every recorded frame, connection and socket close wakes the waiters, which re-check their condition.
    """

    def __init__(self, changes: ChangeSignal | None = None) -> None:
        #: the signal waiters wait on (the panel's, shared: a Wings wait also wakes on panel changes)
        self.changes = changes or ChangeSignal("fake Wings")
        #: every frame received (``direction="in"``) and sent (``"out"``), in order; see :class:`WingsFrame`
        self.frames: list[WingsFrame] = []
        #: every upgrade attempt, accepted or refused; see :class:`WingsConnection`
        self.connections: list[WingsConnection] = []
        #: set to ``False`` to stop recording frames (long benchmarks)
        self.record_frames = True
        self._record_lock = threading.Lock()

    # ---------------------------------------------------------------------------- recording
    def record_frame(self, frame: WingsFrame) -> None:
        """Append a frame and wake the waiters."""
        if self.record_frames:
            with self._record_lock:
                self.frames.append(frame)
        self.notify()

    def record_connection(self, connection: WingsConnection) -> None:
        """Append an upgrade attempt and wake the waiters."""
        with self._record_lock:
            self.connections.append(connection)
        self.notify()

    def clear_frames(self) -> None:
        """Forget the recorded frames and connections."""
        with self._record_lock:
            self.frames.clear()
            self.connections.clear()

    def received(self, event: str | None = None, *, server: str | None = None) -> list[WingsFrame]:
        """Frames the fake received, optionally only ``event`` and/or one server's (by uuid)."""
        return self._select("in", event, server)

    def sent(self, event: str | None = None, *, server: str | None = None) -> list[WingsFrame]:
        """Frames the fake sent (written to the socket), optionally only ``event`` and/or one server's (by uuid).

        A ``backup completed:<uuid>`` frame matches both its full name and ``"backup completed"``.
        """
        return self._select("out", event, server)

    def _select(self, direction: str, event: str | None, server: str | None) -> list[WingsFrame]:
        with self._record_lock:
            frames = list(self.frames)
        return [
            f
            for f in frames
            if f.direction == direction
            and (event is None or f.event == event or (f.event or "").startswith(event + ":"))
            and (server is None or f.server == server)
        ]

    # ---------------------------------------------------------------------------- waiting
    def notify(self) -> None:
        """Wake every waiter (of the Wings records and of the panel) so it re-checks its condition."""
        self.changes.notify()

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every frame, connection, close and panel
        change) and return it.

        Example:
            >>> await panel.wings.wait_for(lambda: panel.wings.sent("auth success"))  # doctest: +SKIP

        Raises:
            TimeoutError: when ``timeout`` seconds pass first.
        """
        return await self.changes.wait_for(predicate, timeout)

    def wait_for_sync(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """:meth:`wait_for` for a thread that is not running the panel's loop (``FakePanel.start()``).

        The predicate runs outside any lock, so it may call any control (``open_connections()`` waits for the
        panel's loop).
        """
        return self.changes.wait_for_sync(predicate, timeout)
