"""Client API: a server's files (``/api/client/servers/{server}/files``).

File paths travel in queries and bodies, never in the URL path, so they need no quoting; they must be
strings. Paths are relative to the server's root (``/`` is the root; ``..`` cannot leave it: Wings refuses).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ...exceptions import InvalidArgumentError
from ..base import Namespace, build_path

_FILES = "/api/client/servers/{server}/files"
_MODE = re.compile(r"^[0-7]{3,4}$")

FileModes = Mapping[str, str | int] | Iterable[tuple[str, str | int]]


def _path(name: str, value: object, *, allow_empty: bool = False) -> str:
    """Checks a file path or name argument: a string, non-empty unless ``allow_empty``."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a string, not {type(value).__name__}")
    if not allow_empty and not value:
        raise InvalidArgumentError(f"{name} must not be empty")
    if "\x00" in value:
        raise InvalidArgumentError(f"{name} must not contain a NUL character")
    return value


def _names(name: str, value: object) -> list[str]:
    """Checks a list of file names (a single string is taken as one name)."""
    if isinstance(value, str):
        items: list[object] = [value]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
    else:
        raise InvalidArgumentError(f"{name} must be a list of file names")
    if not items:
        raise InvalidArgumentError(f"{name} must name at least one file")
    return [_path(f"{name}[{i}]", item) for i, item in enumerate(items)]


def _mode(file: str, mode: object) -> str:
    """Normalises a permission mode to the octal digit string Wings expects (``755`` → ``"755"``)."""
    if isinstance(mode, bool) or not isinstance(mode, (str, int)):
        raise InvalidArgumentError(f"mode for {file!r} must be a string such as '755'")
    text = str(mode).strip()
    if text.lower().startswith("0o"):
        text = text[2:]
    if not _MODE.match(text):
        raise InvalidArgumentError(f"mode for {file!r} must be 3 or 4 octal digits such as '755'; got {mode!r}")
    return text


