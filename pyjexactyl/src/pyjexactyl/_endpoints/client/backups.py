"""Client API: a server's backups (``/api/client/servers/{server}/backups``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...exceptions import InvalidArgumentError
from ...responses import AsyncPaginatedResponse
from ..base import Namespace, Params, build_path, build_query

_BACKUPS = "/api/client/servers/{server}/backups"
_BACKUP = "/api/client/servers/{server}/backups/{backup}"


class Backups(Namespace):
    """Create, list, download, lock, restore and delete a server's backups."""

    async def list_backups(self, server_id: str, params: Params = None) -> AsyncPaginatedResponse:
        """Lists the server's backups (paginated, 20 per page, 50 at most; ``meta.backup_count`` holds the
        number of backups that count towards the limit).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            params(dict): Extra query parameters, e.g. ``{'per_page': 50}``.

        Example:
            >>> api.client.servers.backups.list_backups('1a2b3c4d').collect()  # doctest: +SKIP
        """
        return await self._paginate(build_path(_BACKUPS, server=server_id), build_query(None, params))

    async def create_backup(
        self,
        server_id: str,
        name: str | None = None,
        ignored: str | Iterable[str] | None = None,
        is_locked: bool = False,
    ) -> dict[str, Any]:
        """Starts a backup. It is returned in progress (``completed_at`` null) and completes later.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            name(str): Backup name; the panel defaults to ``Backup at <date>``.
            ignored(str|list): Paths to leave out, as a list or a newline-separated string.
            is_locked(bool): Lock it against deletion (needs the ``backup.delete`` permission).

        Raises:
            RateLimitedError: more than 2 backups in 10 minutes on this server (``retry_after`` set).
            BadRequestError: the server's backup limit is reached (``TooManyBackupsException``).

        Example:
            >>> api.client.servers.backups.create_backup('1a2b3c4d', name='before update')  # doctest: +SKIP
        """
        if ignored is not None and not isinstance(ignored, str):
            ignored = "\n".join(ignored)
        body = {"name": name, "ignored": ignored, "is_locked": bool(is_locked)}
        result: dict[str, Any] = await self._post(build_path(_BACKUPS, server=server_id), body)
        return result

    async def get_backup_detail(self, server_id: str, backup_id: str) -> dict[str, Any]:
        """Gets one backup.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            backup_id(str): Backup UUID.

        Example:
            >>> api.client.servers.backups.get_backup_detail('1a2b3c4d', backup_uuid)  # doctest: +SKIP
        """
        result: dict[str, Any] = await self._get(build_path(_BACKUP, server=server_id, backup=backup_id))
        return result

    async def get_backup_download(self, server_id: str, backup_id: str) -> dict[str, Any]:
        """Gets a signed download link for a backup (valid 15 minutes; 5 for S3).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            backup_id(str): Backup UUID.

        Returns:
            ``{'object': 'signed_url', 'attributes': {'url': 'https://...'}}``

        Example:
            >>> api.client.servers.backups.get_backup_download('1a2b3c4d', backup_uuid)  # doctest: +SKIP
        """
        path = build_path(_BACKUP + "/download", server=server_id, backup=backup_id)
        result: dict[str, Any] = await self._get(path)
        return result

    async def toggle_backup_lock(self, server_id: str, backup_id: str) -> dict[str, Any]:
        """Locks an unlocked backup or unlocks a locked one; returns the backup.

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            backup_id(str): Backup UUID.

        Example:
            >>> api.client.servers.backups.toggle_backup_lock('1a2b3c4d', backup_uuid)  # doctest: +SKIP
        """
        path = build_path(_BACKUP + "/lock", server=server_id, backup=backup_id)
        result: dict[str, Any] = await self._post(path)
        return result

    async def restore_backup(self, server_id: str, backup_id: str, truncate: bool = False) -> None:
        """Restores a completed backup onto the server (it goes into ``restoring_backup`` until done).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            backup_id(str): Backup UUID.
            truncate(bool): Delete every file on the server before restoring.

        Example:
            >>> api.client.servers.backups.restore_backup('1a2b3c4d', backup_uuid)  # doctest: +SKIP
        """
        path = build_path(_BACKUP + "/restore", server=server_id, backup=backup_id)
        await self._post(path, {"truncate": bool(truncate)})

    async def delete_backup(self, server_id: str, backup_id: str) -> None:
        """Deletes a backup. A locked, successful backup cannot be deleted (``BackupLockedException``).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            backup_id(str): Backup UUID.

        Example:
            >>> api.client.servers.backups.delete_backup('1a2b3c4d', backup_uuid)  # doctest: +SKIP
        """
        await self._delete(build_path(_BACKUP, server=server_id, backup=backup_id))

    async def rename_backup(self, server_id: str, backup_id: str, name: str) -> dict[str, Any]:
        """Renames a backup (Pelican; needs the ``backup.delete`` permission there).

        Args:
            server_id(str): Server identifier (abbreviated UUID).
            backup_id(str): Backup UUID.
            name(str): The new name, at most 255 characters.

        Returns:
            The renamed ``backup`` object.

        Raises:
            UnsupportedByPanelError: the panel cannot rename backups (Pterodactyl, Jexactyl).

        Example:
            >>> api.client.servers.backups.rename_backup('1a2b3c4d', backup_uuid, 'before 1.21')  # doctest: +SKIP
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgumentError("name must be a non-empty string")
        path = build_path(_BACKUP + "/rename", server=server_id, backup=backup_id)

        async def call() -> dict[str, Any]:
            result: dict[str, Any] = await self._put(path, {"name": name})
            return result

        return await self._only_on(("pelican",), "renaming backups", call)
