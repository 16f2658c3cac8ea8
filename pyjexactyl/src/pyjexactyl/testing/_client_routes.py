"""The 69 client-API routes (``/api/client``, §6 of the contract)."""

from __future__ import annotations

import datetime as _dt
import math
import re
import string
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import _files as files
from . import _transformers as t
from ._auth import verify_totp
from ._cron import CronError, next_run
from ._envelope import (
    BINDING_MISS,
    NO_ACCESS,
    NOT_FOR_SERVER,
    PanelError,
    ValidationIssue,
    bad_request,
    conflict,
    display_error,
    forbidden,
    item,
    list_of,
    not_found,
    paginate,
    single_issue,
    validation_error,
)
from ._iprange import valid_range
from ._routing import Ctx, Route, RouteTable, accepted_empty_array, json_response, no_content, require_string_query
from ._sshkeys import SSHKeyError, parse_public_key
from ._state import FakeActivity, FakeBackup, FakeSchedule, FakeServer, FakeSSHKey, FakeTask, utcnow
from ._store import ALL_PERMISSIONS, PERMISSION_CATALOGUE
from ._validation import MISSING, check, parse_rules, validate
from ._wings import console_command, daemon_error, finish_install, power, signed_url, start_backup, start_restore

__all__ = ["ROUTES", "client_prelude"]

table = RouteTable("client", "/api/client")
route = table.route

SERVER = "/servers/{server}"
MAX_EDIT_SIZE = 4 * 1024 * 1024


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


# ====================================================================================== server
@route("GET", SERVER, gate=False)
def server_details(ctx: Ctx) -> web.StreamResponse:
    """16. ``GET /servers/{server}``."""
    server = ctx.srv
    body = t.client_server(ctx.store, server, ctx.user, ctx.includes())
    body["meta"] = {
        "is_server_owner": server.owner_id == ctx.user.id,
        "user_permissions": ctx.store.permissions_for(ctx.user, server),
    }
    return json_response(body)


@route("GET", SERVER + "/websocket", gate=False)
def websocket(ctx: Ctx) -> web.StreamResponse:
    """17. ``GET /servers/{server}/websocket``."""
    server = ctx.srv
    detail = gate_detail(ctx, server, admin_bypass=True)
    if detail is not None:
        raise conflict(detail)
    if not _user_can(ctx, "websocket.connect"):
        raise forbidden("You do not have permission to connect to this server's websocket.", "HttpForbiddenException")
    perms = ctx.store.permissions_for(ctx.user, server)
    token = ctx.runtime.wings.issue_token(server, ctx.user, perms)
    socket = ctx.runtime.wings.socket_url(server)
    return json_response({"data": {"token": token, "socket": socket}})


@route("GET", SERVER + "/resources")
def resources(ctx: Ctx) -> web.StreamResponse:
    """18. ``GET /servers/{server}/resources``."""
    return json_response(t.stats(ctx.srv))


@route("GET", SERVER + "/activity", perm="activity.read")
def server_activity(ctx: Ctx) -> web.StreamResponse:
    """19. ``GET /servers/{server}/activity``."""
    rows = [a for a in ctx.store.activity if a.server_id == ctx.srv.id]
    return _activity_list(ctx, rows, 25)


@route("POST", SERVER + "/command", perm="control.console")
def command(ctx: Ctx) -> web.StreamResponse:
    """20. ``POST /servers/{server}/command``."""
    ctx.validate([("command", "required|string|min:1")])
    server = ctx.srv
    if server.state not in ("running", "starting", "stopping"):
        raise PanelError(502, "HttpException", "Server must be online in order to send commands.")
    text = str(ctx.field("command"))
    console_command(ctx.runtime, server, text)
    _log(ctx, "server:console.command", {"command": text})
    return no_content()


def _power_perm(ctx: Ctx) -> str:
    signal = ctx.field("signal")
    return {
        "start": "control.start",
        "stop": "control.stop",
        "kill": "control.stop",
        "restart": "control.restart",
    }.get(str(signal), "control.__invalid__")


@route("POST", SERVER + "/power", perm=_power_perm)
def power_action(ctx: Ctx) -> web.StreamResponse:
    """21. ``POST /servers/{server}/power``."""
    ctx.validate([("signal", "required|in:start,stop,restart,kill")])
    signal = str(ctx.field("signal"))
    power(ctx.runtime, ctx.srv, signal)
    _log(ctx, f"server:power.{signal}")
    return no_content()


