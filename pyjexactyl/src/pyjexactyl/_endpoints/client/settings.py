"""Client API: a server's settings (``/api/client/servers/{server}/settings``)."""

from __future__ import annotations

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_SETTINGS = "/api/client/servers/{server}/settings"


class Settings(Namespace):
    """Rename or reinstall a server and choose its Docker image."""

    async def rename_server(self, server_id: str, name: str, description: str | None = None) -> None:
        """Renames the server.
        Args:
            server_id(str): Server identifier (abbreviated UUID)
            name(str): New name for the server
            description(str): New description; ``None`` (the default) leaves it unchanged, ``''``
                clears it. Pelican's rename route ignores a description, so on Pelican it is also sent
                through Pelican's own ``POST /settings/description`` (to tell, the client asks the panel
                once if it does not know it yet; only when a description is given).

        Raises:
            ForbiddenError: Pelican, and its administrators made descriptions read-only.

        Example:
            >>> api.client.servers.settings.rename_server('1a2b3c4d', 'Lobby')  # doctest: +SKIP
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgumentError("name must be a non-empty string")
        body: dict[str, str] = {"name": name}
        if description is not None:
            if not isinstance(description, str):
                raise InvalidArgumentError(f"description must be a string, not {type(description).__name__}")
            body["description"] = description
        pelican = description is not None and await self._client.dialect.is_one_of({"pelican"})
        await self._post(build_path(_SETTINGS + "/rename", server=server_id), body)
        if pelican:
            await self._post(build_path(_SETTINGS + "/description", server=server_id), {"description": description})

    async def reinstall_server(self, server_id: str) -> None:
        """Reinstalls the server: the egg's install script runs again (files are kept unless the script
        removes them). The panel answers 202 and the server is ``installing`` until done.

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Example:
            >>> api.client.servers.settings.reinstall_server('1a2b3c4d')  # doctest: +SKIP
        """
        await self._post(build_path(_SETTINGS + "/reinstall", server=server_id))

    async def update_docker_image(self, server_id: str, docker_image: str) -> None:
        """Switches the server to another of its egg's Docker images.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            docker_image(str): The image, one of the values of the egg's ``docker_images`` (see
                ``api.client.servers.startup.list_variables(...)['meta']['docker_images']``).

        Raises:
            BadRequestError: an administrator set a custom image for this server.
            ValidationError: the image is not one the egg offers.

        Example:
            >>> api.client.servers.settings.update_docker_image('1a2b3c4d',  # doctest: +SKIP
            ...     'ghcr.io/pterodactyl/yolks:java_21')
        """
        if not isinstance(docker_image, str) or not docker_image.strip():
            raise InvalidArgumentError("docker_image must be a non-empty string")
        await self._put(build_path(_SETTINGS + "/docker-image", server=server_id), {"docker_image": docker_image})
