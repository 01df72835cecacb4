"""The age header (age-encryption.org/v1): stanzas that wrap the file key, and its MAC.

::

    age-encryption.org/v1
    -> X25519 <ephemeral share>          one stanza per recipient, or one scrypt stanza
    <wrapped file key, base64, 64 columns a line, the last line shorter>
    --- <HMAC-SHA256 of everything above, keyed from the file key>

Base64 is the standard alphabet without padding, and must be canonical. The
16-byte file key is wrapped with ChaCha20-Poly1305 under a key from HKDF-SHA256:
of an X25519 shared secret for a recipient, of scrypt for a passphrase. Parsing is
strict and bounded; a damaged header is an :class:`IntegrityError`. Pure functions
of values and one readable stream; see ``docs/adr/0005-age-encryption.md``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import BinaryIO

import attrs
import nacl.bindings
import nacl.exceptions
import nacl.utils

from evidencekit.core import limits
from evidencekit.core.errors import InputError, IntegrityError
from evidencekit.keys.agekey import AgeIdentity, AgeRecipient

INTRO = b"age-encryption.org/v1\n"
FILE_KEY_SIZE = 16
X25519_LABEL = b"age-encryption.org/v1/X25519"
SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
_COLUMNS = 64
_MAX_LINE = 4096
_MAX_STANZAS = 128
_MAX_HEADER = 1 << 20  # stanzas of unknown kinds may be long, but not endless
_ARG = re.compile(rb"[\x21-\x7e]+")
_DAMAGED_HINT = ("The file was damaged or altered on the way; ask the sender for a new copy. "
                 "Nothing was decrypted.")


def _damaged(what: str) -> IntegrityError:
    return IntegrityError(f"The encrypted package's header is damaged: {what}.",
                          hint=_DAMAGED_HINT)


def b64encode(data: bytes) -> str:
    """Standard base64 without padding, as age writes it."""
    return base64.b64encode(data).decode("ascii").rstrip("=")


def b64decode(text: str) -> bytes:
    """Strict, canonical unpadded base64.

    Raises:
        IntegrityError: not canonical unpadded base64.
    """
    if "=" in text or "\n" in text or "\r" in text:
        raise _damaged("padded or broken base64")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _damaged("invalid base64") from exc
    if b64encode(data) != text:
        raise _damaged("non-canonical base64")
    return data


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF with SHA-256 (RFC 5869); an empty salt is 32 zero bytes, as the RFC says."""
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _seal(key: bytes, data: bytes) -> bytes:
    return nacl.bindings.crypto_aead_chacha20poly1305_ietf_encrypt(data, None, bytes(12), key)


def _open(key: bytes, data: bytes) -> bytes | None:
    try:
        return nacl.bindings.crypto_aead_chacha20poly1305_ietf_decrypt(data, None, bytes(12),
                                                                       key)
    except nacl.exceptions.CryptoError:
        return None


@attrs.frozen
class Stanza:
    """One recipient stanza: a type, its arguments and a body."""

    kind: str
    args: tuple[str, ...]
    body: bytes

    def to_bytes(self) -> bytes:
        """The stanza as it appears in the header."""
        text = b64encode(self.body)
        lines = [text[i:i + _COLUMNS] for i in range(0, len(text), _COLUMNS)]
        if not lines or len(lines[-1]) == _COLUMNS:
            lines.append("")  # the last body line is always shorter than 64 columns
        first = " ".join(("->", self.kind, *self.args))
        return "\n".join([first, *lines]).encode("ascii") + b"\n"


def new_file_key() -> bytes:
    """A fresh random file key."""
    return nacl.utils.random(FILE_KEY_SIZE)


def wrap_x25519(file_key: bytes, recipient: AgeRecipient) -> Stanza:
    """The stanza that lets ``recipient`` (and only its identity) recover ``file_key``.

    Raises:
        InputError: ``recipient`` is a low-order point, which no real key is.
    """
    ephemeral = nacl.utils.random(32)
    share = nacl.bindings.crypto_scalarmult_base(ephemeral)
    try:
        shared = nacl.bindings.crypto_scalarmult(ephemeral, recipient.public)
    except nacl.exceptions.RuntimeError as exc:  # a low-order point: the secret would be 0
        raise InputError(f"{recipient} is not a usable age recipient (a low-order key).",
                         hint="Ask the recipient for the public key age-keygen printed.") from exc
    key = hkdf_sha256(shared, share + recipient.public, X25519_LABEL)
    return Stanza("X25519", (b64encode(share),), _seal(key, file_key))


def unwrap_x25519(stanza: Stanza, identity: AgeIdentity) -> bytes | None:
    """The file key if ``stanza`` was made for ``identity``, else ``None``.

    Raises:
        IntegrityError: the stanza is malformed.
    """
    if len(stanza.args) != 1 or len(stanza.body) != FILE_KEY_SIZE + 16:
        raise _damaged("malformed X25519 stanza")
    share = b64decode(stanza.args[0])
    if len(share) != 32:
        raise _damaged("malformed X25519 share")
    try:
        shared = nacl.bindings.crypto_scalarmult(identity.secret, share)
    except nacl.exceptions.RuntimeError as exc:  # libsodium refuses an all-zero secret
        raise _damaged("X25519 share of low order") from exc
    key = hkdf_sha256(shared, share + identity.recipient.public, X25519_LABEL)
    return _open(key, stanza.body)


