"""What the panel side and the sockets ask of the fake Wings: tokens, commands, power, backups, installs."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from . import _wings_events as ev
from ._routing import Runtime
from ._state import FakeBackup, FakeServer, FakeUser
from ._wings import power
from ._wings_hub import WingsHub
from ._wings_jwt import node_jwt
from ._wings_server import WingsServer
from ._wings_session import WingsSession

__all__ = ["WingsHooks"]


class WingsHooks(WingsHub):
    """The calls the HTTP routes (through ``runtime.wings``) and the sockets make into the fake Wings."""

    def __init__(self, runtime: Runtime, **options: Any) -> None:
        super().__init__(runtime, **options)
        self._server = WingsServer(self, self.host)
        runtime.wings = self

    # ================================================================================ panel side
    def socket_url(self, server: FakeServer) -> str:
        """``ws://<host>:<node port>/api/servers/<uuid>/ws`` (binds the node's port on first use)."""
        port = self._server.port(server.node_id)
        host = self._server.host if ":" not in self._server.host else f"[{self._server.host}]"
        return f"ws://{host}:{port}/api/servers/{server.uuid}/ws"

    def issue_token(self, server: FakeServer, user: FakeUser, permissions: list[str]) -> str:
        """The ``/websocket`` JWT (§6.10 claims), signed with the node's daemon token."""
        node = self.store.nodes[server.node_id]
        unique_id = self.store.random_string(16)
        self._issued[unique_id] = time.time()
        claims = {
            "server_uuid": server.uuid,
            "permissions": permissions,
            "user_uuid": user.uuid,
            "user_id": user.id,
            "unique_id": unique_id,
        }
        jti = hashlib.md5(f"{user.id}{server.uuid}".encode()).hexdigest()
        return node_jwt(node, claims, ttl=math.ceil(self.token_ttl), panel_url=self.runtime.url, jti=jti)

    def session_opened(self, session: WingsSession) -> None:
        """A socket was accepted."""
        self._channel(session.server).sessions.append(session)
        self.notify()

    def session_closed(self, session: WingsSession) -> None:
        """A socket closed (either side)."""
        session.record.closed_at = time.time()
        channel = self._channels.get(session.server.uuid)
        if channel is not None and session in channel.sessions:
            channel.sessions.remove(session)
        self.notify()

    # ================================================================================ server events
    def run_command(self, server: FakeServer, line: str, *, actor_uuid: str | None = None) -> None:
        """The server's process receives ``line`` on stdin: echo, scripted answer, and the record."""
        server.console.append(line)
        if actor_uuid is not None:
            self._activity(server, actor_uuid, "server:console.command", {"command": line})
        lines: list[str] = []
        if self.echo_format is not None:
            lines.append(self.echo_format.replace("{command}", line))
        lines.extend(self._answer(server, line))
        self._console(server, lines)

    def _answer(self, server: FakeServer, line: str) -> list[str]:
        stripped = line.strip()
        first = stripped.split(" ", 1)[0] if stripped else ""
        for table in (self._server_responses.get(server.uuid, {}), self.console_responses):
            for key in (stripped, first):
                response = table.get(key)
                if response is not None:
                    return list(response(server, line)) if callable(response) else list(response)
        return []

    def socket_power(self, server: FakeServer, action: str, *, actor_uuid: str | None) -> None:
        """``set state`` accepted: the same state machine as ``POST /power``, logged as the token's user."""
        power(self.runtime, server, action)
        if actor_uuid is not None:
            self._activity(server, actor_uuid, f"server:power.{action}", None)

    def _activity(self, server: FakeServer, user_uuid: str, event: str, properties: dict[str, Any] | None) -> None:
        user = next((u for u in self.store.users.values() if u.uuid == user_uuid), None)
        self.store.log(event, actor=user, server=server, properties=properties, is_api=False)

    def backup_completed(self, server: FakeServer, backup: FakeBackup) -> None:
        """Wings finished a backup: ``backup completed[:<uuid>]`` (needs ``backup.read``)."""
        name = f"{ev.BACKUP_COMPLETED}:{backup.uuid}" if self.backup_event_suffix else ev.BACKUP_COMPLETED
        self._broadcast(server, name, [ev.backup_payload(backup)])

    def restore_started(self, server: FakeServer) -> None:
        """Wings restores files: one ``daemon message`` ``(restoring): <file>`` per file."""
        for path in sorted(p for p, f in server.files.items() if not f.is_dir):
            self._broadcast(server, ev.DAEMON_MESSAGE, [f"(restoring): {path.lstrip('/')}"])

    def restore_completed(self, server: FakeServer) -> None:
        """The restore finished: a ``daemon message`` then ``backup restore completed``."""
        self._broadcast(server, ev.DAEMON_MESSAGE, ["Completed server restoration from local backup."])
        self._broadcast(server, ev.BACKUP_RESTORE_COMPLETED, [""])

    def install_started(self, server: FakeServer) -> None:
        """A (re)install began: ``install started`` (unless scripts are skipped) and the installer's output."""
        if server.skip_scripts:
            return
        self._broadcast(server, ev.INSTALL_STARTED, [""])
        self._broadcast(server, ev.DAEMON_MESSAGE, ["Starting installation process, this could take a few minutes..."])
        for line in self.install_script_output:
            self._broadcast(server, ev.INSTALL_OUTPUT, [line])

    def install_completed(self, server: FakeServer) -> None:
        """The install finished: ``daemon message`` and ``install completed``."""
        if not server.skip_scripts:
            self._broadcast(server, ev.DAEMON_MESSAGE, ["Installation process completed."])
        self._broadcast(server, ev.INSTALL_COMPLETED, [""])

    def server_deleted(self, server: FakeServer) -> None:
        """The panel deleted the server: ``transfer status`` (mid-transfer), ``deleted``, close 1001."""
        if server.transferring:
            self._broadcast(server, ev.TRANSFER_STATUS, ["completed"])
        self._broadcast(server, ev.DELETED, ["null"])
        channel = self._channels.pop(server.uuid, None)
        for session in channel.sessions if channel else []:
            session.close(1001, "server deleted")

    def revoke(self, server: FakeServer, user: FakeUser) -> None:
        """The panel's ``/ws/deny``: the user's tokens for the server issued until now stop working."""
        jti = hashlib.md5(f"{user.id}{server.uuid}".encode()).hexdigest()
        self.denied_jtis(server.node_id)[jti] = time.time()
