"""Which interactions are still being handled, and one log line for each, through public hooks only.

Every hook of the bot that receives an interaction calls :meth:`InteractionTracker.attach` first: the command
tree's ``interaction_check`` and ``on_error`` (slash commands, autocomplete), the ``interaction_check`` and
``on_error`` of :class:`bot.ui.base.BotView` / :class:`bot.ui.base.BotModal` (every button, select and form
the bot sends) and ``on_interaction`` when it answers a form or button whose view is gone. discord.py runs each
of these hooks inside the task that handles that interaction (the tree's invoker task, a view's or a modal's
dispatch task, a listener task), so attaching records :func:`asyncio.current_task` and the interaction stays
*in flight* until every attached task has finished, error handler included. Then its one log line is written::

    interaction user=123 type=slash command=server list outcome=ok ms=42
    interaction user=123 type=modal command=account link outcome=ok ms=310

``command`` is the slash command; for a button, a select or a form it is the command whose message or
form it belongs to (a view sets ``interaction.extras["command"]``), never a custom_id.

The tracker also knows the bot's live views and modals (:meth:`track_view`), so that ``on_interaction`` can
tell a button or form that no view will handle any more (it timed out, or the bot restarted) and answer it
instead of leaving Discord's "This interaction failed".
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import discord

from .errors import interaction_name

__all__ = ["InteractionTracker", "interaction_type", "log_interaction"]

log = logging.getLogger("bot.tracking")
interactions_log = logging.getLogger("bot.interactions")

_TYPE_NAMES: dict[discord.InteractionType, str] = {
    discord.InteractionType.application_command: "slash",
    discord.InteractionType.autocomplete: "autocomplete",
    discord.InteractionType.modal_submit: "modal",
}
_RECENT = 4096
"""Finished interaction ids remembered for :meth:`InteractionTracker.wait_finished`."""


def interaction_type(interaction: discord.Interaction[Any]) -> str:
    """``slash``, ``autocomplete``, ``button``, ``select``, ``modal`` (or discord.py's name for the type)."""
    name = _TYPE_NAMES.get(interaction.type)
    if name is not None:
        return name
    if interaction.type is discord.InteractionType.component:
        data: dict[str, Any] = dict(interaction.data or {})
        return "button" if data.get("component_type") == discord.ComponentType.button.value else "select"
    return interaction.type.name


def log_interaction(interaction: discord.Interaction[Any], outcome: str, elapsed_ms: float) -> None:
    """Writes the interaction's one log line (autocomplete at DEBUG: it fires on every keystroke)."""
    level = logging.DEBUG if interaction.type is discord.InteractionType.autocomplete else logging.INFO
    interactions_log.log(
        level,
        "interaction user=%s type=%s command=%s outcome=%s ms=%.0f",
        interaction.user.id,
        interaction_type(interaction),
        interaction_name(interaction),
        outcome,
        elapsed_ms,
    )


@dataclass(eq=False)
class _InFlight:
    """One interaction with at least one handler task that has not finished."""

    interaction: discord.Interaction[Any]
    started: float
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


class InteractionTracker:
    """Follows every interaction from the first hook that sees it until the tasks handling it have finished.

    A shutdown waits on :meth:`wait_idle`. ``len(tracker)`` is the number of interactions in flight.
    """

    def __init__(self) -> None:
        self._records: dict[int, _InFlight] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._finished: deque[int] = deque(maxlen=_RECENT)
        self._finished_set: set[int] = set()
        self._changed = asyncio.Event()
        self._views: weakref.WeakSet[discord.ui.View | discord.ui.Modal] = weakref.WeakSet()
        self.total = 0
        """Interactions finished since start."""

    def __len__(self) -> int:
        return len(self._records)

    # ------------------------------------------------------------------ following interactions

    def attach(self, interaction: discord.Interaction[Any]) -> None:
        """Counts ``interaction`` as in flight until the current task (the one handling it) has finished.

        Call it first thing in every hook that receives an interaction; calling it again is harmless.
        """
        task = asyncio.current_task()
        if interaction.id in self._finished_set:
            return  # a late hook of an interaction already logged
        record = self._records.get(interaction.id)
        if record is None:
            record = _InFlight(interaction, time.perf_counter())
            interaction.extras.setdefault("started", record.started)
            self._records[interaction.id] = record
            self._idle.clear()
            self._notify()
        if task is None or task.done():  # pragma: no cover - hooks always run inside a task
            return
        if task not in record.tasks:
            record.tasks.add(task)
            task.add_done_callback(functools.partial(self._task_done, record))

    def _task_done(self, record: _InFlight, task: asyncio.Task[Any]) -> None:
        record.tasks.discard(task)
        if record.tasks:
            return
        interaction = record.interaction
        self._records.pop(interaction.id, None)
        self._remember(interaction.id)
        self.total += 1
        outcome = interaction.extras.get("outcome")
        error = None if task.cancelled() else task.exception()
        if error is not None:  # escaped every error handler: log it here, with its traceback
            log.error("unhandled error in %s", interaction_name(interaction), exc_info=error)
            outcome = "error"
        elif not isinstance(outcome, str):
            outcome = "failed" if task.cancelled() or interaction.command_failed else "ok"
        log_interaction(interaction, outcome, (time.perf_counter() - record.started) * 1000)
        if not self._records:
            self._idle.set()
        self._notify()

    def _remember(self, interaction_id: int) -> None:
        if len(self._finished) == self._finished.maxlen:
            self._finished_set.discard(self._finished[0])
        self._finished.append(interaction_id)
        self._finished_set.add(interaction_id)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def is_finished(self, interaction_id: int) -> bool:
        """Whether the interaction was handled to the end (and logged) recently."""
        return interaction_id in self._finished_set

    async def wait_finished(self, interaction_id: int, timeout: float) -> None:
        """Waits until the interaction ``interaction_id`` has been handled to the end (its log line written).

        Tests use it where a person would wait anyway: a form can be submitted only once the command that
        opened it has finished (discord.py registers the form when Discord has accepted it).

        Raises:
            TimeoutError: It did not finish within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while interaction_id not in self._finished_set:
                await self._changed.wait()

    async def wait_idle(self, timeout: float, abort: asyncio.Event | None = None) -> bool:
        """Waits until no interaction is in flight; ``False`` if ``timeout`` or ``abort`` came first."""
        waiters = {asyncio.ensure_future(self._idle.wait())}
        if abort is not None:
            waiters.add(asyncio.ensure_future(abort.wait()))
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return self._idle.is_set()

    # ------------------------------------------------------------------ live views and modals

    def track_view(self, view: discord.ui.View | discord.ui.Modal) -> None:
        """Remembers a view or modal the bot is about to send (weakly: it is forgotten with the view)."""
        self._views.add(view)

    def has_live_handler(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether a live view or modal of the bot will handle this button, select or form submission."""
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = data.get("custom_id")
        if not isinstance(custom_id, str):
            return False
        modal = interaction.type is discord.InteractionType.modal_submit
        for view in list(self._views):
            if view.is_finished():
                continue
            if isinstance(view, discord.ui.Modal):
                if modal and view.custom_id == custom_id:
                    return True
            elif not modal and any(getattr(item, "custom_id", None) == custom_id for item in view.walk_children()):
                return True
        return False
