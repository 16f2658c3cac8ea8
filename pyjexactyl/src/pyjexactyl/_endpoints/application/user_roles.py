"""Application API: Pelican's user roles (``/api/application/users/{id}/roles``). :class:`~.users.Users`
inherits these calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_ROLES = "/api/application/users/{user}/roles/{action}"


def _role_ids(role_ids: Iterable[int]) -> list[int]:
    ids = list(role_ids)
    if not ids or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise InvalidArgumentError("role_ids must be a non-empty list of role IDs")
    return ids


class UserRoles(Namespace):
    """Pelican gives administrators their rights through roles (see ``api.roles``)."""

    async def assign_roles(self, user_id: int | str, role_ids: Iterable[int]) -> dict[str, Any]:
        """Gives a user roles (Pelican). The root admin role is skipped, and a root admin's roles stay as
        they are.

        Args:
            user_id(int): Panel user ID.
            role_ids(list): IDs of the roles to add.

        Returns:
            The ``user`` envelope.

        Raises:
            UnsupportedByPanelError: the panel has no roles (Pterodactyl, Jexactyl).

        Example:
            >>> api.users.assign_roles(14, [2])  # doctest: +SKIP
        """
        return await self._roles(user_id, "assign", _role_ids(role_ids))

    async def remove_roles(self, user_id: int | str, role_ids: Iterable[int]) -> dict[str, Any]:
        """Takes roles away from a user (Pelican; the root admin role is skipped).

        Args:
            user_id(int): Panel user ID.
            role_ids(list): IDs of the roles to remove.

        Returns:
            The ``user`` envelope.

        Raises:
            UnsupportedByPanelError: the panel has no roles (Pterodactyl, Jexactyl).

        Example:
            >>> api.users.remove_roles(14, [2])  # doctest: +SKIP
        """
        return await self._roles(user_id, "remove", _role_ids(role_ids))

    async def _roles(self, user_id: int | str, action: str, ids: list[int]) -> dict[str, Any]:
        path = build_path(_ROLES, user=user_id, action=action)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._patch(path, {"roles": ids})
            return result

        return await self._only_on(("pelican",), "user roles", call, alternative=None)
