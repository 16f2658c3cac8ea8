"""Application API: Jexactyl v3's store resources of a user (``/api/application/users/{id}/resources``).
:class:`~.users.Users` inherits these calls."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError, ServerError
from ..base import Namespace, build_path

_RESOURCES = "/api/application/users/{user}/resources"
_USER = "/api/application/users/{user}"
JEXACTYL = ("jexactyl",)
#: The store columns ``PATCH /users/{id}/resources`` writes, by the keyword :meth:`update_resources` takes.
STORE_COLUMNS = {
    "balance": "store_balance",
    "cpu": "store_cpu",
    "memory": "store_memory",
    "disk": "store_disk",
    "slots": "store_slots",
    "ports": "store_ports",
    "backups": "store_backups",
    "databases": "store_databases",
}
#: The user fields the panel validates on that route (its full user-update rules).
_USER_FIELDS = ("external_id", "email", "username", "first_name", "last_name", "language", "root_admin")


class UserResources(Namespace):
    """A user's Jexactyl store balance and resources, for administrators."""

    async def get_resources(self, user_id: int | str) -> dict[str, Any]:
        """A user's store balance and resources. Jexactyl v3 routes ``GET /users/{id}/resources`` but its
        controller calls a method on an array, so the panel answers 500 to every call; this raises
        :class:`~pyjexactyl.exceptions.UnsupportedByPanelError`. The user's own client key can read them
        with ``api.client.store.get_balance()``.

        Args:
            user_id(int): Panel user ID.

        Raises:
            UnsupportedByPanelError: always on current panels (status 500 on Jexactyl v3, 404 elsewhere).

        Example:
            >>> api.users.get_resources(14)  # doctest: +SKIP
        """
        path = build_path(_RESOURCES, user=user_id)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._get(path)
            return result

        return await self._only_on(
            JEXACTYL,
            "reading a user's store resources",
            call,
            alternative="the user's own key with api.client.store.get_balance()",
            broken="its route answers 500 on every call",
        )

    async def update_resources(
        self,
        user_id: int | str,
        *,
        balance: int,
        cpu: int,
        memory: int,
        disk: int,
        slots: int,
        ports: int,
        backups: int,
        databases: int,
    ) -> dict[str, int]:
        """Sets a user's store balance and resources. The panel writes all eight at once (one left out would
        become empty), so all are required.

        The panel validates the request with its full user-update rules, so the user's current details are
        read first and sent along. It then writes the values and fails with a 500 while building its answer
        (a bug in Jexactyl v3); that 500 is taken as success and the written values are returned.

        Args:
            user_id(int): Panel user ID.
            balance(int): Credits.
            cpu(int): CPU in percent.
            memory(int): Memory in MiB.
            disk(int): Disk in MiB.
            slots(int): Server slots.
            ports(int): Allocations.
            backups(int): Backup slots.
            databases(int): Databases.

        Returns:
            The values written: ``{'balance': 500, 'cpu': 100, ...}``.

        Raises:
            ValidationError: the user's details fail the panel's user rules.
            UnsupportedByPanelError: the panel is not Jexactyl v3.

        Example:
            >>> api.users.update_resources(14, balance=500, cpu=100, memory=2048, disk=4096,  # doctest: +SKIP
            ...                            slots=1, ports=1, backups=1, databases=1)
        """
        values = {
            "balance": balance,
            "cpu": cpu,
            "memory": memory,
            "disk": disk,
            "slots": slots,
            "ports": ports,
            "backups": backups,
            "databases": databases,
        }
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidArgumentError(f"{key} must be a whole number of 0 or more")
        if self._client.dialect.known(JEXACTYL) is False:
            raise self._unsupported("store resources")
        current: dict[str, Any] = (await self._get(build_path(_USER, user=user_id)))["attributes"]
        body: dict[str, Any] = {key: current.get(key) for key in _USER_FIELDS}
        body["root_admin"] = bool(body["root_admin"])
        body.update({STORE_COLUMNS[key]: value for key, value in values.items()})
        path = build_path(_RESOURCES, user=user_id)

        async def call() -> dict[str, int]:
            try:
                await self._patch(path, body)
            except ServerError as exc:
                if exc.status != 500:
                    raise
            return values

        return await self._only_on(JEXACTYL, "store resources", call)
