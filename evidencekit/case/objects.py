"""The case's content-addressed object store: staging a copy while hashing, then storing it.

A staged copy lives in ``objects/tmp`` until it is moved, read-only, to
``objects/sha256/<hash>``; a process killed in between leaves only the temporary file.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

from evidencekit.case.folder import Case
from evidencekit.core import storage
from evidencekit.core.errors import StorageError
from evidencekit.core.hashing import Digest, copy_and_hash
from evidencekit.core.progress import Advance


def stage_copy(case: Case, fd: int, progress: Advance | None) -> tuple[Path, Digest]:
    """Copy an open file into ``objects/tmp`` while hashing it, and fsync the copy.

    On any failure, Ctrl-C included, the partial copy is removed before the error goes on.

    Raises:
        StorageError: the copy could not be written.
    """
    case.tmp_dir.mkdir(parents=True, exist_ok=True)
    out_fd, tmp = tempfile.mkstemp(dir=case.tmp_dir, prefix="ingest-", suffix=".part")
    try:
        with io.FileIO(fd, "rb", closefd=False) as src:
            digest = copy_and_hash(src, out_fd, progress)
        os.fsync(out_fd)
    except BaseException as exc:  # Ctrl-C too: a partial copy is never left behind
        os.close(out_fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise StorageError(f"Could not copy the file into the case: {exc.strerror}.") \
                from exc
        raise
    os.close(out_fd)
    return Path(tmp), digest


def store_object(case: Case, staged: Path, sha256: str) -> None:
    """Move a staged copy into the content-addressed store, read-only (caller holds the lock).

    Raises:
        StorageError: the move failed.
    """
    final = case.object_path(sha256)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():  # left by a run killed after storing; same bytes by hash
            return
        os.chmod(staged, 0o444)
        os.replace(staged, final)
        storage.fsync_dir(final.parent)
    except OSError as exc:
        raise StorageError(f"Could not store the file in the case: {exc.strerror}.") from exc
