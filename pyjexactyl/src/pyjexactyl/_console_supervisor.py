"""The engine under :class:`~pyjexactyl.ConsoleSession`: the task that owns the socket.

One supervisor task per session reads frames, hands events to the bounded
:class:`~pyjexactyl._console_queue.EventQueue`, refreshes the token on the same socket when Wings says it is
expiring (or expired), and reconnects with backoff, driven by tenacity like the HTTP retries, when the socket
drops. The connection steps themselves (token, handshake, ``auth``) are in :mod:`pyjexactyl._console_link`;
the public surface is :mod:`pyjexactyl._console`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_delay

from ._console_frames import Control, encode_frame, parse_frame
from ._console_link import Link, is_expiry, is_transient
from ._console_queue import EventQueue
from .events import Event, Reconnected, ServerDeleted, StatusChanged
from .exceptions import ConsoleAuthError, ConsoleDisconnectedError

if TYPE_CHECKING:
    from ._endpoints.client.servers import ClientServers

__all__ = ["ConnectionState", "SessionCore", "reconnect_delay"]

ConnectionState = Literal["new", "connecting", "open", "reconnecting", "closed"]

RECONNECT_BACKOFF = (0.5, 30.0)
"""First and longest wait between reconnect attempts, in seconds (exponential, with jitter)."""


def reconnect_delay(failed_attempts: int) -> float:
    """Seconds to wait after ``failed_attempts`` failed connection attempts: 0.5, 1, 2, 4 ... up to 30, each
    plus up to 25% jitter (so sessions dropped together by a Wings restart do not reconnect in step).

    Example:
        >>> 0.5 <= reconnect_delay(1) <= 0.625 and 30 <= reconnect_delay(20) <= 37.5
        True
    """
    first, longest = RECONNECT_BACKOFF
    base = min(longest, first * 2.0 ** (failed_attempts - 1))
    return base + random.uniform(0, base * 0.25)


class SessionCore:
    """The state and the supervisor of a console session (see :class:`~pyjexactyl.ConsoleSession`).

    Args:
        servers: The ``api.client.servers`` namespace.
        server_id: Server identifier.
        logs: Ask for the recent lines after connecting.
        max_queue: The queue's bound on waiting lines.
        reconnect_timeout: Seconds to keep reconnecting (or refreshing the token) before giving up.
        logs_on_reconnect: Ask for the recent lines again after a reconnect.
        heartbeat: Seconds between websocket pings, or ``None``.
    """

    def __init__(
        self,
        servers: ClientServers,
        server_id: str,
        *,
        logs: bool,
        max_queue: int,
        reconnect_timeout: float,
        logs_on_reconnect: bool,
        heartbeat: float | None,
    ) -> None:
        self._client = servers._client
        self._link = Link(servers, server_id, heartbeat=heartbeat)
        self._server_id = server_id
        self._logs = logs
        self._logs_on_reconnect = logs_on_reconnect
        self._reconnect_timeout = reconnect_timeout
        self._queue = EventQueue(max_queue)
        self._log: logging.Logger = servers._client.config.logger
        self._debug = servers._client.config.debug
        self._connection: ConnectionState = "new"
        self._state: str | None = None
        self._ready = asyncio.Event()  # open and the token valid: sends go out
        self._state_changed = asyncio.Event()  # set, then replaced, at every status
        self._ended = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._refresh: asyncio.Task[None] | None = None
        self._expiry_refreshes = 0  # refreshes since the last auth success because Wings said "expired"
        self._awaiting_auth = False  # a fresh token was sent and Wings has not answered yet
        self._fatal: BaseException | None = None
        self._send_lock = asyncio.Lock()
        self._malformed = 0
        self._reconnects = 0

    @staticmethod
    async def _first_of(*events: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def _deliver(self, event: Event) -> None:
        if isinstance(event, StatusChanged):
            self._state = event.state
            changed, self._state_changed = self._state_changed, asyncio.Event()
            changed.set()
        self._queue.put(event)

    def _opened(self, events: list[Event], reconnected: Reconnected | None = None) -> None:
        """A socket is authenticated: deliver what its handshake received (after ``reconnected``), open."""
        self._expiry_refreshes = 0
        self._awaiting_auth = False
        if reconnected is not None:
            self._reconnects += 1  # counted as the event is queued: a consumer in another thread sees both
            self._deliver(reconnected)
        for event in events:
            self._deliver(event)
        self._connection = "open"
        self._ready.set()
        if self._link.expiring_during_handshake:
            self._start_refresh("expiring")

    async def _run(self) -> None:
        error: BaseException | None = None
        try:
            while True:
                if self._logs and (self._reconnects == 0 or self._logs_on_reconnect):
                    try:
                        await self._link.send(encode_frame("send logs"))
                    except ConsoleDisconnectedError:
                        pass  # dropped already: the pump sees the close next
                deleted = await self._pump()
                self._ready.clear()
                self._stop_refresh()
                if self._fatal is not None:
                    raise self._fatal
                if deleted:
                    return
                await self._reconnect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
            if self._debug or not isinstance(exc, ConsoleDisconnectedError):
                self._log.warning("pyjexactyl: console %s ended: %s", self._server_id, type(exc).__name__)
        finally:
            self._stop_refresh()
            self._ready.clear()
            if self._connection != "closed":
                self._connection = "closed"
                await self._link.close()
            self._queue.finish(error)
            self._client._consoles.discard(self)
            self._ended.set()

    async def _pump(self) -> bool:
        """Reads frames until the socket closes; True when the server was deleted."""
        while True:
            text = await self._link.receive()
            if text is None:
                if self._link.closed_as_deleted():
                    self._deliver(ServerDeleted())
                    return True
                return False
            parsed = parse_frame(text)
            if parsed is None:
                self._malformed += 1
                self._log.log(
                    logging.WARNING if self._malformed == 1 else logging.DEBUG,
                    "pyjexactyl: console %s: skipped a frame that is not a Wings event (%d so far)",
                    self._server_id,
                    self._malformed,
                )
            elif isinstance(parsed, Control):
                self._control(parsed)
                if self._fatal is not None:
                    return False
            else:
                self._deliver(parsed)
                if isinstance(parsed, ServerDeleted):
                    return True

    def _control(self, frame: Control) -> None:
        if frame.name == "auth success":
            self._expiry_refreshes = 0
            self._awaiting_auth = False
            self._ready.set()
            if self._debug:
                self._log.debug("pyjexactyl: console %s re-authenticated", self._server_id)
        elif frame.name == "token expiring":
            self._start_refresh("expiring")
        elif frame.name == "token expired" or is_expiry(frame.reason):
            self._ready.clear()  # Wings answers anything sent now with a jwt error: hold sends
            if self._refresh is not None and not self._refresh.done():
                return  # a refresh is on its way
            if self._awaiting_auth and frame.name != "token expired":
                return  # Wings has not handled the fresh token yet: a jwt error for an older frame
            self._awaiting_auth = False
            # One refresh per expiry; a second when Wings' periodic "token expired" crossed the first one.
            if self._expiry_refreshes >= 2:
                self._fatal = ConsoleAuthError(
                    f"Wings refused a fresh console token of {self._server_id} as expired (is the node's clock right?)",
                    reason=frame.reason or frame.name,
                )
                return
            self._expiry_refreshes += 1
            self._start_refresh("expired")
        else:  # any other jwt error: a fresh token would not help
            self._fatal = ConsoleAuthError(
                f"Wings refused the console token of {self._server_id}: {frame.reason}", reason=frame.reason
            )

    def _start_refresh(self, why: str) -> None:
        if self._refresh is not None and not self._refresh.done():
            return
        self._refresh = asyncio.create_task(
            self._refresh_token(why), name=f"pyjexactyl-console-token-{self._server_id}"
        )

    def _stop_refresh(self) -> None:
        if self._refresh is not None and not self._refresh.done():
            self._refresh.cancel()
        self._refresh = None

    async def _refresh_token(self, why: str) -> None:
        """Fetches a fresh token and authenticates again on the same socket."""
        if self._debug:
            self._log.debug("pyjexactyl: console %s token %s; fetching a fresh one", self._server_id, why)
        try:
            await self._retrying(self._reauth, "token refresh")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_transient(exc):
                exc = ConsoleDisconnectedError(
                    f"Could not refresh the console token of {self._server_id} for {self._reconnect_timeout} s: {exc}"
                )
            self._fatal = exc
            await self._link.close()  # ends the pump, and the supervisor raises _fatal

    async def _reauth(self) -> None:
        token, _ = await self._link.fetch_token()
        self._awaiting_auth = True  # before sending: the answer may be read before this task runs again
        await self._link.send(encode_frame("auth", token))
        if self._debug:
            self._log.debug("pyjexactyl: console %s sent a fresh token", self._server_id)

    async def _reconnect(self) -> None:
        self._connection = "reconnecting"
        dropped_at = time.monotonic()
        self._log.info(
            "pyjexactyl: console %s dropped (%s); reconnecting", self._server_id, self._link.describe_close()
        )
        attempts = 0
        events: list[Event] = []

        async def attempt() -> None:
            nonlocal attempts, events
            attempts += 1
            events = await self._link.open()

        try:
            await self._retrying(attempt, "reconnect")
        except Exception as exc:
            if not is_transient(exc):
                raise
            downtime = time.monotonic() - dropped_at
            raise ConsoleDisconnectedError(
                f"Gave up reconnecting the console of {self._server_id} after {downtime:.1f} s and {attempts} "
                f"attempts: {exc}",
                attempts=attempts,
                downtime=downtime,
            ) from exc
        self._opened(events, Reconnected(attempts=attempts, downtime=round(time.monotonic() - dropped_at, 3)))
        self._log.info("pyjexactyl: console %s reconnected after %d attempt(s)", self._server_id, attempts)

    async def _retrying(self, step: Callable[[], object], what: str) -> None:
        """Runs ``step`` until it succeeds, retrying transient failures with exponential backoff for at most
        ``reconnect_timeout`` seconds; a panel refusal (403, 404, 409) or an auth error is raised at once."""
        deadline = time.monotonic() + self._reconnect_timeout

        def wait(state: RetryCallState) -> float:
            return max(0.0, min(reconnect_delay(state.attempt_number), deadline - time.monotonic()))

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            self._log.info(
                "pyjexactyl: console %s %s attempt %d failed (%s); next in %.1f s",
                self._server_id,
                what,
                state.attempt_number,
                type(exc).__name__,
                state.upcoming_sleep,
            )

        retrying = AsyncRetrying(
            stop=stop_after_delay(self._reconnect_timeout),
            wait=wait,
            retry=retry_if_exception(is_transient),
            before_sleep=log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                result = step()
                if asyncio.iscoroutine(result):
                    await result
