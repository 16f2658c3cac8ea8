"""Client API: Jexactyl v3's server routes (renewal, resource editing, self-service deletion, Spigot plugins,
background, analytics). :class:`~.servers.ClientServers` inherits them."""

from __future__ import annotations

from typing import Any, Literal

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_SERVER = "/api/client/servers/{server}"
JEXACTYL = ("jexactyl",)

EDITABLE_RESOURCES = ("cpu", "memory", "disk", "allocation_limit", "backup_limit", "database_limit")
EditableResource = Literal["cpu", "memory", "disk", "allocation_limit", "backup_limit", "database_limit"]


class ServerExtras(Namespace):
    """Jexactyl v3's extra server calls; each raises
    :class:`~pyjexactyl.exceptions.UnsupportedByPanelError` on other panels."""

    async def renew_server(self, server_id: str) -> None:
        """Renews a server: the panel takes the renewal cost (200 credits by default) from the balance, adds the
        renewal period (7 days by default) to the server's ``renewal`` and lifts a suspension the lapse caused.
        Works on a suspended server. Throttled with the store (``storefront``: once per minute per user).

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Raises:
            BadRequestError: not enough credits (``You do not have enough credits to renew your server.``).
            RateLimitedError: another store action happened within the minute.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.servers.renew_server('1a2b3c4d')  # doctest: +SKIP
        """
        path = build_path(_SERVER + "/renew", server=server_id)

        async def call() -> None:
            await self._post(path)

        await self._only_on(JEXACTYL, "server renewal", call)

    async def edit_resources(self, server_id: str, resource: EditableResource, amount: int) -> None:
        """Moves resources between the account's store balance and a server it owns: a positive ``amount``
        takes it from the balance and adds it to the server, a negative one gives it back. Throttled
        (``server-edit``: five per minute per user).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            resource(str): ``cpu`` (percent), ``memory`` or ``disk`` (MiB), ``allocation_limit``,
                ``backup_limit`` or ``database_limit``.
            amount(int): How much to add (negative: remove).

        Raises:
            BadRequestError: editing is disabled, the account does not own the server, the change passes an
                administrator's limit or goes below the minimum, or the balance is short.
            RateLimitedError: more than five edits within the minute.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.servers.edit_resources('1a2b3c4d', 'memory', 1024)  # doctest: +SKIP
        """
        if resource not in EDITABLE_RESOURCES:
            raise InvalidArgumentError(
                f"resource must be one of {', '.join(EDITABLE_RESOURCES)}; got {resource!r}"
            )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise InvalidArgumentError("amount must be a non-zero whole number")
        path = build_path(_SERVER + "/edit", server=server_id)

        async def call() -> None:
            await self._post(path, {"resource": resource, "amount": amount})

        await self._only_on(JEXACTYL, "editing server resources", call)

    async def delete_server(self, server_id: str, name: str | None = None) -> None:
        """Deletes a server the account owns and refunds its resources to the store balance (when an
        administrator allows it). Works on a suspended server. Throttled with the store (``storefront``).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            name(str): The server's name as a confirmation; the panel requires it but does not compare it.
                ``None`` reads the name from the panel first.

        Raises:
            BadRequestError: the account does not own the server, or deletion is locked by administrators.
            RateLimitedError: another store action happened within the minute.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.servers.delete_server('1a2b3c4d')  # doctest: +SKIP
        """
        path = build_path(_SERVER + "/delete", server=server_id)
        if self._client.dialect.known(JEXACTYL) is False:
            raise self._unsupported("deleting servers from the client API")
        if name is None:
            details: dict[str, Any] = await self._get(build_path(_SERVER, server=server_id))
            name = str(details["attributes"]["name"])
        elif not isinstance(name, str) or not name.strip():
            raise InvalidArgumentError("name must be a non-empty string")
        body = {"name": name}

        async def call() -> None:
            await self._post(path, body)

        await self._only_on(JEXACTYL, "deleting servers from the client API", call)

    async def search_plugins(self, server_id: str, query: str) -> dict[str, Any]:
        """Searches Spigot resources (through spiget.org, first 18 results) for plugins to install.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            query(str): Search words.

        Returns:
            ``{'success': True, 'data': {'plugins': [{'id': 28140, 'name': 'LuckPerms', ...}, ...]}}`` (spiget's
            resource objects).

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.servers.search_plugins('1a2b3c4d', 'luckperms')['data']['plugins']  # doctest: +SKIP
        """
        if not isinstance(query, str) or not query.strip():
            raise InvalidArgumentError("query must be a non-empty string")
        path = build_path(_SERVER + "/plugins", server=server_id)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] | None = await self._post(path, {"query": query})
            return result if result is not None else {"success": True, "data": {"plugins": []}}

        return await self._only_on(JEXACTYL, "Spigot plugin search", call)

    async def install_plugin(self, server_id: str, spiget_id: int) -> None:
        """Installs a Spigot plugin: the node downloads ``<spiget_id>.jar`` into ``/plugins`` (needs the
        ``file.create`` permission).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            spiget_id(int): The plugin's spiget resource id (``id`` in :meth:`search_plugins`).

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.servers.install_plugin('1a2b3c4d', 28140)  # doctest: +SKIP
        """
        if isinstance(spiget_id, bool) or not isinstance(spiget_id, int) or spiget_id < 1:
            raise InvalidArgumentError("spiget_id must be a positive whole number")
        path = build_path(_SERVER + "/plugins/install/{plugin}", server=server_id, plugin=spiget_id)

        async def call() -> None:
            await self._post(path)

        await self._only_on(JEXACTYL, "Spigot plugin installs", call)

    async def set_background(self, server_id: str, url: str | None) -> None:
        """Sets the background image the panel shows for a server (no permission check on the panel).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            url(str): An image URL; ``None`` removes the background.

        Raises:
            ValidationError: the value is not a URL.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.servers.set_background('1a2b3c4d', 'https://example.com/bg.png')  # doctest: +SKIP
        """
        if url is not None and (not isinstance(url, str) or not url.strip()):
            raise InvalidArgumentError("url must be a non-empty string or None")
        path = build_path(_SERVER + "/background", server=server_id)

        async def call() -> None:
            await self._post(path, {"bg": url})

        await self._only_on(JEXACTYL, "server backgrounds", call)

    async def get_analytics(self, server_id: str) -> dict[str, Any]:
        """A server's resource analytics. Jexactyl routes ``GET /servers/{server}/analytics`` to a controller
        that imports a transformer class that does not exist, so the panel answers 500 to every call; this
        raises :class:`~pyjexactyl.exceptions.UnsupportedByPanelError` pointing at the working calls.

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Raises:
            UnsupportedByPanelError: always on current panels (status 500 on Jexactyl v3, 404 elsewhere).

        Example:
            >>> api.client.servers.get_analytics('1a2b3c4d')  # doctest: +SKIP
        """
        path = build_path(_SERVER + "/analytics", server=server_id)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(path)
            return result

        return await self._only_on(
            JEXACTYL,
            "server analytics",
            call,
            alternative="get_server_utilization() or list_analytics_messages()",
            broken="its route answers 500: the transformer it uses does not exist",
        )

    async def list_analytics_messages(self, server_id: str) -> dict[str, Any]:
        """Lists the analytics notes the panel wrote about a server (e.g. high memory use), newest first.

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Returns:
            ``{'object': 'list', 'data': [{'object': 'analytics_message', 'attributes': {'id': 1, 'title': ...,
            'content': ..., 'type': 'warning', 'created_at': '3 days ago'}}]}``

        Raises:
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.client.servers.list_analytics_messages('1a2b3c4d')['data']  # doctest: +SKIP
        """
        path = build_path(_SERVER + "/analytics/messages", server=server_id)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(path)
            return result

        return await self._only_on(JEXACTYL, "server analytics", call)
