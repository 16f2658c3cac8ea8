"""Client-API file-manager routes of one server (``/servers/{server}/files``)."""

from __future__ import annotations

import datetime as _dt
import re

from aiohttp import web

from . import _files as files
from . import _transformers as t
from ._client_prelude import SERVER, _log
from ._envelope import display_error, item, list_of
from ._routing import Ctx, Route, RouteTable, json_response, no_content, require_string_query
from ._wings import daemon_error, signed_url

__all__ = ["ROUTES"]

table = RouteTable("client", "/api/client")
route = table.route

MAX_EDIT_SIZE = 4 * 1024 * 1024


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


ROUTES: list[Route] = table.routes
