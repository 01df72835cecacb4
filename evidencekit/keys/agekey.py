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

import attrs
import nacl.bindings
import nacl.utils

from evidencekit.core import storage
from evidencekit.core.errors import InputError, KeyFileError

RECIPIENT_HRP = "age"
IDENTITY_HRP = "age-secret-key-"
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_MAX_KEY_FILE = 1 << 20


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
    for value in data:
        acc = (acc << source) | value
        bits += source
        while bits >= target:
            bits -= target
            out.append((acc >> bits) & top)
    if pad and bits:
        out.append((acc << (target - bits)) & top)
    elif not pad and (bits >= source or (acc << (target - bits)) & top):
        return None
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
        decoded = bech32_decode(text.strip())
        if decoded is None or decoded[0] != RECIPIENT_HRP or len(decoded[1]) != 32 \
                or text.strip() != text.strip().lower():
            shown = text.strip()[:80]
            raise InputError(f"{shown!r} is not an age recipient (a public key like "
                             "age1…, 62 characters, as age-keygen prints).",
                             hint="SSH keys and age plugins are not supported.")
        return cls(decoded[1])


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
        decoded = bech32_decode(text.strip())
        if decoded is None or decoded[0] != IDENTITY_HRP or len(decoded[1]) != 32 \
                or text.strip() != text.strip().upper():
            raise KeyFileError("The line is not an age identity (AGE-SECRET-KEY-1…, as "
                               "age-keygen writes it).")
        return cls(decoded[1])


def _key_lines(path: Path, what: str) -> list[str]:
    text = storage.read_small_text(path, limit=_MAX_KEY_FILE, what=what)
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def load_age_identities(path: Path) -> tuple[AgeIdentity, ...]:
    """Every identity in an age identity file (as ``age-keygen -o`` writes it).

    Raises:
        InputError: the file is missing, not a regular file or not UTF-8.
        KeyFileError: a line is not an age identity, or the file holds none.
    """
    found = []
    for number, line in enumerate(_key_lines(path, "age identity file"), start=1):
        try:
            found.append(AgeIdentity.parse(line))
        except KeyFileError as exc:
            raise KeyFileError(f"{path}: key line {number} is not an age identity "
                               "(AGE-SECRET-KEY-1…).",
                               hint="Give the file age-keygen or 'evidencekit keys "
                                    "age-create' made; SSH keys are not supported.") from exc
    if not found:
        raise KeyFileError(f"{path} holds no age identity (AGE-SECRET-KEY-1… line).")
    return tuple(found)


def load_recipients(values: Sequence[str]) -> tuple[AgeRecipient, ...]:
    """The recipients named by each value: an ``age1…`` string, or a file of them.

    A file holds one recipient a line (``#`` comments and blank lines ignored), as
    ``age -R`` reads it. Duplicates are dropped, first one kept.

    Raises:
        InputError: a value is neither a recipient nor a readable file of recipients.
    """
    found: dict[bytes, AgeRecipient] = {}
    for value in values:
        if value.strip().startswith("age1"):
            parsed = [AgeRecipient.parse(value)]
        elif Path(value).exists():
            lines = _key_lines(Path(value), "recipients file")
            if not lines:
                raise InputError(f"The recipients file {value} lists no recipient.")
            parsed = [AgeRecipient.parse(line) for line in lines]
        else:
            raise InputError(f"--encrypt-to {value!r} is neither an age recipient (age1…) "
                             "nor a file of them.")
        for recipient in parsed:
            found.setdefault(recipient.public, recipient)
    return tuple(found.values())


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
    storage.atomic_write(out, text.encode("ascii"), mode=0o600)
    return identity.recipient
