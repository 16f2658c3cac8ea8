"""What the fake does in place of Wings: power transitions, backups, restores, installs and JWTs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from ._envelope import PanelError
from ._routing import Runtime
from ._state import FakeBackup, FakeNode, FakeServer, FakeUser

__all__ = ["daemon_error", "finish_install", "node_jwt", "power", "signed_url", "start_backup", "start_restore"]


def _bump(runtime: Runtime, server: FakeServer) -> int:
    value = runtime.power_generation.get(server.id, 0) + 1
    runtime.power_generation[server.id] = value
    return value


def _set_running(server: FakeServer) -> None:
    server.state = "running"
    server.started_monotonic = time.monotonic()


def _set_offline(server: FakeServer) -> None:
    server.state = "offline"
    server.started_monotonic = None


def power(runtime: Runtime, server: FakeServer, signal: str) -> None:
    """Apply a power signal the way Wings does: the answer is immediate, the state follows later.

    * ``start``: ``offline`` → ``starting`` now → ``running`` after ``power_delay``.
    * ``stop``: ``running``/``starting`` → ``stopping`` now → ``offline`` after ``power_delay``.
    * ``restart``: → ``stopping`` → ``starting`` → ``running`` (one ``power_delay`` per step;
      an offline server goes straight to ``starting``).
    * ``kill``: ``offline`` at once.
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
        _set_offline(server)


def start_backup(runtime: Runtime, server: FakeServer, backup: FakeBackup) -> None:
    """Complete ``backup`` successfully after ``backup_duration``."""

    def finish() -> None:
        if backup.deleted_at is None and backup.completed_at is None:
            runtime.store.finish_backup(backup, successful=True, size=len(server.files) * 1048576 + 4096)

    runtime.later(runtime.backup_duration, finish)


def start_restore(runtime: Runtime, server: FakeServer) -> None:
    """Put the server in ``restoring_backup`` for ``backup_duration``."""
    server.status = "restoring_backup"
    _set_offline(server)

    def finish() -> None:
        if server.status == "restoring_backup":
            server.status = None

    runtime.later(runtime.backup_duration, finish)


def finish_install(runtime: Runtime, server: FakeServer, *, start: bool = False) -> None:
    """Put the server in ``installing`` for ``power_delay``, then clear it (and start when asked)."""
    server.status = "installing"
    _set_offline(server)

    def finish() -> None:
        if server.status == "installing":
            server.status = None
            if start:
                power(runtime, server, "start")

    runtime.later(runtime.power_delay, finish)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def node_jwt(node: FakeNode, claims: dict[str, Any], *, ttl: int, panel_url: str, jti: str) -> str:
    """An HS256 JWT signed with the node's daemon token, like ``NodeJWTService``."""
    now = int(time.time())
    header = {"typ": "JWT", "alg": "HS256", "jti": jti}
    payload = {
        "iss": panel_url,
        "aud": [f"{node.scheme}://{node.fqdn}:{node.daemon_listen}"],
        "jti": jti,
        "iat": now,
        "nbf": now - 300,
        "exp": now + ttl,
        **claims,
    }
    encoded_header = _b64(json.dumps(header, separators=(",", ":")).encode())
    encoded_payload = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{encoded_header}.{encoded_payload}"
    signature = hmac.new(node.daemon_token.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def signed_url(node: FakeNode, path: str, claims: dict[str, Any], *, panel_url: str, user: FakeUser) -> str:
    """``https://node:8080/<path>?token=<jwt>`` (15-minute token)."""
    jti = hashlib.sha256(f"{user.id}{claims}".encode()).hexdigest()
    token = node_jwt(
        node, {**claims, "user_uuid": user.uuid, "unique_id": jti[:16]}, ttl=900, panel_url=panel_url, jti=jti
    )
    return f"{node.scheme}://{node.fqdn}:{node.daemon_listen}/{path}?token={token}"


def daemon_error(status: int, message: str, request_id: str = "fake-wings") -> PanelError:
    """A Wings 4xx passed through by the panel as ``DaemonConnectionException``."""
    return PanelError(
        status,
        "DaemonConnectionException",
        f"An error occurred on the remote host: {message}. (request id: {request_id})",
    )
