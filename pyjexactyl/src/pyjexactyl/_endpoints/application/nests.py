"""Application API: nests and their eggs (``/api/application/nests``)."""

from __future__ import annotations

from typing import Any

from ..._dialect import route_missing
from ...exceptions import JexactylApiError
from ...responses import AsyncPaginatedResponse
from ..base import NEST_PANELS, Includes, Namespace, Params, build_path, build_query, only_on

_NESTS = "/api/application/nests"
_NEST = "/api/application/nests/{nest}"
_EGGS = "/api/application/nests/{nest}/eggs"
_EGG = "/api/application/nests/{nest}/eggs/{egg}"


class Nests(Namespace):
    """Read the nests (server families) and eggs (server types) the panel offers."""

    @only_on(NEST_PANELS, "nests", "api.eggs.list_eggs()")
    async def list_nests(self, includes: Includes = None, params: Params = None) -> AsyncPaginatedResponse:
        """Lists every nest (paginated, 50 per page by default).

        Args:
            includes(list|tuple): Relationships to add: ``eggs``, ``servers``.
            params(dict): Extra query parameters, e.g. ``{'per_page': 100}``.

        Example:
            >>> [n['attributes']['name'] for n in api.nests.list_nests().collect()]  # doctest: +SKIP
            ['Minecraft', 'Source Engine']
        """
        return await self._paginate(_NESTS, build_query(includes, params))

    @only_on(NEST_PANELS, "nests", "api.eggs.list_eggs()")
    async def get_nest_info(
        self, nest_id: int | str, includes: Includes = None, params: Params = None
    ) -> dict[str, Any]:
        """Gets one nest.

        Args:
            nest_id(int): Nest ID.
            includes(list|tuple): Relationships to add: ``eggs``, ``servers``.
            params(dict): Extra query parameters.

        Returns:
            ``{'object': 'nest', 'attributes': {'id': 1, 'uuid': ..., 'name': 'Minecraft', ...}}``

        Example:
            >>> api.nests.get_nest_info(1, includes=['eggs'])  # doctest: +SKIP
        """
        path = build_path(_NEST, nest=nest_id)
        result: dict[str, Any] = await self._get(path, build_query(includes, params))
        return result

    @only_on(NEST_PANELS, "nests", "api.eggs.list_eggs()")
    async def get_eggs_in_nest(
        self, nest_id: int | str, includes: Includes = None, params: Params = None
    ) -> dict[str, Any]:
        """Lists the eggs of a nest. The panel does not page this list.

        Args:
            nest_id(int): Nest ID.
            includes(list|tuple): Relationships to add: ``nest``, ``servers``, ``config``, ``script``,
                ``variables``.
            params(dict): Extra query parameters.

        Returns:
            ``{'object': 'list', 'data': [{'object': 'egg', 'attributes': {...}}, ...]}``

        Example:
            >>> eggs = api.nests.get_eggs_in_nest(1)['data']  # doctest: +SKIP
        """
        path = build_path(_EGGS, nest=nest_id)
        result: dict[str, Any] = await self._get(path, build_query(includes, params))
        return result

    async def get_egg_info(
        self, nest_id: int | str, egg_id: int | str, includes: Includes = None, params: Params = None
    ) -> dict[str, Any]:
        """Gets one egg: docker images, startup command, config and (with ``variables``) its variables.

        Jexactyl v4 and Pelican serve eggs at ``/eggs/{egg}`` (``nest_id`` is then not needed): the client
        goes there when it knows the panel, or when the nest route is not found.

        Args:
            nest_id(int): Nest ID.
            egg_id(int): Egg ID.
            includes(list|tuple): Relationships to add: ``nest``, ``servers``, ``config``, ``script``,
                ``variables``.
            params(dict): Extra query parameters.

        Returns:
            ``{'object': 'egg', 'attributes': {'id': 3, 'name': 'Paper', 'docker_images': {...},
            'startup': ..., 'relationships': {...}}}``

        Example:
            >>> api.nests.get_egg_info(1, 3, includes=['variables'])  # doctest: +SKIP
        """
        query = build_query(includes, params)
        dialect = self._client.dialect
        if dialect.known({"jexactyl4", "pelican"}) is not True:
            try:
                result: dict[str, Any] = await self._get(build_path(_EGG, nest=nest_id, egg=egg_id), query)
                return result
            except JexactylApiError as exc:
                if not route_missing(exc):
                    raise
                dialect.observe({"jexactyl4", "pelican"}, f"{exc.method} {exc.path}: no such route")
        moved: dict[str, Any] = await self._get(build_path("/api/application/eggs/{egg}", egg=egg_id), query)
        return moved