# ----------------------------------------------------------------------------------- databases
@route("GET", SERVER + "/databases", perm="database.read")
def list_databases(ctx: Ctx) -> web.StreamResponse:
    """22. ``GET /servers/{server}/databases``."""
    include = "password" in ctx.includes()
    can_view = _user_can(ctx, "database.view_password")
    return json_response(
        list_of(t.client_database(ctx.store, d, password=(can_view if include else None)) for d in ctx.srv.databases)
    )


@route("POST", SERVER + "/databases", perm="database.create")
def create_database(ctx: Ctx) -> web.StreamResponse:
    """23. ``POST /servers/{server}/databases``."""
    server = ctx.srv

    def unique(value: Any) -> bool:
        return all(d.database != f"s{server.id}_{value}" for d in server.databases)

    ctx.validate(
        [
            (
                "database",
                [
                    "required",
                    "alpha_dash",
                    "min:3",
                    "max:48",
                    check("unique", unique, "The database name you have selected is already in use by this server."),
                ],
            ),
            ("remote", ["required", "string", r"regex:/^[\w\-\/.%:]+$/"]),
        ]
    )
    if server.database_limit is not None and len(server.databases) >= server.database_limit:
        raise display_error(
            "TooManyDatabasesException",
            "Operation aborted: creating a new database would put this server over the defined limit.",
        )
    host = next(iter(ctx.store.database_hosts.values()), None)
    if host is None:
        raise display_error(
            "NoSuitableDatabaseHostException", "No database host was found that meets the requirements for this server."
        )
    database = ctx.store.create_database(server, str(ctx.field("database")), str(ctx.field("remote")), host)
    _log(ctx, "server:database.create", {"name": database.database})
    return json_response(t.client_database(ctx.store, database, password=_user_can(ctx, "database.view_password")))


@route("POST", SERVER + "/databases/{database}/rotate-password", perm="database.update")
def rotate_database_password(ctx: Ctx) -> web.StreamResponse:
    """24. ``POST /servers/{server}/databases/{database}/rotate-password``."""
    database = ctx.resolved["database"]
    database.password = ctx.store.random_string(24)
    database.updated_at = utcnow()
    _log(ctx, "server:database.rotate-password", {"name": database.database})
    return json_response(t.client_database(ctx.store, database, password=_user_can(ctx, "database.view_password")))


@route("DELETE", SERVER + "/databases/{database}", perm="database.delete")
def delete_database(ctx: Ctx) -> web.StreamResponse:
    """25. ``DELETE /servers/{server}/databases/{database}``."""
    database = ctx.resolved["database"]
    ctx.srv.databases.remove(database)
    _log(ctx, "server:database.delete", {"name": database.database})
    return no_content()


# ----------------------------------------------------------------------------------- files
@route("GET", SERVER + "/files/list", perm="file.read")
def list_files(ctx: Ctx) -> web.StreamResponse:
    """26. ``GET /servers/{server}/files/list``."""
    directory = ctx.query.get("directory") or "/"
    return json_response(list_of(t.file_object(f) for f in files.children(ctx.srv, directory)))


@route("GET", SERVER + "/files/contents", perm="file.read-content")
def file_contents(ctx: Ctx) -> web.StreamResponse:
    """27. ``GET /servers/{server}/files/contents`` (raw ``text/plain`` body)."""
    path = require_string_query(ctx, "file")
    entry = files.get(ctx.srv, path)
    if entry is None:
        raise daemon_error(404, files.NOT_FOUND)
    if entry.is_dir:
        raise daemon_error(400, "Cannot perform that action: file is a directory")
    if len(entry.content) > MAX_EDIT_SIZE:
        raise display_error(
            "FileSizeTooLargeException", "The file you are attempting to open is too large to view in the file editor."
        )
    _log(ctx, "server:file.read", {"file": files.normalise(path)})
    return web.Response(body=entry.content, content_type="text/plain", charset="utf-8")


