"""Client-API subuser routes of one server."""

from __future__ import annotations

import re
import string

from aiohttp import web

from . import _transformers as t
from ._client_prelude import SERVER, _log
from ._envelope import display_error, forbidden, list_of
from ._permissions import ALL_PERMISSIONS
from ._routing import Ctx, Route, RouteTable, json_response, no_content

__all__ = ["ROUTES"]

table = RouteTable("client", "/api/client")
route = table.route


# ----------------------------------------------------------------------------------- subusers
def _check_assignable(ctx: Ctx, perms: list[str]) -> None:
    server = ctx.srv
    if server.owner_id == ctx.user.id or ctx.user.root_admin:
        return
    mine = set(ctx.store.permissions_for(ctx.user, server))
    if any(p in ALL_PERMISSIONS and p not in mine for p in perms):
        raise forbidden(
            "Cannot assign permissions to a subuser that your account does not actively possess.",
            "HttpForbiddenException",
        )


@route("GET", SERVER + "/users", perm="user.read")
def list_subusers(ctx: Ctx) -> web.StreamResponse:
    """53. ``GET /servers/{server}/users``."""
    return json_response(list_of(t.client_subuser(ctx.store, s) for s in ctx.srv.subusers))


@route("POST", SERVER + "/users", perm="user.create")
def create_subuser(ctx: Ctx) -> web.StreamResponse:
    """54. ``POST /servers/{server}/users``."""
    ctx.validate(
        [("email", "required|email|between:1,191"), ("permissions", "required|array"), ("permissions.*", "string")]
    )
    perms = [str(p) for p in ctx.field("permissions")]
    _check_assignable(ctx, perms)
    store, server = ctx.store, ctx.srv
    email = str(ctx.field("email")).lower()
    user = store.user_by_email(email)
    if user is None:
        base = re.sub(r"[^a-z0-9]", "", email.split("@", 1)[0].lower())[:64] or "user"
        user = store.create_user(f"{base}_{store.random_string(6, string.ascii_lowercase + string.digits)}", email)
    else:
        if server.owner_id == user.id:
            raise display_error(
                "UserIsServerOwnerException", "Cannot add the server owner as a subuser for this server."
            )
        if store.subuser_of(server, user) is not None:
            raise display_error(
                "ServerSubuserExistsException",
                "A user with that email address is already assigned as a subuser for this server.",
            )
    subuser = store.create_subuser(server, user, perms)
    _log(ctx, "server:subuser.create", {"email": email, "permissions": subuser.permissions})
    return json_response(t.client_subuser(store, subuser))


@route("GET", SERVER + "/users/{user}", perm="user.read")
def get_subuser(ctx: Ctx) -> web.StreamResponse:
    """55. ``GET /servers/{server}/users/{user}``."""
    return json_response(t.client_subuser(ctx.store, ctx.resolved["user"]))


@route("POST", SERVER + "/users/{user}", perm="user.update")
def update_subuser(ctx: Ctx) -> web.StreamResponse:
    """56. ``POST /servers/{server}/users/{user}``."""
    subuser = ctx.resolved["user"]
    if subuser.user_id == ctx.user.id:
        raise forbidden("You are not permitted to edit the permissions of your own account.", "HttpForbiddenException")
    ctx.validate([("permissions", "required|array"), ("permissions.*", "string")])
    perms = [str(p) for p in ctx.field("permissions")]
    _check_assignable(ctx, perms)
    user = ctx.store.users[subuser.user_id]
    before = sorted(subuser.permissions)
    ctx.store.create_subuser(ctx.srv, user, perms)
    if sorted(subuser.permissions) != before:
        ctx.runtime.wings.revoke(ctx.srv, user)  # the panel's /ws/deny: the user's live tokens stop working
    _log(ctx, "server:subuser.update", {"email": user.email, "permissions": subuser.permissions})
    return json_response(t.client_subuser(ctx.store, subuser))


@route("DELETE", SERVER + "/users/{user}", perm="user.delete")
def delete_subuser(ctx: Ctx) -> web.StreamResponse:
    """57. ``DELETE /servers/{server}/users/{user}``."""
    subuser = ctx.resolved["user"]
    ctx.srv.subusers.remove(subuser)
    user = ctx.store.users.get(subuser.user_id)
    if user is not None:
        ctx.runtime.wings.revoke(ctx.srv, user)
    _log(ctx, "server:subuser.delete", {"email": user.email if user else None})
    return no_content()


ROUTES: list[Route] = table.routes
