"""Custody events and the signed head: pure values, no file access.

Each event is signed (Ed25519) over its canonical bytes without the
``signature`` field. The event's hash is the SHA-256 of its canonical bytes
*with* the signature, and the next event's ``prev`` holds that hash, so the
log is one hash chain. The signed head records the sequence number and hash
of the last event, so a cut-off tail is detected. See ``docs/formats.md``.

Events and heads are read-only all the way down (``details`` is a ``FrozenDict`` whose
lists are tuples) and their canonical bytes and hash are computed once, when they are
built: a signed value cannot change after it is hashed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Self

import attrs

from evidencekit.core.canonical import JsonValue, canonical_bytes, parse_canonical
from evidencekit.core.errors import CustodyError, InputError
from evidencekit.core.frozen import freeze, thaw
from evidencekit.keys.keyfile import PublicKey, Signer

EVENT_TYPE = "evidencekit.custody-event/1"
HEAD_TYPE = "evidencekit.custody-head/1"
GENESIS = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ACTION = re.compile(r"[a-z][a-z0-9-]{0,39}")


def format_time(moment: datetime) -> str:
    """UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

    Raises:
        InputError: the datetime has no time zone.
    """
    if moment.tzinfo is None:
        raise InputError("Times must carry a time zone; naive datetimes are refused.")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_time(_inst: object, _attr: object, value: str) -> None:
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
    except (TypeError, ValueError) as exc:
        raise InputError(f"Bad UTC time {value!r} in custody record.") from exc


def _check_hex64(_inst: object, _attr: object, value: Any) -> None:
    if not (isinstance(value, str) and _HEX64.fullmatch(value)):
        raise InputError("Expected a 64-digit lower-case hex SHA-256.")


def _check_optional_hex64(inst: object, attr: object, value: Any) -> None:
    if value is not None:
        _check_hex64(inst, attr, value)


def _check_text(_inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InputError(f"Custody field {attr.name!r} must be non-empty text.")


@attrs.frozen
class Actor:
    """Who acted: the key holder's name, organisation and key fingerprint."""

    name: str = attrs.field(validator=_check_text)
    org: str = attrs.field(validator=_check_text)
    fingerprint: str = attrs.field(validator=_check_hex64)

    @classmethod
    def of(cls, key: PublicKey) -> Actor:
        """The actor recorded for a public key."""
        return cls(key.name, key.org, key.fingerprint)

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for the canonical serialiser."""
        return {"name": self.name, "org": self.org, "fingerprint": self.fingerprint}

    @classmethod
    def from_dict(cls, data: object) -> Actor:
        """Rebuild from untrusted data.

        Raises:
            InputError: missing or malformed fields.
        """
        if not isinstance(data, dict):
            raise InputError("Custody actor must be an object.")
        return cls(data.get("name"), data.get("org"), data.get("fingerprint"))  # type: ignore[arg-type]


def _check_action(_inst: object, _attr: object, value: str) -> None:
    if not isinstance(value, str) or not _ACTION.fullmatch(value):
        raise InputError(f"Bad custody action {value!r}.")


def _check_seq(_inst: object, _attr: object, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InputError("Custody sequence numbers are whole numbers from 1.")


def _check_details(_inst: object, _attr: object, value: Mapping[str, JsonValue]) -> None:
    # the canonical form itself is checked when the event's bytes are computed
    if not isinstance(value, Mapping):
        raise InputError("Custody details must be an object.")


class _Signed:
    """Signature handling shared by events and heads (both signed the same way)."""

    signature: str

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers."""
        raise NotImplementedError

    def signature_bytes(self) -> bytes:
        """The raw 64-byte signature (empty when malformed)."""
        try:
            return base64.b64decode(self.signature, validate=True)
        except (binascii.Error, ValueError):
            return b""

    def signed_by(self, signer: Signer) -> Self:
        """A copy carrying ``signer``'s signature."""
        sig = base64.b64encode(signer.sign(self.signed_bytes())).decode("ascii")
        return attrs.evolve(self, signature=sig)  # type: ignore[misc]


