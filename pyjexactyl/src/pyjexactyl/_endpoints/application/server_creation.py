"""Application API: server creation (``POST /api/application/servers``), with automatic deployment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...exceptions import InvalidArgumentError
from .server_dialects import ServerDialects

_SERVERS = "/api/application/servers"


def _int_list(name: str, values: Iterable[int | str] | None) -> list[int] | None:
    if values is None:
        return None
    if isinstance(values, (str, int)):
        values = [values]
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{name} must be a list of integer IDs") from None


def _variable_values(variables: Any, *, server: bool) -> dict[str, Any]:
    """``{ENV_NAME: value}`` from an ``include=variables`` relationship (egg or server variables)."""
    values: dict[str, Any] = {}
    for item in (variables or {}).get("data") or []:
        attributes = item.get("attributes") or {}
        name = attributes.get("env_variable")
        if not name:
            continue
        value = attributes.get("server_value") if server else None
        values[name] = attributes.get("default_value") if value is None else value
    return values


class ServerCreation(ServerDialects):
    """Creating a server; :class:`~.servers.Servers` inherits it."""

    async def create_server(
        self,
        name: str,
        user_id: int,
        nest_id: int,
        egg_id: int,
        memory_limit: int,
        swap_limit: int,
        disk_limit: int,
        location_ids: Iterable[int] | None = None,
        port_range: Iterable[int | str] | None = None,
        environment: Mapping[str, Any] | None = None,
        cpu_limit: int = 0,
        io_limit: int = 500,
        database_limit: int | None = 0,
        allocation_limit: int | None = 0,
        backup_limit: int | None = 0,
        docker_image: str | None = None,
        startup_cmd: str | None = None,
        dedicated_ip: bool = False,
        start_on_completion: bool = True,
        oom_disabled: bool = True,
        default_allocation: int | None = None,
        additional_allocations: Iterable[int] | None = None,
        external_id: str | None = None,
        description: str | None = None,
        skip_scripts: bool = False,
        node_id: int | None = None,
        tags: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Creates a server and starts its installation.

        The egg is fetched first (with its variables): its docker image and startup command are used unless
        given, and every egg variable gets its default value unless ``environment`` sets it. The server is
        placed either by automatic deployment (``location_ids``; on Pelican ``tags``) or on an explicit
        allocation (``default_allocation``).

        Each panel serves eggs and takes the body its own way: Pterodactyl and Jexactyl v3 read the egg at
        ``/nests/{nest}/eggs/{egg}``; Jexactyl v4 and Pelican at ``/eggs/{egg}`` (``nest_id`` unused). Unless
        the client already knows the panel, it tries the first route, and the egg it reads tells which
        panel it is (no extra request on Pterodactyl and Jexactyl v3, one "not found" answer elsewhere).
        Jexactyl v4 has no automatic deployment and needs ``node_id`` with ``default_allocation``; Pelican
        deploys by node ``tags``, not locations.

        Args:
            name(str): Server name.
            user_id(int): ID of the user who will own it.
            nest_id(int): Nest of the egg.
            egg_id(int): Egg (server type).
            memory_limit(int): Memory in MiB (0 = unlimited).
            swap_limit(int): Swap in MiB (0 = none, -1 = unlimited).
            disk_limit(int): Disk in MiB (0 = unlimited).
            location_ids(list): Deploy to a node in one of these locations.
            port_range(list): With ``location_ids``, only pick ports from these, e.g. ``['25565-25600']``.
            environment(dict): Egg variable values, e.g. ``{'SERVER_JARFILE': 'paper.jar'}``.
            cpu_limit(int): CPU in percent of one core (0 = unlimited, 200 = two cores).
            io_limit(int): Block IO weight, 10-1000.
            database_limit(int): Databases the server may have.
            allocation_limit(int): Allocations the server may have.
            backup_limit(int): Backups the server may have.
            docker_image(str): Docker image (default: the egg's first image).
            startup_cmd(str): Startup command (default: the egg's).
            dedicated_ip(bool): With ``location_ids``, only pick an IP no other server uses.
            start_on_completion(bool): Start the server once installed.
            oom_disabled(bool): Disable the OOM killer.
            default_allocation(int): ID of a free allocation to use instead of automatic deployment.
            additional_allocations(list): IDs of extra free allocations (with ``default_allocation``).
            external_id(str): The server's ID in another system, unique.
            description(str): Server description.
            skip_scripts(bool): Skip the egg's install script.
            node_id(int): Jexactyl v4: the node of ``default_allocation`` (required there).
            tags(list): Pelican: deploy to a node with these tags (instead of ``location_ids``).

        Returns:
            The new ``server`` envelope.

        Raises:
            InvalidArgumentError: neither or both of ``location_ids`` and ``default_allocation`` given.
            UnsupportedByPanelError: automatic deployment by location on Jexactyl v4 or Pelican.
            BadRequestError: no node or allocation fits (``NoViableNodeException`` /
                ``NoViableAllocationException``).
            ValidationError: a field or egg variable is invalid (``source_field`` e.g.
                ``environment.SERVER_JARFILE``).

        Example:
            >>> api.servers.create_server(name='My Paper Server', user_id=1, nest_id=1,
            ...                           egg_id=3, memory_limit=8000, swap_limit=0,
            ...                           backup_limit=0, disk_limit=0, location_ids=[1])  # doctest: +SKIP
        """
        locations = _int_list("location_ids", location_ids)
        additional = _int_list("additional_allocations", additional_allocations)
        tag_list = [str(t) for t in tags] if tags is not None else None
        deploying = bool(locations) or tag_list is not None
        if not deploying and default_allocation is None:
            raise InvalidArgumentError("give location_ids (automatic deployment) or default_allocation")
        if deploying and default_allocation is not None:
            raise InvalidArgumentError("give location_ids or default_allocation, not both")
        if additional and default_allocation is None:
            raise InvalidArgumentError("additional_allocations needs default_allocation")

        flavor = self._application_flavor()
        egg: dict[str, Any] = (await self._egg(flavor, nest_id, egg_id))["attributes"]
        flavor = self._application_flavor()
        if flavor == "jexactyl4" and deploying:
            raise self._unsupported("automatic deployment", "default_allocation= with node_id=")
        if flavor == "pelican" and locations:
            raise self._unsupported("deploying by location", "tags= (node tags) or default_allocation=")
        if tag_list is not None and flavor != "pelican":
            raise self._unsupported("deploying by node tags", "location_ids=")
        env = _variable_values((egg.get("relationships") or {}).get("variables"), server=False)
        env.update(environment or {})
        if docker_image is None:
            docker_image = egg.get("docker_image") or next(iter((egg.get("docker_images") or {}).values()), None)
        if startup_cmd is None:
            startup_cmd = egg.get("startup")

        body: dict[str, Any] = {
            "name": name,
            "user": user_id,
            "egg": egg_id,
            "docker_image": docker_image,
            "startup": startup_cmd,
            "environment": env,
            "limits": {
                "memory": memory_limit,
                "swap": swap_limit,
                "disk": disk_limit,
                "io": io_limit,
                "cpu": cpu_limit,
            },
            "feature_limits": {
                "databases": database_limit,
                "allocations": allocation_limit,
                "backups": backup_limit,
            },
            "skip_scripts": bool(skip_scripts),
            "oom_disabled": bool(oom_disabled),
            "start_on_completion": bool(start_on_completion),
        }
        if external_id is not None:
            body["external_id"] = external_id
        if description is not None:
            body["description"] = description
        if deploying:
            body["deploy"] = {
                "locations": locations or [],
                "dedicated_ip": bool(dedicated_ip),
                "port_range": [str(p) for p in (port_range or [])],
            }
        else:
            body["allocation"] = {"default": default_allocation, "additional": additional or []}
        if flavor == "jexactyl4":
            body = self._v4_create_body(body, node_id)
        elif flavor == "pelican":
            body = self._pelican_create_body(body, tag_list)
        result: dict[str, Any] = await self._post(_SERVERS, body)
        return result
