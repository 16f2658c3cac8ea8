"""Application API: servers and their databases (``/api/application/servers``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Includes, Params, build_path, build_query
from .server_creation import ServerCreation, _int_list, _variable_values
from .server_databases import ServerDatabases

_SERVERS = "/api/application/servers"
_SERVER = "/api/application/servers/{server}"
_EXTERNAL = "/api/application/servers/external/{external_id}"


class Servers(ServerCreation, ServerDatabases):
    """Every server on the panel: create, look up, change build / startup / details, suspend, reinstall,
    delete, and manage its databases (and, on Pelican, transfer it)."""

    async def list_servers(self, includes: Includes = None, params: Params = None) -> AsyncPaginatedResponse:
        """Lists every server (paginated, 50 per page by default).

        Args:
            includes(list|tuple): Relationships to add: ``allocations``, ``user``, ``subusers``, ``nest``,
                ``egg``, ``variables``, ``location``, ``node``, ``databases``.
            params(dict): Extra query parameters, e.g. ``{'per_page': 9001}``, ``{'filter[name]': 'lobby'}``,
                ``{'sort': '-id'}``.

        Example:
            >>> api.servers.list_servers(includes=('egg', 'nest'))  # doctest: +SKIP
        """
        return await self._paginate(_SERVERS, build_query(includes, params))

    async def get_server_info(
        self,
        server_id: int | str | None = None,
        external_id: str | None = None,
        detail: bool = False,
        includes: Includes = None,
        params: Params = None,
    ) -> dict[str, Any]:
        """Gets one server by panel ID or by external ID.

        Args:
            server_id(int): Panel server ID (the numeric ``id``, not the identifier).
            external_id(str): The server's ID in another system (e.g. WHMCS).
            detail(bool): Return the whole envelope instead of only the ``attributes``.
            includes(list|tuple): Relationships to add: ``allocations``, ``user``, ``subusers``, ``nest``,
                ``egg``, ``variables``, ``location``, ``node``, ``databases``.
            params(dict): Extra query parameters.

        Returns:
            The server's attributes: ``{'id': 53, 'uuid': ..., 'identifier': ..., 'name': ..., 'limits':
            {...}, 'feature_limits': {...}, 'user': 1, 'node': 1, 'allocation': 7, 'egg': 3, 'container':
            {...}, ...}`` (the whole envelope with ``detail=True``).

        Raises:
            InvalidArgumentError: neither or both of ``server_id`` and ``external_id`` given.

        Example:
            >>> api.servers.get_server_info(server_id=53, includes=['user', 'subusers', 'location'])  # doctest: +SKIP
        """
        if server_id is None and external_id is None:
            raise InvalidArgumentError("give either server_id or external_id")
        if server_id is not None and external_id is not None:
            raise InvalidArgumentError("give either server_id or external_id, not both")
        if server_id is not None:
            path = build_path(_SERVER, server=server_id)
        else:
            path = build_path(_EXTERNAL, external_id=external_id)
        response: dict[str, Any] = await self._get(path, build_query(includes, params))
        return response if detail else response["attributes"]

    async def update_server_details(
        self,
        server_id: int | str,
        name: str | None = None,
        user_id: int | None = None,
        external_id: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Changes a server's name, owner, external ID or description. The panel resets every field that is
        not sent, so the omitted ones are filled from the current server.

        Args:
            server_id(int): Panel server ID.
            name(str): New name.
            user_id(int): ID of the new owner.
            external_id(str): New external ID (``''`` clears it).
            description(str): New description.

        Returns:
            The updated ``server`` envelope.

        Example:
            >>> api.servers.update_server_details(53, name='Lobby')  # doctest: +SKIP
        """
        if name is None and user_id is None and external_id is None and description is None:
            raise InvalidArgumentError("give at least one of name, user_id, external_id, description")
        path = build_path(_SERVER, server=server_id)
        current = await self._current_server(server_id)
        if "owner_id" in current:  # Jexactyl v4: one PATCH /servers/{id}
            wanted: dict[str, Any] = {"name": name, "owner_id": user_id, "description": description}
            changes = {k: v for k, v in wanted.items() if v is not None}
            if external_id is not None:
                changes["external_id"] = external_id or None
            return await self._patch_v4(server_id, current, changes)
        body = {
            "name": current.get("name") if name is None else name,
            "user": current.get("user") if user_id is None else user_id,
            "external_id": current.get("external_id") if external_id is None else external_id or None,
            "description": current.get("description") if description is None else description,
        }
        result: dict[str, Any] = await self._patch(path + "/details", body)
        return result

    async def update_server_build(
        self,
        server_id: int | str,
        allocation_id: int | None = None,
        memory_limit: int | None = None,
        swap_limit: int | None = None,
        disk_limit: int | None = None,
        cpu_limit: int | None = None,
        io_limit: int | None = None,
        threads: str | None = None,
        database_limit: int | None = None,
        allocation_limit: int | None = None,
        backup_limit: int | None = None,
        add_allocations: Iterable[int] | None = None,
        remove_allocations: Iterable[int] | None = None,
        oom_disabled: bool | None = None,
    ) -> dict[str, Any]:
        """Changes a server's resources, feature limits and allocations. The panel requires the primary
        allocation, every limit and every feature limit, so the omitted ones are filled from the current
        server.

        Args:
            server_id(int): Panel server ID.
            allocation_id(int): ID of the new primary allocation.
            memory_limit(int): Memory in MiB (0 = unlimited).
            swap_limit(int): Swap in MiB (0 = none, -1 = unlimited).
            disk_limit(int): Disk in MiB (0 = unlimited).
            cpu_limit(int): CPU in percent of one core (0 = unlimited).
            io_limit(int): Block IO weight, 10-1000.
            threads(str): CPU pinning, e.g. ``'0-1,3'`` (``''`` clears it).
            database_limit(int): Databases the server may have.
            allocation_limit(int): Allocations the server may have.
            backup_limit(int): Backups the server may have.
            add_allocations(list): IDs of free allocations to add.
            remove_allocations(list): IDs of allocations to take away.
            oom_disabled(bool): Disable the OOM killer.

        Returns:
            The updated ``server`` envelope.

        Example:
            >>> api.servers.update_server_build(53, memory_limit=8192, backup_limit=5)  # doctest: +SKIP
        """
        add = _int_list("add_allocations", add_allocations)
        remove = _int_list("remove_allocations", remove_allocations)
        path = build_path(_SERVER, server=server_id)
        current = await self._current_server(server_id)
        limits: dict[str, Any] = current.get("limits") or {}
        features: dict[str, Any] = current.get("feature_limits") or {}

        def pick(value: Any, fallback: Any) -> Any:
            return fallback if value is None else value

        if "owner_id" in current:  # Jexactyl v4: one PATCH /servers/{id}, oom_killer
            v4_limits = {
                "memory": pick(memory_limit, limits.get("memory")),
                "swap": pick(swap_limit, limits.get("swap")),
                "disk": pick(disk_limit, limits.get("disk")),
                "io": pick(io_limit, limits.get("io")),
                "cpu": pick(cpu_limit, limits.get("cpu")),
                "threads": pick(threads, limits.get("threads")) or None,
                "oom_killer": limits.get("oom_killer") if oom_disabled is None else not oom_disabled,
            }
            v4_features = {
                **features,
                "databases": pick(database_limit, features.get("databases")),
                "allocations": pick(allocation_limit, features.get("allocations")),
                "backups": pick(backup_limit, features.get("backups")),
            }
            changes: dict[str, Any] = {"limits": v4_limits, "feature_limits": v4_features}
            if allocation_id is not None:
                changes["allocation_id"] = allocation_id
            if add:
                changes["add_allocations"] = add
            if remove:
                changes["remove_allocations"] = remove
            return await self._patch_v4(server_id, current, changes)

        body: dict[str, Any] = {
            "allocation": pick(allocation_id, current.get("allocation")),
            "oom_disabled": bool(pick(oom_disabled, limits.get("oom_disabled", True))),
            "limits": {
                "memory": pick(memory_limit, limits.get("memory")),
                "swap": pick(swap_limit, limits.get("swap")),
                "disk": pick(disk_limit, limits.get("disk")),
                "io": pick(io_limit, limits.get("io")),
                "cpu": pick(cpu_limit, limits.get("cpu")),
                "threads": pick(threads, limits.get("threads")) or None,
            },
            "feature_limits": {
                "databases": pick(database_limit, features.get("databases")),
                "allocations": pick(allocation_limit, features.get("allocations")),
                "backups": pick(backup_limit, features.get("backups")),
            },
        }
        if add:
            body["add_allocations"] = add
        if remove:
            body["remove_allocations"] = remove
        if "oom_killer" in limits:  # Pelican reads oom_killer (and ignores oom_disabled)
            body["oom_killer"] = not body["oom_disabled"]
        result: dict[str, Any] = await self._patch(path + "/build", body)
        return result

    async def update_server_startup(
        self,
        server_id: int | str,
        egg_id: int | None = None,
        startup_cmd: str | None = None,
        environment: Mapping[str, Any] | None = None,
        docker_image: str | None = None,
        skip_scripts: bool = False,
    ) -> dict[str, Any]:
        """Changes a server's egg, startup command, variables or docker image. The panel requires all of
        them, so the omitted ones are filled from the current server; ``environment`` is merged over the
        server's current variable values.

        Args:
            server_id(int): Panel server ID.
            egg_id(int): New egg. When it has variables the old one lacks, set them in ``environment``.
            startup_cmd(str): New startup command.
            environment(dict): Variable values to change, e.g. ``{'SERVER_JARFILE': 'paper.jar'}``.
            docker_image(str): New docker image.
            skip_scripts(bool): Skip the egg's install script on the next reinstall.

        Returns:
            The updated ``server`` envelope.

        Raises:
            ValidationError: a variable fails the egg's rules (``source_field`` ``environment.<NAME>``).

        Example:
            >>> api.servers.update_server_startup(53, environment={'MINECRAFT_VERSION': '1.20.4'})  # doctest: +SKIP
        """
        path = build_path(_SERVER, server=server_id)
        current: dict[str, Any] = (await self._get(path, build_query(["variables"])))["attributes"]
        container: dict[str, Any] = current.get("container") or {}
        env = _variable_values((current.get("relationships") or {}).get("variables"), server=True)
        env.update(environment or {})
        body = {
            "startup": container.get("startup_command") if startup_cmd is None else startup_cmd,
            "environment": env,
            "egg": current.get("egg") if egg_id is None else egg_id,
            "image": container.get("image") if docker_image is None else docker_image,
            "skip_scripts": bool(skip_scripts),
        }
        result: dict[str, Any] = await self._patch(path + "/startup", body)
        return result

    async def suspend_server(self, server_id: int | str) -> None:
        """Suspends a server (it is stopped and its users are locked out).

        Args:
            server_id(int): Panel server ID.

        Example:
            >>> api.servers.suspend_server(53)  # doctest: +SKIP
        """
        await self._post(build_path(_SERVER + "/suspend", server=server_id))

    async def unsuspend_server(self, server_id: int | str) -> None:
        """Lifts a server's suspension.

        Args:
            server_id(int): Panel server ID.

        Example:
            >>> api.servers.unsuspend_server(53)  # doctest: +SKIP
        """
        await self._post(build_path(_SERVER + "/unsuspend", server=server_id))

    async def reinstall_server(self, server_id: int | str) -> None:
        """Runs the egg's install script on the server again.

        Args:
            server_id(int): Panel server ID.

        Example:
            >>> api.servers.reinstall_server(53)  # doctest: +SKIP
        """
        await self._post(build_path(_SERVER + "/reinstall", server=server_id))

    async def delete_server(self, server_id: int | str, force: bool = False, return_resources: bool = False) -> None:
        """Deletes a server from the panel and its node.

        Args:
            server_id(int): Panel server ID.
            force(bool): Delete it from the panel even if the node reports an error.
            return_resources(bool): Jexactyl v3: give the server's resources back to its owner's store
                (sent as ``return_resources=1``; other panels ignore it).

        Example:
            >>> api.servers.delete_server(53)  # doctest: +SKIP
        """
        path = build_path(_SERVER, server=server_id)
        query = {"return_resources": 1} if return_resources else None
        await self._delete(path + "/force" if force else path, query=query)
