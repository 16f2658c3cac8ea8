"""Operations on a server's in-memory file tree (what Wings' filesystem does for the fake)."""

from __future__ import annotations

import posixpath

from ._state import FakeFile, FakeServer, utcnow
from ._wings import daemon_error

__all__ = ["children", "copy_path", "delete_path", "ensure_parents", "get", "join", "normalise", "write"]

NOT_FOUND = "The requested resource was not found on the system"


def normalise(path: str | None) -> str:
    """An absolute, normalised path inside the server root (``..`` cannot escape it)."""
    raw = (path or "/").replace("\\", "/")
    clean = posixpath.normpath("/" + raw.lstrip("/"))
    while clean.startswith("/.."):
        clean = clean[3:] or "/"
    return "/" if clean in ("", ".") else clean


def join(root: str | None, name: str) -> str:
    """``root`` + ``name`` normalised."""
    return normalise(posixpath.join(normalise(root), name.lstrip("/")) if name else normalise(root))


def get(server: FakeServer, path: str) -> FakeFile | None:
    """The entry at ``path`` (``/`` is a directory that always exists)."""
    path = normalise(path)
    if path == "/":
        return FakeFile("/", is_dir=True, mode="755")
    return server.files.get(path)


def is_dir(server: FakeServer, path: str) -> bool:
    """Whether ``path`` is an existing directory."""
    entry = get(server, path)
    return entry is not None and entry.is_dir


def children(server: FakeServer, directory: str) -> list[FakeFile]:
    """Direct children of ``directory``, directories first, then by name (as Wings sorts)."""
    directory = normalise(directory)
    if not is_dir(server, directory):
        raise daemon_error(404, NOT_FOUND)
    rows = [f for f in server.files.values() if posixpath.dirname(f.path) == directory and f.path != directory]
    rows.sort(key=lambda f: (not f.is_dir, f.name.lower()))
    return rows


def ensure_parents(server: FakeServer, path: str) -> None:
    """Create missing parent directories of ``path``."""
    parent = posixpath.dirname(normalise(path))
    missing: list[str] = []
    while parent != "/" and parent not in server.files:
        missing.append(parent)
        parent = posixpath.dirname(parent)
    for directory in reversed(missing):
        server.files[directory] = FakeFile(directory, is_dir=True, mode="755")


def write(server: FakeServer, path: str, content: bytes) -> FakeFile:
    """Create or overwrite a file."""
    path = normalise(path)
    existing = server.files.get(path)
    if existing is not None and existing.is_dir:
        raise daemon_error(400, "Cannot perform that action: file is a directory")
    ensure_parents(server, path)
    if existing is None:
        existing = FakeFile(path)
        server.files[path] = existing
    existing.content = content
    existing.modified_at = utcnow()
    return existing


def mkdir(server: FakeServer, path: str) -> None:
    """Create a directory (and its parents)."""
    path = normalise(path)
    existing = server.files.get(path)
    if existing is not None:
        if not existing.is_dir:
            raise daemon_error(400, "Cannot perform that action: file is not a directory")
        return
    ensure_parents(server, path)
    server.files[path] = FakeFile(path, is_dir=True, mode="755")


def delete_path(server: FakeServer, path: str) -> None:
    """Delete a file or a directory recursively (missing entries are ignored, as Wings does)."""
    path = normalise(path)
    if path == "/":
        raise daemon_error(400, "Cannot delete the root directory")
    for key in [k for k in server.files if k == path or k.startswith(path + "/")]:
        del server.files[key]


def move(server: FakeServer, source: str, target: str) -> None:
    """Rename ``source`` (and everything under it) to ``target``."""
    source, target = normalise(source), normalise(target)
    if source not in server.files:
        raise daemon_error(404, NOT_FOUND)
    if target in server.files:
        raise daemon_error(400, "Cannot move or rename file, destination already exists")
    ensure_parents(server, target)
    for key in sorted(k for k in server.files if k == source or k.startswith(source + "/")):
        entry = server.files.pop(key)
        entry.path = target + key[len(source) :]
        entry.modified_at = utcnow()
        server.files[entry.path] = entry


def copy_path(server: FakeServer, location: str) -> FakeFile:
    """Copy a file next to itself as ``name copy.ext`` (then ``name copy 1.ext``...)."""
    location = normalise(location)
    entry = server.files.get(location)
    if entry is None:
        raise daemon_error(404, NOT_FOUND)
    if entry.is_dir:
        raise daemon_error(400, "Cannot perform that action: file is a directory")
    directory, name = posixpath.split(location)
    stem, dot, ext = name.partition(".") if not name.startswith(".") else (name, "", "")
    suffix = f"{dot}{ext}"
    candidate = posixpath.join(directory, f"{stem} copy{suffix}")
    counter = 1
    while candidate in server.files:
        candidate = posixpath.join(directory, f"{stem} copy {counter}{suffix}")
        counter += 1
    return write(server, candidate, entry.content)
