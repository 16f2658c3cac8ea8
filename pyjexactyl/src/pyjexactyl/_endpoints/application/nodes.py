"""Application API: nodes and their allocations (``/api/application/nodes``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Includes, Namespace, Params, build_path, build_query

_NODES = "/api/application/nodes"
_NODE = "/api/application/nodes/{node}"
_ALLOCATIONS = "/api/application/nodes/{node}/allocations"
_ALLOCATION = "/api/application/nodes/{node}/allocations/{allocation}"

SCHEMES = ("http", "https")

#: Fields of the node object the panel requires on every update, in the order it declares them.
NODE_FIELDS = (
    "name",
    "description",
    "location_id",
    "fqdn",
    "scheme",
    "behind_proxy",
    "public",
    "memory",
    "memory_overallocate",
    "disk",
    "disk_overallocate",
    "daemon_base",
    "daemon_sftp",
    "daemon_listen",
    "upload_size",
    "maintenance_mode",
)
#: Keys :meth:`Nodes.edit_node` accepts besides :data:`NODE_FIELDS`.
EXTRA_NODE_CHANGES = ("reset_secret", "deploy_fee", "use_ssl")


def _ports(ports: Iterable[int | str] | int | str) -> list[str]:
    if isinstance(ports, bool):
        raise InvalidArgumentError("ports must be a list of ports or ranges")
    items: Iterable[int | str] = [ports] if isinstance(ports, (str, int)) else ports
    result = [str(p).strip() for p in items]
    if not result or any(not p for p in result):
        raise InvalidArgumentError("ports must be a non-empty list of ports or ranges, e.g. ['25565', '25570-25580']")
    return result


def _check_scheme(scheme: object) -> None:
    if scheme not in SCHEMES:
        raise InvalidArgumentError(f"scheme must be 'http' or 'https'; got {scheme!r}")


class Nodes(Namespace):
    """Nodes (machines running Wings): list, create, edit, delete, their configuration and allocations."""

    async def list_nodes(self, includes: Includes = None, params: Params = None) -> AsyncPaginatedResponse:
        """Lists every node (paginated, 50 per page by default).

        Args:
            includes(list|tuple): Relationships to add: ``allocations``, ``location``, ``servers``.
            params(dict): Extra query parameters, e.g. ``{'per_page': 9001}``, ``{'filter[name]': 'node01'}``,
                ``{'sort': '-memory'}``.

        Example:
            >>> api.nodes.list_nodes(includes=('allocations', 'location'))  # doctest: +SKIP
        """
        return await self._paginate(_NODES, build_query(includes, params))

    async def get_node_details(
        self, node_id: int | str, includes: Includes = None, params: Params = None
    ) -> dict[str, Any]:
        """Gets one node, with its allocated memory and disk (``allocated_resources``).

        Args:
            node_id(int): Node ID.
            includes(list|tuple): Relationships to add: ``allocations``, ``location``, ``servers``.
            params(dict): Extra query parameters.

        Returns:
            ``{'object': 'node', 'attributes': {'id': 1, 'name': ..., 'fqdn': ..., 'memory': ..., ...}}``

        Example:
            >>> api.nodes.get_node_details(1)['attributes']['fqdn']  # doctest: +SKIP
        """
        path = build_path(_NODE, node=node_id)
        result: dict[str, Any] = await self._get(path, build_query(includes, params))
        return result

    async def get_node_info(
        self, node_id: int | str, includes: Includes = None, params: Params = None
    ) -> dict[str, Any]:
        """Gets one node: the older name of :meth:`get_node_details`.

        Args:
            node_id(int): Node ID.
            includes(list|tuple): Relationships to add: ``allocations``, ``location``, ``servers``.
            params(dict): Extra query parameters.

        Example:
            >>> api.nodes.get_node_info(1)  # doctest: +SKIP
        """
        return await self.get_node_details(node_id, includes=includes, params=params)

    async def get_node_config(self, node_id: int | str) -> dict[str, Any]:
        """Gets the node's Wings configuration (``config.yml`` as JSON, not a panel envelope).

        Args:
            node_id(int): Node ID.

        Returns:
            ``{'debug': False, 'uuid': ..., 'token_id': ..., 'token': ..., 'api': {...}, 'system': {...},
            'allowed_mounts': [], 'remote': 'https://panel...'}``

        Example:
            >>> api.nodes.get_node_config(1)['api']['port']  # doctest: +SKIP
            8080
        """
        result: dict[str, Any] = await self._get(build_path(_NODE + "/configuration", node=node_id))
        return result

    async def create_node(
        self,
        name: str,
        location_id: int,
        fqdn: str,
        memory: int,
        disk: int,
        memory_overallocate: int = 0,
        disk_overallocate: int = 0,
        scheme: str = "https",
        daemon_listen: int = 8080,
        daemon_sftp: int = 2022,
        daemon_base: str = "/var/lib/pterodactyl/volumes",
        public: bool = True,
        behind_proxy: bool = False,
        maintenance_mode: bool = False,
        upload_size: int = 100,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Creates a node.

        Args:
            name(str): Node name, 1-100 characters of letters, digits, ``_``, ``.``, ``-`` and spaces.
            location_id(int): ID of an existing location.
            fqdn(str): Domain name (or IP without SSL) the panel and users reach Wings at.
            memory(int): Memory in MiB available to servers.
            disk(int): Disk in MiB available to servers.
            memory_overallocate(int): Percentage of memory that may be over-allocated (``-1`` disables checks).
            disk_overallocate(int): Percentage of disk that may be over-allocated (``-1`` disables checks).
            scheme(str): ``https`` or ``http`` for the Wings API.
            daemon_listen(int): Wings API port.
            daemon_sftp(int): Wings SFTP port.
            daemon_base(str): Directory server files are stored in.
            public(bool): Whether automatic deployment may pick this node.
            behind_proxy(bool): The node sits behind a proxy such as Cloudflare.
            maintenance_mode(bool): Put the node in maintenance (servers on it are blocked).
            upload_size(int): Largest web upload in MiB (1-1024).
            description(str): Free-text description.

        Returns:
            The new ``node`` envelope; ``meta.resource`` holds its URL.

        Example:
            >>> api.nodes.create_node('node02', 1, 'node02.example.com', 16384, 200000)  # doctest: +SKIP
        """
        _check_scheme(scheme)
        body = {
            "name": name,
            "description": description,
            "location_id": location_id,
            "fqdn": fqdn,
            "scheme": scheme,
            "behind_proxy": bool(behind_proxy),
            "public": bool(public),
            "memory": memory,
            "memory_overallocate": memory_overallocate,
            "disk": disk,
            "disk_overallocate": disk_overallocate,
            "daemon_base": daemon_base,
            "daemon_sftp": daemon_sftp,
            "daemon_listen": daemon_listen,
            "upload_size": upload_size,
            "maintenance_mode": bool(maintenance_mode),
        }
        result: dict[str, Any] = await self._post(_NODES, body)
        return result

    async def edit_node(self, node_id: int | str, **changes: Any) -> dict[str, Any]:
        """Changes some of a node's settings. The panel requires the whole node on every update, so the
        current node is fetched and sent back with ``changes`` applied.

        Args:
            node_id(int): Node ID.
            **changes: Any of ``name``, ``description``, ``location_id``, ``fqdn``, ``scheme``,
                ``behind_proxy``, ``public``, ``memory``, ``memory_overallocate``, ``disk``,
                ``disk_overallocate``, ``daemon_base``, ``daemon_sftp``, ``daemon_listen``, ``upload_size``,
                ``maintenance_mode``; ``reset_secret=True`` rotates the daemon token; ``deploy_fee``
                (Jexactyl); ``use_ssl`` (bool) is accepted in place of ``scheme``.

        Returns:
            The updated ``node`` envelope.

        Raises:
            InvalidArgumentError: no change, an unknown key, or a bad ``scheme`` (nothing is sent).

        Example:
            >>> api.nodes.edit_node(1, maintenance_mode=True, memory=32768)  # doctest: +SKIP
        """
        unknown = sorted(set(changes) - set(NODE_FIELDS) - set(EXTRA_NODE_CHANGES))
        if unknown:
            raise InvalidArgumentError(
                f"edit_node got unknown field(s) {', '.join(unknown)}; known: {', '.join(NODE_FIELDS)}, "
                f"{', '.join(EXTRA_NODE_CHANGES)}"
            )
        if not changes:
            raise InvalidArgumentError("edit_node needs at least one change")
        changes = dict(changes)
        if "use_ssl" in changes:
            use_ssl = changes.pop("use_ssl")
            if "scheme" in changes and changes["scheme"] != ("https" if use_ssl else "http"):
                raise InvalidArgumentError("use_ssl and scheme disagree")
            changes["scheme"] = "https" if use_ssl else "http"
        if "scheme" in changes:
            _check_scheme(changes["scheme"])
        path = build_path(_NODE, node=node_id)
        current: dict[str, Any] = (await self._get(path))["attributes"]
        body: dict[str, Any] = {key: current.get(key) for key in NODE_FIELDS}
        if "deploy_fee" in current:
            body["deploy_fee"] = current["deploy_fee"]
        body.update(changes)
        result: dict[str, Any] = await self._patch(path, body)
        return result

    async def delete_node(self, node_id: int | str) -> None:
        """Deletes a node. It must have no servers.

        Args:
            node_id(int): Node ID.

        Raises:
            BadRequestError: servers are still on the node (``HasActiveServersException``).

        Example:
            >>> api.nodes.delete_node(2)  # doctest: +SKIP
        """
        await self._delete(build_path(_NODE, node=node_id))

    async def list_node_allocations(
        self, node_id: int | str, includes: Includes = None, params: Params = None
    ) -> AsyncPaginatedResponse:
        """Lists a node's allocations (ip:port pairs; paginated, 50 per page by default).

        Args:
            node_id(int): Node ID.
            includes(list|tuple): Relationships to add: ``node``, ``server``.
            params(dict): Extra query parameters, e.g. ``{'filter[ip]': '10.0.0.5'}``,
                ``{'filter[server_id]': ''}`` (only unassigned ones), ``{'per_page': 500}``.

        Example:
            >>> allocs = api.nodes.list_node_allocations(1).collect()  # doctest: +SKIP
            >>> ports = [a['attributes']['port'] for a in allocs]  # doctest: +SKIP
        """
        path = build_path(_ALLOCATIONS, node=node_id)
        return await self._paginate(path, build_query(includes, params))

    async def create_allocations(
        self,
        node_id: int | str,
        ip: str,
        ports: Iterable[int | str] | int | str,
        alias: str | None = None,
    ) -> None:
        """Adds allocations to a node.

        Args:
            node_id(int): Node ID.
            ip(str): IP address (or a CIDR from /25 to /32) to create them on.
            ports(list): Ports or ranges, e.g. ``['25565', '25570-25580']`` (each above 1024, a range at
                most 1000 ports). Ints are sent as strings, as the panel requires.
            alias(str): Address to show users instead of ``ip`` (e.g. the public IP behind NAT).

        Example:
            >>> api.nodes.create_allocations(1, '10.0.0.5', ['25565-25575'])  # doctest: +SKIP
        """
        body: dict[str, Any] = {"ip": ip, "ports": _ports(ports)}
        if alias is not None:
            body["alias"] = alias
        await self._post(build_path(_ALLOCATIONS, node=node_id), body)

    async def delete_allocation(self, node_id: int | str, allocation_id: int | str) -> None:
        """Deletes one allocation (not in use by a server).

        Args:
            node_id(int): Node ID.
            allocation_id(int): The allocation's ID (not its port).

        Raises:
            BadRequestError: a server uses the allocation.

        Example:
            >>> api.nodes.delete_allocation(1, 42)  # doctest: +SKIP
        """
        await self._delete(build_path(_ALLOCATION, node=node_id, allocation=allocation_id))

    async def list_deployable_nodes(
        self,
        memory: int,
        disk: int,
        location_ids: Iterable[int] | None = None,
        params: Params = None,
    ) -> AsyncPaginatedResponse:
        """Lists the public nodes with room for a server of this size (what automatic deployment picks
        from). The panel pages this list only when a ``page`` is given in ``params``.

        Args:
            memory(int): Memory in MiB the server needs.
            disk(int): Disk in MiB the server needs.
            location_ids(list): Only nodes in these locations.
            params(dict): Extra query parameters, e.g. ``{'page': 1, 'per_page': 10}``.

        Raises:
            BadRequestError: no node fits (``NoViableNodeException``).

        Example:
            >>> api.nodes.list_deployable_nodes(4096, 10240, location_ids=[1]).collect()  # doctest: +SKIP
        """
        try:
            locations = [int(i) for i in location_ids] if location_ids is not None else None
        except (TypeError, ValueError):
            raise InvalidArgumentError("location_ids must be a list of integer location IDs") from None
        query = build_query(None, params, memory=memory, disk=disk, **{"location_ids[]": locations})
        return await self._paginate(_NODES + "/deployable", query)
