"""Application-API user routes (``/api/application/users``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import _transformers as t
from ._application_prelude import R, W, _created, _filtered, _list_including
from ._envelope import display_error, not_found
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import FakeUser, utcnow
from ._validation import check

__all__ = ["ROUTES"]

table = RouteTable("application", "/api/application")
route = table.route


# ======================================================================================= users
def _user_rules(ctx: Ctx, ignore: FakeUser | None) -> list[tuple[str, Any]]:
    store = ctx.store

    def unique_email(value: Any) -> bool:
        other = store.user_by_email(str(value))
        return other is None or other is ignore

    def unique_username(value: Any) -> bool:
        lowered = str(value).lower()
        return all(u.username.lower() != lowered or u is ignore for u in store.users.values())

    def unique_external(value: Any) -> bool:
        return all(u.external_id != str(value) or u is ignore for u in store.users.values())

    username_rule = check(
        "p_username",
        lambda v: re.fullmatch(r"[a-z0-9]([\w.-]+)[a-z0-9]", str(v).lower()) is not None,
        "The :attribute must start and end with alpha-numeric characters and contain only letters, numbers, "
        "dashes, underscores, and periods.",
    )
    return [
        ("email", ["required", "email", "between:1,191", check("unique", unique_email)]),
        ("external_id", ["sometimes", "nullable", "string", "max:191", check("unique", unique_external)]),
        ("username", ["required", "between:1,191", check("unique", unique_username), username_rule]),
        ("password", "sometimes|nullable|string"),
        ("language", "string"),
        ("root_admin", "boolean"),
        ("first_name", "required|string|between:1,191"),
        ("last_name", "required|string|between:1,191"),
    ]


def _apply_user(ctx: Ctx, user: FakeUser) -> None:
    user.email = str(ctx.field("email")).lower()
    user.username = str(ctx.field("username")).lower()
    user.first_name = str(ctx.field("first_name"))
    user.last_name = str(ctx.field("last_name"))
    if ctx.has("external_id"):
        user.external_id = None if ctx.field("external_id") is None else str(ctx.field("external_id"))
    if ctx.field("password"):
        user.password = str(ctx.field("password"))
    if ctx.has("language") and ctx.field("language"):
        user.language = str(ctx.field("language"))
    if ctx.has("root_admin"):
        user.root_admin = ctx.field("root_admin") in (True, 1, "1")
    user.updated_at = utcnow()


def create_user_without_names(
    ctx: Ctx, rules: list[tuple[str, Any]], apply: Callable[[Ctx, FakeUser], None]
) -> web.StreamResponse:
    """``POST /users`` on a panel whose users have no first and last names (Jexactyl v4, Pelican): validate
    ``rules``, create the user with empty names (a random password unless one is given), ``apply`` the body."""
    ctx.validate(rules)
    store = ctx.store
    user = store.create_user(str(ctx.field("username")).lower(), str(ctx.field("email")).lower(), first_name="")
    user.last_name = ""
    if not ctx.field("password"):
        user.password = store.random_string(32)
    apply(ctx, user)
    return _created(ctx, t.app_user(store, user), f"users/{user.id}")


@route("GET", "/users", acl=("users", R))
def list_users(ctx: Ctx) -> web.StreamResponse:
    """1. ``GET /users``."""
    rows = _filtered(
        ctx,
        list(ctx.store.users.values()),
        {
            "email": lambda u: u.email,
            "uuid": lambda u: u.uuid,
            "username": lambda u: u.username,
            "external_id": lambda u: u.external_id,
        },
        {"id": lambda u: u.id, "uuid": lambda u: u.uuid},
    )
    return _list_including(ctx, rows, t.app_user)


@route("GET", "/users/external/{external_id}", acl=("users", R))
def user_by_external_id(ctx: Ctx) -> web.StreamResponse:
    """3. ``GET /users/external/{external_id}``."""
    value = ctx.params["external_id"]
    user = next((u for u in ctx.store.users.values() if u.external_id == value), None)
    if user is None:
        raise not_found()
    return json_response(t.app_user(ctx.store, user, ctx.includes()))


@route("GET", "/users/{user_id}", acl=("users", R))
def get_user(ctx: Ctx) -> web.StreamResponse:
    """2. ``GET /users/{id}``."""
    return json_response(t.app_user(ctx.store, ctx.resolved["user"], ctx.includes()))


@route("POST", "/users", acl=("users", W))
def create_user(ctx: Ctx) -> web.StreamResponse:
    """4. ``POST /users`` (201 + ``meta.resource``)."""
    ctx.validate(_user_rules(ctx, None))
    store = ctx.store
    user = store.create_user(str(ctx.field("username")).lower(), str(ctx.field("email")).lower())
    if not ctx.field("password"):
        user.password = store.random_string(32)
    _apply_user(ctx, user)
    return _created(ctx, t.app_user(store, user), f"users/{user.id}")


@route("PATCH", "/users/{user_id}", acl=("users", W))
def update_user(ctx: Ctx) -> web.StreamResponse:
    """5. ``PATCH /users/{id}`` (the full object is required)."""
    user = ctx.resolved["user"]
    ctx.validate(_user_rules(ctx, user))
    _apply_user(ctx, user)
    return json_response(t.app_user(ctx.store, user))


@route("DELETE", "/users/{user_id}", acl=("users", W))
def delete_user(ctx: Ctx) -> web.StreamResponse:
    """6. ``DELETE /users/{id}``."""
    store, user = ctx.store, ctx.resolved["user"]
    if any(s.owner_id == user.id for s in store.servers.values()):
        raise display_error(
            "DisplayException",
            "Cannot delete a user with active servers attached to their account. Please delete their servers "
            "before continuing.",
        )
    for server in store.servers.values():
        server.subusers[:] = [s for s in server.subusers if s.user_id != user.id]
    for identifier in [k for k, v in store.api_keys.items() if v.user_id == user.id]:
        del store.api_keys[identifier]
    store.ssh_keys[:] = [k for k in store.ssh_keys if k.user_id != user.id]
    del store.users[user.id]
    return no_content()


ROUTES: list[Route] = table.routes
