"""Client API: the servers a key can reach (``/api/client`` and ``/api/client/servers/{server}``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from ..._console import ConsoleSession
from ..._dialect import flavors_of_client_server
from ...events import ConsoleOutput
from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Includes, Params, build_path, build_query
from .backups import Backups
from .databases import Databases
from .files import Files
from .network import Network
from .schedules import Schedules
from .server_extras import ServerExtras
from .settings import Settings
from .startup import Startup
from .subusers import Subusers

if TYPE_CHECKING:
    from ..._client import AsyncJexactyl

POWER_SIGNALS = ("start", "stop", "restart", "kill")
PowerSignal = Literal["start", "stop", "restart", "kill"]


class ClientServers(ServerExtras):
    """Servers the key's user owns or is a subuser of (all of them for a root admin with ``type``), plus
    Jexactyl v3's renewal, resource editing, deletion and plugin calls."""

    def __init__(self, client: AsyncJexactyl) -> None:
        super().__init__(client)
        self.backups = Backups(client)
        self.databases = Databases(client)
        self.files = Files(client)
        self.network = Network(client)
        self.schedules = Schedules(client)
        self.settings = Settings(client)
        self.startup = Startup(client)
        self.users = Subusers(client)

    async def list_servers(self, includes: Includes = None, params: Params = None) -> AsyncPaginatedResponse:
        """Lists the servers this key can access (paginated, 50 per page by default, 100 at most).

        Args:
            includes(list|tuple): Relationships to add, e.g. ``['egg', 'subusers']``.
            params(dict): Extra query parameters, e.g. ``{'per_page': 100, 'filter[name]': 'lobby',
                'type': 'owner'}`` (``type``: ``owner``, ``admin`` or ``admin-all`` for root admins).

        Example:
            >>> my_servers = api.client.servers.list_servers()  # doctest: +SKIP
            >>> my_servers[0]['attributes']['identifier']  # doctest: +SKIP
            '1a2b3c4d'
        """
        return await self._paginate("/api/client", build_query(includes, params))

    async def list_permissions(self) -> dict[str, Any]:
        """Lists every subuser permission the panel knows, grouped, with descriptions.

        Example:
            >>> api.client.servers.list_permissions()['attributes']['permissions']['control']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get("/api/client/permissions")
        return result

    async def get_server(
        self, server_id: str, detail: bool = False, includes: Includes = None, params: Params = None
    ) -> dict[str, Any]:
        """Gets one server's details.

        Args:
            server_id(str): Server identifier (abbreviated UUID) or full UUID.
            detail(bool): Return the whole envelope (with ``meta.is_server_owner`` and
                ``meta.user_permissions``) instead of only the ``attributes``. Jexactyl v3 adds ``renewable``,
                ``renewal`` (days left) and ``bg``; Jexactyl v4 has ``status`` but no ``is_suspended`` /
                ``is_installing``.
            includes(list|tuple): ``egg``, ``subusers``.
            params(dict): Extra query parameters.

        Example:
            >>> api.client.servers.get_server('1a2b3c4d')['name']  # doctest: +SKIP
        """
        path = build_path("/api/client/servers/{server}", server=server_id)
        response: dict[str, Any] = await self._get(path, build_query(includes, params))
        attributes: dict[str, Any] = response["attributes"]
        self._client.dialect.observe(flavors_of_client_server(attributes), f"GET {path}: the server object's fields")
        return response if detail else attributes

    async def get_server_utilization(self, server_id: str, detail: bool = False) -> dict[str, Any]:
        """Gets a server's live state and resource use (the panel caches it for 20 s).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            detail(bool): Return the whole envelope instead of only the ``attributes``.

        Returns:
            ``{'current_state': 'running', 'is_suspended': False, 'resources': {'memory_bytes': ...,
            'cpu_absolute': ..., 'disk_bytes': ..., 'network_rx_bytes': ..., 'network_tx_bytes': ...,
            'uptime': ...}}``

        Example:
            >>> api.client.servers.get_server_utilization('1a2b3c4d')['current_state']  # doctest: +SKIP
            'running'
        """
        path = build_path("/api/client/servers/{server}/resources", server=server_id)
        response: dict[str, Any] = await self._get(path)
        return response if detail else response["attributes"]

    async def get_websocket(self, server_id: str) -> dict[str, Any]:
        """Gets a token and URL for the server's Wings console websocket (the token lasts 10 minutes).

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Returns:
            ``{'data': {'token': '<JWT>', 'socket': 'wss://node:8080/api/servers/<uuid>/ws'}}``

        Example:
            >>> api.client.servers.get_websocket('1a2b3c4d')['data']['socket']  # doctest: +SKIP
        """
        path = build_path("/api/client/servers/{server}/websocket", server=server_id)
        result: dict[str, Any] = await self._get(path)
        return result

    def console(
        self,
        server_id: str,
        *,
        logs: bool = True,
        max_queue: int = 1000,
        reconnect_timeout: float = 300.0,
        logs_on_reconnect: bool = True,
        heartbeat: float | None = 30.0,
    ) -> ConsoleSession:
        """Opens the server's live console over the Wings websocket (see :class:`~pyjexactyl.ConsoleSession`).

        Nothing is sent until the session is entered. It then asks the panel for a token (``GET /websocket``,
        one request per ~10 minutes afterwards), connects to Wings with ``Origin: <panel URL>``, authenticates,
        and yields typed events (:mod:`pyjexactyl.events`) until the block exits. Dropped sockets are
        reconnected and expiring tokens refreshed on their own.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            logs(bool): Ask for the server's recent console lines once connected.
            max_queue(int): Lines that may wait for a slow consumer before the oldest are dropped (reported
                as a ``Dropped(n)`` event; stats and status are never dropped).
            reconnect_timeout(float): Seconds to keep reconnecting after the socket drops before the iteration
                raises ``ConsoleDisconnectedError``.
            logs_on_reconnect(bool): Ask for the recent lines again after a reconnect.
            heartbeat(float): Seconds between websocket pings (``None``: no pings).

        Raises:
            ForbiddenError: (on entering) the user lacks ``websocket.connect`` on this server.
            ConflictError: (on entering) the server is suspended, installing, restoring or transferring.

        Example:
            >>> async with api.client.servers.console('1a2b3c4d') as console:  # doctest: +SKIP
            ...     await console.send_command('say hello')
            ...     async for event in console:
            ...         print(event)
        """
        build_path("/api/client/servers/{server}/websocket", server=server_id)  # refuse a bad id now
        return ConsoleSession(
            self,
            server_id,
            logs=logs,
            max_queue=max_queue,
            reconnect_timeout=reconnect_timeout,
            logs_on_reconnect=logs_on_reconnect,
            heartbeat=heartbeat,
        )

    async def run_command(
        self, server_id: str, line: str, *, quiet: float = 1.5, timeout: float = 10, max_lines: int = 50
    ) -> list[str]:
        """Sends a console command over the Wings websocket and returns the console lines that followed it.

        Collects lines until the console has been quiet for ``quiet`` seconds, ``timeout`` seconds have
        passed, or ``max_lines`` lines arrived. Wings acknowledges nothing, so a command the game does not
        answer returns ``[]`` after ``quiet`` seconds, and lines the server prints for other reasons in that
        window are included. Lines come as Wings sends them (ANSI codes included: see ``strip_ansi``).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            line(str): One command, e.g. ``'list'``.
            quiet(float): Seconds without a new line that end the collection.
            timeout(float): Seconds the whole collection may take (connecting not included).
            max_lines(int): Most lines returned.

        Raises:
            ServerOfflineError: the server is offline (nothing was sent).
            ForbiddenError: the user lacks ``websocket.connect`` on this server.

        Example:
            >>> api.client.servers.run_command('1a2b3c4d', 'list')  # doctest: +SKIP
            ['There are 2 of a max of 20 players online: Steve, Alex']
        """
        if quiet <= 0 or timeout <= 0:
            raise InvalidArgumentError("quiet and timeout must be positive numbers of seconds")
        if max_lines < 1:
            raise InvalidArgumentError("max_lines must be at least 1")
        loop = asyncio.get_running_loop()
        lines: list[str] = []
        async with self.console(server_id, logs=False, reconnect_timeout=timeout) as console:
            console._discard_pending()  # what arrived before the command did not follow it
            await console.send_command(line)
            deadline = loop.time() + timeout
            quiet_until = loop.time() + quiet
            while len(lines) < max_lines:
                wait = min(quiet_until, deadline) - loop.time()
                if wait <= 0:
                    break
                try:
                    async with asyncio.timeout(wait):
                        event = await anext(console)
                except (TimeoutError, StopAsyncIteration):
                    break
                if isinstance(event, ConsoleOutput):
                    lines.append(event.line)
                    quiet_until = loop.time() + quiet
        return lines

    async def send_console_command(self, server_id: str, cmd: str) -> None:
        """Sends a command to the server's console. The server must be running.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            cmd(str): The console command, e.g. ``'say hello'``.

        Raises:
            ServerOfflineError: the server is not running (the panel answers 502).

        Example:
            >>> api.client.servers.send_console_command('1a2b3c4d', 'whitelist add Steve')  # doctest: +SKIP
        """
        if not isinstance(cmd, str) or not cmd.strip():
            raise InvalidArgumentError("cmd must be a non-empty command string")
        path = build_path("/api/client/servers/{server}/command", server=server_id)
        await self._post(path, {"command": cmd})

    async def send_power_action(self, server_id: str, signal: PowerSignal) -> None:
        """Sends a power signal. The panel answers at once; the state changes asynchronously
        (poll :meth:`get_server_utilization`).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            signal(str): One of ``start``, ``stop``, ``restart``, ``kill``. Surrounding spaces are dropped,
                as the panel itself trims them; the signal is case-sensitive.

        Raises:
            InvalidArgumentError: the signal is none of the four (nothing is sent).

        Example:
            >>> api.client.servers.send_power_action('1a2b3c4d', 'start')  # doctest: +SKIP
        """
        wanted = signal.strip() if isinstance(signal, str) else signal
        if wanted not in POWER_SIGNALS:
            raise InvalidArgumentError(f"signal must be one of {', '.join(POWER_SIGNALS)}; got {signal!r}")
        path = build_path("/api/client/servers/{server}/power", server=server_id)
        await self._post(path, {"signal": wanted})

    async def list_activity(
        self, server_id: str, includes: Includes = None, params: Params = None
    ) -> AsyncPaginatedResponse:
        """Lists the server's activity log, newest first (paginated, 25 per page, 100 at most).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            includes(list|tuple): ``actor``.
            params(dict): e.g. ``{'filter[event]': 'server:power', 'sort': '-timestamp', 'per_page': 50}``.

        Example:
            >>> api.client.servers.list_activity('1a2b3c4d').collect()  # doctest: +SKIP
        """
        path = build_path("/api/client/servers/{server}/activity", server=server_id)
        return await self._paginate(path, build_query(includes, params))