@route("GET", SERVER + "/files/download", perm="file.read-content")
def file_download(ctx: Ctx) -> web.StreamResponse:
    """28. ``GET /servers/{server}/files/download``."""
    path = require_string_query(ctx, "file")
    server = ctx.srv
    node = ctx.store.nodes[server.node_id]
    url = signed_url(
        node,
        "download/file",
        {"file_path": files.normalise(path), "server_uuid": server.uuid},
        panel_url=ctx.runtime.url,
        user=ctx.user,
    )
    _log(ctx, "server:file.download", {"file": files.normalise(path)})
    return json_response(item("signed_url", {"url": url}))


@route("PUT", SERVER + "/files/rename", perm="file.update")
def rename_files(ctx: Ctx) -> web.StreamResponse:
    """29. ``PUT /servers/{server}/files/rename``."""
    ctx.validate(
        [
            ("root", "present|nullable|string"),
            ("files", "required|array"),
            ("files.*", "array"),
            ("files.*.from", "required|string"),
            ("files.*.to", "required|string"),
        ]
    )
    root = ctx.field("root") or "/"
    for entry in ctx.field("files"):
        files.move(ctx.srv, files.join(root, str(entry["from"])), files.join(root, str(entry["to"])))
    _log(ctx, "server:file.rename", {"directory": root, "files": ctx.field("files")})
    return no_content()


@route("POST", SERVER + "/files/copy", perm="file.create")
def copy_file(ctx: Ctx) -> web.StreamResponse:
    """30. ``POST /servers/{server}/files/copy``."""
    ctx.validate([("location", "required|string")])
    files.copy_path(ctx.srv, str(ctx.field("location")))
    _log(ctx, "server:file.copy", {"file": ctx.field("location")})
    return no_content()


@route("POST", SERVER + "/files/write", perm="file.create", raw_body=True)
def write_file(ctx: Ctx) -> web.StreamResponse:
    """31. ``POST /servers/{server}/files/write`` (raw body)."""
    path = require_string_query(ctx, "file")
    files.write(ctx.srv, path, ctx.body)
    _log(ctx, "server:file.write", {"file": files.normalise(path)})
    return no_content()


@route("POST", SERVER + "/files/compress", perm="file.archive")
def compress_files(ctx: Ctx) -> web.StreamResponse:
    """32. ``POST /servers/{server}/files/compress``."""
    ctx.validate([("root", "sometimes|nullable|string"), ("files", "required|array"), ("files.*", "string")])
    root = ctx.field("root") or "/"
    server = ctx.srv
    names = [str(n) for n in ctx.field("files")]
    for name in names:
        if files.get(server, files.join(root, name)) is None:
            raise daemon_error(404, files.NOT_FOUND)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H%M%S")
    archive = files.write(server, files.join(root, f"archive-{stamp}+0000.tar.gz"), ("\n".join(names)).encode())
    _log(ctx, "server:file.compress", {"directory": root, "files": names})
    return json_response(t.file_object(archive))


@route("POST", SERVER + "/files/decompress", perm="file.create")
def decompress_file(ctx: Ctx) -> web.StreamResponse:
    """33. ``POST /servers/{server}/files/decompress``."""
    ctx.validate([("root", "sometimes|nullable|string"), ("file", "required|string")])
    root = ctx.field("root") or "/"
    if files.get(ctx.srv, files.join(root, str(ctx.field("file")))) is None:
        raise daemon_error(404, files.NOT_FOUND)
    _log(ctx, "server:file.decompress", {"directory": root, "file": ctx.field("file")})
    return no_content()


@route("POST", SERVER + "/files/delete", perm="file.delete")
def delete_files(ctx: Ctx) -> web.StreamResponse:
    """34. ``POST /servers/{server}/files/delete``."""
    ctx.validate([("root", "present|nullable|string"), ("files", "required|array"), ("files.*", "string")])
    root = ctx.field("root") or "/"
    names = [str(n) for n in ctx.field("files")]
    for name in names:
        files.delete_path(ctx.srv, files.join(root, name))
    _log(ctx, "server:file.delete", {"directory": root, "files": names})
    return no_content()


@route("POST", SERVER + "/files/create-folder", perm="file.create")
def create_folder(ctx: Ctx) -> web.StreamResponse:
    """35. ``POST /servers/{server}/files/create-folder``."""
    ctx.validate([("root", "sometimes|nullable|string"), ("name", "required|string")])
    root = ctx.field("root") or "/"
    files.mkdir(ctx.srv, files.join(root, str(ctx.field("name"))))
    _log(ctx, "server:file.create-directory", {"directory": root, "name": ctx.field("name")})
    return no_content()


