"""Streaming hashing, and the one-pass copy-and-hash used at ingest.

The copy runs as a three-stage pipeline over a small ring of 1 MiB buffers:
the calling thread reads, a second thread hashes (``hashlib`` releases the
GIL on large updates) and a third writes. While chunk *n* is written, chunk
*n+1* is hashed and chunk *n+2* read, so the two cores overlap I/O and
hashing, and memory stays at ``_RING`` buffers whatever the file size.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import queue
import threading
from collections.abc import Callable
from typing import Protocol, cast

import attrs

CHUNK = 1 << 20
_RING = 6
_WRITEBACK_EVERY = 256 << 20
_SYNC_FILE_RANGE_WRITE = 2


def _load_sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """Find ``sync_file_range`` in libc (Linux); the ``os`` module lacks it.

    Starting write-back every 256 MiB bounds the dirty pages, so the kernel never
    stalls the copy to flush gigabytes at once, and the final ``fsync`` is quick.
    """
    try:
        func = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    func.restype = ctypes.c_int
    return cast(Callable[[int, int, int, int], int], func)


_sync_file_range = _load_sync_file_range()


@attrs.frozen
class Digest:
    """A file's size, lower-case hex SHA-256 and, when asked for, SHA-512."""

    sha256: str = attrs.field()
    size: int = attrs.field()
    sha512: str | None = None

    @sha256.validator
    def _check(self, _attr: object, value: str) -> None:
        if len(value) != 64 or value.strip("0123456789abcdef"):
            raise ValueError("sha256 must be 64 lower-case hex digits")


class Readable(Protocol):
    """Anything with ``readinto`` (files, zip members)."""

    def readinto(self, buffer: memoryview | bytearray, /) -> int | None:
        """Fill ``buffer``; return the number of bytes read (0 at the end)."""
        ...


class _Hashers:
    """SHA-256, and SHA-512 when wanted, fed from one stream of blocks."""

    def __init__(self, sha512: bool) -> None:
        self.hashes = [hashlib.sha256()] + ([hashlib.sha512()] if sha512 else [])

    def update(self, block: memoryview) -> None:
        for digest in self.hashes:
            digest.update(block)

    def result(self, size: int) -> Digest:
        sha512 = self.hashes[1].hexdigest() if len(self.hashes) > 1 else None
        return Digest(self.hashes[0].hexdigest(), size, sha512)


def hash_stream(stream: Readable, progress: Callable[[int], None] | None = None, *,
                sha512: bool = False) -> Digest:
    """SHA-256 (and SHA-512) of everything left in ``stream``, read in 1 MiB blocks."""
    hashers = _Hashers(sha512)
    size = 0
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while n := stream.readinto(view):
        hashers.update(view[:n])
        size += n
        if progress:
            progress(n)
    return hashers.result(size)


def hash_file(path: os.PathLike[str] | str, progress: Callable[[int], None] | None = None,
              *, sha512: bool = False) -> Digest:
    """SHA-256 (and SHA-512) of a file, streamed (``OSError`` as the OS reports it)."""
    with open(path, "rb", buffering=0) as stream:
        return hash_stream(stream, progress, sha512=sha512)


_STOP = None


def _hasher(inbox: queue.Queue[tuple[bytearray, int] | None],
            outbox: queue.Queue[tuple[bytearray, int] | None], digest: _Hashers) -> None:
    while (item := inbox.get()) is not _STOP:
        buf, n = item
        digest.update(memoryview(buf)[:n])
        outbox.put(item)
    outbox.put(_STOP)


def _writer(inbox: queue.Queue[tuple[bytearray, int] | None],
            free: queue.Queue[bytearray], fd: int, errors: list[BaseException]) -> None:
    written = flushed = 0
    while (item := inbox.get()) is not _STOP:
        buf, n = item
        if not errors:
            try:
                view = memoryview(buf)[:n]
                while view:
                    view = view[os.write(fd, view):]
                written += n
            except OSError as exc:
                errors.append(exc)
        if _sync_file_range is not None and written - flushed >= _WRITEBACK_EVERY:
            _sync_file_range(fd, flushed, written - flushed, _SYNC_FILE_RANGE_WRITE)
            flushed = written
        free.put(buf)


def copy_and_hash(src: Readable, dst_fd: int, progress: Callable[[int], None] | None = None,
                  *, sha512: bool = False) -> Digest:
    """Copy ``src`` to ``dst_fd`` while hashing it, in one overlapped pass.

    A source that ends within the first block (most files of a phone extraction) is
    copied in this thread: starting two threads and a ring of buffers would cost more
    than the copy.

    Raises:
        OSError: a read or write failed (the caller maps it to StorageError).
    """
    first = bytearray(CHUNK)
    n = src.readinto(first) or 0
    if n < CHUNK:
        return _copy_one_block(src, dst_fd, memoryview(first)[:n], progress, sha512)
    free: queue.Queue[bytearray] = queue.Queue()
    for _ in range(_RING - 1):
        free.put(bytearray(CHUNK))
    to_hash: queue.Queue[tuple[bytearray, int] | None] = queue.Queue()
    to_write: queue.Queue[tuple[bytearray, int] | None] = queue.Queue()
    digest = _Hashers(sha512)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_hasher, args=(to_hash, to_write, digest), daemon=True),
        threading.Thread(target=_writer, args=(to_write, free, dst_fd, errors), daemon=True),
    ]
    for thread in threads:
        thread.start()
    size, buf = 0, first
    try:
        while not errors:
            size += n
            to_hash.put((buf, n))
            if progress:
                progress(n)
            buf = free.get()
            n = src.readinto(buf) or 0
            if not n:
                break
    finally:
        to_hash.put(_STOP)
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return digest.result(size)


def _copy_one_block(src: Readable, dst_fd: int, block: memoryview,
                    progress: Callable[[int], None] | None, sha512: bool) -> Digest:
    """Finish a copy whose source gave less than one block (it may still have more)."""
    digest, size = _Hashers(sha512), 0
    while block:
        digest.update(block)
        view = block
        while view:
            view = view[os.write(dst_fd, view):]
        size += len(block)
        if progress:
            progress(len(block))
        more = bytearray(CHUNK)
        got = src.readinto(more) or 0
        block = memoryview(more)[:got]
    return digest.result(size)
