"""What the fake does in place of Wings: power transitions, backups, restores, installs and JWTs.

Each step also reaches the fake Wings' websockets (``runtime.wings``): ``status`` follows every change of
``server.state`` by itself; backups, restores and installs announce themselves here.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from ._envelope import PanelError
from ._routing import Runtime
from ._state import FakeBackup, FakeNode, FakeServer, FakeUser
from ._wings_jwt import node_jwt

__all__ = [
    "console_command",
    "crash_offline",
    "daemon_error",
    "finish_install",
    "node_jwt",
    "power",
    "signed_url",
    "start_backup",
    "start_restore",
]


def _bump(runtime: Runtime, server: FakeServer) -> int:
    value = runtime.power_generation.get(server.id, 0) + 1
    runtime.power_generation[server.id] = value
    return value


def _set_running(server: FakeServer) -> None:
    server.started_monotonic = time.monotonic()
    server.state = "running"


def _set_offline(server: FakeServer) -> None:
    server.state = "offline"
    server.started_monotonic = None


def power(runtime: Runtime, server: FakeServer, signal: str) -> None:
    """Apply a power signal the way Wings does: the answer is immediate, the state follows later.

    * ``start``: ``offline`` → ``starting`` now → ``running`` after ``power_delay``.
    * ``stop``: ``running``/``starting`` → ``stopping`` now → ``offline`` after ``power_delay``.
    * ``restart``: → ``stopping`` → ``starting`` → ``running`` (one ``power_delay`` per step;
      an offline server goes straight to ``starting``).
    * ``kill``: ``offline`` at once (through ``stopping``, as Wings reports it, when it was not offline).
    """
    delay = runtime.power_delay
    generation = _bump(runtime, server)

    def current() -> bool:
        return runtime.power_generation.get(server.id) == generation

    def step(target: str, then: str | None = None) -> None:
        def apply() -> None:
            if not current():
                return
            if target == "running":
                _set_running(server)
            elif target == "offline":
                _set_offline(server)
            else:
                server.state = target
            if then is not None:
                runtime.later(delay, lambda: step_now(then))

        runtime.later(delay, apply)

    def step_now(target: str) -> None:
        if not current():
            return
        if target == "starting":
            server.state = "starting"
            step("running")

    if signal == "start":
        if server.state in ("offline", "stopping"):
            server.state = "starting"
            step("running")
    elif signal == "stop":
        if server.state in ("running", "starting"):
            server.state = "stopping"
            step("offline")
        elif server.state == "stopping":
            step("offline")
    elif signal == "restart":
        if server.state in ("running", "starting", "stopping"):
            server.state = "stopping"
            step("offline", then="starting")
        else:
            server.state = "starting"
            step("running")
    elif signal == "kill":
        if server.state != "offline":
            server.state = "stopping"
        _set_offline(server)


def crash_offline(runtime: Runtime, server: FakeServer) -> None:
    """The server's process died: ``offline`` at once, cancelling any transition in progress."""
    _bump(runtime, server)
    _set_offline(server)


def start_backup(runtime: Runtime, server: FakeServer, backup: FakeBackup) -> None:
    """Complete ``backup`` successfully after ``backup_duration``."""

    def finish() -> None:
        if backup.deleted_at is None and backup.completed_at is None:
            runtime.store.finish_backup(backup, successful=True, size=len(server.files) * 1048576 + 4096)
            runtime.wings.backup_completed(server, backup)

    runtime.later(runtime.backup_duration, finish)


def start_restore(runtime: Runtime, server: FakeServer) -> None:
    """Put the server in ``restoring_backup`` for ``backup_duration``."""
    server.status = "restoring_backup"
    _set_offline(server)
    runtime.wings.restore_started(server)

    def finish() -> None:
        if server.status == "restoring_backup":
            server.status = None
            runtime.wings.restore_completed(server)

    runtime.later(runtime.backup_duration, finish)


def finish_install(runtime: Runtime, server: FakeServer, *, start: bool = False) -> None:
    """Put the server in ``installing`` for ``power_delay``, then clear it (and start when asked)."""
    server.status = "installing"
    _set_offline(server)
    runtime.wings.install_started(server)

    def finish() -> None:
        if server.status == "installing":
            server.status = None
            runtime.wings.install_completed(server)
            if start:
                power(runtime, server, "start")

    runtime.later(runtime.power_delay, finish)


def signed_url(node: FakeNode, path: str, claims: dict[str, Any], *, panel_url: str, user: FakeUser) -> str:
    """``https://node:8080/<path>?token=<jwt>`` (15-minute token)."""
    jti = hashlib.sha256(f"{user.id}{claims}".encode()).hexdigest()
    token = node_jwt(
        node, {**claims, "user_uuid": user.uuid, "unique_id": jti[:16]}, ttl=900, panel_url=panel_url, jti=jti
    )
    return f"{node.scheme}://{node.fqdn}:{node.daemon_listen}/{path}?token={token}"


def console_command(runtime: Runtime, server: FakeServer, line: str) -> None:
    """Wings writes ``line`` to the server's stdin: recorded in ``server.console``, echoed to its websockets."""
    runtime.wings.run_command(server, line)


def daemon_error(status: int, message: str, request_id: str = "fake-wings") -> PanelError:
    """A Wings 4xx passed through by the panel as ``DaemonConnectionException``."""
    return PanelError(
        status,
        "DaemonConnectionException",
        f"An error occurred on the remote host: {message}. (request id: {request_id})",
    )