@route("POST", SERVER + "/files/chmod", perm="file.update")
def chmod_files(ctx: Ctx) -> web.StreamResponse:
    """36. ``POST /servers/{server}/files/chmod``."""
    ctx.validate(
        [
            ("root", "present|nullable|string"),
            ("files", "required|array"),
            ("files.*", "array"),
            ("files.*.file", "required|string"),
            ("files.*.mode", "required|numeric"),
        ]
    )
    root = ctx.field("root") or "/"
    for entry in ctx.field("files"):
        target = files.get(ctx.srv, files.join(root, str(entry["file"])))
        if target is None:
            raise daemon_error(404, files.NOT_FOUND)
        mode = str(entry["mode"])
        if not re.fullmatch(r"[0-7]{3,4}", mode):
            raise daemon_error(400, "Invalid file mode")
        target.mode = mode[-3:]
    return no_content()


@route("POST", SERVER + "/files/pull", perm="file.create", throttle=(10, 300.0))
def pull_file(ctx: Ctx) -> web.StreamResponse:
    """37. ``POST /servers/{server}/files/pull``."""
    ctx.validate(
        [
            ("url", "required|string|url"),
            ("directory", "nullable|string"),
            ("filename", "nullable|string"),
            ("use_header", "boolean"),
            ("foreground", "boolean"),
        ]
    )
    url = str(ctx.field("url"))
    name = ctx.field("filename") or url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "download"
    files.write(ctx.srv, files.join(ctx.field("directory") or "/", str(name)), b"")
    _log(ctx, "server:file.pull", {"url": url, "directory": ctx.field("directory") or "/"})
    return no_content()


@route("GET", SERVER + "/files/upload", perm="file.create")
def upload_url(ctx: Ctx) -> web.StreamResponse:
    """38. ``GET /servers/{server}/files/upload``."""
    server = ctx.srv
    node = ctx.store.nodes[server.node_id]
    url = signed_url(node, "upload/file", {"server_uuid": server.uuid}, panel_url=ctx.runtime.url, user=ctx.user)
    return json_response(item("signed_url", {"url": url}))


# ----------------------------------------------------------------------------------- schedules
def _schedule_rules() -> list[tuple[str, Any]]:
    return [
        ("name", "required|string|max:191"),
        ("is_active", "filled|boolean"),
        ("only_when_online", "filled|boolean"),
        ("minute", "required|string"),
        ("hour", "required|string"),
        ("day_of_month", "required|string"),
        ("day_of_week", "required|string"),
    ]


def _flag(ctx: Ctx, name: str) -> bool:
    """PHP's ``(bool) $request->input(name)``: absent, ``false``, ``0`` and ``"0"`` are false."""
    value = ctx.field(name)
    return bool(value) and value not in ("0", 0)


def _apply_schedule(ctx: Ctx, schedule: Any) -> None:
    """``ScheduleController::store`` / ``update``: the fields as sent, the next run from the cron library."""
    month = ctx.field("month")
    if month is None:
        raise PanelError(
            500, "TypeError", "An unexpected error was encountered while processing this request, please try again."
        )
    parts = [str(ctx.field(n)) for n in ("minute", "hour", "day_of_month")] + [str(month)]
    day_of_week = str(ctx.field("day_of_week"))
    try:
        next_run_at = next_run(parts[0], parts[1], parts[2], parts[3], day_of_week)
    except CronError:
        raise display_error(
            "DisplayException", "The cron data provided does not evaluate to a valid expression."
        ) from None
    active = _flag(ctx, "is_active")
    if schedule.is_active != active:
        # "Toggle the processing state of the scheduled task when it is enabled or disabled so that an invalid
        # state can be reset without manual database intervention" (panel issue 2425).
        schedule.is_processing = False
    schedule.name = str(ctx.field("name"))
    schedule.minute, schedule.hour, schedule.day_of_month = parts[0], parts[1], parts[2]
    schedule.month = parts[3]
    schedule.day_of_week = day_of_week
    schedule.is_active = active
    schedule.only_when_online = _flag(ctx, "only_when_online")
    schedule.next_run_at = next_run_at
    schedule.updated_at = utcnow()


