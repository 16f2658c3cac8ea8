"""Application API: node locations (``/api/application/locations``)."""

from __future__ import annotations

from typing import Any

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import NEST_PANELS, Includes, Namespace, Params, build_path, build_query, only_on

_LOCATIONS = "/api/application/locations"
_LOCATION = "/api/application/locations/{location}"


class Locations(Namespace):
    """List, create, edit and delete the locations nodes are grouped into (``short`` code, ``long`` text)."""

    @only_on(NEST_PANELS, "locations", "node tags (Pelican deploys by tags)")
    async def list_locations(self, includes: Includes = None, params: Params = None) -> AsyncPaginatedResponse:
        """Lists every location (paginated, 50 per page by default).

        Args:
            includes(list|tuple): Relationships to add: ``nodes``, ``servers``.
            params(dict): Extra query parameters, e.g. ``{'filter[short]': 'eu', 'per_page': 100}``.

        Example:
            >>> api.locations.list_locations().collect()  # doctest: +SKIP
        """
        return await self._paginate(_LOCATIONS, build_query(includes, params))

    @only_on(NEST_PANELS, "locations", "node tags (Pelican deploys by tags)")
    async def get_location_info(
        self, location_id: int | str, includes: Includes = None, params: Params = None
    ) -> dict[str, Any]:
        """Gets one location.

        Args:
            location_id(int): Location ID.
            includes(list|tuple): Relationships to add: ``nodes``, ``servers``.
            params(dict): Extra query parameters.

        Returns:
            ``{'object': 'location', 'attributes': {'id': 1, 'short': 'eu', 'long': 'Europe', ...}}``

        Example:
            >>> api.locations.get_location_info(1)['attributes']['short']  # doctest: +SKIP
            'eu'
        """
        path = build_path(_LOCATION, location=location_id)
        result: dict[str, Any] = await self._get(path, build_query(includes, params))
        return result

    @only_on(NEST_PANELS, "locations", "node tags (Pelican deploys by tags)")
    async def create_location(self, shortcode: str, description: str | None = None) -> dict[str, Any]:
        """Creates a location.

        Args:
            shortcode(str): Unique short code, 1-60 characters (the panel's ``short``), e.g. ``'us.nyc'``.
            description(str): Longer description, up to 191 characters (the panel's ``long``).

        Returns:
            The new ``location`` envelope; ``meta.resource`` holds its URL.

        Raises:
            ValidationError: the short code is missing, too long or already used.

        Example:
            >>> api.locations.create_location('us.nyc', 'New York')['attributes']['id']  # doctest: +SKIP
            2
        """
        if not isinstance(shortcode, str) or not shortcode.strip():
            raise InvalidArgumentError("shortcode must be a non-empty string")
        body = {"short": shortcode, "long": description}
        result: dict[str, Any] = await self._post(_LOCATIONS, body)
        return result

    @only_on(NEST_PANELS, "locations", "node tags (Pelican deploys by tags)")
    async def edit_location(
        self, location_id: int | str, shortcode: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        """Changes a location's short code and/or description. The panel requires the short code on every
        update, so the current one is fetched when ``shortcode`` is not given.

        Args:
            location_id(int): Location ID.
            shortcode(str): New short code (kept when omitted).
            description(str): New description (kept when omitted).

        Returns:
            The updated ``location`` envelope.

        Example:
            >>> api.locations.edit_location(1, description='Frankfurt')  # doctest: +SKIP
        """
        if shortcode is None and description is None:
            raise InvalidArgumentError("give shortcode and/or description to change")
        path = build_path(_LOCATION, location=location_id)
        body: dict[str, Any] = {}
        if shortcode is None:
            current = await self._get(path)
            body["short"] = current["attributes"]["short"]
        else:
            body["short"] = shortcode
        if description is not None:
            body["long"] = description
        result: dict[str, Any] = await self._patch(path, body)
        return result

    @only_on(NEST_PANELS, "locations", "node tags (Pelican deploys by tags)")
    async def delete_location(self, location_id: int | str) -> None:
        """Deletes a location. It must have no nodes.

        Args:
            location_id(int): Location ID.

        Raises:
            BadRequestError: nodes are still attached to the location.

        Example:
            >>> api.locations.delete_location(2)  # doctest: +SKIP
        """
        await self._delete(build_path(_LOCATION, location=location_id))
