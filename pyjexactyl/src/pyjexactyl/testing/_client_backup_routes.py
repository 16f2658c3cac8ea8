"""Client-API backup routes of one server."""

from __future__ import annotations

import datetime as _dt
import math
import time
from typing import Any

from aiohttp import web

from . import _transformers as t
from ._client_prelude import SERVER, _log, _user_can
from ._envelope import PanelError, bad_request, display_error, item, paginate
from ._routing import Ctx, Route, RouteTable, json_response, no_content
from ._state import FakeBackup, FakeServer, utcnow
from ._wings import signed_url, start_backup, start_restore

__all__ = ["ROUTES"]

table = RouteTable("client", "/api/client")
route = table.route


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
    return restore_resolved_backup(ctx, ctx.field("truncate"))


def restore_resolved_backup(ctx: Ctx, truncate: Any) -> web.StreamResponse:
    """The panel's restore service for the route's server and backup: refused while the server is in any
    state or the backup did not complete; else Wings restores it (logged with ``truncate`` as given)."""
    server, backup = ctx.srv, ctx.resolved["backup"]
    if server.status is not None:
        raise bad_request("This server is not currently in a state that allows for a backup to be restored.")
    if not backup.is_successful or backup.completed_at is None:
        raise bad_request("This backup cannot be restored at this time: not completed or failed.")
    start_restore(ctx.runtime, server)
    _log(ctx, "server:backup.restore", {"name": backup.name, "truncate": truncate})
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


ROUTES: list[Route] = table.routes