@route("GET", SERVER + "/schedules", perm="schedule.read")
def list_schedules(ctx: Ctx) -> web.StreamResponse:
    """39. ``GET /servers/{server}/schedules``."""
    return json_response(list_of(t.schedule(s) for s in ctx.srv.schedules))


@route("POST", SERVER + "/schedules", perm="schedule.create")
def create_schedule(ctx: Ctx) -> web.StreamResponse:
    """40. ``POST /servers/{server}/schedules``."""
    ctx.validate(_schedule_rules())
    schedule = FakeSchedule(id=0, server_id=ctx.srv.id, name="", is_active=False)
    _apply_schedule(ctx, schedule)
    schedule.id = ctx.store.next_id("schedules")
    ctx.srv.schedules.append(schedule)
    _log(ctx, "server:schedule.create", {"name": schedule.name})
    return json_response(t.schedule(schedule))


@route("GET", SERVER + "/schedules/{schedule}", perm="schedule.read")
def get_schedule(ctx: Ctx) -> web.StreamResponse:
    """41. ``GET /servers/{server}/schedules/{schedule}``."""
    return json_response(t.schedule(ctx.resolved["schedule"]))


@route("POST", SERVER + "/schedules/{schedule}", perm="schedule.update")
def update_schedule(ctx: Ctx) -> web.StreamResponse:
    """42. ``POST /servers/{server}/schedules/{schedule}``."""
    ctx.validate(_schedule_rules())
    schedule = ctx.resolved["schedule"]
    _apply_schedule(ctx, schedule)
    _log(ctx, "server:schedule.update", {"name": schedule.name})
    return json_response(t.schedule(schedule))


@route("POST", SERVER + "/schedules/{schedule}/execute", perm="schedule.update")
def execute_schedule(ctx: Ctx) -> web.StreamResponse:
    """43. ``POST /servers/{server}/schedules/{schedule}/execute`` (202, body ``[]``).

    ``ProcessScheduleService``: refused without tasks; the schedule's active state does not matter.
    """
    schedule = ctx.resolved["schedule"]
    if not schedule.tasks:
        raise display_error("DisplayException", "Cannot process schedule for task execution: no tasks are registered.")
    server = ctx.srv
    try:
        schedule.next_run_at = next_run(
            schedule.minute, schedule.hour, schedule.day_of_month, schedule.month, schedule.day_of_week
        )
    except CronError:
        pass
    schedule.last_run_at = utcnow()
    for task in sorted(schedule.tasks, key=lambda x: x.sequence_id):
        if task.action == "command" and server.state in ("running", "starting"):
            console_command(ctx.runtime, server, task.payload)
        elif task.action == "power" and task.payload in ("start", "stop", "restart", "kill"):
            power(ctx.runtime, server, task.payload)
    _log(ctx, "server:schedule.execute", {"name": schedule.name})
    return accepted_empty_array()


@route("DELETE", SERVER + "/schedules/{schedule}", perm="schedule.delete")
def delete_schedule(ctx: Ctx) -> web.StreamResponse:
    """44. ``DELETE /servers/{server}/schedules/{schedule}``."""
    schedule = ctx.resolved["schedule"]
    ctx.srv.schedules.remove(schedule)
    _log(ctx, "server:schedule.delete", {"name": schedule.name})
    return no_content()


def _task_rules() -> list[tuple[str, Any]]:
    return [
        ("action", "required|in:command,power,backup"),
        ("payload", "required_unless:action,backup|string"),
        ("time_offset", "required|numeric|min:0|max:900"),
        ("sequence_id", "sometimes|required|numeric|min:1"),
        ("continue_on_failure", "sometimes|required|boolean"),
    ]


def _check_backup_task(ctx: Ctx) -> None:
    if ctx.field("action") == "backup" and not ctx.srv.backup_limit:
        raise forbidden(
            "A backup task cannot be created when the server's backup limit is set to 0.", "HttpForbiddenException"
        )


def _resequence(tasks: list[FakeTask]) -> None:
    tasks.sort(key=lambda x: x.sequence_id)


