"""Directories and files only the bot's user may read: 0700 and 0600 from the moment they exist, whatever the
umask (outside Docker a umask of 022, or even 000, is common).

The data directory holds the database (linked panel keys, encrypted; the audit log, which records console
commands) and possibly the generated encryption key, so nothing there is ever readable by other users, not
even for the moment between creating a file and tightening it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

__all__ = ["DIRECTORY_MODE", "FILE_MODE", "make_private_directory", "make_private_file", "tighten"]

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def make_private_directory(path: Path) -> None:
    """Creates ``path`` and every missing parent with mode 0700 (existing directories are left as they are).

    Raises:
        OSError: A directory could not be created.

    Example:
        >>> make_private_directory(Path("data"))  # doctest: +SKIP
    """
    missing: list[Path] = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIRECTORY_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to change
        os.chmod(directory, DIRECTORY_MODE)  # the umask may have removed the owner's bits too
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a directory")


def make_private_file(path: Path) -> None:
    """Creates ``path`` empty with mode 0600 if it does not exist, else makes it 0600 (see :func:`tighten`).

    The file is created with that mode (``os.open``), so it is never readable by others, not even briefly.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    except FileExistsError:
        tighten(path)
        return
    try:
        os.fchmod(descriptor, FILE_MODE)  # whatever the umask
    finally:
        os.close(descriptor)


def tighten(path: Path) -> None:
    """Removes group and other permissions from an existing file of this user (a no-op for a missing file or
    one owned by someone else, which the bot cannot change)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
