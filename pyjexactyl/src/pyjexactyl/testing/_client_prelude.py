"""What every client-API route checks first (``AuthenticateServerAccess``, the server-scoped
bindings, subuser permissions) and the activity log the routes write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._envelope import BINDING_MISS, NO_ACCESS, NOT_FOR_SERVER, conflict, forbidden, not_found
from ._routing import Ctx, Route
from ._state import FakeServer

__all__ = ["SERVER", "client_prelude", "gate_detail"]

SERVER = "/servers/{server}"


# ===================================================================================== prelude
def gate_detail(ctx: Ctx, server: FakeServer, *, admin_bypass: bool = False) -> str | None:
    """The 409 detail of ``AuthenticateServerAccess`` for ``server``, or ``None`` when it may be used."""
    node = ctx.store.nodes.get(server.node_id)
    if server.suspended:
        return "This server is currently suspended and the functionality requested is unavailable."
    if node is not None and node.maintenance_mode:
        return "The node of this server is currently under maintenance and the functionality requested is unavailable."
    if admin_bypass and ctx.user.root_admin:
        return None
    if server.status in ("installing", "install_failed"):
        return "This server has not yet completed its installation process, please try again later."
    if server.status == "restoring_backup":
        return "This server is currently restoring from a backup, please try again later."
    if server.transferring:
        return "This server is currently being transferred to a new machine, please try again later."
    return None


def _resolve_backup(ctx: Ctx, value: str) -> Any:
    for server in ctx.store.servers.values():
        for backup in server.backups:
            if backup.uuid == value and backup.deleted_at is None:
                if server.id != ctx.srv.id:
                    raise not_found(NOT_FOR_SERVER)
                return backup
    raise not_found(BINDING_MISS)


def _resolve_database(ctx: Ctx, value: str) -> Any:
    for server in ctx.store.servers.values():
        for database in server.databases:
            if database.hashid == value or (value.isdigit() and database.id == int(value)):
                if server.id != ctx.srv.id:
                    raise not_found(NOT_FOR_SERVER)
                return database
    raise not_found(BINDING_MISS)


def _resolve_allocation(ctx: Ctx, value: str) -> Any:
    allocation = ctx.store.allocations.get(int(value)) if value.isdigit() else None
    if allocation is None:
        raise not_found(BINDING_MISS)
    if allocation.server_id != ctx.srv.id:
        raise not_found(NOT_FOR_SERVER)
    return allocation


def _resolve_schedule(ctx: Ctx, value: str) -> Any:
    if value.isdigit():
        for server in ctx.store.servers.values():
            for schedule in server.schedules:
                if schedule.id == int(value):
                    if server.id != ctx.srv.id:
                        raise not_found(NOT_FOR_SERVER)
                    return schedule
    raise not_found(BINDING_MISS)


def _resolve_task(ctx: Ctx, value: str) -> Any:
    schedule = ctx.resolved.get("schedule")
    if value.isdigit():
        for server in ctx.store.servers.values():
            for sched in server.schedules:
                for task in sched.tasks:
                    if task.id == int(value):
                        if schedule is None or task.schedule_id != schedule.id:
                            raise not_found(NOT_FOR_SERVER)
                        return task
    raise not_found(BINDING_MISS)


def _resolve_subuser(ctx: Ctx, value: str) -> Any:
    user = next((u for u in ctx.store.users.values() if u.uuid == value), None)
    if user is None:
        raise not_found(BINDING_MISS)
    subuser = ctx.store.subuser_of(ctx.srv, user)
    if subuser is None:
        raise not_found(NOT_FOR_SERVER)
    return subuser


RESOLVERS: dict[str, Callable[[Ctx, str], Any]] = {
    "backup": _resolve_backup,
    "database": _resolve_database,
    "allocation": _resolve_allocation,
    "schedule": _resolve_schedule,
    "task": _resolve_task,
    "user": _resolve_subuser,
}


def _suspended_account(ctx: Ctx) -> None:
    """Jexactyl v4's ``SuspendedAccount`` middleware: a suspended account gets 403 on account and server
    routes."""
    if ctx.store.flavor == "jexactyl4" and ctx.user.state == "suspended":
        raise forbidden()


def client_prelude(ctx: Ctx, spec: Route) -> None:
    """Server binding, access (404), state gate (409), sub-resource bindings (404), permission (403)."""
    if spec.path.startswith("/api/client/account"):
        _suspended_account(ctx)
    ref = ctx.params.get("server")
    if ref is not None:
        server = ctx.store.find_server(ref)
        if server is None:
            raise not_found(BINDING_MISS)
        if not ctx.store.can_access(ctx.user, server):
            raise not_found(NO_ACCESS)
        _suspended_account(ctx)
        ctx.server = server
        if spec.gate:
            detail = gate_detail(ctx, server)
            if detail is not None:
                raise conflict(detail)
        for name in ("backup", "database", "allocation", "schedule", "task", "user"):
            if name in ctx.params:
                ctx.resolved[name] = RESOLVERS[name](ctx, ctx.params[name])
        perm = spec.perm(ctx) if callable(spec.perm) else spec.perm
        if perm is not None and not ctx.store.has_permission(ctx.user, server, perm):
            raise forbidden()


def _log(ctx: Ctx, event: str, properties: dict[str, Any] | None = None, *, server: bool = True) -> None:
    ctx.store.log(event, actor=ctx.user, server=ctx.server if server else None, properties=properties, ip=ctx.ip)


def _user_can(ctx: Ctx, permission: str) -> bool:
    return ctx.store.has_permission(ctx.user, ctx.srv, permission)