def _scrypt(passphrase: str, salt: bytes, log_n: int) -> bytes:
    n = 1 << log_n
    try:  # OpenSSL needs 128 * r * N bytes (256 MiB at age's 18) and caps maxmem below 2 GiB
        return hashlib.scrypt(passphrase.encode("utf-8"), salt=SCRYPT_LABEL + salt, n=n, r=8,
                              p=1, maxmem=min(132 * 8 * n + (4 << 20), (1 << 31) - 1),
                              dklen=32)
    except (ValueError, MemoryError) as exc:
        raise InputError(f"scrypt with work factor {log_n} cannot run here "
                         f"({1 << log_n >> 10} MiB of memory).",
                         hint="Ask the sender to use age's default (18).") from exc


def wrap_scrypt(file_key: bytes, passphrase: str, log_n: int) -> Stanza:
    """The stanza that lets whoever knows ``passphrase`` recover ``file_key``.

    Raises:
        InputError: the work factor needs more memory than scrypt may use here.
    """
    salt = nacl.utils.random(16)
    return Stanza("scrypt", (b64encode(salt), str(log_n)),
                  _seal(_scrypt(passphrase, salt, log_n), file_key))


def unwrap_scrypt(stanza: Stanza, passphrase: str) -> bytes | None:
    """The file key if ``passphrase`` is the right one, else ``None``.

    Raises:
        IntegrityError: the stanza is malformed.
        InputError: its work factor is over the ``age-work-factor`` limit, or needs
            more memory than scrypt may use here.
    """
    if len(stanza.args) != 2 or len(stanza.body) != FILE_KEY_SIZE + 16 \
            or not re.fullmatch(r"[1-9][0-9]?", stanza.args[1]):
        raise _damaged("malformed scrypt stanza")
    salt = b64decode(stanza.args[0])
    if len(salt) != 16:
        raise _damaged("malformed scrypt salt")
    log_n = int(stanza.args[1])
    if log_n > limits.whole("age-work-factor"):
        raise limits.exceeded("age-work-factor",
                              f"The passphrase's scrypt work factor is {log_n}")
    return _open(_scrypt(passphrase, salt, log_n), stanza.body)


def header_mac(file_key: bytes, signed: bytes) -> bytes:
    """The header MAC over ``signed`` (the header up to and including ``---``)."""
    return hmac.new(hkdf_sha256(file_key, b"", b"header"), signed, hashlib.sha256).digest()


def encode_header(stanzas: list[Stanza], file_key: bytes) -> bytes:
    """The complete header, MAC and final newline included."""
    signed = INTRO + b"".join(s.to_bytes() for s in stanzas) + b"---"
    return signed + b" " + b64encode(header_mac(file_key, signed)).encode("ascii") + b"\n"


@attrs.frozen
class Header:
    """A parsed header: its stanzas, its MAC and the bytes the MAC covers."""

    stanzas: tuple[Stanza, ...]
    mac: bytes
    signed: bytes

    def mac_ok(self, file_key: bytes) -> bool:
        """Whether the MAC holds under ``file_key`` (compared in constant time)."""
        return hmac.compare_digest(header_mac(file_key, self.signed), self.mac)


def _line(src: BinaryIO, signed: bytearray) -> bytes:
    line = src.readline(_MAX_LINE)
    if not line.endswith(b"\n"):
        raise _damaged("a header line is cut short or too long")
    signed += line
    if len(signed) > _MAX_HEADER:
        raise _damaged(f"it is longer than {_MAX_HEADER >> 20} MiB")
    return line[:-1]


def _stanza_start(line: bytes) -> tuple[str, tuple[str, ...]]:
    parts = line.split(b" ")
    if parts[0] != b"->" or len(parts) < 2 or not all(_ARG.fullmatch(p) for p in parts[1:]):
        raise _damaged("malformed stanza line")
    words = [p.decode("ascii") for p in parts[1:]]
    return words[0], tuple(words[1:])


def _body(src: BinaryIO, signed: bytearray) -> bytes:
    body = b""
    while True:
        text = _line(src, signed).decode("ascii", "replace")
        if len(text) > _COLUMNS:
            raise _damaged("a stanza body line is too long")
        body += b64decode(text)
        if len(text) < _COLUMNS:
            return body


def read_header(src: BinaryIO) -> Header:
    """Parse the header from ``src``, leaving it at the first payload byte.

    Raises:
        IntegrityError: the header is not a well-formed age v1 header.
    """
    if src.readline(len(INTRO)) != INTRO:
        raise _damaged("it does not start with age-encryption.org/v1")
    signed, stanzas = bytearray(INTRO), list[Stanza]()
    while len(stanzas) <= _MAX_STANZAS:
        line = _line(src, signed)
        if line.startswith(b"---"):
            if not line.startswith(b"--- ") or b" " in line[4:]:
                raise _damaged("malformed closing line")
            mac = b64decode(line[4:].decode("ascii", "replace"))
            if len(mac) != 32:
                raise _damaged("malformed MAC")
            return Header(tuple(stanzas), mac, bytes(signed[: len(signed) - len(line) - 1 + 3]))
        kind, args = _stanza_start(line)
        stanzas.append(Stanza(kind, args, _body(src, signed)))
    raise _damaged(f"more than {_MAX_STANZAS} stanzas")
