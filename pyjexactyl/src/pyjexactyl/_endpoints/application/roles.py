"""Application API: Pelican's roles (``/api/application/roles``): ``api.roles``."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Namespace, Params, build_path, build_query, only_on

_ROLES = "/api/application/roles"
_ROLE = "/api/application/roles/{role}"
PELICAN = ("pelican",)


def _name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError("name must be a non-empty string")
    return name


class Roles(Namespace):
    """The roles Pelican grants administrators' rights with (``Root Admin`` is built in and fixed). Give them
    to users with ``api.users.assign_roles``."""

    @only_on(PELICAN, "roles")
    async def list_roles(self, params: Params = None) -> AsyncPaginatedResponse:
        """Lists the roles (paginated, 10 per page by default).

        Args:
            params(dict): Extra query parameters, e.g. ``{'per_page': 50, 'filter[name]': 'Support'}``.

        Example:
            >>> [r['attributes']['name'] for r in api.roles.list_roles().collect()]  # doctest: +SKIP
            ['Root Admin', 'Support']
        """
        return await self._paginate(_ROLES, build_query(None, params))

    @only_on(PELICAN, "roles")
    async def get_role(self, role_id: int | str) -> dict[str, Any]:
        """Gets one role.

        Args:
            role_id(int): Role ID.

        Returns:
            ``{'object': 'role', 'attributes': {'id': 2, 'name': 'Support', 'created_at': ..., 'updated_at':
            ...}}``

        Example:
            >>> api.roles.get_role(2)  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_ROLE, role=role_id))
        return result

    @only_on(PELICAN, "roles")
    async def create_role(self, name: str) -> dict[str, Any]:
        """Creates a role.

        Args:
            name(str): The role's name.

        Returns:
            The new ``role`` envelope; ``meta.resource`` holds its URL.

        Example:
            >>> api.roles.create_role('Support')  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._post(_ROLES, {"name": _name(name)})
        return result

    @only_on(PELICAN, "roles")
    async def update_role(self, role_id: int | str, name: str) -> dict[str, Any]:
        """Renames a role (not the root admin role).

        Args:
            role_id(int): Role ID.
            name(str): The new name.

        Returns:
            The updated ``role`` envelope.

        Example:
            >>> api.roles.update_role(2, 'Helpers')  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._patch(build_path(_ROLE, role=role_id), {"name": _name(name)})
        return result

    @only_on(PELICAN, "roles")
    async def delete_role(self, role_id: int | str) -> None:
        """Deletes a role (not the root admin role).

        Args:
            role_id(int): Role ID.

        Example:
            >>> api.roles.delete_role(2)  # doctest: +SKIP
        """
        await self._delete(build_path(_ROLE, role=role_id))
