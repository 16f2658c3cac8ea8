"""Client-API account routes: the server list, permissions, account, two-factor, e-mail and password,
account activity, API keys and SSH keys."""

from __future__ import annotations

import re
import string
from typing import Any

from aiohttp import web

from . import _transformers as t
from ._auth import verify_totp
from ._client_prelude import _log
from ._envelope import (
    ValidationIssue,
    bad_request,
    display_error,
    item,
    list_of,
    not_found,
    paginate,
    single_issue,
    validation_error,
)
from ._iprange import valid_range
from ._permissions import PERMISSION_CATALOGUE
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._sshkeys import SSHKeyError, parse_public_key
from ._state import FakeActivity, FakeServer, FakeSSHKey, utcnow
from ._validation import check, validate

__all__ = ["ROUTES"]

table = RouteTable("client", "/api/client")
route = table.route


# ===================================================================================== account
@route("GET", "")
def list_servers(ctx: Ctx) -> web.StreamResponse:
    """1. ``GET /api/client``."""
    filters = ctx.check_filters(["uuid", "name", "description", "external_id", "*"])
    store, user = ctx.store, ctx.user
    kind = ctx.query.get("type")
    servers = list(store.servers.values())
    if kind in ("admin", "admin-all"):
        if not user.root_admin:
            servers = []
        elif kind == "admin":
            servers = [s for s in servers if s.owner_id != user.id and store.subuser_of(s, user) is None]
    elif kind == "owner":
        servers = [s for s in servers if s.owner_id == user.id]
    else:
        servers = [s for s in servers if s.owner_id == user.id or store.subuser_of(s, user) is not None]
    for name, value in filters.items():
        needle = value.lower()
        if name == "*":
            servers = [s for s in servers if _multi_field_match(ctx, s, value)]
        else:
            servers = [s for s in servers if needle in (str(getattr(s, name) or "")).lower()]
    page, per_page = ctx.page_params(50, 100)
    includes = ctx.includes()
    return json_response(
        paginate(
            servers,
            lambda s: t.client_server(store, s, user, includes),
            page=page,
            per_page=per_page,
            base_url=ctx.base_url,
            query=ctx.query_items,
        )
    )


def _multi_field_match(ctx: Ctx, server: FakeServer, value: str) -> bool:
    match = re.fullmatch(r"(\d{1,3}(?:\.\d{1,3}){3})?(?::(\d*))?", value)
    if match and (match.group(1) or value.startswith(":")):
        ip, port = match.group(1), match.group(2) or ""
        for allocation in ctx.store.server_allocations(server):
            if (ip is None or allocation.ip == ip) and str(allocation.port).startswith(port):
                return True
        return False
    lowered = value.lower()
    return (
        server.uuid == value
        or server.uuid.startswith(value)
        or server.identifier == value
        or (server.external_id or "") == value
        or lowered in server.name.lower()
    )


@route("GET", "/permissions")
def permissions(ctx: Ctx) -> web.StreamResponse:
    """2. ``GET /permissions``."""
    return json_response(item("system_permissions", {"permissions": PERMISSION_CATALOGUE}))


@route("GET", "/account")
def account(ctx: Ctx) -> web.StreamResponse:
    """3. ``GET /account``."""
    return json_response(t.client_account(ctx.user, ctx.store.flavor))


@route("GET", "/account/two-factor")
def two_factor_setup(ctx: Ctx) -> web.StreamResponse:
    """4. ``GET /account/two-factor``."""
    user = ctx.user
    if user.totp_enabled:
        raise bad_request("Two-factor authentication is already enabled on this account.")
    secret = ctx.store.random_string(16, string.ascii_uppercase + "234567")
    user.totp_secret = secret
    label = f"Pterodactyl:{user.email}".replace("@", "%40")
    return json_response(
        {"data": {"image_url_data": f"otpauth://totp/{label}?secret={secret}&issuer=Pterodactyl", "secret": secret}}
    )


