"""All file-system access that must be safe: atomic writes, locks, bounded reads.

Writes go to a temporary file in the destination folder, are flushed with
``fsync`` and renamed over the target with ``os.replace``, then the folder is
synced, so a process killed at any moment leaves either the old or the new
file, never a mixture.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from evidencekit.core.errors import InputError, StorageError


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk (a rename is durable only after this)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _storage_error(action: str, path: Path, exc: OSError) -> StorageError:
    reason = exc.strerror or str(exc)
    hint = "Free some disk space and try again." if exc.errno == errno.ENOSPC else None
    return StorageError(f"Could not {action} {path}: {reason}.", hint=hint)


# link() errors of file systems without hard links (FAT, some network shares)
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


def _exists_error(path: Path) -> InputError:
    return InputError(f"{path} already exists; nothing was written.")


def _publish(tmp_name: str, path: Path, replace: bool) -> None:
    """Put the finished temp file at ``path``: over what is there, or only if nothing is."""
    if replace:
        os.replace(tmp_name, path)
        return
    try:
        os.link(tmp_name, path)  # refuses an existing path atomically (no check-then-write)
    except FileExistsError:
        raise _exists_error(path) from None
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        if path.exists():
            raise _exists_error(path) from None
        os.replace(tmp_name, path)
        return
    os.unlink(tmp_name)


def _atomic(path: Path, fill: Callable[[BinaryIO], None], mode: int,
            replace: bool = True) -> None:
    """Create ``path`` through a temp file in its folder: fill, fsync, rename, fsync folder."""
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        _publish(tmp_name, path, replace)
        tmp_name = None
        fsync_dir(path.parent)
    except OSError as exc:
        raise _storage_error("write", path, exc) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` atomically and durably.

    With ``overwrite=False`` an existing ``path`` is left alone (checked atomically,
    when the finished file is linked into place).

    Raises:
        InputError: ``overwrite`` is false and ``path`` exists.
        StorageError: the folder is missing, full or not writable.
    """
    def fill(handle: BinaryIO) -> None:
        handle.write(data)

    _atomic(path, fill, mode, replace=overwrite)


def _open_regular(path: Path, what: str) -> int:
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer that never comes
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise InputError(f"The {what} {path} does not exist.") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"The {what} {path} is a symbolic link; give the real file.") from exc
        raise InputError(f"Cannot open the {what} {path}: {exc.strerror}.") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError(f"The {what} {path} is not a regular file (a pipe, device or folder).")
    os.set_blocking(fd, True)
    return fd


@contextlib.contextmanager
def open_regular(path: Path, what: str = "file") -> Iterator[int]:
    """Open a regular file for reading without following a final symlink.

    Raises:
        InputError: missing, a symlink, a device or folder, or unreadable.
    """
    fd = _open_regular(path, what)
    try:
        yield fd
    finally:
        os.close(fd)


def read_small_bytes(path: Path, *, limit: int, what: str = "file") -> bytes:
    """Read a whole small file, refusing anything over ``limit`` bytes.

    Raises:
        InputError: missing, not a regular file, or larger than ``limit``.
    """
    with open_regular(path, what) as fd, os.fdopen(os.dup(fd), "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"The {what} {path} is larger than the {limit} bytes allowed.")
    return data


def read_small_text(path: Path, *, limit: int, what: str = "file") -> str:
    """Read a small UTF-8 text file.

    Raises:
        InputError: as :func:`read_small_bytes`, or not UTF-8.
    """
    try:
        return read_small_bytes(path, limit=limit, what=what).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"The {what} {path} is not UTF-8 text.") from exc


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed) while inside.

    Raises:
        StorageError: the lock file cannot be opened.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _storage_error("open the lock file", path, exc) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def append_line(path: Path, line: bytes) -> None:
    """Append one line to ``path`` and ``fsync`` it (caller holds the lock).

    Raises:
        StorageError: the write failed (disk full, permissions).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _storage_error("append to", path, exc) from exc


def truncate_to(path: Path, size: int) -> None:
    """Cut ``path`` back to ``size`` bytes (used to drop a torn last line).

    Raises:
        StorageError: the file cannot be truncated.
    """
    try:
        with open(path, "r+b") as handle:
            handle.truncate(size)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise _storage_error("repair", path, exc) from exc


def walk_files(root: Path) -> list[Path]:
    """Every regular file under ``root``, sorted by path, symlinks refused.

    Raises:
        InputError: a symbolic link or a special file was found.
    """
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        base = Path(folder)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                raise InputError(f"{base / name} is a symbolic link; symlinks are not ingested.")
        for name in sorted(files):
            entry = base / name
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise InputError(f"{entry} is a symbolic link; symlinks are not ingested.")
            if not stat.S_ISREG(mode):
                raise InputError(f"{entry} is not a regular file.")
            found.append(entry)
    return sorted(found)


def copy_file_atomic(src: Path, dst: Path) -> None:
    """Copy ``src`` to a new file ``dst`` atomically (temp file, fsync, rename).

    Raises:
        InputError: ``dst`` already exists.
        StorageError: the copy failed.
    """
    if dst.exists():
        raise InputError(f"{dst} already exists; choose a new name.")

    def fill(handle: BinaryIO) -> None:
        with open(src, "rb") as source:
            shutil.copyfileobj(source, handle, 1 << 20)

    _atomic(dst, fill, 0o644)
