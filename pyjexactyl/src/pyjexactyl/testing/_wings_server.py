"""The network side of the fake Wings: one listening socket per node and the websocket upgrade."""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from . import _wings_events as ev
from ._faults import Fault, FaultQueue
from ._wings_session import WingsSession

if TYPE_CHECKING:
    from ._wings_hooks import WingsHooks

__all__ = ["WingsServer"]

_REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}  # fmt: skip


class _Listener:
    def __init__(self, port: int) -> None:
        self.port = port
        self.server: asyncio.Server | None = None
        self.task: asyncio.Task[None] | None = None
        self.sock: socket.socket | None = None
        self.down = False


class WingsServer:
    """Listens for each node on its own port of ``host`` (so a node can go down alone) and upgrades sockets.

    ``GET /api/servers/{uuid}/ws`` answers like Wings' router: 404 when the server is not on that node,
    400 for a request that is not a websocket upgrade, 403 for an ``Origin`` that is neither the panel URL
    nor allowed, then 101 and a :class:`WingsSession`. Queued refusals (``refuse_next``) answer first.
    """

    def __init__(self, hub: WingsHooks, host: str) -> None:
        self.hub = hub
        self.host = host
        self.refusals = FaultQueue()
        self.sessions: set[WingsSession] = set()
        self._listeners: dict[int, _Listener] = {}
        self._port_nodes: dict[int, int] = {}
        self._runner: web.AppRunner | None = None
        self._next_id = 0

    # ---------------------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Set the application up and listen for every node that exists already."""
        app = web.Application()
        app.router.add_get("/api/servers/{server}/ws", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        self._runner = runner
        for listener in self._listeners.values():  # bound before start: nothing can have used them
            self._close_listener(listener)
        self._listeners.clear()
        self._port_nodes.clear()
        for node_id in list(self.hub.store.nodes):
            self.port(node_id)

    async def stop(self) -> None:
        """Stop listening, cut every socket and shut the application down."""
        for listener in self._listeners.values():
            self._close_listener(listener)
        for session in list(self.sessions):
            session.abort_now()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._listeners.clear()
        self._port_nodes.clear()

    # ---------------------------------------------------------------------------- listeners
    def port(self, node_id: int) -> int:
        """The port the node listens on (bound on first use; must run on the panel's loop)."""
        listener = self._listeners.get(node_id)
        if listener is None:
            sock = socket.create_server((self.host, 0))
            listener = _Listener(int(sock.getsockname()[1]))
            self._listeners[node_id] = listener
            self._port_nodes[listener.port] = node_id
            self._serve(listener, sock)
        return listener.port

    def _serve(self, listener: _Listener, sock: socket.socket) -> None:
        runner = self._runner
        if runner is None or runner.server is None:
            sock.close()
            return
        sock.setblocking(False)
        listener.sock = sock
        factory = runner.server

        async def serve() -> None:
            listener.server = await asyncio.get_running_loop().create_server(factory, sock=sock)

        # The socket is already listening: connections made before the task runs wait in the backlog.
        listener.task = asyncio.get_running_loop().create_task(serve())

    def _close_listener(self, listener: _Listener) -> None:
        if listener.task is not None and not listener.task.done():
            listener.task.cancel()
        if listener.server is not None:
            listener.server.close()
        elif listener.sock is not None:
            listener.sock.close()
        listener.server = listener.task = listener.sock = None

    def is_down(self, node_id: int) -> bool:
        """Whether the node was taken down with :meth:`set_down`."""
        listener = self._listeners.get(node_id)
        return listener is not None and listener.down

    def set_down(self, node_id: int, down: bool) -> None:
        """Refuse connections to the node (nothing listens on its port) or listen again on the same port."""
        port = self.port(node_id)
        listener = self._listeners[node_id]
        if down and not listener.down:
            listener.down = True
            self._close_listener(listener)
        elif not down and listener.down:
            listener.down = False
            self._serve(listener, socket.create_server((self.host, port)))

    # ---------------------------------------------------------------------------- upgrade
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        hub = self.hub
        transport = request.transport
        sockname = transport.get_extra_info("sockname") if transport is not None else None
        node_id = self._port_nodes.get(int(sockname[1])) if sockname else None
        server_ref = request.match_info["server"]
        self._next_id += 1
        record = ev.WingsConnection(self._next_id, server_ref, node_id, request.headers.get("Origin"))
        hub.record_connection(record)
        fault = self.refusals.take(request.path)
        if fault is not None:
            return self._refuse(record, fault.status, f"{fault.status} {_REASONS.get(fault.status, 'Error')}\n")
        with hub.store.lock:
            server = hub.store.find_server(server_ref) if len(server_ref) == 36 else None
            if server is not None and server.node_id != node_id:
                server = None
        if server is None:
            record.status = 404
            hub.notify()
            return web.json_response({"error": "The requested resource does not exist on this instance."}, status=404)
        ws = web.WebSocketResponse(autoping=True)
        if not ws.can_prepare(request).ok:
            return self._refuse(record, 400, "Bad Request\n")
        if not hub.origin_allowed(record.origin):
            return self._refuse(record, 403, "Forbidden\n", {"Sec-Websocket-Version": "13"})
        await ws.prepare(request)
        record.status = 101

        def abort() -> None:
            if transport is not None:
                transport.abort()

        session = WingsSession(hub, record, server, ws, abort)
        self.sessions.add(session)
        hub.session_opened(session)
        try:
            async for message in ws:
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    self._inbound(session, message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self.sessions.discard(session)
            if session.aborted:
                record.close_code = 1006
            else:
                record.close_code = session.sent_close or ws.close_code or 1006
            hub.session_closed(session)
            await session.stop()
        return ws

    def _inbound(self, session: WingsSession, data: str | bytes) -> None:
        parsed = ev.parse_frame(data)
        event, args = parsed if parsed is not None else (None, [])
        self.hub.record_frame(ev.WingsFrame("in", session.record.id, session.server.uuid, event, args, data))
        if parsed is not None:
            with self.hub.store.lock:
                session.handle(*parsed)

    def _refuse(
        self, record: ev.WingsConnection, status: int, text: str, headers: dict[str, str] | None = None
    ) -> web.Response:
        record.status = status
        record.closed_at = record.opened_at
        self.hub.notify()
        return web.Response(status=status, text=text, headers=headers)

    def queue_refusal(self, count: int, status: int, path_prefix: str | None) -> None:
        """Answer the next ``count`` upgrades (under ``path_prefix``) with ``status``."""
        self.refusals.add(Fault("status", count, status=status, path_prefix=path_prefix))