@route("POST", "/account/two-factor")
def two_factor_enable(ctx: Ctx) -> web.StreamResponse:
    """5. ``POST /account/two-factor``."""
    ctx.validate([("code", "required|string|size:6"), ("password", "required|string")])
    user = ctx.user
    if ctx.field("password") != user.password:
        raise bad_request("The password provided was not valid.")
    if user.totp_enabled:
        raise bad_request("Two-factor authentication is already enabled on this account.")
    if not user.totp_secret or not verify_totp(user.totp_secret, str(ctx.field("code"))):
        raise display_error("TwoFactorAuthenticationTokenInvalid", "The token provided is not valid.")
    user.totp_enabled = True
    tokens = [ctx.store.random_string(10) for _ in range(10)]
    _log(ctx, "user:two-factor.create", server=False)
    return json_response(item("recovery_tokens", {"tokens": tokens}))


def _two_factor_disable(ctx: Ctx) -> web.StreamResponse:
    user = ctx.user
    if ctx.field("password") != user.password:
        raise bad_request("The password provided was not valid.")
    user.totp_enabled = False
    user.totp_secret = None
    _log(ctx, "user:two-factor.delete", server=False)
    return no_content()


@route("POST", "/account/two-factor/disable")
def two_factor_disable(ctx: Ctx) -> web.StreamResponse:
    """6. ``POST /account/two-factor/disable`` (Pterodactyl ≥ 1.11.8)."""
    return _two_factor_disable(ctx)


@route("DELETE", "/account/two-factor")
def two_factor_disable_legacy(ctx: Ctx) -> web.StreamResponse:
    """6 (older panels). ``DELETE /account/two-factor``."""
    return _two_factor_disable(ctx)


def _check_password(ctx: Ctx, field: str) -> None:
    if ctx.field(field) != ctx.user.password:
        raise display_error("InvalidPasswordProvidedException", "The password provided was invalid for this account.")


@route("PUT", "/account/email")
def update_email(ctx: Ctx) -> web.StreamResponse:
    """7. ``PUT /account/email``."""
    _check_password(ctx, "password")
    store, user = ctx.store, ctx.user

    def unique(value: Any) -> bool:
        other = store.user_by_email(str(value))
        return other is None or other.id == user.id

    ctx.validate([("email", ["required", "email", "between:1,191", check("unique", unique)])])
    old = user.email
    user.email = str(ctx.field("email")).lower()
    user.updated_at = utcnow()
    _log(ctx, "user:account.email-changed", {"old": old, "new": user.email}, server=False)
    return no_content()


@route("PUT", "/account/password")
def update_password(ctx: Ctx) -> web.StreamResponse:
    """8. ``PUT /account/password``."""
    _check_password(ctx, "current_password")
    ctx.validate([("password", "required|string|min:8|confirmed")])
    ctx.user.password = str(ctx.field("password"))
    ctx.user.updated_at = utcnow()
    _log(ctx, "user:account.password-changed", server=False)
    return no_content()


def _activity_list(ctx: Ctx, rows: list[FakeActivity], default_per_page: int) -> web.StreamResponse:
    filters = ctx.check_filters(["event"])
    if "event" in filters:
        needle = filters["event"].lower()
        rows = [r for r in rows if needle in r.event.lower()]
    sort = ctx.sort_key(["timestamp"])
    ascending = sort is not None and not sort[1]
    order = {id(entry): index for index, entry in enumerate(ctx.store.activity)}
    rows = sorted(rows, key=lambda r: (r.timestamp, order.get(id(r), 0)), reverse=not ascending)
    include_actor = "actor" in ctx.includes()
    page, per_page = ctx.page_params(default_per_page, 100)
    return json_response(
        paginate(
            rows,
            lambda r: t.activity(ctx.store, r, ctx.user, include_actor),
            page=page,
            per_page=per_page,
            base_url=ctx.base_url,
            query=ctx.query_items,
        )
    )


@route("GET", "/account/activity")
def account_activity(ctx: Ctx) -> web.StreamResponse:
    """9. ``GET /account/activity``."""
    rows = [a for a in ctx.store.activity if a.subject_user_id == ctx.user.id]
    return _activity_list(ctx, rows, 25)


@route("GET", "/account/api-keys")
def list_api_keys(ctx: Ctx) -> web.StreamResponse:
    """10. ``GET /account/api-keys``."""
    keys = [k for k in ctx.store.api_keys.values() if k.user_id == ctx.user.id and k.kind == "client"]
    return json_response(list_of(t.api_key(k) for k in keys))