@route("POST", SERVER + "/schedules/{schedule}/tasks", perm="schedule.update")
def create_task(ctx: Ctx) -> web.StreamResponse:
    """45. ``POST /servers/{server}/schedules/{schedule}/tasks``."""
    ctx.validate(_task_rules())
    _check_backup_task(ctx)
    schedule = ctx.resolved["schedule"]
    if len(schedule.tasks) >= 10:
        raise display_error(
            "ServiceLimitExceededException",
            "Schedules may not have more than 10 tasks associated with them. Creating this task would put this "
            "schedule over the limit.",
        )
    last = max((x.sequence_id for x in schedule.tasks), default=0)
    sequence = int(float(ctx.field("sequence_id"))) if ctx.has("sequence_id") else last + 1
    sequence = min(sequence, last + 1)
    for other in schedule.tasks:
        if other.sequence_id >= sequence:
            other.sequence_id += 1
    task = FakeTask(
        id=ctx.store.next_id("tasks"),
        schedule_id=schedule.id,
        sequence_id=sequence,
        action=str(ctx.field("action")),
        payload=str(ctx.field("payload") or ""),
        time_offset=int(float(ctx.field("time_offset"))),
        continue_on_failure=bool(ctx.field("continue_on_failure", False))
        and ctx.field("continue_on_failure") not in ("0", 0),
    )
    schedule.tasks.append(task)
    _resequence(schedule.tasks)
    _log(ctx, "server:task.create", {"name": schedule.name, "action": task.action, "payload": task.payload})
    return json_response(t.task(task))


@route("POST", SERVER + "/schedules/{schedule}/tasks/{task}", perm="schedule.update")
def update_task(ctx: Ctx) -> web.StreamResponse:
    """46. ``POST /servers/{server}/schedules/{schedule}/tasks/{task}``."""
    ctx.validate(_task_rules())
    _check_backup_task(ctx)
    schedule, task = ctx.resolved["schedule"], ctx.resolved["task"]
    if ctx.has("sequence_id"):
        wanted = int(float(ctx.field("sequence_id")))
        if wanted != task.sequence_id:
            others = sorted((x for x in schedule.tasks if x is not task), key=lambda x: x.sequence_id)
            wanted = max(1, min(wanted, len(others) + 1))
            others.insert(wanted - 1, task)
            for index, other in enumerate(others, start=1):
                other.sequence_id = index
    task.action = str(ctx.field("action"))
    task.payload = str(ctx.field("payload") or "")
    task.time_offset = int(float(ctx.field("time_offset")))
    if ctx.has("continue_on_failure"):
        task.continue_on_failure = bool(ctx.field("continue_on_failure")) and ctx.field("continue_on_failure") not in (
            "0",
            0,
        )
    task.updated_at = utcnow()
    _resequence(schedule.tasks)
    _log(ctx, "server:task.update", {"name": schedule.name, "action": task.action, "payload": task.payload})
    return json_response(t.task(task))


@route("DELETE", SERVER + "/schedules/{schedule}/tasks/{task}")
def delete_task(ctx: Ctx) -> web.StreamResponse:
    """47. ``DELETE /servers/{server}/schedules/{schedule}/tasks/{task}``."""
    if not _user_can(ctx, "schedule.update"):
        raise forbidden("You do not have permission to perform this action.", "HttpForbiddenException")
    schedule, task = ctx.resolved["schedule"], ctx.resolved["task"]
    schedule.tasks.remove(task)
    for other in schedule.tasks:
        if other.sequence_id > task.sequence_id:
            other.sequence_id -= 1
    _log(ctx, "server:task.delete", {"name": schedule.name, "action": task.action, "payload": task.payload})
    return no_content()


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


# ----------------------------------------------------------------------------------- backups
def _live_backups(server: FakeServer) -> list[FakeBackup]:
    return [b for b in server.backups if b.deleted_at is None]


@route("GET", SERVER + "/backups", perm="backup.read")
def list_backups(ctx: Ctx) -> web.StreamResponse:
    """58. ``GET /servers/{server}/backups``."""
    rows = _live_backups(ctx.srv)
    count = sum(1 for b in rows if b.is_successful or b.completed_at is None)
    page, per_page = ctx.page_params(20, 50)
    return json_response(
        paginate(
            rows,
            t.backup,
            page=page,
            per_page=per_page,
            base_url=ctx.base_url,
            query=ctx.query_items,
            extra_meta={"backup_count": count},
        )
    )


