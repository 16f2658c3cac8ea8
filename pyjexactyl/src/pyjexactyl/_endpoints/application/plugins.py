"""Application API: Pelican's panel plugins (``/api/application/plugins``): ``api.plugins``."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Namespace, Params, build_path, build_query, only_on

_PLUGINS = "/api/application/plugins"
_PLUGIN = "/api/application/plugins/{plugin}"
PELICAN = ("pelican",)


class Plugins(Namespace):
    """Plugins of the Pelican panel itself (not game-server plugins): import, install, update, enable,
    disable, uninstall."""

    @only_on(PELICAN, "panel plugins")
    async def list_plugins(self, params: Params = None) -> AsyncPaginatedResponse:
        """Lists the panel's plugins (paginated, 10 per page by default).

        Args:
            params(dict): Extra query parameters, e.g. ``{'filter[category]': 'theme'}``.

        Example:
            >>> [p['attributes']['id'] for p in api.plugins.list_plugins().collect()]  # doctest: +SKIP
        """
        return await self._paginate(_PLUGINS, build_query(None, params))

    @only_on(PELICAN, "panel plugins")
    async def get_plugin(self, plugin_id: str) -> dict[str, Any]:
        """Gets one plugin; ``attributes.meta.status`` is ``not_installed``, ``enabled``, ``disabled``...

        Args:
            plugin_id(str): The plugin's id, e.g. ``'example-plugin'``.

        Example:
            >>> api.plugins.get_plugin('example-plugin')['attributes']['meta']['status']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_PLUGIN, plugin=plugin_id))
        return result

    @only_on(PELICAN, "panel plugins")
    async def import_plugin_url(self, url: str) -> None:
        """Downloads a plugin archive from a URL into the panel (the panel answers 201 with no body).

        Args:
            url(str): The archive's URL.

        Example:
            >>> api.plugins.import_plugin_url('https://example.com/plugin.zip')  # doctest: +SKIP
        """
        if not isinstance(url, str) or not url.strip():
            raise InvalidArgumentError("url must be a non-empty string")
        await self._post(_PLUGINS + "/import/url", {"url": url})

    async def install_plugin(self, plugin_id: str) -> dict[str, Any]:
        """Installs an imported plugin.

        Args:
            plugin_id(str): The plugin's id.

        Raises:
            BadRequestError: it is already installed.
            UnsupportedByPanelError: the panel is not Pelican.

        Example:
            >>> api.plugins.install_plugin('example-plugin')  # doctest: +SKIP
        """
        return await self._action(plugin_id, "install")

    async def update_plugin(self, plugin_id: str) -> dict[str, Any]:
        """Updates a plugin that has an update.

        Args:
            plugin_id(str): The plugin's id.

        Raises:
            BadRequestError: no update is available.
            UnsupportedByPanelError: the panel is not Pelican.

        Example:
            >>> api.plugins.update_plugin('example-plugin')  # doctest: +SKIP
        """
        return await self._action(plugin_id, "update")

    async def uninstall_plugin(self, plugin_id: str, delete: bool = False) -> dict[str, Any]:
        """Uninstalls a plugin.

        Args:
            plugin_id(str): The plugin's id.
            delete(bool): Also delete its files.

        Raises:
            BadRequestError: it is not installed.
            UnsupportedByPanelError: the panel is not Pelican.

        Example:
            >>> api.plugins.uninstall_plugin('example-plugin')  # doctest: +SKIP
        """
        return await self._action(plugin_id, "uninstall", {"delete": bool(delete)})

    async def enable_plugin(self, plugin_id: str) -> dict[str, Any]:
        """Enables an installed plugin.

        Args:
            plugin_id(str): The plugin's id.

        Raises:
            BadRequestError: it cannot be enabled (not installed, or already enabled).
            UnsupportedByPanelError: the panel is not Pelican.

        Example:
            >>> api.plugins.enable_plugin('example-plugin')  # doctest: +SKIP
        """
        return await self._action(plugin_id, "enable")

    async def disable_plugin(self, plugin_id: str) -> dict[str, Any]:
        """Disables an enabled plugin.

        Args:
            plugin_id(str): The plugin's id.

        Raises:
            BadRequestError: it cannot be disabled.
            UnsupportedByPanelError: the panel is not Pelican.

        Example:
            >>> api.plugins.disable_plugin('example-plugin')  # doctest: +SKIP
        """
        return await self._action(plugin_id, "disable")

    async def _action(self, plugin_id: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        path = build_path(_PLUGIN + "/{action}", plugin=plugin_id, action=action)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._post(path, body)
            return result

        return await self._only_on(PELICAN, "panel plugins", call)
