"""Where a received exhibit came from: the ``received_from`` record of a ``received`` event.

A pure value read from a signed event. It names the package, the sender (name,
organisation, key fingerprint), the sender's case and exhibit reference, and the
sender's signed custody head at the time of the export, so that the receiving
chain links to the sending one. See ``docs/receiving.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError

RECEIVED = "received"
"""The action of the event that brings a partner's exhibit into a case."""
PACKAGE_RECEIVED = "package-received"
"""The action of the one event per received package (the disclosure register reads it)."""


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 300:
        raise InputError(f"received_from: {what} must be non-empty text")
    return value


def _hex(value: Any, what: str) -> str:
    text = _text(value, what)
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InputError(f"received_from: {what} must be a SHA-256 in hex")
    return text


def _part(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise InputError(f"received_from: {key} must be an object")
    return value


@attrs.frozen
class Origin:
    """A received exhibit's provenance, exactly as its ``received`` event records it."""

    package_id: str
    sender_name: str
    sender_org: str
    sender_fingerprint: str
    sender_case_ref: str
    sender_case_id: str
    sender_ref: str
    head_seq: int
    head_hash: str
    events_sha256: str
    head_sha256: str
    redacted: bool

    def to_dict(self) -> dict[str, JsonValue]:
        """The ``received_from`` details of the event (and the ``--json`` form)."""
        return {
            "package_id": self.package_id,
            "sender": {"name": self.sender_name, "org": self.sender_org,
                       "fingerprint": self.sender_fingerprint},
            "sender_case": {"ref": self.sender_case_ref, "case_id": self.sender_case_id},
            "sender_ref": self.sender_ref,
            "sender_head": {"seq": self.head_seq, "hash": self.head_hash},
            "record": {"events_sha256": self.events_sha256, "head_sha256": self.head_sha256},
            "redacted": self.redacted,
        }

    @classmethod
    def from_dict(cls, data: object) -> Origin:
        """Rebuild from a (signed but otherwise untrusted) event's details.

        Raises:
            InputError: a field is missing or malformed.
        """
        if not isinstance(data, Mapping):
            raise InputError("received_from must be an object")
        sender, case = _part(data, "sender"), _part(data, "sender_case")
        head, record = _part(data, "sender_head"), _part(data, "record")
        seq = head.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise InputError("received_from: sender_head.seq must be a whole number")
        return cls(
            _text(data.get("package_id"), "package_id"), _text(sender.get("name"), "name"),
            _text(sender.get("org"), "org"), _hex(sender.get("fingerprint"), "fingerprint"),
            _text(case.get("ref"), "case ref"), _text(case.get("case_id"), "case id"),
            _text(data.get("sender_ref"), "sender_ref"), seq, _hex(head.get("hash"), "head"),
            _hex(record.get("events_sha256"), "events hash"),
            _hex(record.get("head_sha256"), "head hash"), data.get("redacted") is True)

    def describe(self) -> str:
        """``received from NAME, ORG, package 1a2b3c4d…, their case REF`` (for people)."""
        return (f"received from {self.sender_name}, {self.sender_org}, package "
                f"{self.package_id}, their case {self.sender_case_ref} (their ref "
                f"{self.sender_ref})")