def _period_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@route("POST", SERVER + "/backups", perm="backup.create")
def create_backup(ctx: Ctx) -> web.StreamResponse:
    """59. ``POST /servers/{server}/backups``."""
    ctx.validate(
        [("name", "nullable|string|max:191"), ("is_locked", "nullable|boolean"), ("ignored", "nullable|string")]
    )
    server, store = ctx.srv, ctx.store
    limit, period = ctx.runtime.backup_throttle
    if limit > 0:
        now = time.monotonic()
        recent = sorted(b.created_monotonic for b in server.backups if now - b.created_monotonic < period)
        if len(recent) >= limit:
            retry = max(1, math.ceil(recent[-limit] + period - now))
            raise PanelError(
                429,
                "TooManyRequestsHttpException",
                f"Only {limit} backups may be generated within a {_period_text(period)} second span of time.",
                headers={"Retry-After": str(retry)},
            )
    active = [b for b in _live_backups(server) if b.is_successful or b.completed_at is None]
    if not server.backup_limit or len(active) >= server.backup_limit:
        raise display_error(
            "TooManyBackupsException",
            f"Cannot create a new backup, this server has reached its limit of {server.backup_limit or 0} backups.",
        )
    name = ctx.field("name") or f"Backup at {_dt.datetime.now(_dt.UTC).strftime('%Y-%m-%d %H:%M:%S')}"
    ignored_raw = ctx.field("ignored") or ""
    ignored = [line.strip() for line in str(ignored_raw).split("\n") if line.strip()]
    locked_flag = ctx.field("is_locked")
    locked = locked_flag in (True, 1, "1") and _user_can(ctx, "backup.delete")
    backup = store.create_backup(server, str(name), completed=False, locked=locked, ignored=ignored)
    start_backup(ctx.runtime, server, backup)
    _log(ctx, "server:backup.start", {"name": backup.name, "locked": locked})
    return json_response(t.backup(backup))


@route("GET", SERVER + "/backups/{backup}", perm="backup.read")
def get_backup(ctx: Ctx) -> web.StreamResponse:
    """60. ``GET /servers/{server}/backups/{backup}``."""
    return json_response(t.backup(ctx.resolved["backup"]))


@route("GET", SERVER + "/backups/{backup}/download", perm="backup.download")
def download_backup(ctx: Ctx) -> web.StreamResponse:
    """61. ``GET /servers/{server}/backups/{backup}/download``."""
    backup, server = ctx.resolved["backup"], ctx.srv
    node = ctx.store.nodes[server.node_id]
    url = signed_url(
        node,
        "download/backup",
        {"backup_uuid": backup.uuid, "server_uuid": server.uuid},
        panel_url=ctx.runtime.url,
        user=ctx.user,
    )
    _log(ctx, "server:backup.download", {"name": backup.name})
    return json_response(item("signed_url", {"url": url}))


@route("POST", SERVER + "/backups/{backup}/lock", perm="backup.delete")
def lock_backup(ctx: Ctx) -> web.StreamResponse:
    """62. ``POST /servers/{server}/backups/{backup}/lock``."""
    backup = ctx.resolved["backup"]
    backup.is_locked = not backup.is_locked
    _log(ctx, "server:backup.lock" if backup.is_locked else "server:backup.unlock", {"name": backup.name})
    return json_response(t.backup(backup))


@route("POST", SERVER + "/backups/{backup}/restore", perm="backup.restore")
def restore_backup(ctx: Ctx) -> web.StreamResponse:
    """63. ``POST /servers/{server}/backups/{backup}/restore``."""
    ctx.validate([("truncate", "required|boolean")])
    server, backup = ctx.srv, ctx.resolved["backup"]
    if server.status is not None:
        raise bad_request("This server is not currently in a state that allows for a backup to be restored.")
    if not backup.is_successful or backup.completed_at is None:
        raise bad_request("This backup cannot be restored at this time: not completed or failed.")
    start_restore(ctx.runtime, server)
    _log(ctx, "server:backup.restore", {"name": backup.name, "truncate": ctx.field("truncate")})
    return no_content()


@route("DELETE", SERVER + "/backups/{backup}", perm="backup.delete")
def delete_backup(ctx: Ctx) -> web.StreamResponse:
    """64. ``DELETE /servers/{server}/backups/{backup}``."""
    backup = ctx.resolved["backup"]
    if backup.is_locked and backup.is_successful and backup.completed_at is not None:
        raise display_error("BackupLockedException", "Cannot delete a backup that is marked as locked.")
    backup.deleted_at = utcnow()
    _log(ctx, "server:backup.delete", {"name": backup.name})
    return no_content()


