"""The age payload (age-encryption.org/v1 STREAM): 64 KiB chunks, each authenticated.

::

    <16-byte nonce> <chunk 0> <chunk 1> ... <last chunk>

The payload key is HKDF-SHA256 of the file key, salted with the nonce ("payload").
Each chunk is ChaCha20-Poly1305 of up to 64 KiB of plaintext; its 12-byte nonce is
an 11-byte big-endian counter and a last-chunk flag (1 for the last chunk only). Every
chunk but the last is full; the last is empty only when the whole payload is. So a
changed byte, a reordered, dropped or appended chunk and a file cut short anywhere
are all detected. Memory stays at a few chunks whatever the size; pure functions of
the stream handed in. The chunks use ``cryptography``'s ChaCha20-Poly1305 (OpenSSL):
about twice as fast as PyNaCl's binding here, which copies every chunk once more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from evidencekit.core.errors import IntegrityError
from evidencekit.package.ageheader import hkdf_sha256

CHUNK = 64 << 10
TAG = 16
NONCE_SIZE = 16
_SEALED = CHUNK + TAG
_DAMAGED_HINT = ("The file was damaged or altered on the way; ask the sender for a new copy. "
                 "Nothing decrypted was kept.")


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    """The ChaCha20-Poly1305 key of the payload."""
    return hkdf_sha256(file_key, nonce, b"payload")


def _chunk_nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class PayloadWriter:
    """Encrypts what is written to it into ``dst``, one 64 KiB chunk at a time.

    The chunk in hand is only sealed once more data follows (or on :meth:`close`),
    since only then is it known whether it is the last. Not seekable, which is
    what ``zipfile`` needs to know to stream a zip through it.
    """

    def __init__(self, dst: BinaryIO, file_key: bytes, nonce: bytes) -> None:
        self._dst = dst
        self._aead = ChaCha20Poly1305(payload_key(file_key, nonce))
        self._counter = 0
        self._buffer = bytearray()
        self._closed = False
        dst.write(nonce)

    def _seal(self, chunk: bytes | memoryview, last: bool) -> bytes:
        sealed = self._aead.encrypt(_chunk_nonce(self._counter, last), chunk, None)
        self._counter += 1
        return sealed

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take ``data``; seal every full chunk that is known not to be the last."""
        if self._closed:
            raise ValueError("write to a closed age payload")
        size = len(data)
        with memoryview(data) as view:
            start = 0
            if self._buffer:  # complete the chunk in hand first
                start = min(CHUNK - len(self._buffer), size)
                self._buffer += view[:start]
                if start == size:
                    return size
                self._dst.write(self._seal(bytes(self._buffer), last=False))
                self._buffer.clear()
            full = (size - start - 1) // CHUNK  # hold the rest back: it may end the payload
            self._dst.writelines(  # each sealed chunk as it is: no joined copy
                self._seal(view[start + i * CHUNK:start + (i + 1) * CHUNK], last=False)
                for i in range(full))
            self._buffer += view[start + full * CHUNK:]
        return size

    def flush(self) -> None:
        """Flush ``dst`` (the chunk in hand stays until :meth:`close`)."""
        self._dst.flush()

    def close(self) -> None:
        """Seal the last chunk (empty only if nothing was written); ``dst`` stays open."""
        if not self._closed:
            self._dst.write(self._seal(bytes(self._buffer), last=True))
            self._buffer.clear()
            self._closed = True
            self._dst.flush()


def _read_full(src: BinaryIO, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = src.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _damaged(what: str) -> IntegrityError:
    return IntegrityError(f"The encrypted package is damaged: {what}.", hint=_DAMAGED_HINT)


def _open_chunk(aead: ChaCha20Poly1305, sealed: bytes, counter: int, last: bool) -> bytes:
    where = f"chunk {counter + 1} (from byte {counter * _SEALED:,} of the payload)"
    if len(sealed) < TAG:
        raise _damaged(f"it is cut short in {where}")
    try:
        return aead.decrypt(_chunk_nonce(counter, last), sealed, None)
    except InvalidTag as exc:
        if last:  # a cut at a chunk boundary shows as a last chunk that was not sealed so
            raise _damaged(f"it is cut short, or {where} was altered") from exc
        raise _damaged(f"{where} was altered") from exc


def decrypt_payload(src: BinaryIO, file_key: bytes, write: Callable[[bytes], object],
                    progress: Callable[[int], None] | None = None) -> int:
    """Decrypt the payload that follows the header in ``src``, handing each chunk to ``write``.

    A chunk is handed on only once it has authenticated, but a later chunk may still
    fail: the caller must discard what was written when this raises.

    Returns:
        The number of plaintext bytes written.

    Raises:
        IntegrityError: the payload is cut short, altered, reordered or extended.
    """
    nonce = _read_full(src, NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise _damaged("it is cut short before the payload")
    aead, counter, total = ChaCha20Poly1305(payload_key(file_key, nonce)), 0, 0
    sealed = _read_full(src, _SEALED)
    while True:
        after = _read_full(src, _SEALED) if len(sealed) == _SEALED else b""
        last = not after
        plain = _open_chunk(aead, sealed, counter, last)
        if last and not plain and counter:
            raise _damaged("it ends with an empty chunk")
        write(plain)
        total += len(plain)
        if progress is not None:
            progress(len(sealed))
        if last:
            return total
        sealed, counter = after, counter + 1
