"""Client API: a server's subusers (``/api/client/servers/{server}/users``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_USERS = "/api/client/servers/{server}/users"
_USER = "/api/client/servers/{server}/users/{user}"


def _permissions(permissions: object) -> list[str]:
    """Checks a permission list: a non-empty list of strings (a bare string is refused)."""
    if isinstance(permissions, (str, bytes)) or not isinstance(permissions, Iterable):
        raise InvalidArgumentError("permissions must be a list of permission names, e.g. ['control.console']")
    perms = list(permissions)
    if not perms:
        raise InvalidArgumentError("permissions must name at least one permission")
    if not all(isinstance(p, str) and p for p in perms):
        raise InvalidArgumentError("every permission must be a non-empty string")
    return perms


class Subusers(Namespace):
    """List, add, change and remove the users who share a server, and their permissions."""

    async def list_users(self, server_id: str) -> dict[str, Any]:
        """Lists the server's subusers.

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Returns:
            ``{'object': 'list', 'data': [{'object': 'server_subuser', 'attributes': {'uuid': ...,
            'username': ..., 'email': ..., 'image': ..., '2fa_enabled': False, 'created_at': ...,
            'permissions': [...]}}]}``

        Example:
            >>> api.client.servers.users.list_users('1a2b3c4d')['data']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_USERS, server=server_id))
        return result

    async def create_user(self, server_id: str, email: str, permissions: Iterable[str]) -> dict[str, Any]:
        """Adds a subuser. An unknown e-mail creates a new panel account for it.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            email(str): The user's e-mail address.
            permissions(list): Permission names, e.g. ``['control.console', 'control.start']`` (see
                ``api.client.servers.list_permissions()``). Unknown names are dropped by the panel;
                ``websocket.connect`` is always added.

        Returns:
            The ``server_subuser`` object.

        Raises:
            BadRequestError: the user owns the server or is already a subuser.
            ForbiddenError: granting a permission you do not have yourself.

        Example:
            >>> api.client.servers.users.create_user('1a2b3c4d', 'alex@example.com',  # doctest: +SKIP
            ...                                      ['control.console'])
        """
        if not isinstance(email, str) or not email.strip():
            raise InvalidArgumentError("email must be a non-empty string")
        body = {"email": email, "permissions": _permissions(permissions)}
        result: dict[str, Any] = await self._post(build_path(_USERS, server=server_id), body)
        return result

    async def get_user(self, server_id: str, user_id: str) -> dict[str, Any]:
        """Gets one subuser.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            user_id(str): The subuser's **user UUID** (``attributes.uuid`` in :meth:`list_users`).

        Example:
            >>> api.client.servers.users.get_user('1a2b3c4d', user_uuid)['attributes']['permissions']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_USER, server=server_id, user=user_id))
        return result

    async def update_user(self, server_id: str, user_id: str, permissions: Iterable[str]) -> dict[str, Any]:
        """Replaces a subuser's permissions.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            user_id(str): The subuser's user UUID.
            permissions(list): The complete new list of permission names.

        Returns:
            The updated ``server_subuser`` object.

        Raises:
            ForbiddenError: editing yourself, or granting a permission you do not have.

        Example:
            >>> api.client.servers.users.update_user('1a2b3c4d', user_uuid,  # doctest: +SKIP
            ...                                      ['control.console', 'file.read'])
        """
        body = {"permissions": _permissions(permissions)}
        result: dict[str, Any] = await self._post(build_path(_USER, server=server_id, user=user_id), body)
        return result

    async def delete_user(self, server_id: str, user_id: str) -> None:
        """Removes a subuser from the server (their panel account stays).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            user_id(str): The subuser's user UUID.

        Example:
            >>> api.client.servers.users.delete_user('1a2b3c4d', user_uuid)  # doctest: +SKIP
        """
        await self._delete(build_path(_USER, server=server_id, user=user_id))
