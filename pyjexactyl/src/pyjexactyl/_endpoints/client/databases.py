"""Client API: a server's databases (``/api/client/servers/{server}/databases``)."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path, build_query

_DATABASES = "/api/client/servers/{server}/databases"
_DATABASE = "/api/client/servers/{server}/databases/{database}"


class Databases(Namespace):
    """Create, list, rotate the password of and delete a server's databases."""

    async def list_databases(self, server_id: str, include_passwords: bool = False) -> dict[str, Any]:
        """Lists the server's databases.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            include_passwords(bool): Add each password (``relationships.password``); needs the
                ``database.view_password`` permission, else the relation is a ``null_resource``.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'server_database', 'attributes': {'id': 'AbCd1234',
            'host': {'address': ..., 'port': 3306}, 'name': 's7_minecraft', 'username': ...,
            'connections_from': '%', 'max_connections': 0}}]}``

        Example:
            >>> api.client.servers.databases.list_databases('1a2b3c4d', include_passwords=True)  # doctest: +SKIP
        """
        query = build_query(["password"] if include_passwords else None, None)
        result: dict[str, Any] = await self._get(build_path(_DATABASES, server=server_id), query)
        return result

    async def create_database(self, server_id: str, name: str, remote: str = "%") -> dict[str, Any]:
        """Creates a database for the server. The panel prefixes the name (``s<id>_<name>``).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            name(str): Database name: 3–48 letters, digits, dashes or underscores.
            remote(str): Hosts allowed to connect, ``%`` for any (e.g. ``10.0.0.%``).

        Returns:
            The ``server_database`` object, with its password in ``attributes.relationships.password``.

        Raises:
            BadRequestError: the server's database limit is reached or no database host is available.
            ValidationError: the name is invalid or already used by this server.

        Example:
            >>> api.client.servers.databases.create_database('1a2b3c4d', 'minecraft')  # doctest: +SKIP
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgumentError("name must be a non-empty string")
        if not isinstance(remote, str) or not remote.strip():
            raise InvalidArgumentError("remote must be a non-empty string such as '%'")
        body = {"database": name, "remote": remote}
        result: dict[str, Any] = await self._post(build_path(_DATABASES, server=server_id), body)
        return result

    async def rotate_database_password(self, server_id: str, database_id: str) -> dict[str, Any]:
        """Gives the database a new random password.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            database_id(str): The database ``id`` as listed (a hashid string such as ``'AbCd1234'``).

        Returns:
            The ``server_database`` object with the new password in ``relationships.password`` (a
            ``null_resource`` without ``database.view_password``).

        Example:
            >>> api.client.servers.databases.rotate_database_password('1a2b3c4d', 'AbCd1234')  # doctest: +SKIP
        """
        path = build_path(_DATABASE + "/rotate-password", server=server_id, database=database_id)
        result: dict[str, Any] = await self._post(path)
        return result

    async def delete_database(self, server_id: str, database_id: str) -> None:
        """Deletes a database and its data.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            database_id(str): The database ``id`` as listed (a hashid string).

        Example:
            >>> api.client.servers.databases.delete_database('1a2b3c4d', 'AbCd1234')  # doctest: +SKIP
        """
        await self._delete(build_path(_DATABASE, server=server_id, database=database_id))
