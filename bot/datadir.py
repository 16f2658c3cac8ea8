"""Where the bot keeps its state: is it writable, and does the generated key sit beside the database?

Both ``python -m bot check`` and the start of ``python -m bot run`` ask these questions, with the same words:

* :func:`ensure_writable` raises :class:`DataDirError` when a directory the bot must write to (``DATA_DIR``,
  the database's directory) cannot be created or written, naming the user the process runs as and, for the
  Docker image, its UID/GID 10001 and the ``chown`` that fixes a bind mount;
* :func:`key_beside_database` returns a warning when ``ENCRYPTION_KEY`` is unset, so the key is (or will be)
  generated in ``DATA_DIR/secret.key``, on the same volume as the database it protects: whoever copies the
  volume (a backup, a snapshot) can then read every linked panel key.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .config import BotConfig

__all__ = ["IMAGE_GID", "IMAGE_UID", "DataDirError", "ensure_writable", "key_beside_database", "used_directories"]

IMAGE_UID = 10001
"""The user the Docker image runs as (``USER 10001:10001`` in the Dockerfile)."""
IMAGE_GID = 10001

_SECRET_KEY_FILENAME = "secret.key"  # bot.crypto.SECRET_KEY_FILENAME (not imported: no cryptography needed here)


class DataDirError(RuntimeError):
    """A directory the bot must write to cannot be created or written: a configuration problem."""


def used_directories(config: BotConfig) -> list[Path]:
    """The directories the bot writes to: the database's, and ``DATA_DIR`` when the key file lives there."""
    directories = [config.database_path.parent]
    if not config.encryption_keys and config.data_dir not in directories:
        directories.append(config.data_dir)
    return directories


def _who() -> str:
    if hasattr(os, "getuid"):
        return f"user {os.getuid()}, group {os.getgid()}"
    return "this user"  # pragma: no cover - not POSIX


def ensure_writable(directory: Path) -> None:
    """Creates ``directory`` if needed (mode 0700) and writes, syncs and removes a probe file in it.

    Raises:
        DataDirError: With a sentence saying which directory, why, and how to fix it.
    """
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-probe-", delete=True) as handle:
            handle.write(b"ok")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataDirError(
            f"the data directory {directory} is not writable by this process ({_who()}): {reason}. The database "
            f"(and a generated secret.key) live there. The Docker image runs as UID/GID {IMAGE_UID}: for a bind "
            f"mount, run `chown {IMAGE_UID}:{IMAGE_GID} <the host directory>` (e.g. `sudo chown -R "
            f"{IMAGE_UID}:{IMAGE_GID} ./data`), or use a named volume. Outside Docker, make {directory} "
            "writable by the user running the bot, or point DATA_DIR elsewhere."
        ) from None


def _device(path: Path) -> int | None:
    """The device of ``path``, or of its nearest existing parent (the volume it will be created on)."""
    for candidate in (path, *path.resolve().parents):
        try:
            return candidate.stat().st_dev
        except OSError:
            continue
    return None  # pragma: no cover - "/" always exists


def key_beside_database(config: BotConfig) -> str | None:
    """A warning when the encryption key is (or will be) generated on the same volume as the database."""
    if config.encryption_keys:
        return None
    key_file = config.data_dir / _SECRET_KEY_FILENAME
    database = config.database_path
    key_device = _device(config.data_dir)
    if key_device is None or key_device != _device(database.parent):
        return None
    same_directory = key_file.parent.resolve() == database.parent.resolve()
    where = "in the same directory as" if same_directory else "on the same volume as"
    return (
        f"ENCRYPTION_KEY is not set, so the encryption key is kept in {key_file}, {where} the database it "
        f"protects ({database}): anyone with a copy of that volume (a backup, a snapshot) can decrypt every "
        "linked panel key. Set ENCRYPTION_KEY instead (to keep the existing links, to the content of the key "
        "file), back it up somewhere else, then delete the key file."
    )
