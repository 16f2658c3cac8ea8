"""The bounded buffer between a console session's socket reader and its consumer (backpressure).

The reader never waits for the consumer (Wings would not wait either: a blocked reader only moves the
backlog into the kernel's socket buffers and then into Wings). Instead the buffer holds at most
``max_lines`` *droppable* events; when a new one would exceed that, the oldest is dropped, console lines
first, and the count is reported to the consumer as one :class:`~pyjexactyl.events.Dropped` event in place
of the missing lines. :class:`Stats` and :class:`StatusChanged` are never dropped: at most one of each
waits in the buffer, a newer one replacing it (latest wins) and moving to its place in time. The rare
events that say something happened once (a backup finished, the server was deleted, the session
reconnected, ...) are always kept.

Every operation is O(1) amortised; memory is bounded by ``max_lines`` events plus the rare kept ones.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Final

from .events import (
    BackupCompleted,
    BackupRestoreCompleted,
    ConsoleOutput,
    Dropped,
    Event,
    InstallCompleted,
    InstallStarted,
    Reconnected,
    ServerDeleted,
    Stats,
    StatusChanged,
    TransferStatus,
)

__all__ = ["EventQueue"]

_LATEST_WINS: Final = (Stats, StatusChanged)
_KEPT: Final = (
    BackupCompleted,
    BackupRestoreCompleted,
    InstallStarted,
    InstallCompleted,
    TransferStatus,
    ServerDeleted,
    Reconnected,
)


class _Cell:
    """One buffered event; ``event`` becomes ``None`` when it was dropped, replaced or handed out."""

    __slots__ = ("event",)

    def __init__(self, event: Event) -> None:
        self.event: Event | None = event


class EventQueue:
    """A bounded, never-blocking event buffer with drop-oldest-lines accounting.

    Args:
        max_lines: How many droppable events (console lines, install and transfer output, daemon messages,
            unknown events) may wait; at least 1.

    Example:
        >>> queue = EventQueue(max_lines=2)
        >>> for n in range(3):
        ...     queue.put(ConsoleOutput(str(n)))
        >>> queue.dropped, len(queue)
        (1, 2)
    """

    def __init__(self, max_lines: int) -> None:
        if max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        self.max_lines = max_lines
        self.dropped = 0
        """How many events were dropped since the session started."""
        self._cells: deque[_Cell] = deque()  # every buffered event in arrival order, dead cells included
        self._lines: deque[_Cell] = deque()  # the live console-output cells, oldest first
        self._others: deque[_Cell] = deque()  # the other live droppable cells, oldest first
        self._latest: dict[type, _Cell] = {}  # the waiting Stats / StatusChanged cell
        self._dead = 0
        self._live = 0
        self._unreported = 0
        self._finished = False
        self._closed = False
        self._error: BaseException | None = None
        self._wakeup = asyncio.Event()

    def __len__(self) -> int:
        """Events waiting (a pending :class:`Dropped` report not counted)."""
        return self._live

    @property
    def finished(self) -> bool:
        """True once :meth:`finish` or :meth:`close` was called."""
        return self._finished or self._closed

    def put(self, event: Event) -> None:
        """Buffers one event; drops the oldest droppable one when ``max_lines`` would be exceeded."""
        if self._finished or self._closed:
            return
        cell = _Cell(event)
        kind = type(event)
        if kind in _LATEST_WINS:
            previous = self._latest.get(kind)
            if previous is not None and previous.event is not None:
                previous.event = None
                self._dead += 1
                self._live -= 1
            self._latest[kind] = cell
        elif not isinstance(event, _KEPT):
            (self._lines if kind is ConsoleOutput else self._others).append(cell)
            if len(self._lines) + len(self._others) > self.max_lines:
                self._drop_oldest()
        self._cells.append(cell)
        self._live += 1
        if self._dead > 64 and self._dead > self._live:
            self._compact()
        self._wakeup.set()

    def _drop_oldest(self) -> None:
        victim = (self._lines or self._others).popleft()
        victim.event = None
        self._dead += 1
        self._live -= 1
        self.dropped += 1
        self._unreported += 1

    def _compact(self) -> None:
        self._cells = deque(cell for cell in self._cells if cell.event is not None)
        self._dead = 0

    def get_nowait(self) -> Event | None:
        """The next event, a :class:`Dropped` report first when lines were dropped; ``None`` when empty."""
        if self._closed:
            return None
        if self._unreported:
            report = Dropped(self._unreported)
            self._unreported = 0
            return report
        cells = self._cells
        while cells:
            cell = cells.popleft()
            event = cell.event
            if event is None:
                self._dead -= 1
                continue
            cell.event = None
            self._live -= 1
            kind = type(event)
            if kind is ConsoleOutput:
                self._lines.popleft()
            elif kind in _LATEST_WINS:
                del self._latest[kind]
            elif not isinstance(event, _KEPT):
                self._others.popleft()
            return event
        return None

    async def get(self) -> Event:
        """Waits for the next event.

        Raises:
            StopAsyncIteration: the queue was closed, or finished and drained.
            BaseException: the error :meth:`finish` was given, once the events before it were handed out.
        """
        while True:
            event = self.get_nowait()
            if event is not None:
                return event
            if self._closed:
                raise StopAsyncIteration
            if self._finished:
                error, self._error = self._error, None
                if error is not None:
                    raise error
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    def finish(self, error: BaseException | None = None) -> None:
        """No more events: :meth:`get` hands out what is buffered, then raises ``error`` (or stops)."""
        if not self._finished:
            self._finished = True
            self._error = error
        self._wakeup.set()

    def close(self) -> None:
        """Discards everything; :meth:`get` stops at once."""
        self._closed = True
        self._cells.clear()
        self._lines.clear()
        self._others.clear()
        self._latest.clear()
        self._live = self._dead = self._unreported = 0
        self._wakeup.set()