@attrs.frozen
class Event(_Signed):
    """One signed custody event (an entry of ``custody/log.jsonl``)."""

    case_id: str = attrs.field(validator=_check_text)
    seq: int = attrs.field(validator=_check_seq)
    time: str = attrs.field(validator=_check_time)
    actor: Actor
    action: str = attrs.field(validator=_check_action)
    exhibit: str | None = attrs.field(
        validator=attrs.validators.optional(attrs.validators.instance_of(str)))
    sha256: str | None = attrs.field(validator=_check_optional_hex64)
    details: Mapping[str, JsonValue] = attrs.field(converter=freeze, validator=_check_details)
    prev: str = attrs.field(validator=_check_hex64)
    signature: str = ""
    _signed: bytes = attrs.field(init=False, repr=False, eq=False)
    _line: bytes = attrs.field(init=False, repr=False, eq=False)
    _hash: str = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        fields = self._fields()
        line = canonical_bytes({**fields, "signature": self.signature})
        object.__setattr__(self, "_signed", canonical_bytes(fields))
        object.__setattr__(self, "_line", line + b"\n")
        object.__setattr__(self, "_hash", hashlib.sha256(line).hexdigest())

    def _fields(self) -> dict[str, JsonValue]:
        return {
            "type": EVENT_TYPE, "case_id": self.case_id, "seq": self.seq, "time": self.time,
            "actor": self.actor.to_dict(), "action": self.action, "exhibit": self.exhibit,
            "sha256": self.sha256, "details": self.details, "prev": self.prev,
        }

    def body(self) -> dict[str, JsonValue]:
        """The signed fields (everything but the signature), as plain dicts and lists."""
        return thaw(self._fields())  # type: ignore[no-any-return]

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers."""
        return self._signed

    def to_line(self) -> bytes:
        """The event's line in the log, newline included."""
        return self._line

    @property
    def hash(self) -> str:
        """SHA-256 of the canonical event with its signature (the chain link)."""
        return self._hash

    @classmethod
    def from_line(cls, line: bytes) -> Event:
        """Parse one log line (without its newline).

        Raises:
            CustodyError: not canonical JSON, wrong type, or malformed fields.
        """
        try:
            data = parse_canonical(line)
            if data.get("type") != EVENT_TYPE or set(data) != _EVENT_KEYS:
                raise InputError("not an evidencekit custody event")
            return cls(
                data["case_id"], data["seq"], data["time"], Actor.from_dict(data["actor"]),
                data["action"], data["exhibit"], data["sha256"], data["details"],
                data["prev"], _as_str(data["signature"]),
            )
        except InputError as exc:
            raise CustodyError(f"Unreadable custody event: {exc.message}") from exc


_EVENT_KEYS = {"type", "case_id", "seq", "time", "actor", "action", "exhibit", "sha256",
               "details", "prev", "signature"}
_HEAD_KEYS = {"type", "case_id", "seq", "hash", "time", "actor", "signature"}


def _as_str(value: object) -> str:
    if not isinstance(value, str):
        raise InputError("signature must be a string")
    return value


@attrs.frozen
class Head(_Signed):
    """The signed head: sequence number and hash of the last event."""

    case_id: str = attrs.field(validator=_check_text)
    seq: int = attrs.field(validator=attrs.validators.and_(
        attrs.validators.instance_of(int), attrs.validators.ge(0)))
    hash: str = attrs.field(validator=_check_hex64)
    time: str = attrs.field(validator=_check_time)
    actor: Actor
    signature: str = ""
    _signed: bytes = attrs.field(init=False, repr=False, eq=False)
    _bytes: bytes = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        body = self.body()
        object.__setattr__(self, "_signed", canonical_bytes(body))
        object.__setattr__(self, "_bytes",
                           canonical_bytes({**body, "signature": self.signature}) + b"\n")

    def body(self) -> dict[str, JsonValue]:
        """The signed fields."""
        return {"type": HEAD_TYPE, "case_id": self.case_id, "seq": self.seq,
                "hash": self.hash, "time": self.time, "actor": self.actor.to_dict()}

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers."""
        return self._signed

    def to_bytes(self) -> bytes:
        """The head file's contents."""
        return self._bytes

    @classmethod
    def from_bytes(cls, data: bytes) -> Head:
        """Parse a head file.

        Raises:
            CustodyError: malformed head.
        """
        try:
            record = parse_canonical(data.rstrip(b"\n"))
            if record.get("type") != HEAD_TYPE or set(record) != _HEAD_KEYS:
                raise InputError("not an evidencekit custody head")
            return cls(record["case_id"], record["seq"], record["hash"], record["time"],
                       Actor.from_dict(record["actor"]), _as_str(record["signature"]))
        except InputError as exc:
            raise CustodyError(f"Unreadable custody head: {exc.message}") from exc


def next_event(
    previous: Event | None, *, case_id: str, signer: Signer, now: datetime, action: str,
    exhibit: str | None = None, sha256: str | None = None,
    details: Mapping[str, JsonValue] | None = None,
) -> Event:
    """Build and sign the event that follows ``previous`` (``None`` for the first).

    Raises:
        InputError: a field is malformed.
    """
    event = Event(
        case_id=case_id, seq=previous.seq + 1 if previous else 1, time=format_time(now),
        actor=Actor.of(signer.public), action=action, exhibit=exhibit, sha256=sha256,
        details=details or {}, prev=previous.hash if previous else GENESIS,
    )
    return event.signed_by(signer)


def head_for(last: Event | None, *, case_id: str, signer: Signer, now: datetime) -> Head:
    """Build and sign the head that anchors ``last``."""
    head = Head(case_id, last.seq if last else 0, last.hash if last else GENESIS,
                format_time(now), Actor.of(signer.public))
    return head.signed_by(signer)
