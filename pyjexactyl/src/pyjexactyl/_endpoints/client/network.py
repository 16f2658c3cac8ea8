"""Client API: a server's allocations (``/api/client/servers/{server}/network/allocations``)."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_ALLOCATIONS = "/api/client/servers/{server}/network/allocations"
_ALLOCATION = "/api/client/servers/{server}/network/allocations/{allocation}"


class Network(Namespace):
    """List, add, annotate, make primary and remove a server's allocations (IP:port pairs)."""

    async def list_allocations(self, server_id: str) -> dict[str, Any]:
        """Lists the server's allocations.

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Returns:
            ``{'object': 'list', 'data': [{'object': 'allocation', 'attributes': {'id': 1, 'ip': ...,
            'ip_alias': None, 'port': 25565, 'notes': None, 'is_default': True}}]}``

        Example:
            >>> api.client.servers.network.list_allocations('1a2b3c4d')['data']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_ALLOCATIONS, server=server_id))
        return result

    async def assign_allocation(self, server_id: str) -> dict[str, Any]:
        """Assigns a free allocation on the server's node (the panel picks it; needs auto-allocation).

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Returns:
            The new ``allocation`` object.

        Raises:
            BadRequestError: the allocation limit is reached, auto-allocation is off (the panel's
                default), or no port is free.

        Example:
            >>> api.client.servers.network.assign_allocation('1a2b3c4d')['attributes']['port']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._post(build_path(_ALLOCATIONS, server=server_id))
        return result

    async def set_allocation_note(self, server_id: str, allocation_id: int, note: str | None) -> dict[str, Any]:
        """Sets (or, with ``None``, clears) an allocation's note.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            allocation_id(int): The allocation's numeric ``id``.
            note(str): The note, at most 256 characters; ``None`` or ``''`` clears it.

        Returns:
            The updated ``allocation`` object.

        Example:
            >>> api.client.servers.network.set_allocation_note('1a2b3c4d', 12, 'query port')  # doctest: +SKIP
        """
        if note is not None and not isinstance(note, str):
            raise InvalidArgumentError(f"note must be a string or None, not {type(note).__name__}")
        path = build_path(_ALLOCATION, server=server_id, allocation=allocation_id)
        result: dict[str, Any] = await self._post(path, {"notes": note})
        return result

    async def set_primary_allocation(self, server_id: str, allocation_id: int) -> dict[str, Any]:
        """Makes an allocation the server's primary (default) one.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            allocation_id(int): The allocation's numeric ``id``.

        Returns:
            The ``allocation`` object, now with ``is_default`` true.

        Example:
            >>> api.client.servers.network.set_primary_allocation('1a2b3c4d', 12)  # doctest: +SKIP
        """
        path = build_path(_ALLOCATION + "/primary", server=server_id, allocation=allocation_id)
        result: dict[str, Any] = await self._post(path)
        return result

    async def unassign_allocation(self, server_id: str, allocation_id: int) -> None:
        """Removes an allocation from the server.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            allocation_id(int): The allocation's numeric ``id``.

        Raises:
            BadRequestError: it is the primary allocation, or the server has no allocation limit set.

        Example:
            >>> api.client.servers.network.unassign_allocation('1a2b3c4d', 12)  # doctest: +SKIP
        """
        await self._delete(build_path(_ALLOCATION, server=server_id, allocation=allocation_id))
