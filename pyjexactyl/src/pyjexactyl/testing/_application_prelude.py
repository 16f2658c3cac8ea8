"""What every application-API route checks first (route-model bindings, then the key's ``r_*`` ACL) and
the list, filter and create responses the routes share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

from aiohttp import web

from ._envelope import BINDING_MISS, JsonDict, forbidden, not_found, paginate
from ._routing import Ctx, Route, json_response
from ._store import PanelStore

__all__ = ["NO_VIABLE_ALLOCATION", "NO_VIABLE_NODE", "R", "W", "application_prelude"]

#: the read and write bits of an application key's ``r_*`` permissions
R, W = 1, 2
T = TypeVar("T")

NO_VIABLE_NODE = "No nodes satisfying the requirements specified for automatic deployment could be found."
NO_VIABLE_ALLOCATION = "No allocations satisfying the requirements for automatic deployment on this node were found."


# ===================================================================================== prelude
def _lookup(mapping: dict[int, T], value: str) -> T:
    found = mapping.get(int(value)) if value.isdigit() else None
    if found is None:
        raise not_found(BINDING_MISS)
    return found


def application_prelude(ctx: Ctx, spec: Route) -> None:
    """Route-model bindings (404) then the application key's ``r_*`` ACL (403)."""
    store, params = ctx.store, ctx.params
    if "user_id" in params:
        ctx.resolved["user"] = _lookup(store.users, params["user_id"])
    if "location_id" in params:
        ctx.resolved["location"] = _lookup(store.locations, params["location_id"])
    if "node_id" in params:
        ctx.resolved["node"] = _lookup(store.nodes, params["node_id"])
    if "allocation_id" in params:
        allocation = _lookup(store.allocations, params["allocation_id"])
        if allocation.node_id != ctx.resolved["node"].id:
            raise not_found(BINDING_MISS)
        ctx.resolved["allocation"] = allocation
    if "server_id" in params:
        ctx.resolved["server"] = _lookup(store.servers, params["server_id"])
    if "database_id" in params:
        server = ctx.resolved["server"]
        value = params["database_id"]
        database = next((d for d in server.databases if value.isdigit() and d.id == int(value)), None)
        if database is None:
            raise not_found(BINDING_MISS)
        ctx.resolved["database"] = database
    if "nest_id" in params:
        ctx.resolved["nest"] = _lookup(store.nests, params["nest_id"])
    if "egg_id" in params:
        egg = _lookup(store.eggs, params["egg_id"])
        if egg.nest_id != ctx.resolved["nest"].id:
            raise not_found(BINDING_MISS)
        ctx.resolved["egg"] = egg
    if spec.acl is not None and ctx.key.kind == "application":
        resource, bit = spec.acl
        if not ctx.key.permissions.get(f"r_{resource}", 0) & bit:
            raise forbidden()


def _list(
    ctx: Ctx,
    rows: Sequence[T],
    transform: Callable[[T], JsonDict],
) -> web.StreamResponse:
    page, per_page = ctx.page_params(50, None)
    return json_response(paginate(rows, transform, page=page, per_page=per_page, base_url=ctx.base_url, query=None))


def _list_including(
    ctx: Ctx,
    rows: Sequence[T],
    transform: Callable[[PanelStore, T, AbstractSet[str]], JsonDict],
    includes: AbstractSet[str] | None = None,
) -> web.StreamResponse:
    """:func:`_list` of ``rows`` transformed with the request's ``include`` names (or ``includes``)."""
    names = ctx.includes() if includes is None else includes
    return _list(ctx, rows, lambda row: transform(ctx.store, row, names))


def _filtered(
    ctx: Ctx,
    rows: list[T],
    allowed: dict[str, Callable[[T], Any]],
    sorts: dict[str, Callable[[T], Any]],
    *,
    exact: Sequence[str] = (),
) -> list[T]:
    filters = ctx.check_filters(list(allowed))
    for name, value in filters.items():
        getter = allowed[name]
        if name in exact:
            rows = [r for r in rows if str(getter(r)) == value]
        else:
            needle = value.lower()
            rows = [r for r in rows if needle in str(getter(r) if getter(r) is not None else "").lower()]
    sort = ctx.sort_key(list(sorts))
    if sort is not None:
        name, descending = sort
        rows = sorted(rows, key=sorts[name], reverse=descending)
    return rows


def _created(ctx: Ctx, body: JsonDict, path: str) -> web.StreamResponse:
    body["meta"] = {"resource": f"{ctx.runtime.url}/api/application/{path}"}
    return json_response(body, status=201)
