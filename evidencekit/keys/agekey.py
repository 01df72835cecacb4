"""age keys (age-encryption.org/v1): X25519 recipients ``age1…`` and identities.

A recipient is the public half, Bech32-encoded with the prefix ``age`` (what
``age-keygen`` prints as "public key"); an identity is the secret half, encoded
with the prefix ``AGE-SECRET-KEY-`` in upper case. The files are the ones the
standard ``age`` tool reads: one key a line, ``#`` comments and blank lines
ignored. These keys only encrypt packages; they never sign anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import attrs
import nacl.bindings
import nacl.utils

from evidencekit.core import storage
from evidencekit.core.errors import InputError, KeyFileError

RECIPIENT_HRP = "age"
IDENTITY_HRP = "age-secret-key-"
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_MAX_KEY_FILE = 1 << 20
_Key = TypeVar("_Key", "AgeIdentity", "AgeRecipient")


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(generator):
            check ^= gen if (top >> i) & 1 else 0
    return check


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert(data: bytes | list[int], source: int, target: int, pad: bool) -> list[int] | None:
    acc, bits, out, top = 0, 0, [], (1 << target) - 1
    keep = (1 << (source + target - 1)) - 1  # acc never needs more bits than this
    for value in data:
        acc = ((acc << source) | value) & keep
        bits += source
        while bits >= target:
            bits -= target
            out.append((acc >> bits) & top)
    if pad and bits:
        out.append((acc << (target - bits)) & top)
    elif not pad and (bits >= source or (acc << (target - bits)) & top):
        return None  # more than 4 bits of padding, or padding that is not zero
    return out


def bech32_encode(hrp: str, data: bytes) -> str:
    """Bech32 (BIP 173, no length limit, as age uses it) in lower case."""
    words = _convert(data, 8, 5, pad=True) or []
    check = _polymod([*_hrp_expand(hrp), *words, 0, 0, 0, 0, 0, 0]) ^ 1
    words += [(check >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[w] for w in words)


def bech32_decode(text: str) -> tuple[str, bytes] | None:
    """``(hrp, data)``, or ``None`` for anything that is not valid Bech32."""
    if text.lower() != text and text.upper() != text:
        return None  # mixed case is invalid
    text = text.lower()
    hrp, sep, rest = text.rpartition("1")
    if not sep or not hrp or len(rest) < 6 or any(not 33 <= ord(c) <= 126 for c in hrp):
        return None
    if any(c not in _CHARSET for c in rest):
        return None
    words = [_CHARSET.index(c) for c in rest]
    if _polymod([*_hrp_expand(hrp), *words]) != 1:
        return None
    data = _convert(words[:-6], 5, 8, pad=False)
    return None if data is None else (hrp, bytes(data))


def _decode_key(text: str, hrp: str) -> bytes | None:
    """The 32 key bytes of a Bech32 string with prefix ``hrp``, in that case only, else ``None``.

    Recipients are lower case and identities upper case, as age requires: mixed or
    other case, another prefix or another length is refused.
    """
    decoded = bech32_decode(text)
    cased = text.lower() if hrp == RECIPIENT_HRP else text.upper()
    if decoded is None or decoded[0] != hrp or len(decoded[1]) != 32 or text != cased:
        return None
    return decoded[1]


@attrs.frozen
class AgeRecipient:
    """Whom a package is encrypted to: an X25519 public key, shown as ``age1…``."""

    public: bytes = attrs.field()

    @public.validator
    def _check(self, _attr: object, value: bytes) -> None:
        if not isinstance(value, bytes) or len(value) != 32:
            raise InputError("An age recipient is exactly 32 bytes.")

    def __str__(self) -> str:
        return bech32_encode(RECIPIENT_HRP, self.public)

    @classmethod
    def parse(cls, text: str) -> AgeRecipient:
        """Read one ``age1…`` string.

        Raises:
            InputError: not an age X25519 recipient.
        """
        public = _decode_key(text.strip(), RECIPIENT_HRP)
        if public is None:
            shown = text.strip()[:80]
            raise InputError(f"{shown!r} is not an age recipient (a public key like "
                             "age1…, 62 characters, as age-keygen prints).",
                             hint="SSH keys and age plugins are not supported.")
        return cls(public)


@attrs.frozen
class AgeIdentity:
    """The secret half of an age key pair (never printed: ``repr`` hides it)."""

    secret: bytes = attrs.field(repr=False)

    @secret.validator
    def _check(self, _attr: object, value: bytes) -> None:
        if not isinstance(value, bytes) or len(value) != 32:
            raise InputError("An age identity is exactly 32 bytes.")

    @property
    def recipient(self) -> AgeRecipient:
        """The public recipient that belongs to this identity."""
        return AgeRecipient(nacl.bindings.crypto_scalarmult_base(self.secret))

    def to_text(self) -> str:
        """``AGE-SECRET-KEY-1…``, as age-keygen writes it."""
        return bech32_encode(IDENTITY_HRP, self.secret).upper()

    @classmethod
    def generate(cls) -> AgeIdentity:
        """A new random identity."""
        return cls(nacl.utils.random(32))

    @classmethod
    def parse(cls, text: str) -> AgeIdentity:
        """Read one ``AGE-SECRET-KEY-1…`` line.

        Raises:
            KeyFileError: not an age X25519 identity.
        """
        secret = _decode_key(text.strip(), IDENTITY_HRP)
        if secret is None:
            raise KeyFileError("The line is not an age identity (AGE-SECRET-KEY-1…, as "
                               "age-keygen writes it).")
        return cls(secret)


def _load_keys(path: Path, parse: Callable[[str], _Key], what: str, example: str,
               error: type[InputError | KeyFileError]) -> tuple[_Key, ...]:
    """Every key in a file of them: one a line, ``#`` comments and blank lines skipped.

    The one loader behind identity files and recipient files, as age reads both.
    """
    text = storage.read_small_text(path, limit=_MAX_KEY_FILE, what=what)
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            found.append(parse(line))
        except (InputError, KeyFileError) as exc:
            raise error(f"{path}: line {number} is not {example}.",
                        hint="Give a file age-keygen or 'evidencekit keys age-create' made; "
                             "SSH keys and age plugins are not supported.") from exc
    if not found:
        raise error(f"The {what} {path} holds no key: it needs {example}.")
    return tuple(found)


def load_age_identities(path: Path) -> tuple[AgeIdentity, ...]:
    """Every identity in an age identity file (as ``age-keygen -o`` writes it).

    Raises:
        InputError: the file is missing, not a regular file or not UTF-8.
        KeyFileError: a line is not an age identity, or the file holds none.
    """
    return _load_keys(path, AgeIdentity.parse, "age identity file",
                      "an age identity (AGE-SECRET-KEY-1…)", KeyFileError)


def load_age_recipients(values: Sequence[str]) -> tuple[AgeRecipient, ...]:
    """The recipients named by each value: an ``age1…`` string, or a file of them.

    A file holds one recipient a line (``#`` comments and blank lines ignored), as
    ``age -R`` reads it. Duplicates are dropped, first one kept.

    Raises:
        InputError: a value is neither a recipient nor a readable file of recipients.
    """
    found: dict[bytes, AgeRecipient] = {}
    for value in values:
        if value.strip().startswith("age1"):
            parsed: tuple[AgeRecipient, ...] = (AgeRecipient.parse(value),)
        elif Path(value).is_file():
            parsed = _load_keys(Path(value), AgeRecipient.parse, "recipients file",
                                "an age recipient (age1…)", InputError)
        else:
            raise InputError(f"--encrypt-to {value!r} is neither an age recipient (age1…) "
                             "nor a file of them.")
        for recipient in parsed:
            found.setdefault(recipient.public, recipient)
    return tuple(found.values())


def load_passphrase_file(path: Path) -> str:
    """The passphrase on the first line of ``path`` (for scripts; a prompt is safer).

    Raises:
        InputError: the file is missing, not a small UTF-8 file, or its first line empty.
    """
    lines = storage.read_small_text(path, limit=4096, what="passphrase file").splitlines()
    if not lines or not lines[0]:
        raise InputError(f"The passphrase file {path} has an empty first line.")
    return lines[0]


def create_age_identity(out: Path, *,
                        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                        ) -> AgeRecipient:
    """Write a new age identity file at ``out`` (mode 0600), as ``age-keygen -o`` does.

    Raises:
        InputError: ``out`` already exists.
        StorageError: the file cannot be written.
    """
    if out.exists() or out.is_symlink():
        raise InputError(f"{out} already exists; refusing to overwrite a key.")
    identity = AgeIdentity.generate()
    created = clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = (f"# created: {created}\n# public key: {identity.recipient}\n"
            f"{identity.to_text()}\n")
    storage.atomic_write(out, text.encode("ascii"), mode=0o600, overwrite=False)
    return identity.recipient
