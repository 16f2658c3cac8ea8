"""Application API: how server creation and edits differ between panels, and Pelican's server transfers.

:class:`~.servers.Servers` inherits these. Pterodactyl and Jexactyl v3 share one application API; Jexactyl v4
edits a server with one ``PATCH /servers/{id}`` and names the foreign keys ``owner_id``/``node_id``/``egg_id``;
Pelican has no nests, takes ``oom_killer`` and deploys by node tags.
"""

from __future__ import annotations

from typing import Any

from ..._dialect import flavors_of_application_egg, flavors_of_application_server, route_missing
from ...exceptions import InvalidArgumentError, JexactylApiError
from ..base import Namespace, build_path, build_query

_SERVER = "/api/application/servers/{server}"
_NEST_EGG = "/api/application/nests/{nest}/eggs/{egg}"
_EGG = "/api/application/eggs/{egg}"


class ServerDialects(Namespace):
    """The dialect-dependent parts of the server endpoints, and Pelican's transfers."""

    def _application_flavor(self) -> str:
        """``pelican``, ``jexactyl4`` or ``pterodactyl`` (= Jexactyl v3 here) as far as the client knows;
        ``undecided`` otherwise (the egg or server object the call reads first decides it, no probe)."""
        dialect = self._client.dialect
        if dialect.known({"pelican"}):
            return "pelican"
        if dialect.known({"jexactyl4"}):
            return "jexactyl4"
        if dialect.known({"pterodactyl", "jexactyl"}):
            return "pterodactyl"
        return "undecided"

    async def _egg(self, flavor: str, nest_id: int | str | None, egg_id: int | str) -> dict[str, Any]:
        """The egg with its variables, from where the panel serves it."""
        query = build_query(["variables"])
        dialect = self._client.dialect
        if flavor not in ("pelican", "jexactyl4"):
            if nest_id is None:
                raise InvalidArgumentError("nest_id is required on Pterodactyl and Jexactyl v3")
            try:
                result: dict[str, Any] = await self._get(build_path(_NEST_EGG, nest=nest_id, egg=egg_id), query)
                dialect.observe({"pterodactyl", "jexactyl"}, "GET /api/application/nests/{nest}/eggs/{egg} answered")
                return result
            except JexactylApiError as exc:
                if not route_missing(exc):
                    raise
                dialect.observe({"jexactyl4", "pelican"}, f"{exc.method} {exc.path}: no such route")
        moved: dict[str, Any] = await self._get(build_path(_EGG, egg=egg_id), query)
        attributes = moved.get("attributes") or {}
        dialect.observe(flavors_of_application_egg(attributes), f"GET {_EGG}: the egg's fields")
        return moved

    async def _current_server(self, server_id: int | str, includes: list[str] | None = None) -> dict[str, Any]:
        """The server's current attributes (and what they tell of the panel)."""
        path = build_path(_SERVER, server=server_id)
        current: dict[str, Any] = (await self._get(path, build_query(includes)))["attributes"]
        self._client.dialect.observe(flavors_of_application_server(current), f"GET {path}: the server's fields")
        return current

    async def _patch_v4(self, server_id: int | str, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """Jexactyl v4's ``PATCH /servers/{id}``: details and build in one request (``feature_limits``
        required), the unchanged values taken from ``current``."""
        body: dict[str, Any] = {
            "name": current.get("name"),
            "owner_id": current.get("owner_id"),
            "description": current.get("description"),
            "external_id": current.get("external_id"),
            "feature_limits": dict(current.get("feature_limits") or {}),
        }
        body.update(changes)
        result: dict[str, Any] = await self._patch(build_path(_SERVER, server=server_id), body)
        return result

    @staticmethod
    def _v4_create_body(body: dict[str, Any], node_id: int | None) -> dict[str, Any]:
        """Pterodactyl's creation body in Jexactyl v4's names (it has no automatic deployment)."""
        if node_id is None:
            raise InvalidArgumentError("Jexactyl v4 needs node_id (the node of default_allocation)")
        limits = dict(body["limits"])
        limits["oom_killer"] = not body["oom_disabled"]
        return {
            "name": body["name"],
            "owner_id": body["user"],
            "node_id": node_id,
            "egg_id": body["egg"],
            "image": body["docker_image"],
            "startup": body["startup"],
            "environment": body["environment"],
            "limits": limits,
            "feature_limits": {**body["feature_limits"], "subusers": None},
            "allocation": body["allocation"],
            "skip_scripts": body["skip_scripts"],
            **{k: body[k] for k in ("external_id", "description") if k in body},
        }

    @staticmethod
    def _pelican_create_body(body: dict[str, Any], tags: list[str] | None) -> dict[str, Any]:
        """Pterodactyl's creation body as Pelican takes it: ``oom_killer``, deployment by node tags."""
        out = {k: v for k, v in body.items() if k != "oom_disabled"}
        out["oom_killer"] = not body["oom_disabled"]
        if "deploy" in out:
            deploy = {k: v for k, v in out["deploy"].items() if k != "locations"}
            out["deploy"] = {**deploy, "tags": list(tags or [])}
        return out

    async def transfer_server(
        self,
        server_id: int | str,
        node_id: int,
        allocation_id: int,
        additional_allocations: list[int] | None = None,
    ) -> None:
        """Moves a server to another node (Pelican). The panel answers at once; the node does the copy.

        Args:
            server_id(int): Panel server ID.
            node_id(int): The node to move to.
            allocation_id(int): A free allocation on that node, to become the primary one.
            additional_allocations(list): More free allocations on that node.

        Raises:
            JexactylApiError: 406 when the panel refuses (e.g. a transfer is already running).
            UnsupportedByPanelError: the panel has no transfer route (Pterodactyl, Jexactyl).

        Example:
            >>> api.servers.transfer_server(53, node_id=2, allocation_id=812)  # doctest: +SKIP
        """
        body: dict[str, Any] = {"node_id": node_id, "allocation_id": allocation_id}
        if additional_allocations:
            body["allocation_additional"] = list(additional_allocations)
        path = build_path(_SERVER + "/transfer", server=server_id)

        async def call() -> None:
            await self._post(path, body)

        await self._only_on(("pelican",), "server transfers through the API", call)

    async def cancel_transfer(self, server_id: int | str) -> None:
        """Cancels a server's running transfer (Pelican).

        Args:
            server_id(int): Panel server ID.

        Raises:
            JexactylApiError: 406 when no transfer is running.
            UnsupportedByPanelError: the panel has no transfer route (Pterodactyl, Jexactyl).

        Example:
            >>> api.servers.cancel_transfer(53)  # doctest: +SKIP
        """
        path = build_path(_SERVER + "/transfer/cancel", server=server_id)

        async def call() -> None:
            await self._post(path)

        await self._only_on(("pelican",), "server transfers through the API", call)
