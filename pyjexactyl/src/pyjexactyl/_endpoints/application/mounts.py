"""Application API: Pelican's mounts (``/api/application/mounts``): ``api.mounts``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Namespace, Params, build_path, build_query, only_on

_MOUNTS = "/api/application/mounts"
_MOUNT = "/api/application/mounts/{mount}"
PELICAN = ("pelican",)
MountTarget = Literal["eggs", "nodes", "servers"]
_TARGETS = ("eggs", "nodes", "servers")


def _body(
    name: str, source: str, target: str, description: str | None, read_only: bool, user_mountable: bool
) -> dict[str, Any]:
    for field, value in (("name", name), ("source", source), ("target", target)):
        if not isinstance(value, str) or not value.strip():
            raise InvalidArgumentError(f"{field} must be a non-empty string")
    return {
        "name": name,
        "description": description,
        "source": source,
        "target": target,
        "read_only": bool(read_only),
        "user_mountable": bool(user_mountable),
    }


def _target(kind: str) -> str:
    if kind not in _TARGETS:
        raise InvalidArgumentError(f"kind must be one of {', '.join(_TARGETS)}; got {kind!r}")
    return kind


class Mounts(Namespace):
    """Host directories mounted into servers (Pelican): the mounts and the eggs, nodes and servers they are
    attached to."""

    @only_on(PELICAN, "mounts through the API")
    async def list_mounts(self, params: Params = None) -> AsyncPaginatedResponse:
        """Lists the mounts (paginated, 50 per page by default).

        Args:
            params(dict): Extra query parameters, e.g. ``{'filter[name]': 'maps'}``.

        Example:
            >>> api.mounts.list_mounts().collect()  # doctest: +SKIP
        """
        return await self._paginate(_MOUNTS, build_query(None, params))

    @only_on(PELICAN, "mounts through the API")
    async def get_mount(self, mount_id: int | str) -> dict[str, Any]:
        """Gets one mount.

        Args:
            mount_id(int): Mount ID.

        Returns:
            ``{'object': 'mount', 'attributes': {'id': 1, 'uuid': ..., 'name': 'maps', 'source': '/srv/maps',
            'target': '/maps', 'read_only': False, 'user_mountable': False, ...}}``

        Example:
            >>> api.mounts.get_mount(1)  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_MOUNT, mount=mount_id))
        return result

    @only_on(PELICAN, "mounts through the API")
    async def create_mount(
        self,
        name: str,
        source: str,
        target: str,
        description: str | None = None,
        read_only: bool = False,
        user_mountable: bool = False,
    ) -> dict[str, Any]:
        """Creates a mount.

        Args:
            name(str): Unique name, 2-64 characters.
            source(str): Directory on the node.
            target(str): Where it appears in the server.
            description(str): Description.
            read_only(bool): Mount read-only.
            user_mountable(bool): Let server users mount it themselves.

        Returns:
            The new ``mount`` envelope; ``meta.resource`` holds its URL.

        Example:
            >>> api.mounts.create_mount('maps', '/srv/maps', '/maps', read_only=True)  # doctest: +SKIP
        """
        body = _body(name, source, target, description, read_only, user_mountable)
        result: dict[str, Any] = await self._post(_MOUNTS, body)
        return result

    @only_on(PELICAN, "mounts through the API")
    async def update_mount(
        self,
        mount_id: int | str,
        name: str,
        source: str,
        target: str,
        description: str | None = None,
        read_only: bool = False,
        user_mountable: bool = False,
    ) -> dict[str, Any]:
        """Replaces a mount's settings (the panel requires the whole object).

        Args:
            mount_id(int): Mount ID.
            name(str): Unique name, 2-64 characters.
            source(str): Directory on the node.
            target(str): Where it appears in the server.
            description(str): Description.
            read_only(bool): Mount read-only.
            user_mountable(bool): Let server users mount it themselves.

        Returns:
            The updated ``mount`` envelope.

        Example:
            >>> api.mounts.update_mount(1, 'maps', '/srv/maps', '/maps')  # doctest: +SKIP
        """
        body = _body(name, source, target, description, read_only, user_mountable)
        result: dict[str, Any] = await self._patch(build_path(_MOUNT, mount=mount_id), body)
        return result

    @only_on(PELICAN, "mounts through the API")
    async def delete_mount(self, mount_id: int | str) -> None:
        """Deletes a mount no server uses.

        Args:
            mount_id(int): Mount ID.

        Raises:
            BadRequestError: servers still use it.

        Example:
            >>> api.mounts.delete_mount(1)  # doctest: +SKIP
        """
        await self._delete(build_path(_MOUNT, mount=mount_id))

    @only_on(PELICAN, "mounts through the API")
    async def list_attached(self, mount_id: int | str, kind: MountTarget) -> dict[str, Any]:
        """Lists the eggs, nodes or servers a mount is attached to.

        Args:
            mount_id(int): Mount ID.
            kind(str): ``eggs``, ``nodes`` or ``servers``.

        Returns:
            ``{'object': 'list', 'data': [...]}`` of ``egg``, ``node`` or ``server`` objects.

        Example:
            >>> api.mounts.list_attached(1, 'servers')['data']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_MOUNT + "/{kind}", mount=mount_id, kind=_target(kind)))
        return result

    @only_on(PELICAN, "mounts through the API")
    async def attach(self, mount_id: int | str, kind: MountTarget, ids: Iterable[int]) -> dict[str, Any]:
        """Attaches a mount to eggs, nodes or servers (ones already attached are left alone).

        Args:
            mount_id(int): Mount ID.
            kind(str): ``eggs``, ``nodes`` or ``servers``.
            ids(list): Their IDs.

        Returns:
            The ``mount`` envelope.

        Example:
            >>> api.mounts.attach(1, 'servers', [53])  # doctest: +SKIP
        """
        values = list(ids)
        if not values or any(isinstance(i, bool) or not isinstance(i, int) for i in values):
            raise InvalidArgumentError("ids must be a non-empty list of IDs")
        path = build_path(_MOUNT + "/{kind}", mount=mount_id, kind=_target(kind))
        result: dict[str, Any] = await self._post(path, {kind: values})
        return result

    @only_on(PELICAN, "mounts through the API")
    async def detach(self, mount_id: int | str, kind: MountTarget, target_id: int) -> None:
        """Detaches a mount from one egg, node or server.

        Args:
            mount_id(int): Mount ID.
            kind(str): ``eggs``, ``nodes`` or ``servers``.
            target_id(int): The egg's, node's or server's ID.

        Example:
            >>> api.mounts.detach(1, 'servers', 53)  # doctest: +SKIP
        """
        path = build_path(_MOUNT + "/{kind}/{target}", mount=mount_id, kind=_target(kind), target=target_id)
        await self._delete(path)
