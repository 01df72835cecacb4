"""Signing keys: creation, encrypted storage, public key files, signatures.

A private key file (``NAME.key``) holds the Ed25519 seed encrypted with a key
derived from the passphrase by Argon2id (libsodium ``crypto_pwhash``) and
sealed with XSalsa20-Poly1305 (``SecretBox``). The public key file
(``NAME.pub``) is a PEM SubjectPublicKeyInfo block (RFC 8410) that OpenSSL
reads as it is, preceded by ``Name:``, ``Organisation:`` and ``Fingerprint:``
lines. The fingerprint is the SHA-256 of the DER SubjectPublicKeyInfo, so
``openssl pkey -pubin -in NAME.pub -outform DER | sha256sum`` reproduces it.
See ``docs/formats.md`` and ``docs/adr/0002-key-format.md``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shlex
from collections.abc import Callable
from pathlib import Path

import attrs
import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

from evidencekit.core import storage
from evidencekit.core.canonical import canonical_bytes
from evidencekit.core.errors import InputError, KeyFileError

KEY_FORMAT = "evidencekit-private-key/1"
_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_PEM_BEGIN = "-----BEGIN PUBLIC KEY-----"
_PEM_END = "-----END PUBLIC KEY-----"
_MAX_KEY_FILE = 64 * 1024

STRONG_KDF = (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE)
"""Argon2id limits for keys made by people (3 passes, 256 MiB)."""
FAST_KDF = (nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE)
"""Lighter Argon2id limits (2 passes, 64 MiB), for tests and throw-away keys."""
MIN_PASSPHRASE = 8
"""The shortest passphrase a new private key accepts."""


def check_passphrase(passphrase: str) -> str:
    """Return a new key's passphrase if it follows the rule (at least 8 characters).

    Raises:
        InputError: it is shorter, naming the rule.
    """
    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(f"The passphrase must be at least {MIN_PASSPHRASE} characters long.")
    return passphrase


def short_fingerprint(fingerprint: str) -> str:
    """The first 16 hex digits of a fingerprint in groups of four, to read out by phone.

    ``3f2a91c07b44e1d2…`` gives ``3F2A 91C0 7B44 E1D2`` (64 bits: enough for a person
    to confirm a key they were given; ``verify`` always compares the full fingerprint).
    """
    head = fingerprint[:16].upper()
    return " ".join(head[i:i + 4] for i in range(0, len(head), 4))


def _single_line(name: str) -> Callable[[object, object, str], None]:
    def check(_inst: object, _attr: object, value: str) -> None:
        if not value.strip() or any(c in value for c in "\r\n\x00") or len(value) > 200:
            raise InputError(f"The {name} must be one non-empty line of at most 200 characters.")

    return check


@attrs.frozen
class PublicKey:
    """An Ed25519 public key with the holder's name and organisation."""

    raw: bytes = attrs.field()
    name: str = attrs.field(validator=_single_line("key holder's name"))
    org: str = attrs.field(validator=_single_line("organisation"))

    @raw.validator
    def _check_raw(self, _attr: object, value: bytes) -> None:
        if not isinstance(value, bytes) or len(value) != 32:
            raise InputError("An Ed25519 public key is exactly 32 bytes.")

    @property
    def spki_der(self) -> bytes:
        """The DER SubjectPublicKeyInfo encoding (RFC 8410)."""
        return _SPKI_PREFIX + self.raw

    @property
    def fingerprint(self) -> str:
        """Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo."""
        return hashlib.sha256(self.spki_der).hexdigest()

    @property
    def short_fingerprint(self) -> str:
        """The fingerprint's first 16 hex digits in groups of four (``3F2A 91C0 7B44 E1D2``)."""
        return short_fingerprint(self.fingerprint)

    def to_pem(self) -> str:
        """The bare PEM block, as OpenSSL writes it."""
        body = base64.b64encode(self.spki_der).decode("ascii")
        return f"{_PEM_BEGIN}\n{body}\n{_PEM_END}\n"

    def to_pub_file(self) -> str:
        """The text of a ``.pub`` file: holder lines, then the PEM block."""
        return (
            f"Name: {self.name}\nOrganisation: {self.org}\n"
            f"Fingerprint: {self.fingerprint}\n{self.to_pem()}"
        )

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when ``signature`` is a valid Ed25519 signature of ``message``."""
        if len(signature) != 64:
            return False
        try:
            nacl.signing.VerifyKey(self.raw).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
            return False
        return True


def parse_public_key(text: str, *, source: str = "public key") -> PublicKey:
    """Read a ``.pub`` file's text (holder lines optional, PEM block required).

    Raises:
        KeyFileError: no PEM block, not Ed25519, or a fingerprint line that disagrees.
    """
    fields: dict[str, str] = {}
    lines = text.splitlines()
    try:
        start, end = lines.index(_PEM_BEGIN), lines.index(_PEM_END)
    except ValueError as exc:
        raise KeyFileError(f"{source} has no PEM public key block.") from exc
    for line in lines[:start]:
        label, sep, value = line.partition(":")
        if sep:
            fields[label.strip().lower()] = value.strip()
    try:
        der = base64.b64decode("".join(lines[start + 1 : end]), validate=True)
    except binascii.Error as exc:
        raise KeyFileError(f"{source}: the PEM block is not valid base64.") from exc
    if len(der) != 44 or not der.startswith(_SPKI_PREFIX):
        raise KeyFileError(f"{source} is not an Ed25519 public key.")
    key = PublicKey(
        raw=der[12:],
        name=fields.get("name") or "unknown",
        org=fields.get("organisation") or "unknown",
    )
    claimed = fields.get("fingerprint")
    if claimed is not None and claimed.lower() != key.fingerprint:
        raise KeyFileError(f"{source}: the Fingerprint line does not match the key.")
    return key


def load_public_key(path: Path) -> PublicKey:
    """Read a public key file.

    Raises:
        KeyFileError: missing, unreadable or not an Ed25519 public key.
    """
    text = storage.read_small_text(path, limit=_MAX_KEY_FILE, what="public key file")
    return parse_public_key(text, source=str(path))


@attrs.frozen(repr=False)
class Signer:
    """An unlocked private key. Its ``repr`` never shows key material."""

    public: PublicKey
    _signing_key: nacl.signing.SigningKey = attrs.field(alias="signing_key")

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message``."""
        return bytes(self._signing_key.sign(message).signature)

    def __repr__(self) -> str:
        return f"Signer({self.public.name!r}, {self.public.org!r}, {self.public.fingerprint[:16]})"

    @classmethod
    def from_seed(cls, seed: bytes, name: str, org: str) -> Signer:
        """Build a signer from a 32-byte seed (used by tests and fixtures).

        Raises:
            InputError: the seed is not 32 bytes.
        """
        if len(seed) != 32:
            raise InputError("An Ed25519 seed is exactly 32 bytes.")
        sk = nacl.signing.SigningKey(seed)
        return cls(PublicKey(bytes(sk.verify_key), name, org), sk)


