"""Application API: a server's databases (``/api/application/servers/{server}/databases``)."""

from __future__ import annotations

from typing import Any

from ...responses import AsyncPaginatedResponse
from ..base import Includes, Namespace, Params, build_path, build_query

_DATABASES = "/api/application/servers/{server}/databases"
_DATABASE = "/api/application/servers/{server}/databases/{database}"


class ServerDatabases(Namespace):
    """A server's databases; :class:`~.servers.Servers` inherits them."""

    async def list_server_databases(
        self, server_id: int | str, includes: Includes = None, params: Params = None
    ) -> AsyncPaginatedResponse:
        """Lists a server's databases (the panel sends them all on one page).

        Args:
            server_id(int): Panel server ID.
            includes(list|tuple): Relationships to add: ``password``, ``host``.
            params(dict): Extra query parameters.

        Example:
            >>> api.servers.list_server_databases(53, includes=['host']).collect()  # doctest: +SKIP
        """
        path = build_path(_DATABASES, server=server_id)
        return await self._paginate(path, build_query(includes, params))

    async def get_server_database_info(
        self,
        server_id: int | str,
        database_id: int | str,
        includes: Includes = None,
        params: Params = None,
    ) -> dict[str, Any]:
        """Gets one of a server's databases.

        Args:
            server_id(int): Panel server ID.
            database_id(int): Database ID.
            includes(list|tuple): Relationships to add: ``password``, ``host``.
            params(dict): Extra query parameters.

        Returns:
            ``{'object': 'server_database', 'attributes': {'id': 1, 'server': 53, 'host': 1, 'database':
            's53_main', 'username': ..., 'remote': '%', ...}}``

        Example:
            >>> api.servers.get_server_database_info(53, 1, includes=['password'])  # doctest: +SKIP
        """
        path = build_path(_DATABASE, server=server_id, database=database_id)
        result: dict[str, Any] = await self._get(path, build_query(includes, params))
        return result

    async def create_server_database(
        self, server_id: int | str, database: str, remote: str, host: int
    ) -> dict[str, Any]:
        """Creates a database for a server on a database host.

        Args:
            server_id(int): Panel server ID.
            database(str): Name, 1-48 letters, digits, ``-`` or ``_`` (stored as ``s<server>_<name>``).
            remote(str): Hosts allowed to connect, e.g. ``'%'`` for any or ``'10.0.0.%'``.
            host(int): ID of the database host.

        Returns:
            The new ``server_database`` envelope; ``meta.resource`` holds its URL.

        Example:
            >>> api.servers.create_server_database(53, 'main', '%', 1)  # doctest: +SKIP
        """
        body = {"database": database, "remote": remote, "host": host}
        result: dict[str, Any] = await self._post(build_path(_DATABASES, server=server_id), body)
        return result

    async def reset_server_database_password(self, server_id: int | str, database_id: int | str) -> None:
        """Gives a server's database a new random password.

        Args:
            server_id(int): Panel server ID.
            database_id(int): Database ID.

        Example:
            >>> api.servers.reset_server_database_password(53, 1)  # doctest: +SKIP
        """
        path = build_path(_DATABASE + "/reset-password", server=server_id, database=database_id)
        await self._post(path)

    async def delete_server_database(self, server_id: int | str, database_id: int | str) -> None:
        """Deletes one of a server's databases.

        Args:
            server_id(int): Panel server ID.
            database_id(int): Database ID.

        Example:
            >>> api.servers.delete_server_database(53, 1)  # doctest: +SKIP
        """
        await self._delete(build_path(_DATABASE, server=server_id, database=database_id))
