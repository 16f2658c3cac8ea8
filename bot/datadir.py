"""Where the bot keeps its state: is it writable, and does the generated key sit beside the database?

Both ``python -m bot check`` and the start of ``python -m bot run`` ask these questions, with the same words:

* :func:`ensure_writable` raises :class:`DataDirError` when a directory the bot must write to (``DATA_DIR``,
  the database's directory) cannot be created or written, naming the user the process runs as and, for the
  Docker image, its UID/GID 10001 and the ``chown`` that fixes a bind mount;
* :func:`key_beside_database` returns a warning when ``ENCRYPTION_KEY`` is unset, so the key is (or will be)
  generated in ``DATA_DIR/secret.key``, on the same volume as the database it protects: whoever copies the
  volume (a backup, a snapshot) can then read every linked panel key.

And one question of ``run`` and ``rotate-keys`` only: is another bot (or a rotation) using this database right
now? :class:`DataDirLock` is an exclusive ``flock`` on a lock file beside the database (``DATA_DIR/bot.db.lock``
by default), taken before the database is opened and held until the process lets go of it (the kernel drops
it when the process dies, even by ``SIGKILL``, so a crash never leaves a stale lock). A second bot on the same
database, and ``rotate-keys`` while a bot runs, refuse with :class:`DataDirLockedError`: a rotation under a
running bot left the bot's cached keys stale and let it store new links with the old key.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from .config import BotConfig
from .private_files import make_private_directory

__all__ = [
    "IMAGE_GID",
    "IMAGE_UID",
    "DataDirError",
    "DataDirLock",
    "DataDirLockedError",
    "ensure_writable",
    "key_beside_database",
    "lock_path",
    "used_directories",
]

IMAGE_UID = 10001
"""The user the Docker image runs as (``USER 10001:10001`` in the Dockerfile)."""
IMAGE_GID = 10001

_SECRET_KEY_FILENAME = "secret.key"  # bot.crypto.SECRET_KEY_FILENAME (not imported: no cryptography needed here)


class DataDirError(RuntimeError):
    """A directory the bot must write to cannot be created or written: a configuration problem."""


class DataDirLockedError(DataDirError):
    """Another process (a running bot, or ``rotate-keys``) holds the data directory's lock."""


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
    """Creates ``directory`` if needed (mode 0700, and so are the parents it creates, whatever the umask) and
    writes, syncs and removes a probe file in it.

    Raises:
        DataDirError: With a sentence saying which directory, why, and how to fix it.
    """
    try:
        make_private_directory(directory)
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


# ---------------------------------------------------------------------------------------------- the lock


def lock_path(config: BotConfig) -> Path:
    """The lock file: beside the database (``DATA_DIR/bot.db.lock`` by default), which is what two processes
    must not share, whether or not ``DATABASE_URL`` moves it out of ``DATA_DIR``."""
    database = config.database_path
    return database.with_name(database.name + ".lock")


class DataDirLock:
    """An exclusive, non-blocking ``flock`` on :func:`lock_path`, held from :meth:`acquire` to :meth:`release`
    (or the end of the ``with`` block, or the process).

    Args:
        config: The configuration whose database is locked.
        purpose: What the holder does (``run``, ``rotate-keys``): it decides the refusal's advice.

    Example:
        >>> with DataDirLock(config, "rotate-keys"):  # doctest: +SKIP
        ...     rotate()
    """

    def __init__(self, config: BotConfig, purpose: str) -> None:
        self.path = lock_path(config)
        self.purpose = purpose
        self._fd: int | None = None

    def acquire(self) -> None:
        """Takes the lock, writing this process's id into the file.

        Raises:
            DataDirLockedError: Another process holds it (the message says what to do).
            DataDirError: The lock file cannot be created.
        """
        if sys.platform == "win32":  # pragma: no cover - the bot runs on POSIX systems (and in Docker)
            return
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as exc:
            raise DataDirError(f"could not create the lock file {self.path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DataDirLockedError(self._refusal(holder)) from None
        except OSError as exc:
            os.close(fd)
            raise DataDirError(f"could not lock {self.path}: {exc.strerror or exc}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.purpose}\n".encode())
        self._fd = fd

    def _refusal(self, holder: tuple[str, str] | None) -> str:
        pid, purpose = holder or ("", "run")
        where = f"{self.path}" + (f", process {pid}" if pid else "")
        if purpose == "rotate-keys":
            return (
                f"a key rotation is running on this data directory (it holds {where}): wait for it to finish, "
                "then try again."
            )
        if self.purpose == "rotate-keys":
            return (
                f"a bot is running on this data directory (it holds {where}). Key rotation must not run under a "
                "running bot (the bot keeps the keys it has read, and links made meanwhile would be encrypted with "
                "the old key): stop the bot first, run rotate-keys, then start the bot again (the README's key "
                "rotation steps give the order)."
            )
        return (
            f"a bot is running on this data directory (it holds {where}), and two bots must not share one "
            "database: stop the other bot first, or give this one its own DATA_DIR."
        )

    def release(self) -> None:
        """Lets go of the lock (the file stays; it is reused)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_holder(fd: int) -> tuple[str, str] | None:
    """``(process id, purpose)`` from the lock file's content, or ``None``."""
    try:
        words = os.pread(fd, 200, 0).decode("ascii", "replace").split()
    except OSError:
        return None
    if len(words) >= 2 and words[0].isdigit():
        return words[0], words[1]
    return None
