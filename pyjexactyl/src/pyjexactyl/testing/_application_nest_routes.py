"""Application-API nest and egg routes."""

from __future__ import annotations

from aiohttp import web

from . import _transformers as t
from ._application_prelude import R, _list_including
from ._envelope import list_of
from ._routing import Ctx, Route, RouteTable, json_response

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route


# ======================================================================================= nests
@route("GET", "/nests", acl=("nests", R))
def list_nests(ctx: Ctx) -> web.StreamResponse:
    """39. ``GET /nests``."""
    return _list_including(ctx, list(ctx.store.nests.values()), t.app_nest)


@route("GET", "/nests/{nest_id}", acl=("nests", R))
def get_nest(ctx: Ctx) -> web.StreamResponse:
    """40. ``GET /nests/{id}``."""
    return json_response(t.app_nest(ctx.store, ctx.resolved["nest"], ctx.includes()))


@route("GET", "/nests/{nest_id}/eggs", acl=("eggs", R))
def list_eggs(ctx: Ctx) -> web.StreamResponse:
    """41. ``GET /nests/{id}/eggs`` (unpaginated)."""
    nest, includes = ctx.resolved["nest"], ctx.includes()
    return json_response(
        list_of(t.app_egg(ctx.store, e, includes) for e in ctx.store.eggs.values() if e.nest_id == nest.id)
    )


@route("GET", "/nests/{nest_id}/eggs/{egg_id}", acl=("eggs", R))
def get_egg(ctx: Ctx) -> web.StreamResponse:
    """42. ``GET /nests/{id}/eggs/{egg_id}``."""
    return json_response(t.app_egg(ctx.store, ctx.resolved["egg"], ctx.includes()))


ROUTES: list[Route] = table.routes