@route("POST", "/account/api-keys")
def create_api_key(ctx: Ctx) -> web.StreamResponse:
    """11. ``POST /account/api-keys``."""
    issues = validate(
        ctx.data if isinstance(ctx.data, dict) else {},
        [
            ("description", "required|nullable|string|max:500"),
            ("allowed_ips", "nullable|array|max:50"),
            ("allowed_ips.*", "string"),
        ],
    )
    ips = ctx.field("allowed_ips") or []
    # The request's after-hook: one error per entry the panel's IP library cannot parse, quoting the entry.
    issues += [
        ValidationIssue(f"allowed_ips.{i}", None, f'"{ip}" is not a valid IP address or CIDR range.')
        for i, ip in enumerate(ips if isinstance(ips, list) else [])
        if isinstance(ip, str) and not valid_range(ip)
    ]
    if issues:
        raise validation_error(issues)
    store, user = ctx.store, ctx.user
    if sum(1 for k in store.api_keys.values() if k.user_id == user.id and k.kind == "client") >= 25:
        raise display_error("DisplayException", "You have reached the account limit for number of API keys.")
    key = store.create_api_key(
        user, description=ctx.field("description"), allowed_ips=ips if isinstance(ips, list) else []
    )
    _log(ctx, "user:api-key.create", {"identifier": key.identifier}, server=False)
    body = t.api_key(key)
    body["meta"] = {"secret_token": key.secret}
    return json_response(body)


@route("DELETE", "/account/api-keys/{identifier}")
def delete_api_key(ctx: Ctx) -> web.StreamResponse:
    """12. ``DELETE /account/api-keys/{identifier}``."""
    key = ctx.store.api_keys.get(ctx.params["identifier"])
    if key is None or key.user_id != ctx.user.id or key.kind != "client":
        raise not_found()
    del ctx.store.api_keys[key.identifier]
    _log(ctx, "user:api-key.delete", {"identifier": key.identifier}, server=False)
    return no_content()


@route("GET", "/account/ssh-keys")
def list_ssh_keys(ctx: Ctx) -> web.StreamResponse:
    """13. ``GET /account/ssh-keys``."""
    return json_response(list_of(t.ssh_key(k) for k in ctx.store.ssh_keys if k.user_id == ctx.user.id))


@route("POST", "/account/ssh-keys")
def create_ssh_key(ctx: Ctx) -> web.StreamResponse:
    """14. ``POST /account/ssh-keys``."""
    ctx.validate([("name", "required|string"), ("public_key", "required|string")])
    try:
        parsed = parse_public_key(str(ctx.field("public_key")))
    except SSHKeyError as exc:
        raise single_issue("public_key", None, str(exc)) from None
    store = ctx.store
    if any(k.user_id == ctx.user.id and k.fingerprint == parsed.fingerprint for k in store.ssh_keys):
        raise single_issue("public_key", None, "The public key provided already exists on your account.")
    key = FakeSSHKey(
        id=store.next_id("ssh_keys"),
        user_id=ctx.user.id,
        name=str(ctx.field("name")),
        fingerprint=parsed.fingerprint,
        public_key=parsed.pem,
    )
    store.ssh_keys.append(key)
    _log(ctx, "user:ssh-key.create", {"fingerprint": key.fingerprint}, server=False)
    return json_response(t.ssh_key(key))


@route("POST", "/account/ssh-keys/remove")
def remove_ssh_key(ctx: Ctx) -> web.StreamResponse:
    """15. ``POST /account/ssh-keys/remove``."""
    ctx.validate([("fingerprint", "required|string")])
    fingerprint = str(ctx.field("fingerprint"))
    store = ctx.store
    before = len(store.ssh_keys)
    store.ssh_keys[:] = [k for k in store.ssh_keys if not (k.user_id == ctx.user.id and k.fingerprint == fingerprint)]
    if len(store.ssh_keys) != before:
        _log(ctx, "user:ssh-key.delete", {"fingerprint": fingerprint}, server=False)
    return no_content()


ROUTES: list[Route] = table.routes