# ----------------------------------------------------------------------------------- startup
def _startup_meta(ctx: Ctx, *, images: bool) -> dict[str, Any]:
    server = ctx.srv
    egg = ctx.store.eggs.get(server.egg_id)
    meta: dict[str, Any] = {"startup_command": t.render_startup(ctx.store, server, hide=False)}
    if images:
        meta["docker_images"] = dict(egg.docker_images) if egg else {}
    meta["raw_startup_command"] = server.startup
    return meta


@route("GET", SERVER + "/startup", perm="startup.read")
def list_startup(ctx: Ctx) -> web.StreamResponse:
    """65. ``GET /servers/{server}/startup``."""
    server = ctx.srv
    egg = ctx.store.eggs.get(server.egg_id)
    variables = [v for v in (egg.variables if egg else []) if v.user_viewable]
    return json_response(
        list_of((t.client_variable(v, server) for v in variables), meta=_startup_meta(ctx, images=True))
    )


@route("PUT", SERVER + "/startup/variable", perm="startup.update")
def update_startup_variable(ctx: Ctx) -> web.StreamResponse:
    """66. ``PUT /servers/{server}/startup/variable``."""
    ctx.validate([("key", "required|string"), ("value", "present")])
    server = ctx.srv
    egg = ctx.store.eggs.get(server.egg_id)
    key = str(ctx.field("key"))
    variable = next((v for v in (egg.variables if egg else []) if v.env_variable == key), None)
    if variable is None:
        raise PanelError(
            500,
            "ErrorException",
            "An unexpected error was encountered while processing this request, please try again.",
        )
    if not variable.user_viewable:
        raise bad_request("The environment variable you are trying to edit does not exist.")
    if not variable.user_editable:
        raise bad_request("The environment variable you are trying to edit is read-only.")
    value = ctx.field("value")
    issues = validate({"value": value} if ctx.has("value") else {}, [("value", parse_rules(variable.rules))])
    if issues:
        raise validation_error(issues)
    server.environment[key] = None if value is None or value is MISSING else str(value)
    _log(ctx, "server:startup.edit", {"variable": key, "old": None, "new": server.environment[key]})
    return json_response(dict(t.client_variable(variable, server), meta=_startup_meta(ctx, images=False)))


# ----------------------------------------------------------------------------------- settings
@route("POST", SERVER + "/settings/rename", perm="settings.rename")
def rename_server(ctx: Ctx) -> web.StreamResponse:
    """67. ``POST /servers/{server}/settings/rename``."""
    ctx.validate([("name", "required|string|min:1|max:191"), ("description", "nullable|string")])
    server = ctx.srv
    old = server.name
    server.name = str(ctx.field("name"))
    if ctx.has("description"):
        server.description = str(ctx.field("description") or "")
    server.updated_at = utcnow()
    _log(ctx, "server:settings.rename", {"old": old, "new": server.name})
    return no_content()


@route("POST", SERVER + "/settings/reinstall", perm="settings.reinstall")
def reinstall_server(ctx: Ctx) -> web.StreamResponse:
    """68. ``POST /servers/{server}/settings/reinstall`` (202, body ``[]``)."""
    finish_install(ctx.runtime, ctx.srv)
    _log(ctx, "server:reinstall")
    return accepted_empty_array()


@route("PUT", SERVER + "/settings/docker-image", perm="startup.docker-image")
def docker_image(ctx: Ctx) -> web.StreamResponse:
    """69. ``PUT /servers/{server}/settings/docker-image``."""
    server = ctx.srv
    egg = ctx.store.eggs.get(server.egg_id)
    images = list(egg.docker_images.values()) if egg else []
    ctx.validate([("docker_image", ["required", "string", "max:191", check("in", lambda v: v in images)])])
    if server.image not in images:
        raise bad_request("This server's Docker image has been manually set by an administrator and cannot be updated.")
    old = server.image
    server.image = str(ctx.field("docker_image"))
    _log(ctx, "server:startup.image", {"old": old, "new": server.image})
    return no_content()


ROUTES: list[Route] = table.routes
