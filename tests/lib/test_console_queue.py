"""The console session's bounded buffer: oldest lines dropped first and counted, stats/status latest-wins,
one-off events kept, memory bounded however slow the consumer. (The same behaviour end to end, through a
real socket, is in test_console_session.py.)"""

from __future__ import annotations

import asyncio
import tracemalloc

import pytest

from pyjexactyl import (
    BackupCompleted,
    ConsoleOutput,
    DaemonMessage,
    Dropped,
    InstallOutput,
    Reconnected,
    ServerDeleted,
    Stats,
    StatusChanged,
    UnknownEvent,
)
from pyjexactyl._console_queue import EventQueue
from pyjexactyl.events import Event


def drain(queue: EventQueue) -> list[Event]:
    out: list[Event] = []
    while (event := queue.get_nowait()) is not None:
        out.append(event)
    return out


def test_lines_beyond_the_bound_drop_the_oldest_and_report_them_in_their_place() -> None:
    queue = EventQueue(max_lines=3)
    for n in range(5):
        queue.put(ConsoleOutput(f"line {n}"))
    assert (len(queue), queue.dropped) == (3, 2)
    assert drain(queue) == [Dropped(2), ConsoleOutput("line 2"), ConsoleOutput("line 3"), ConsoleOutput("line 4")]
    queue.put(ConsoleOutput("line 5"))
    assert drain(queue) == [ConsoleOutput("line 5")]  # reported once
    assert queue.dropped == 2  # the running total stays


def test_stats_and_status_are_never_dropped_and_the_latest_wins() -> None:
    queue = EventQueue(max_lines=2)
    queue.put(StatusChanged("starting"))
    queue.put(Stats(memory_bytes=1))
    for n in range(10):
        queue.put(ConsoleOutput(f"line {n}"))
        queue.put(Stats(memory_bytes=100 + n))
    queue.put(StatusChanged("running"))
    assert queue.dropped == 8
    # the latest of each, at the place in time where it arrived; the two newest lines
    assert drain(queue) == [
        Dropped(8),
        ConsoleOutput("line 8"),
        ConsoleOutput("line 9"),
        Stats(memory_bytes=109),
        StatusChanged("running"),
    ]


def test_console_lines_go_before_other_droppable_events() -> None:
    queue = EventQueue(max_lines=3)
    queue.put(DaemonMessage("first"))
    queue.put(InstallOutput("install"))
    queue.put(ConsoleOutput("a"))
    queue.put(ConsoleOutput("b"))  # over the bound: "a" goes, not the older daemon message
    queue.put(UnknownEvent("x", ("1",)))  # "b" goes
    assert drain(queue) == [Dropped(2), DaemonMessage("first"), InstallOutput("install"), UnknownEvent("x", ("1",))]
    for n in range(4):
        queue.put(InstallOutput(str(n)))  # no console line left to drop: the oldest other line goes
    assert drain(queue) == [Dropped(1), InstallOutput("1"), InstallOutput("2"), InstallOutput("3")]


def test_one_off_events_are_kept_however_full_the_queue_is() -> None:
    queue = EventQueue(max_lines=1)
    kept = [BackupCompleted("b", True), Reconnected(2, 1.5), ServerDeleted()]
    queue.put(ConsoleOutput("old"))
    for event in kept:
        queue.put(event)
        queue.put(ConsoleOutput("spam"))
    assert drain(queue) == [Dropped(3), *kept, ConsoleOutput("spam")]


def test_a_stalled_consumer_holds_bounded_memory() -> None:
    queue = EventQueue(max_lines=500)
    line = "x" * 200

    def feed(n: int) -> None:
        for i in range(n):
            queue.put(ConsoleOutput(line + str(i)))
            if i % 20 == 0:
                queue.put(Stats(memory_bytes=i))
                queue.put(StatusChanged("running"))

    feed(5_000)  # warm up: the buffer is full from here on
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        feed(50_000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(queue) <= 500 + 2
    assert queue.dropped == 55_000 - 500
    # 50,000 more lines of ~200 bytes (10 MB) went through; what stays is one buffer's worth at most
    assert grown < 200_000, grown
    assert drain(queue)[0] == Dropped(54_500)


async def test_get_waits_for_events_and_ends_after_finish() -> None:
    queue = EventQueue(max_lines=10)
    waiter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not waiter.done()
    queue.put(ConsoleOutput("hello"))
    assert await asyncio.wait_for(waiter, 1) == ConsoleOutput("hello")

    queue.put(ConsoleOutput("last"))
    error = RuntimeError("gave up")
    queue.finish(error)
    queue.put(ConsoleOutput("after the end"))  # ignored
    assert await queue.get() == ConsoleOutput("last")  # what was buffered comes first
    with pytest.raises(RuntimeError, match="gave up"):
        await queue.get()
    with pytest.raises(StopAsyncIteration):
        await queue.get()


async def test_close_discards_and_wakes_a_waiting_consumer() -> None:
    queue = EventQueue(max_lines=10)
    queue.put(ConsoleOutput("pending"))
    assert await queue.get() == ConsoleOutput("pending")
    waiter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put(ConsoleOutput("x"))
    queue.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiter, 1)
    assert len(queue) == 0 and queue.finished


def test_the_bound_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        EventQueue(0)
