"""Reading a received package, as a folder or a zip, without trusting its paths.

Both sources list regular files only. Anything unsafe (symbolic links, device
files, absolute or ``..`` paths, names that collide after Unicode NFC
normalisation) is reported as a finding and never opened.
"""

from __future__ import annotations

import os
import stat
import unicodedata
import zipfile
import zlib
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol

from evidencekit.core.errors import InputError
from evidencekit.core.hashing import Digest, hash_stream
from evidencekit.core.progress import Advance
from evidencekit.core.report import Finding
from evidencekit.package.bagfiles import unsafe_reason


class Stream(Protocol):
    """A readable binary stream that is also a context manager."""

    def readinto(self, buffer: memoryview | bytearray, /) -> int | None:
        """Fill ``buffer``; 0 at the end."""
        ...

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes."""
        ...

    def __enter__(self) -> Stream:
        """Enter."""
        ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None, /) -> None:
        """Close."""
        ...


class PackageSource(Protocol):
    """What verification needs from a package."""

    label: str
    sizes: dict[str, int]
    problems: list[Finding]

    def open(self, rel: str) -> Stream:
        """Open a listed file for reading (binary, streaming)."""
        ...

    def read_small(self, rel: str, limit: int = 64 << 20) -> bytes | None:
        """A listed file's bytes, or ``None`` when absent or over ``limit``."""
        ...


def _unsafe(rel: str, reason: str) -> Finding:
    return Finding("path-unsafe", f"refused: {reason}", rel)


class _Listing:
    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}
        self.problems: list[Finding] = []
        self._nfc: set[str] = set()

    def add(self, rel: str, size: int) -> None:
        if reason := unsafe_reason(rel):
            self.problems.append(_unsafe(rel, reason))
            return
        nfc = unicodedata.normalize("NFC", rel)
        if nfc in self._nfc:
            self.problems.append(_unsafe(rel, "name collides with another after Unicode "
                                         "normalisation"))
            return
        self._nfc.add(nfc)
        self.sizes[rel] = size

    def open(self, rel: str) -> Stream:
        raise NotImplementedError

    def read_small(self, rel: str, limit: int = 64 << 20) -> bytes | None:
        """A listed file's bytes, or ``None`` when absent or over ``limit``."""
        if rel not in self.sizes or self.sizes[rel] > limit:
            return None
        try:
            with self.open(rel) as handle:
                return handle.read(limit + 1)[:limit]
        except OSError:
            return None  # an unreadable tag or custody file: the checks report it missing


class FolderSource(_Listing):
    """A package unpacked in a folder."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.label = str(root)
        for folder, dirs, files in os.walk(root, followlinks=False):
            base = Path(folder)
            for name in sorted(dirs + files):
                path = base / name
                rel = path.relative_to(root).as_posix()
                mode = path.lstat().st_mode
                if stat.S_ISLNK(mode):
                    self.problems.append(_unsafe(rel, "symbolic link"))
                elif stat.S_ISREG(mode):
                    self.add(rel, path.lstat().st_size)
                elif not stat.S_ISDIR(mode):
                    self.problems.append(_unsafe(rel, "device, pipe or socket"))
            dirs[:] = [d for d in dirs if not (base / d).is_symlink()]

    def open(self, rel: str) -> Stream:
        """Open a listed file without following links."""
        fd = os.open(self.root / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a pipe since the listing
            os.close(fd)
            raise OSError(f"{rel} is no longer a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)


class ZipSource(_Listing):
    """A package as one zip file."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.label = str(path)
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InputError(f"{path} is not a readable zip file: {exc}.") from exc
        top = _common_top(infos)
        self._names: dict[str, str] = {}
        for info in infos:
            if info.is_dir():
                continue
            rel = info.filename[len(top):] if top else info.filename
            if stat.S_ISLNK(info.external_attr >> 16):
                self.problems.append(_unsafe(info.filename, "symbolic link entry"))
            elif rel in self._names:
                self.problems.append(_unsafe(info.filename, "entry appears twice"))
            else:
                self._names[rel] = info.filename
                self.add(rel, info.file_size)

    def open(self, rel: str) -> Stream:
        """Open a listed entry (each call has its own handle, so threads may share).

        Raises:
            OSError: the entry is encrypted, uses an unknown compression or is damaged.
        """
        archive = zipfile.ZipFile(self.path)
        try:
            return _OwningReader(archive, archive.open(self._names[rel]))
        except _ZIP_ERRORS as exc:
            archive.close()
            raise OSError(f"zip entry cannot be read: {exc}") from exc


# What zipfile raises for damaged, encrypted or exotic entries.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
               ValueError)


def _common_top(infos: list[zipfile.ZipInfo]) -> str:
    """``NAME/`` when every entry sits in one top folder that holds ``bagit.txt``."""
    names = [i.filename for i in infos]
    if "bagit.txt" in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and f"{next(iter(tops))}/bagit.txt" in names:
        return f"{next(iter(tops))}/"
    return ""


class _OwningReader:
    """A zip member stream that closes its archive when closed."""

    def __init__(self, archive: zipfile.ZipFile, member: IO[bytes]) -> None:
        self._archive = archive
        self._member = member

    def readinto(self, buffer: memoryview | bytearray, /) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1, /) -> bytes:
        try:
            return self._member.read(size)
        except _ZIP_ERRORS as exc:  # damaged data is a finding, never a crash
            raise OSError(f"zip entry is damaged: {exc}") from exc

    def __enter__(self) -> _OwningReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None, /) -> None:
        self._member.close()
        self._archive.close()


def open_package(path: Path) -> PackageSource:
    """A folder or zip package.

    Raises:
        InputError: missing, or neither a folder nor a zip file.
    """
    if path.is_symlink():
        raise InputError(f"{path} is a symbolic link; give the package itself.")
    if path.is_dir():
        return FolderSource(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return ZipSource(path)
    raise InputError(f"{path} is neither a package folder nor a zip file.")


def hash_entry(src: PackageSource, rel: str, progress: Advance | None = None,
               sha512: bool = False) -> Digest | str:
    """A listed file's digest, or why it cannot be read (a finding's message, never a crash)."""
    try:
        with src.open(rel) as handle:
            return hash_stream(handle, progress, sha512=sha512)
    except OSError as exc:
        return f"cannot be read: {exc}"