class Files(Namespace):
    """Browse, read, write, move, archive and delete a server's files."""

    def _files(self, server_id: str, suffix: str) -> str:
        return build_path(_FILES + suffix, server=server_id)

    async def list_files(self, server_id: str, path: str = "/") -> dict[str, Any]:
        """Lists a directory.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            path(str): The directory, relative to the server root (default ``/``).

        Returns:
            ``{'object': 'list', 'data': [{'object': 'file_object', 'attributes': {'name': ..., 'mode':
            '-rw-r--r--', 'mode_bits': '644', 'size': 1024, 'is_file': True, 'is_symlink': False,
            'mimetype': 'text/plain', 'created_at': ..., 'modified_at': ...}}]}``

        Example:
            >>> api.client.servers.files.list_files('1a2b3c4d', '/plugins')  # doctest: +SKIP
        """
        query = {"directory": _path("path", path)}
        result: dict[str, Any] = await self._get(self._files(server_id, "/list"), query)
        return result

    async def get_file_contents(self, server_id: str, path: str) -> str:
        """Reads a file. The panel answers with the raw text, not JSON (4 MiB at most by default).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            path(str): The file, relative to the server root, e.g. ``/server.properties``.

        Returns:
            The file's contents as text.

        Raises:
            BadRequestError: the file is larger than the panel's edit limit (``FileSizeTooLargeException``).

        Example:
            >>> api.client.servers.files.get_file_contents('1a2b3c4d', '/server.properties')  # doctest: +SKIP
        """
        text: str = await self._get(self._files(server_id, "/contents"), {"file": _path("path", path)}, expect="text")
        return text

    async def download_file(self, server_id: str, path: str) -> dict[str, Any]:
        """Gets a signed download link for a file, served by the node (Wings); valid 15 minutes.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            path(str): The file, relative to the server root.

        Returns:
            The whole envelope: ``{'object': 'signed_url', 'attributes': {'url':
            'https://node:8080/download/file?token=...'}}``; the link is ``['attributes']['url']``.

        Example:
            >>> api.client.servers.files.download_file('1a2b3c4d', '/world.zip')['attributes']['url']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(self._files(server_id, "/download"), {"file": _path("path", path)})
        return result

    async def rename_file(self, server_id: str, old_name: str, new_name: str, root: str = "/") -> None:
        """Renames or moves a file or directory.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            old_name(str): Current name, relative to ``root``.
            new_name(str): New name, relative to ``root`` (may include directories, e.g. ``../old/x``).
            root(str): The directory both names are relative to (default ``/``).

        Example:
            >>> api.client.servers.files.rename_file('1a2b3c4d', 'world', 'world-old')  # doctest: +SKIP
        """
        body = {
            "root": _path("root", root, allow_empty=True),
            "files": [{"from": _path("old_name", old_name), "to": _path("new_name", new_name)}],
        }
        await self._put(self._files(server_id, "/rename"), body)

    async def copy_file(self, server_id: str, path: str) -> None:
        """Copies a file next to itself (the node names the copy ``<name> copy<.ext>``).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            path(str): The file to copy, relative to the server root.

        Example:
            >>> api.client.servers.files.copy_file('1a2b3c4d', '/server.properties')  # doctest: +SKIP
        """
        await self._post(self._files(server_id, "/copy"), {"location": _path("path", path)})

    async def write_file(self, server_id: str, path: str, contents: str | bytes) -> None:
        """Writes a file, creating it or replacing its contents. The body is sent raw, not as JSON.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            path(str): The file, relative to the server root.
            contents(str|bytes): The new contents (text is sent as UTF-8).

        Example:
            >>> api.client.servers.files.write_file('1a2b3c4d', '/eula.txt', 'eula=true\\n')  # doctest: +SKIP
        """
        if not isinstance(contents, (str, bytes, bytearray)):
            raise InvalidArgumentError(f"contents must be str or bytes, not {type(contents).__name__}")
        data = contents.encode("utf-8") if isinstance(contents, str) else bytes(contents)
        await self._post(
            self._files(server_id, "/write"),
            query={"file": _path("path", path)},
            data=data,
            content_type="text/plain",
        )

    async def compress_files(self, server_id: str, files: Iterable[str] | str, path: str = "/") -> dict[str, Any]:
        """Packs files and directories into a new ``.tar.gz`` archive in the same directory.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            files(list): Names to archive, relative to ``path``.
            path(str): The directory the names are in (default ``/``).

        Returns:
            The new archive's ``file_object``: ``{'object': 'file_object', 'attributes': {'name':
            'archive-2024-05-01T120000Z.tar.gz', ...}}``

        Example:
            >>> api.client.servers.files.compress_files('1a2b3c4d', ['world', 'plugins'])  # doctest: +SKIP
        """
        body = {"root": _path("path", path, allow_empty=True), "files": _names("files", files)}
        result: dict[str, Any] = await self._post(self._files(server_id, "/compress"), body)
        return result

    async def decompress_file(self, server_id: str, file: str, path: str = "/") -> None:
        """Unpacks an archive (zip, tar, tar.gz, ...) into the directory it is in.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            file(str): The archive's name, relative to ``path``.
            path(str): The directory the archive is in (default ``/``).

        Example:
            >>> api.client.servers.files.decompress_file('1a2b3c4d', 'world.zip')  # doctest: +SKIP
        """
        body = {"root": _path("path", path, allow_empty=True), "file": _path("file", file)}
        await self._post(self._files(server_id, "/decompress"), body)

    async def delete_files(self, server_id: str, files: Iterable[str] | str, path: str = "/") -> None:
        """Deletes files and directories (directories with everything in them).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            files(list): Names to delete, relative to ``path``.
            path(str): The directory the names are in (default ``/``).

        Example:
            >>> api.client.servers.files.delete_files('1a2b3c4d', ['old.log'], '/logs')  # doctest: +SKIP
        """
        body = {"root": _path("path", path, allow_empty=True), "files": _names("files", files)}
        await self._post(self._files(server_id, "/delete"), body)

    async def create_folder(self, server_id: str, name: str, path: str = "/") -> None:
        """Creates a directory.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            name(str): The new directory's name, relative to ``path``.
            path(str): The directory to create it in (default ``/``).

        Example:
            >>> api.client.servers.files.create_folder('1a2b3c4d', 'plugins')  # doctest: +SKIP
        """
        body = {"root": _path("path", path, allow_empty=True), "name": _path("name", name)}
        await self._post(self._files(server_id, "/create-folder"), body)

    async def get_upload_file_url(self, server_id: str) -> dict[str, Any]:
        """Gets a signed upload link on the node (Wings); valid 15 minutes.

        Upload with a multipart ``POST`` to the URL, field ``files`` (repeatable), and add
        ``&directory=/plugins`` to choose where the files go.

        Args:
            server_id(str): Server identifier (abbreviated UUID).

        Returns:
            ``{'object': 'signed_url', 'attributes': {'url': 'https://node:8080/upload/file?token=...'}}``

        Example:
            >>> api.client.servers.files.get_upload_file_url('1a2b3c4d')['attributes']['url']  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(self._files(server_id, "/upload"))
        return result

    async def chmod_files(self, server_id: str, files_modes: FileModes, path: str = "/") -> None:
        """Changes the permission mode of files and directories.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            files_modes(dict|list): ``{name: mode}`` or ``[(name, mode), ...]``, names relative to ``path``.
                A mode is written as its octal digits: ``'755'``, ``'0644'`` or the int ``755`` (the int is
                read as those digits, so ``0o755`` is not accepted as an int).
            path(str): The directory the names are in (default ``/``).

        Example:
            >>> api.client.servers.files.chmod_files('1a2b3c4d', {'start.sh': '755'})  # doctest: +SKIP
        """
        if isinstance(files_modes, Mapping):
            pairs = list(files_modes.items())
        elif isinstance(files_modes, Iterable) and not isinstance(files_modes, (str, bytes)):
            pairs = list(files_modes)
        else:
            raise InvalidArgumentError("files_modes must be a {name: mode} mapping or a list of (name, mode)")
        if not pairs:
            raise InvalidArgumentError("files_modes must name at least one file")
        entries = []
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise InvalidArgumentError("each files_modes entry must be a (name, mode) pair")
            file = _path("file", pair[0])
            entries.append({"file": file, "mode": _mode(file, pair[1])})
        body = {"root": _path("path", path, allow_empty=True), "files": entries}
        await self._post(self._files(server_id, "/chmod"), body)

    async def pull_file(
        self,
        server_id: str,
        url: str,
        directory: str | None = None,
        filename: str | None = None,
        use_header: bool = False,
        foreground: bool = False,
    ) -> None:
        """Makes the node download a file from a URL onto the server (10 pulls per 5 minutes per user).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            url(str): The ``http(s)`` URL to download.
            directory(str): Where to save it, relative to the server root (default: the root).
            filename(str): The name to save it as (default: from the URL).
            use_header(bool): Take the name from the response's ``Content-Disposition`` header.
            foreground(bool): Wait for the download to finish before the panel answers.

        Raises:
            RateLimitedError: more than 10 pulls in 5 minutes.

        Example:
            >>> api.client.servers.files.pull_file('1a2b3c4d', 'https://example.com/plugin.jar',  # doctest: +SKIP
            ...                                    directory='/plugins')
        """
        if not isinstance(url, str) or not url.strip():
            raise InvalidArgumentError("url must be a non-empty string")
        body: dict[str, Any] = {
            "url": url,
            "directory": None if directory is None else _path("directory", directory, allow_empty=True),
            "filename": None if filename is None else _path("filename", filename),
            "use_header": bool(use_header),
            "foreground": bool(foreground),
        }
        await self._post(self._files(server_id, "/pull"), body)
