"""Application-API location routes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _transformers as t
from ._application_prelude import R, W, _created, _filtered, _list_including
from ._envelope import display_error
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import utcnow
from ._validation import check

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route


# =================================================================================== locations
def _location_rules(ctx: Ctx, ignore: Any) -> list[tuple[str, Any]]:
    def unique(value: Any) -> bool:
        return all(loc.short != str(value) or loc is ignore for loc in ctx.store.locations.values())

    return [
        ("short", ["required", "string", "between:1,60", check("unique", unique)]),
        ("long", "string|nullable|between:1,191"),
    ]


@route("GET", "/locations", acl=("locations", R))
def list_locations(ctx: Ctx) -> web.StreamResponse:
    """17. ``GET /locations``."""
    rows = _filtered(
        ctx,
        list(ctx.store.locations.values()),
        {"short": lambda loc: loc.short, "long": lambda loc: loc.long},
        {"id": lambda loc: loc.id},
    )
    return _list_including(ctx, rows, t.app_location)


@route("GET", "/locations/{location_id}", acl=("locations", R))
def get_location(ctx: Ctx) -> web.StreamResponse:
    """18. ``GET /locations/{id}``."""
    return json_response(t.app_location(ctx.store, ctx.resolved["location"], ctx.includes()))


@route("POST", "/locations", acl=("locations", W))
def create_location(ctx: Ctx) -> web.StreamResponse:
    """19. ``POST /locations`` (201 + ``meta.resource``)."""
    ctx.validate(_location_rules(ctx, None))
    location = ctx.store.create_location(str(ctx.field("short")), ctx.field("long"))
    return _created(ctx, t.app_location(ctx.store, location), f"locations/{location.id}")


@route("PATCH", "/locations/{location_id}", acl=("locations", W))
def update_location(ctx: Ctx) -> web.StreamResponse:
    """20. ``PATCH /locations/{id}``."""
    location = ctx.resolved["location"]
    ctx.validate(_location_rules(ctx, location))
    location.short = str(ctx.field("short"))
    if ctx.has("long"):
        location.long = ctx.field("long")
    location.updated_at = utcnow()
    return json_response(t.app_location(ctx.store, location))


@route("DELETE", "/locations/{location_id}", acl=("locations", W))
def delete_location(ctx: Ctx) -> web.StreamResponse:
    """21. ``DELETE /locations/{id}``."""
    location = ctx.resolved["location"]
    if any(n.location_id == location.id for n in ctx.store.nodes.values()):
        raise display_error("HasActiveNodesException", "Cannot delete a location that has active nodes attached to it.")
    del ctx.store.locations[location.id]
    return no_content()


ROUTES: list[Route] = table.routes