_MAX_OPS = nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE
_MAX_MEM = nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE


def _derive(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    # A key file is input too: settings beyond libsodium's "sensitive" level (4 passes,
    # 1 GiB) would let a planted file stall or exhaust the machine.
    if not (nacl.pwhash.argon2id.OPSLIMIT_MIN <= ops <= _MAX_OPS
            and nacl.pwhash.argon2id.MEMLIMIT_MIN <= mem <= _MAX_MEM):
        raise ValueError("Argon2id settings out of range")
    return bytes(
        nacl.pwhash.argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE, passphrase.encode("utf-8"), salt, ops, mem
        )
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encrypt_private_key(
    signer: Signer, passphrase: str, kdf: tuple[int, int] = STRONG_KDF
) -> bytes:
    """Return the bytes of an encrypted private key file for ``signer``.

    Raises:
        InputError: the passphrase is shorter than 8 characters.
    """
    check_passphrase(passphrase)
    ops, mem = kdf
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    secret = canonical_bytes(
        {"seed": _b64(bytes(signer._signing_key)), "name": signer.public.name,
         "org": signer.public.org}
    )
    box = nacl.secret.SecretBox(_derive(passphrase, salt, ops, mem)).encrypt(secret)
    record = {
        "format": KEY_FORMAT,
        "name": signer.public.name,
        "org": signer.public.org,
        "fingerprint": signer.public.fingerprint,
        "kdf": {"name": "argon2id", "opslimit": ops, "memlimit": mem, "salt": _b64(salt)},
        "cipher": "xsalsa20-poly1305",
        "box": _b64(bytes(box)),
    }
    return canonical_bytes(record) + b"\n"


def _parse_key_record(data: bytes, source: str) -> dict[str, object]:
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeyFileError(f"{source} is not an evidencekit private key file.") from exc
    if not isinstance(record, dict) or record.get("format") != KEY_FORMAT:
        raise KeyFileError(f"{source} is not an evidencekit private key file.")
    return record


def decrypt_private_key(data: bytes, passphrase: str, *, source: str = "key file") -> Signer:
    """Unlock a private key file's bytes with ``passphrase``.

    Raises:
        KeyFileError: wrong passphrase, or a damaged or foreign key file.
    """
    record = _parse_key_record(data, source)
    try:
        kdf = record["kdf"]
        if not isinstance(kdf, dict):
            raise TypeError("kdf settings must be an object")
        key = _derive(passphrase, base64.b64decode(kdf["salt"]), int(kdf["opslimit"]),
                      int(kdf["memlimit"]))
        box = base64.b64decode(str(record["box"]))
    except (KeyError, ValueError, TypeError, binascii.Error,
            nacl.exceptions.CryptoError) as exc:
        raise KeyFileError(f"{source} is damaged: its key settings cannot be read.") from exc
    try:
        secret = json.loads(nacl.secret.SecretBox(key).decrypt(box))
    except nacl.exceptions.CryptoError as exc:
        raise KeyFileError(
            f"Wrong passphrase for {source}.",
            hint="Check the passphrase (EVIDENCEKIT_PASSPHRASE or the prompt) and try again.",
        ) from exc
    signer = Signer.from_seed(base64.b64decode(secret["seed"]), secret["name"], secret["org"])
    if signer.public.fingerprint != record.get("fingerprint"):
        raise KeyFileError(f"{source} is damaged: the stored fingerprint does not match the key.")
    return signer


def _not_a_public_key(path: Path, data: bytes) -> None:
    """Refuse a public key given where the private one belongs, naming the right file."""
    if _PEM_BEGIN.encode("ascii") in data:
        private = path.with_suffix(".key") if path.suffix == ".pub" else None
        raise KeyFileError(
            f"{path} is a public key; give your private key "
            f"{private if private else '(NAME.key, made with it)'}.",
            hint="--key takes the NAME.key file; NAME.pub is the one you give to others.")


def load_signer(path: Path, passphrase: str | Callable[[], str]) -> Signer:
    """Read and unlock a private key file.

    ``passphrase`` may be a function (a prompt): it is called only once the file has
    been read and found to be a private key that only its owner can read.

    Raises:
        KeyFileError: missing file, a public key, wrong passphrase or damaged key.
    """
    try:
        data = storage.read_small_bytes(path, limit=_MAX_KEY_FILE, what="private key file")
        mode = os.stat(path, follow_symlinks=False).st_mode & 0o777
    except InputError as exc:
        raise KeyFileError(exc.message, hint=exc.hint) from exc
    except OSError as exc:
        raise KeyFileError(f"Cannot read {path}: {exc.strerror}.") from exc
    _not_a_public_key(path, data)
    if mode & 0o077:
        raise KeyFileError(
            f"The private key file {path} can be read by other users (mode {mode:04o}); "
            "it is not used until only you can read it.",
            hint=f"Run: chmod 600 {shlex.quote(str(path))}")
    secret = passphrase if isinstance(passphrase, str) else passphrase()
    return decrypt_private_key(data, secret, source=str(path))


def key_paths(out: Path) -> tuple[Path, Path]:
    """The ``.key`` and ``.pub`` paths for an ``--out`` stem."""
    base = out.with_suffix("") if out.suffix in (".key", ".pub") else out
    return base.with_name(base.name + ".key"), base.with_name(base.name + ".pub")


def create_key(
    out: Path, name: str, org: str, passphrase: str, *, kdf: tuple[int, int] = STRONG_KDF
) -> PublicKey:
    """Make a new key pair and write ``OUT.key`` (mode 0600) and ``OUT.pub``.

    Raises:
        InputError: a bad name, organisation or passphrase, or the files already exist.
        StorageError: the files cannot be written.
    """
    key_path, pub_path = key_paths(out)
    for path in (key_path, pub_path):
        if path.exists():
            raise InputError(f"{path} already exists; refusing to overwrite a key.")
    signer = Signer.from_seed(nacl.utils.random(32), name, org)
    storage.atomic_write(key_path, encrypt_private_key(signer, passphrase, kdf), mode=0o600)
    storage.atomic_write(pub_path, signer.public.to_pub_file().encode("utf-8"), mode=0o644)
    return signer.public
