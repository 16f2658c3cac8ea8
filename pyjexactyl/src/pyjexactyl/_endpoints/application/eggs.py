"""Application API: Pelican's top-level eggs (``/api/application/eggs``): ``api.eggs``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Includes, Namespace, Params, build_path, build_query, only_on

_EGGS = "/api/application/eggs"
_EGG = "/api/application/eggs/{egg}"
PELICAN = ("pelican",)


class Eggs(Namespace):
    """Eggs (server types) on Pelican, which has no nests; Jexactyl v4 also serves one egg at ``/eggs/{id}``.
    On Pterodactyl and Jexactyl v3 use ``api.nests``."""

    @only_on(PELICAN, "a top-level egg list", "api.nests.get_eggs_in_nest()")
    async def list_eggs(self, includes: Includes = None, params: Params = None) -> AsyncPaginatedResponse:
        """Lists every egg (paginated, 50 per page by default).

        Args:
            includes(list|tuple): Relationships to add, e.g. ``['variables']``.
            params(dict): Extra query parameters, e.g. ``{'per_page': 100}``.

        Example:
            >>> [e['attributes']['name'] for e in api.eggs.list_eggs().collect()]  # doctest: +SKIP
        """
        return await self._paginate(_EGGS, build_query(includes, params))

    @only_on(("pelican", "jexactyl4"), "eggs outside nests", "api.nests.get_egg_info()")
    async def get_egg(self, egg_id: int | str, includes: Includes = None, params: Params = None) -> dict[str, Any]:
        """Gets one egg (Pelican, Jexactyl v4).

        Args:
            egg_id(int): Egg ID.
            includes(list|tuple): Relationships to add, e.g. ``['variables']``.
            params(dict): Extra query parameters.

        Returns:
            ``{'object': 'egg', 'attributes': {'id': 1, 'name': 'Paper', 'docker_images': {...},
            'startup_commands': {...}, ...}}``

        Example:
            >>> api.eggs.get_egg(1, includes=['variables'])  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_EGG, egg=egg_id), build_query(includes, params))
        return result

    @only_on(PELICAN, "egg export")
    async def export_egg(self, egg_id: int | str) -> dict[str, Any]:
        """Exports an egg as Pelican's egg document (``meta.version`` ``PLCN_v1``).

        Args:
            egg_id(int): Egg ID.

        Returns:
            The egg document (name, images, startup commands, variables, scripts...).

        Example:
            >>> document = api.eggs.export_egg(1)  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_EGG + "/export", egg=egg_id))
        return result

    @only_on(PELICAN, "egg import")
    async def import_egg(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Imports an egg document (as :meth:`export_egg` writes it) as a new egg.

        Args:
            document(dict): The egg document.

        Returns:
            The new ``egg`` envelope.

        Example:
            >>> api.eggs.import_egg(api.eggs.export_egg(1))  # doctest: +SKIP
        """
        if not isinstance(document, Mapping):
            raise InvalidArgumentError("document must be the egg document as a dict")
        result: dict[str, Any] = await self._post(_EGGS + "/import", dict(document))
        return result

    @only_on(PELICAN, "deleting eggs through the API")
    async def delete_egg(self, egg_id: int | str) -> None:
        """Deletes an egg no server uses.

        Args:
            egg_id(int): Egg ID.

        Raises:
            BadRequestError: servers still use the egg.

        Example:
            >>> api.eggs.delete_egg(7)  # doctest: +SKIP
        """
        await self._delete(build_path(_EGG, egg=egg_id))

    @only_on(PELICAN, "deleting eggs through the API")
    async def delete_egg_by_uuid(self, uuid: str) -> None:
        """Deletes an egg by its UUID.

        Args:
            uuid(str): The egg's UUID.

        Example:
            >>> api.eggs.delete_egg_by_uuid('5a7b...')  # doctest: +SKIP
        """
        await self._delete(build_path(_EGGS + "/uuid/{uuid}", uuid=uuid))
