"""Client-API network (allocation) routes of one server."""

from __future__ import annotations

from aiohttp import web

from . import _transformers as t
from ._client_prelude import SERVER, _log
from ._envelope import display_error, list_of
from ._routing import Ctx, Route, RouteTable, json_response, no_content

__all__ = ["ROUTES"]

table = RouteTable("client", "/api/client")
route = table.route


# ----------------------------------------------------------------------------------- network
@route("GET", SERVER + "/network/allocations", perm="allocation.read")
def list_allocations(ctx: Ctx) -> web.StreamResponse:
    """48. ``GET /servers/{server}/network/allocations``."""
    server = ctx.srv
    rows = sorted(ctx.store.server_allocations(server), key=lambda a: a.id)
    return json_response(list_of(t.client_allocation(a, server) for a in rows))


@route("POST", SERVER + "/network/allocations", perm="allocation.create")
def assign_allocation(ctx: Ctx) -> web.StreamResponse:
    """49. ``POST /servers/{server}/network/allocations``."""
    server, store = ctx.srv, ctx.store
    if len(store.server_allocations(server)) >= (server.allocation_limit or 0):
        raise display_error(
            "DisplayException", "Cannot assign additional allocations to this server: limit has been reached."
        )
    if not ctx.runtime.auto_allocation:
        raise display_error(
            "AutoAllocationNotEnabledException", "Server auto-allocation is not enabled for this instance."
        )
    primary = store.allocations.get(server.allocation_id or -1)
    candidates = [
        a
        for a in store.allocations.values()
        if a.node_id == server.node_id and a.server_id is None and (primary is None or a.ip == primary.ip)
    ]
    if not candidates:
        raise display_error(
            "NoAutoAllocationSpaceAvailableException",
            "Cannot assign additional allocation: no more space available on node.",
        )
    allocation = candidates[0]
    allocation.server_id = server.id
    _log(ctx, "server:allocation.create", {"allocation": f"{allocation.ip}:{allocation.port}"})
    return json_response(t.client_allocation(allocation, server))


@route("POST", SERVER + "/network/allocations/{allocation}", perm="allocation.update")
def allocation_notes(ctx: Ctx) -> web.StreamResponse:
    """50. ``POST /servers/{server}/network/allocations/{allocation}``."""
    ctx.validate([("notes", "present|nullable|string|max:256")])
    allocation = ctx.resolved["allocation"]
    allocation.notes = ctx.field("notes")
    _log(ctx, "server:allocation.notes", {"allocation": f"{allocation.ip}:{allocation.port}"})
    return json_response(t.client_allocation(allocation, ctx.srv))


@route("POST", SERVER + "/network/allocations/{allocation}/primary", perm="allocation.update")
def allocation_primary(ctx: Ctx) -> web.StreamResponse:
    """51. ``POST /servers/{server}/network/allocations/{allocation}/primary``."""
    allocation = ctx.resolved["allocation"]
    ctx.srv.allocation_id = allocation.id
    _log(ctx, "server:allocation.primary", {"allocation": f"{allocation.ip}:{allocation.port}"})
    return json_response(t.client_allocation(allocation, ctx.srv))


@route("DELETE", SERVER + "/network/allocations/{allocation}", perm="allocation.delete")
def delete_allocation(ctx: Ctx) -> web.StreamResponse:
    """52. ``DELETE /servers/{server}/network/allocations/{allocation}``."""
    server, allocation = ctx.srv, ctx.resolved["allocation"]
    if not server.allocation_limit:
        raise display_error(
            "DisplayException", "You cannot delete allocations for this server: no allocation limit is set."
        )
    if allocation.id == server.allocation_id:
        raise display_error("DisplayException", "You cannot delete the primary allocation for this server.")
    allocation.server_id = None
    allocation.notes = None
    _log(ctx, "server:allocation.delete", {"allocation": f"{allocation.ip}:{allocation.port}"})
    return no_content()


ROUTES: list[Route] = table.routes
