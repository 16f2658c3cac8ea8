"""Jexactyl v3's extra application routes (§9.4 of the contract): a user's store resources and account
approvals, with Jexactyl's own failures (§9.6). Served by ``FakePanel(flavor="jexactyl")`` only."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._envelope import GENERIC_500, PanelError
from ._jexactyl_account import broken_500
from ._routing import Ctx, Route, RouteTable, no_content
from ._state import FakeUser
from ._validation import check

__all__ = ["ROUTES"]

application = RouteTable("application", "/api/application")


def _int_or_zero(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# ================================================================================= application
def _user_update_rules(ctx: Ctx, user: FakeUser) -> list[tuple[str, Any]]:
    def unique(field: str) -> Any:
        return check(
            "unique",
            lambda v: all(getattr(u, field) != str(v) or u.id == user.id for u in ctx.store.users.values()),
        )

    return [
        ("email", ["required", "email", "between:1,191", unique("email")]),
        ("username", ["required", "between:1,191", unique("username")]),
        ("first_name", "required|string|between:1,191"),
        ("last_name", "required|string|between:1,191"),
    ]


@application.route("GET", "/users/{user_id}/resources", acl=("users", 1))
def user_resources(ctx: Ctx) -> web.StreamResponse:
    """``GET /users/{id}/resources``: ``respond()`` on an array (always 500)."""
    raise broken_500()


@application.route("PATCH", "/users/{user_id}/resources", acl=("users", 2))
def update_user_resources(ctx: Ctx) -> web.StreamResponse:
    """``PATCH /users/{id}/resources``: full user rules, writes every store column, then 500."""
    user = ctx.resolved["user"]
    ctx.validate(_user_update_rules(ctx, user))
    account = user.store
    for name in ("balance", "cpu", "memory", "disk", "slots", "ports", "backups", "databases"):
        setattr(account, name, _int_or_zero(ctx.field(f"store_{name}")))
    raise broken_500()


@application.route("GET", "/approvals")
def list_approvals(ctx: Ctx) -> web.StreamResponse:
    """``GET /approvals``: routed to a missing ``view`` method (500)."""
    raise PanelError(500, "BadMethodCallException", GENERIC_500)


@application.route("POST", "/approvals/approve/{id}")
def approve(ctx: Ctx) -> web.StreamResponse:
    """``POST /approvals/approve/{id}`` (no ACL check; an unknown id: 500)."""
    value = ctx.params["id"]
    user = ctx.store.users.get(int(value)) if value.isdigit() else None
    if user is None:
        raise PanelError(500, "Error", GENERIC_500)
    user.approved = True
    return no_content()


@application.route("POST", "/approvals/deny/{id}")
def deny(ctx: Ctx) -> web.StreamResponse:
    """``POST /approvals/deny/{id}``: a misspelt controller namespace (500)."""
    raise PanelError(500, "BindingResolutionException", GENERIC_500)


ROUTES: list[Route] = application.routes
