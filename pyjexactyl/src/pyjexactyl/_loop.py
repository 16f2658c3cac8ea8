"""The sync client's private event loop: a daemon thread per :class:`~pyjexactyl.Jexactyl`, started on first
use and stopped by ``close()``, by the garbage collector, or at interpreter exit, never keeping a script
alive (see :class:`LoopThread`)."""

from __future__ import annotations

import asyncio
import atexit
import threading
import time
import warnings
from collections.abc import Callable, Coroutine
from concurrent.futures import CancelledError
from typing import Any, NoReturn, TypeVar

__all__ = ["CLOSE_WAIT", "EXIT_WAIT", "LoopThread"]

T = TypeVar("T")

EXIT_WAIT = 0.5
"""Seconds the interpreter's exit waits, in all, for the clients nobody closed to close their sessions."""

CLOSE_WAIT = 5.0
"""Seconds :meth:`Jexactyl.close` waits for the loop thread to end."""

_LIVENESS_CHECK = 1.0
"""Seconds between checks, while a call waits, that its loop has not been closed under it."""

_exiting = False
"""Set by the exit hook: from then on a call in flight belongs to a daemon thread the interpreter abandons."""

_live: set[LoopThread] = set()
"""Loop threads started and not stopped yet (the exit hook stops them)."""
_live_lock = threading.RLock()  # re-entrant: a __del__ run by the GC may stop a loop while this thread holds it


class LoopThread:
    """An event loop in a daemon thread, started on first use, stopped by :meth:`stop` or at interpreter exit.

    Stopping cancels the calls in flight on the loop (a caller waiting on one gets ``CancelledError`` instead
    of waiting forever), runs ``on_stop`` (the client's ``close()``) there, finishes the loop's async
    generators, and lets the thread close its own loop; the caller may wait for that or not.

    Why an exit hook: a daemon thread is frozen once the interpreter starts finalising, so nothing may wait
    on the loop from then on (``Jexactyl.__del__`` run at that stage used to wait forever). ``atexit``
    callbacks run after the non-daemon threads have been joined and before daemon threads are frozen: the
    hook stops every loop still running, waiting :data:`EXIT_WAIT` seconds at most.

    Args:
        label: What the :class:`ResourceWarning` of an unclosed client names, e.g. ``Jexactyl(url=...)``.
        on_stop: Coroutine function run on the loop before it stops.
    """

    def __init__(self, label: str, on_stop: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._label = label
        self._on_stop = on_stop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=LoopThread._main, args=(loop, ready), name="pyjexactyl-loop", daemon=True
                )
                try:
                    thread.start()
                except BaseException:
                    loop.close()
                    if _exiting and threading.current_thread() is not threading.main_thread():
                        _abandon_thread()  # a daemon thread's first call, too late: no thread starts now
                    raise
                ready.wait()
                self._loop, self._thread = loop, thread
                with _live_lock:
                    _live.add(self)
            return self._loop

    @staticmethod
    def _main(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
            # stop() was called and the client is closed: end what is left, as asyncio.run does (a call
            # submitted meanwhile may start a task while the loop turns: sweep until none is left).
            _cancel_all(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            _cancel_all(loop)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    @property
    def running(self) -> bool:
        return self._loop is not None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self._ensure()
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a sync pyjexactyl call was made from inside its own event loop")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        while True:
            try:
                return future.result(timeout=_LIVENESS_CHECK)
            except TimeoutError:
                if future.done():  # the call itself raised TimeoutError
                    raise
                if not loop.is_closed():
                    continue
                future.cancel()  # closed by another thread before the call got to run: it never will
            except CancelledError:  # the client was closed while the call was in flight
                pass
            if _exiting and threading.current_thread() is not threading.main_thread():
                _abandon_thread()
            raise CancelledError("the client was closed while this call was waiting for it")

    def stop(self, wait: float | None) -> threading.Thread | None:
        """Closes the client on the loop and stops it; never blocks unless ``wait`` is given.

        Safe from any thread, the loop thread included (it then never waits), and from ``__del__``.

        Args:
            wait: Seconds to wait for the thread to end; ``None`` returns at once.

        Returns:
            The thread that was running the loop, or ``None`` if none was.
        """
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return None
        with _live_lock:
            _live.discard(self)
        try:
            loop.call_soon_threadsafe(self._begin_stop, loop)
        except RuntimeError:  # the loop is already closed
            return None
        if wait is not None and threading.current_thread() is not thread:
            thread.join(wait)
        return thread

    def _begin_stop(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the loop: cancels the calls in flight, runs ``on_stop`` (both bounded), then stops the loop."""
        on_stop = self._on_stop

        async def close_then_stop() -> None:
            try:
                others = asyncio.all_tasks(loop) - {asyncio.current_task()}
                for task in others:
                    task.cancel()
                if others:
                    await asyncio.wait(others, timeout=CLOSE_WAIT)
                await asyncio.wait_for(on_stop(), CLOSE_WAIT)
            except Exception:  # the loop stops whatever happened; a failed close has nobody to report to
                pass
            finally:
                loop.stop()

        loop.create_task(close_then_stop())

    def abandon(self, source: object = None) -> threading.Thread | None:
        """The client was not closed (garbage-collected, or the interpreter is exiting): stops without
        waiting, then warns once with a :class:`ResourceWarning` (shown with ``-W default`` or ``-X dev``).

        Returns:
            The loop's thread if it was running, so the caller may wait for it.
        """
        thread = self.stop(wait=None)
        if thread is not None:
            self.warn_unclosed(source)
        return thread

    def warn_unclosed(self, source: object = None) -> None:
        """The one :class:`ResourceWarning` of a client that was not closed."""
        message = f"unclosed {self._label}: close it with close() or a with block"
        warnings.warn(message, ResourceWarning, stacklevel=1, source=source)


def _abandon_thread() -> NoReturn:
    """Parks a daemon thread whose call was cut short by interpreter exit until the interpreter ends.

    Python abandons daemon threads at exit without a word; waking this one with an error instead would print
    its traceback after the script's last line. (Only daemon threads get here: the non-daemon ones were
    joined before ``atexit`` callbacks run, and the main thread is never parked.)
    """
    threading.Event().wait()
    raise AssertionError("unreachable")  # pragma: no cover


def _stop_all_at_exit() -> None:
    """``atexit`` hook: stops the loop of every client still open, waiting :data:`EXIT_WAIT` s in all."""
    global _exiting
    _exiting = True
    with _live_lock:
        loops = list(_live)
    stopped = [(loop_thread, loop_thread.stop(wait=None)) for loop_thread in loops]
    deadline = time.monotonic() + EXIT_WAIT
    for _, thread in stopped:
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
    for loop_thread, thread in stopped:  # after the waiting: a warning made an error must not stop the rest
        if thread is not None:
            loop_thread.warn_unclosed()


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    """Cancels the loop's tasks and lets them finish, until none is left (a call submitted meanwhile may
    start one while the loop turns)."""
    while tasks := asyncio.all_tasks(loop):
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


atexit.register(_stop_all_at_exit)
