"""Application API: Pelican's database hosts (``/api/application/database-hosts``): ``api.database_hosts``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Namespace, Params, build_path, build_query, only_on

_HOSTS = "/api/application/database-hosts"
_HOST = "/api/application/database-hosts/{host}"
PELICAN = ("pelican",)


def _body(
    name: str, host: str, port: int, username: str, password: str | None, node_ids: Iterable[int] | None
) -> dict[str, Any]:
    if not isinstance(name, str) or not name.strip() or not isinstance(host, str) or not host.strip():
        raise InvalidArgumentError("name and host must be non-empty strings")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidArgumentError("port must be 1-65535")
    body: dict[str, Any] = {"name": name, "host": host, "port": port, "username": username}
    if password is not None:
        body["password"] = password
    if node_ids is not None:
        body["node_ids"] = list(node_ids)
    return body


class DatabaseHosts(Namespace):
    """The MySQL/MariaDB hosts server databases are created on (Pelican)."""

    @only_on(PELICAN, "database hosts through the API")
    async def list_database_hosts(self, params: Params = None) -> AsyncPaginatedResponse:
        """Lists the database hosts (paginated, 50 per page by default).

        Args:
            params(dict): Extra query parameters, e.g. ``{'per_page': 100}``.

        Example:
            >>> api.database_hosts.list_database_hosts().collect()  # doctest: +SKIP
        """
        return await self._paginate(_HOSTS, build_query(None, params))

    @only_on(PELICAN, "database hosts through the API")
    async def get_database_host(self, host_id: int | str) -> dict[str, Any]:
        """Gets one database host.

        Args:
            host_id(int): Database host ID.

        Returns:
            ``{'object': 'database_host', 'attributes': {'id': 1, 'name': ..., 'host': ..., 'port': 3306,
            'username': ..., 'created_at': ..., 'updated_at': ...}}``

        Example:
            >>> api.database_hosts.get_database_host(1)  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_HOST, host=host_id))
        return result

    @only_on(PELICAN, "database hosts through the API")
    async def create_database_host(
        self,
        name: str,
        host: str,
        port: int,
        username: str,
        password: str | None = None,
        node_ids: Iterable[int] | None = None,
    ) -> dict[str, Any]:
        """Adds a database host (the panel stores the password encrypted and never shows it).

        Args:
            name(str): Shown name.
            host(str): Hostname or IP the panel connects to.
            port(int): Port, 1-65535.
            username(str): Account allowed to create databases and users (at most 32 characters).
            password(str): That account's password.
            node_ids(list): Nodes allowed to use the host.

        Returns:
            The new ``database_host`` envelope; ``meta.resource`` holds its URL.

        Example:
            >>> api.database_hosts.create_database_host('db2', '10.0.0.3', 3306, 'panel', 's3cret')  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._post(_HOSTS, _body(name, host, port, username, password, node_ids))
        return result

    @only_on(PELICAN, "database hosts through the API")
    async def update_database_host(
        self,
        host_id: int | str,
        name: str,
        host: str,
        port: int,
        username: str,
        password: str | None = None,
        node_ids: Iterable[int] | None = None,
    ) -> dict[str, Any]:
        """Replaces a database host's settings (the panel requires the whole object).

        Args:
            host_id(int): Database host ID.
            name(str): Shown name.
            host(str): Hostname or IP.
            port(int): Port, 1-65535.
            username(str): Account name.
            password(str): New password (``None`` keeps it).
            node_ids(list): Nodes allowed to use the host.

        Returns:
            The updated ``database_host`` envelope.

        Example:
            >>> api.database_hosts.update_database_host(1, 'db1', '10.0.0.2', 3306, 'panel')  # doctest: +SKIP
        """
        body = _body(name, host, port, username, password, node_ids)
        result: dict[str, Any] = await self._patch(build_path(_HOST, host=host_id), body)
        return result

    @only_on(PELICAN, "database hosts through the API")
    async def delete_database_host(self, host_id: int | str) -> None:
        """Deletes a database host no database lives on.

        Args:
            host_id(int): Database host ID.

        Raises:
            BadRequestError: databases still live on it.

        Example:
            >>> api.database_hosts.delete_database_host(2)  # doctest: +SKIP
        """
        await self._delete(build_path(_HOST, host=host_id))
