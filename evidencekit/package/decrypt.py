"""Opening a ``….zip.age`` package: the header unlocked, the payload streamed to disk.

:func:`decrypted_package` is the one way in for ``verify`` and ``receive``: the
plaintext goes only into a private temporary folder (mode 0700) that is removed when
the block ends, whether it ends well, with an error or with Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from evidencekit.core import storage
from evidencekit.core.errors import InputError, IntegrityError, KeyFileError, StorageError
from evidencekit.core.interrupts import interrupts_held
from evidencekit.core.progress import Progress, begin
from evidencekit.keys.agekey import AgeIdentity
from evidencekit.package import ageheader
from evidencekit.package.agestream import decrypt_payload

Passphrase = str | Callable[[], str] | None
"""A passphrase, a function that asks for one (called only if the file needs it), or none."""


def is_age_file(path: Path) -> bool:
    """Whether ``path`` is a regular file that starts as an age v1 file does."""
    if not path.is_file():  # before opening: a FIFO would block
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(len(ageheader.INTRO)) == ageheader.INTRO
    except OSError:
        return False


def _by_passphrase(header: ageheader.Header, name: str, passphrase: Passphrase) -> bytes:
    if len(header.stanzas) != 1:  # the spec: a scrypt stanza must stand alone
        raise IntegrityError(f"The header of {name} is damaged: a passphrase stanza beside "
                             "others.", hint="Ask the sender for a new copy.")
    if passphrase is None:
        raise InputError(f"{name} is encrypted with a passphrase; give it (--passphrase-file, "
                         "or run in a terminal to be asked).")
    text = passphrase() if callable(passphrase) else passphrase
    file_key = ageheader.unwrap_scrypt(header.stanzas[0], text)
    if file_key is None:
        raise KeyFileError(f"Wrong passphrase for {name}.",
                           hint="Check it with the sender (it was shown once, at export).")
    return file_key


def _by_identity(header: ageheader.Header, name: str,
                 identities: Sequence[AgeIdentity]) -> bytes:
    if not identities:
        raise InputError(f"{name} is encrypted to age recipients; give the identity file "
                         "(--identity KEY.txt) of one of them.")
    stanzas = [s for s in header.stanzas if s.kind == "X25519"]
    for stanza in stanzas:
        for identity in identities:
            file_key = ageheader.unwrap_x25519(stanza, identity)
            if file_key is not None:
                return file_key
    raise KeyFileError(f"{name} is not encrypted to the age identity given (it is for "
                       f"{len(header.stanzas)} other recipient(s)); nothing was decrypted.",
                       hint="Use the identity whose public key (age1…) the sender "
                            "encrypted to.")


def unlock(src: BinaryIO, name: str, identities: Sequence[AgeIdentity],
           passphrase: Passphrase) -> bytes:
    """Read the header from ``src`` and return the file key, with its MAC checked.

    Raises:
        IntegrityError: the header is damaged or its MAC does not hold.
        KeyFileError: no identity given fits, or the passphrase is wrong.
        InputError: the file needs what was not given (an identity or a passphrase).
    """
    header = ageheader.read_header(src)
    if any(s.kind == "scrypt" for s in header.stanzas):
        file_key = _by_passphrase(header, name, passphrase)
    else:
        file_key = _by_identity(header, name, identities)
    if not header.mac_ok(file_key):
        raise IntegrityError(f"The header of {name} was altered (its MAC does not hold); "
                             "nothing was decrypted.", hint="Ask the sender for a new copy.")
    return file_key


def _decrypt_into(src: Path, out: BinaryIO, identities: Sequence[AgeIdentity],
                  passphrase: Passphrase, progress: Progress | None, durable: bool) -> int:
    with storage.open_regular(src, "encrypted package") as fd, \
            open(fd, "rb", buffering=1 << 20, closefd=False) as handle:
        file_key = unlock(handle, src.name, identities, passphrase)
        advance = begin(progress, os.fstat(fd).st_size - handle.tell())
        size = decrypt_payload(handle, file_key, out.write, advance)
    out.flush()
    if durable:
        os.fsync(out.fileno())
    return size


def decrypt_file(src: Path, dst: Path, identities: Sequence[AgeIdentity] = (),
                 passphrase: Passphrase = None, progress: Progress | None = None, *,
                 durable: bool = True) -> int:
    """Decrypt the age file ``src`` to a new file ``dst`` (mode 0600), as ``age -d`` would.

    ``dst`` appears only once every chunk has authenticated; on any failure nothing
    is left behind. ``durable=False`` skips the fsync, for a copy that is only
    checked and then removed.

    Returns:
        The size of the decrypted file.

    Raises:
        InputError: ``dst`` exists, ``src`` is unreadable, or a key is missing.
        KeyFileError: no identity fits, or the passphrase is wrong.
        IntegrityError: the file is damaged, altered or cut short.
        StorageError: the output cannot be written.
    """
    if dst.exists() or dst.is_symlink():
        raise InputError(f"{dst} already exists; choose a new name.")
    partial = dst.with_name(f".{dst.name}.partial-{os.getpid()}")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb", buffering=1 << 20) as out:  # 16 chunks a write
            size = _decrypt_into(src, out, identities, passphrase, progress, durable)
        os.replace(partial, dst)
        storage.fsync_dir(dst.parent)
    except OSError as exc:
        raise StorageError(f"Could not write {dst}: {exc.strerror or exc}.") from exc
    finally:
        with interrupts_held():
            partial.unlink(missing_ok=True)
    return size


def plain_name(path: Path) -> str:
    """``x.zip.age`` → ``x.zip``: the name the package had before it was encrypted."""
    name = path.name.removesuffix(".age")
    return name if name.endswith(".zip") and name != ".zip" else f"{name}.zip"


@contextlib.contextmanager
def decrypted_package(path: Path, identities: Sequence[AgeIdentity] = (),
                      passphrase: Passphrase = None, *, folder: Path | None = None,
                      progress: Progress | None = None) -> Iterator[Path]:
    """Decrypt the package ``path`` into a private temporary folder and yield the zip in it.

    The folder (mode 0700, in ``folder`` or the system's temporary folder) and all in
    it are removed when the block ends, also on an error or Ctrl-C.

    Raises:
        InputError: ``path`` is unreadable, or needs an identity or passphrase not given.
        KeyFileError: no identity fits, or the passphrase is wrong.
        IntegrityError: the file is damaged, altered or cut short (nothing is kept).
        StorageError: the temporary folder cannot be made or written.
    """
    try:
        private = Path(tempfile.mkdtemp(prefix="evidencekit-decrypted-", dir=folder))
    except OSError as exc:
        raise StorageError(f"Could not make a private temporary folder: {exc.strerror}.") \
            from exc
    try:
        target = private / plain_name(path)
        decrypt_file(path, target, identities, passphrase, progress, durable=False)
        yield target
    finally:
        with interrupts_held():
            shutil.rmtree(private, ignore_errors=True)
