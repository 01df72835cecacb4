"""Encrypting a package for the standard ``age`` tool (age-encryption.org/v1).

A package travels as one ``….zip.age`` file that ``age -d`` opens: to one or more
X25519 recipients (``age1…``), or to a passphrase evidencekit generates. The zip is
streamed straight into the encryption, so no plaintext zip is ever written.
See ``docs/adr/0005-age-encryption.md``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import attrs
import nacl.utils

from evidencekit.core import storage
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError, StorageError
from evidencekit.core.progress import Progress, begin
from evidencekit.keys.agekey import AgeRecipient, load_age_recipients
from evidencekit.package import ageheader
from evidencekit.package.agestream import NONCE_SIZE, PayloadWriter

AGE_FORMAT = "age-v1"
SCRYPT_WORK_FACTOR = 18
"""log2 of scrypt's N for passphrases: age's own default, so ``age -d`` accepts it."""


def _recipients(value: Iterable[AgeRecipient]) -> tuple[AgeRecipient, ...]:
    return tuple(value)


@attrs.frozen
class AgeEncryption:
    """How a package is encrypted: to age recipients, or to a generated passphrase.

    ``work_factor`` is for tests only (a lower scrypt cost); packages use age's 18.
    """

    recipients: tuple[AgeRecipient, ...] = attrs.field(default=(), converter=_recipients)
    passphrase: bool = False
    work_factor: int = attrs.field(default=SCRYPT_WORK_FACTOR, repr=False)

    def __attrs_post_init__(self) -> None:
        if bool(self.recipients) == self.passphrase:
            raise InputError("Encrypt either to recipients (--encrypt-to) or to a passphrase "
                             "(--passphrase), not both and not neither.")
        if not 1 <= self.work_factor <= 30:
            raise InputError(f"The scrypt work factor {self.work_factor} is out of range.")

    @classmethod
    def from_options(cls, encrypt_to: Sequence[str], passphrase: bool,
                     ) -> AgeEncryption | None:
        """The encryption that ``--encrypt-to`` and ``--passphrase`` ask for, or ``None``.

        Each ``encrypt_to`` value is an ``age1…`` string or a file of them.

        Raises:
            InputError: a bad recipient or recipients file, or both options given.
        """
        if not encrypt_to and not passphrase:
            return None
        return cls(load_age_recipients(encrypt_to) if encrypt_to else (), passphrase)

    def to_record(self) -> dict[str, JsonValue]:
        """What the signed ``exported`` event records (never the passphrase itself)."""
        if self.passphrase:
            return {"format": AGE_FORMAT, "passphrase": True}
        return {"format": AGE_FORMAT, "recipients": [str(r) for r in self.recipients]}


def _header(encryption: AgeEncryption, passphrase: str | None) -> tuple[bytes, bytes]:
    file_key = ageheader.new_file_key()
    if encryption.passphrase:
        if not passphrase:
            raise InputError("A passphrase-encrypted package needs its passphrase.")
        stanzas = [ageheader.wrap_scrypt(file_key, passphrase, encryption.work_factor)]
    else:
        stanzas = [ageheader.wrap_x25519(file_key, r) for r in encryption.recipients]
    return ageheader.encode_header(stanzas, file_key), file_key


@contextlib.contextmanager
def encrypting(dst: BinaryIO, encryption: AgeEncryption,
               passphrase: str | None = None) -> Iterator[PayloadWriter]:
    """Write an age header to ``dst`` and yield a writer that encrypts into it.

    The last chunk is sealed when the block ends without an error; after an error
    the output is incomplete (and ``age`` refuses it), so the caller removes it.

    Raises:
        InputError: passphrase mode without a passphrase, or an unusable recipient.
    """
    header, file_key = _header(encryption, passphrase)
    dst.write(header)
    writer = PayloadWriter(dst, file_key, nacl.utils.random(NONCE_SIZE))
    yield writer
    writer.close()


def encrypt_file(src: Path, dst: Path, encryption: AgeEncryption,
                 passphrase: str | None = None, progress: Progress | None = None) -> None:
    """Encrypt the file ``src`` to a new file ``dst``, as ``age -e`` would (atomically).

    Raises:
        InputError: ``dst`` exists, ``src`` is not a regular file, or bad encryption.
        StorageError: a read or write failed.
    """
    if dst.exists() or dst.is_symlink():
        raise InputError(f"{dst} already exists; choose a new name.")
    partial = dst.with_name(f".{dst.name}.partial-{os.getpid()}")
    try:
        with storage.open_regular(src, "file to encrypt") as fd, \
                open(fd, "rb", closefd=False) as source, open(partial, "xb") as out:
            advance = begin(progress, os.fstat(fd).st_size)
            with encrypting(out, encryption, passphrase) as writer:
                while block := source.read(1 << 20):
                    writer.write(block)
                    if advance is not None:
                        advance(len(block))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, dst)
        storage.fsync_dir(dst.parent)
    except OSError as exc:
        raise StorageError(f"Could not write {dst}: {exc.strerror or exc}.") from exc
    finally:
        partial.unlink(missing_ok=True)
