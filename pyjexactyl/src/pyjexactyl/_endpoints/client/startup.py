"""Client API: a server's startup variables (``/api/client/servers/{server}/startup``)."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_STARTUP = "/api/client/servers/{server}/startup"


class Startup(Namespace):
    """Read the startup command and read or change the server's user-editable variables."""

    async def list_variables(self, server_id: str) -> dict[str, Any]:
        """Lists the server's user-viewable startup variables, with the startup command.

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Returns:
            The whole envelope: ``{'object': 'list', 'data': [{'object': 'egg_variable', 'attributes':
            {'name': ..., 'env_variable': 'SERVER_JARFILE', 'default_value': ..., 'server_value': ...,
            'is_editable': True, 'rules': 'required|string'}}], 'meta': {'startup_command': ...,
            'docker_images': {label: image}, 'raw_startup_command': ...}}``

        Example:
            >>> api.client.servers.startup.list_variables('1a2b3c4d')['meta']['startup_command']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_STARTUP, server=server_id))
        return result

    async def update_variable(self, server_id: str, name: str, value: str | int | float | None) -> dict[str, Any]:
        """Sets a startup variable; the value is checked against the variable's own rules.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            name(str): The variable's environment name (``env_variable``), e.g. ``'SERVER_JARFILE'``.
            value(str): The new value (numbers are sent as strings; ``None`` or ``''`` clears it).

        Returns:
            The updated ``egg_variable`` with ``meta.startup_command`` and ``meta.raw_startup_command``.

        Raises:
            BadRequestError: the variable is not viewable or is read-only.
            ValidationError: the value breaks the variable's rules.

        Example:
            >>> api.client.servers.startup.update_variable('1a2b3c4d', 'SERVER_JARFILE', 'paper.jar')  # doctest: +SKIP
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgumentError("name must be a non-empty string (the variable's env_variable)")
        if isinstance(value, bool) or not isinstance(value, (str, int, float, type(None))):
            raise InvalidArgumentError(f"value must be a string, a number or None, not {type(value).__name__}")
        sent = value if value is None or isinstance(value, str) else str(value)
        result: dict[str, Any] = await self._put(
            build_path(_STARTUP + "/variable", server=server_id), {"key": name, "value": sent}
        )
        return result
