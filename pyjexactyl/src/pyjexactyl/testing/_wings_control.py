"""``panel.wings``: the controls tests use to drive the fake Wings from outside."""

from __future__ import annotations

import time

from . import _wings_events as ev
from ._state import FakeBackup, FakeNode, FakeUser
from ._wings import crash_offline
from ._wings_hooks import WingsHooks
from ._wings_hub import ServerRef

__all__ = ["FakeWings"]


class FakeWings(WingsHooks):
    """The Wings daemons of a :class:`~pyjexactyl.testing.FakePanel`, speaking the console websocket (§8).

    Available as ``panel.wings``. Each node listens on its own port of the panel's host;
    ``GET /api/client/servers/{s}/websocket`` returns ``ws://127.0.0.1:<port>/api/servers/<uuid>/ws`` and
    a JWT signed with the node's daemon token. Power changes made through ``POST /power``, the websocket's
    ``set state``, schedules, or by assigning ``server.state`` all reach the sockets as ``status`` events.

    Every method may be called from the panel's loop or from another thread; ``server`` arguments take a
    :class:`FakeServer`, an id, an identifier, a uuid or a name. The attributes below may be changed at any
    time; the design notes (``docs/design.md``, "The fake Wings") describe the protocol details.

    Attributes:
        token_ttl: lifetime in seconds of the JWTs ``/websocket`` issues (the panel's is 600).
        token_check_interval: seconds between expiry checks of a socket's token (default ``min(30, ttl/10)``).
        token_expiring_threshold: ``token expiring`` when at most this many seconds remain
            (default ``min(60, ttl/3)``); set either to ``None`` to return to the default.
        stats_interval: seconds between ``stats`` frames while a server's container runs (Wings: ~1).
        allowed_origins: ``Origin`` values accepted besides the panel URL (``"*"`` accepts any).
        log_count: console lines ``send logs`` replays (Wings' ``websocket_log_count``, 150).
        console_responses: command → lines printed after the echo (exact line first, then first word);
            a value may be a callable ``(server, line) -> lines``. Per server: :meth:`respond`.
        echo_format: how the console echoes a command (``{command}``); ``None`` for no echo.
        state_output: :class:`StateOutput` per power state (``starting``, ``running``, ``stopping``...).
        install_script_output: ``install output`` lines of a (re)install.
        backup_event_suffix: name the event ``backup completed:<uuid>`` (§8, what the panel's UI listens
            for); ``False`` sends ``backup completed`` as Wings ≥ 1.7 really does (the uuid is in the JSON).
        app_name: the name in daemon lines (``[Pterodactyl Daemon]:``).
        crash_timeout: seconds after a crash during which another crash is not restarted (Wings: 60).
        record_frames: set to ``False`` to stop appending to :attr:`frames` (long benchmarks).

    Example:
        >>> panel.wings.respond("list", ["There are 2 of a max of 20 players online: a, b"])  # doctest: +SKIP
        >>> panel.wings.console_output("Survival SMP", "[12:00:00 INFO]: hello")  # doctest: +SKIP
    """

    # ================================================================================ server output
    def console_output(self, server: ServerRef, *lines: str) -> None:
        """The server's process prints ``lines``: ``console output`` to every socket, kept in the history."""
        target = self._resolve(server)
        self._call(lambda: self._console(target, lines))

    def daemon_output(self, server: ServerRef, *texts: str) -> None:
        """Wings prints notices into the console (``[Pterodactyl Daemon]: text``, coloured; not in the history)."""
        target = self._resolve(server)
        self._call(lambda: self._daemon(target, texts))

    def daemon_message(self, server: ServerRef, text: str) -> None:
        """Send a ``daemon message`` event."""
        self.emit(server, ev.DAEMON_MESSAGE, text)

    def install_output(self, server: ServerRef, *lines: str) -> None:
        """Send ``install output`` lines (only tokens with ``admin.websocket.install`` receive them)."""
        for line in lines:
            self.emit(server, ev.INSTALL_OUTPUT, line)

    def transfer_logs(self, server: ServerRef, *lines: str) -> None:
        """Send ``transfer logs`` lines (only tokens with ``admin.websocket.transfer`` receive them)."""
        for line in lines:
            self.emit(server, ev.TRANSFER_LOGS, line)

    def transfer_status(self, server: ServerRef, status: str) -> None:
        """Send ``transfer status`` (``"archive"``, ``"success"``, ``"failure"``, ``"completed"``...)."""
        self.emit(server, ev.TRANSFER_STATUS, status)

    def emit(self, server: ServerRef, event: str, *args: str) -> None:
        """Send any event to the server's authenticated sockets through Wings' checks.

        The token is checked first (an invalid one turns the frame into ``jwt error``), then the
        permission filters (install output, backups, transfer logs). Use it for events the fake never
        sends by itself, e.g. an event a newer Wings might add.
        """
        target = self._resolve(server)
        self._call(lambda: self._broadcast(target, event, list(args)))

    def send_raw(self, server: ServerRef, data: str | bytes) -> int:
        """Write ``data`` verbatim (binary for ``bytes``) to the server's authenticated sockets; returns how many."""
        target = self._resolve(server)

        def send() -> int:
            sessions = [s for s in self.sessions(target) if s.listening]
            for session in sessions:
                session.send_raw(data)
            return len(sessions)

        return self._call(send)

    def send_malformed(self, server: ServerRef) -> int:
        """Write a truncated JSON frame to the server's authenticated sockets; returns how many."""
        return self.send_raw(server, '{"event":"console output","args":["trunc')

    def crash(self, server: ServerRef, *, exit_code: int = 1, oom_killed: bool = False, restart: bool = True) -> None:
        """The server's process dies: ``offline``, Wings' crash notices, then a restart as Wings' crash handler does.

        A second crash within :attr:`crash_timeout` seconds is not restarted ("Aborting automatic restart,
        last crash occurred less than 60 seconds ago."); ``restart=False`` says crash detection is off.
        """
        target = self._resolve(server)

        def apply() -> None:
            if target.state == "offline":
                return
            crash_offline(self.runtime, target)
            channel = self._channel(target)
            if not restart:
                self._daemon(target, ["Aborting automatic restart, crash detection is disabled for this instance."])
                return
            self._daemon(
                target,
                [
                    "---------- Detected server process in a crashed state! ----------",
                    f"Exit code: {exit_code}",
                    f"Out of memory: {'true' if oom_killed else 'false'}",
                ],
            )
            now = time.monotonic()
            if channel.last_crash is not None and now - channel.last_crash < self.crash_timeout:
                timeout = int(self.crash_timeout)
                notice = f"Aborting automatic restart, last crash occurred less than {timeout} seconds ago."
                self._daemon(target, [notice])
                return
            channel.last_crash = now
            self.socket_power(target, "start", actor_uuid=None)

        self._call(apply)

    def finish_backup(self, backup: FakeBackup, *, successful: bool = True, size: int = 52428800) -> None:
        """Complete an in-progress backup now (success or failure) and send ``backup completed``."""

        def apply() -> None:
            server = self.store.servers.get(backup.server_id)
            if backup.completed_at is not None or server is None:
                return
            self.store.finish_backup(backup, successful=successful, size=size)
            self.backup_completed(server, backup)

        self._call(apply)

    def revoke_tokens(self, server: ServerRef, user: FakeUser) -> None:
        """Deny the user's tokens for the server issued until now (what the panel does when a subuser changes)."""
        target = self._resolve(server)
        self._call(lambda: self.revoke(target, user))

    # ================================================================================ faults
    def drop(
        self, server: ServerRef | None = None, *, node: FakeNode | int | None = None, code: int | None = None
    ) -> int:
        """Close sockets now: one server's, one node's, or all; returns how many.

        Without ``code`` the TCP connection is cut without a close frame (clients see 1006), as when Wings
        or the network dies; with a ``code`` (e.g. 1001, 1012) a close frame is sent after pending frames.
        """
        target = self._resolve(server) if server is not None else None
        node_id = self._node_id(node) if node is not None else None

        def apply() -> int:
            chosen = [s for s in self.sessions(target) if node_id is None or s.server.node_id == node_id]
            for session in chosen:
                if code is None:
                    session.abort_now()
                else:
                    session.close(code, "")
            return len(chosen)

        return self._call(apply)

    def restart(self, node: FakeNode | int) -> int:
        """Restart the node's Wings: cut its sockets; tokens issued before now are refused (denylist).

        Clients must fetch a new token from ``/websocket``; the old one gets
        ``jwt error`` ``jwt: created too far in past (denylist)``. Returns how many sockets were cut.
        """
        node_id = self._node_id(node)

        def apply() -> int:
            self._boot[node_id] = time.time()
            return self.drop(node=node_id)

        return self._call(apply)

    def refuse_next(self, count: int, *, status: int = 502, server: ServerRef | None = None) -> None:
        """Answer the next ``count`` websocket upgrades (of one server, or any) with HTTP ``status``."""
        prefix = f"/api/servers/{self._uuid(server)}/ws" if server is not None else None
        self._call(lambda: self._server.queue_refusal(count, status, prefix))

    def set_node_down(self, node: FakeNode | int, down: bool = True) -> None:
        """Take a node's Wings down (its sockets are cut, new connections are refused) or bring it back.

        While down nothing listens on the node's port, so clients get "connection refused"; the panel's
        HTTP API keeps answering as before. Back up, the node listens on the same port again.
        """
        node_id = self._node_id(node)

        def apply() -> None:
            if down:
                self._server.set_down(node_id, True)
                self.drop(node=node_id)
            else:
                self._server.set_down(node_id, False)

        self._call(apply)

    def node_down(self, node: FakeNode | int) -> bool:
        """Whether the node was taken down with :meth:`set_node_down`."""
        node_id = self._node_id(node)
        return self._call(lambda: self._server.is_down(node_id))

    def delay_frames(self, seconds: float, *, server: ServerRef | None = None) -> None:
        """Deliver every frame sent from now on ``seconds`` late (for one server, or all); ``0`` stops it."""
        key = self._uuid(server) if server is not None else None
        self._call(lambda: self._delays.__setitem__(key, max(0.0, seconds)))

    # ================================================================================ inspection
    def open_connections(self, server: ServerRef | None = None) -> list[ev.WingsConnection]:
        """Records of the sockets open now (all, or one server's)."""
        target = self._resolve(server) if server is not None else None
        return self._call(lambda: [s.record for s in self.sessions(target)])
