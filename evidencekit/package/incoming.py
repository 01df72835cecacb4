"""What a verified package says, read from the private copy a receipt checked.

Only called after every check of :func:`verify_source` held on the same files, so
the bytes here are the sender's signed ones; the reads are still defensive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from evidencekit.core import storage
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError, ReceiveError
from evidencekit.core.frozen import frozen_mapping, frozen_tuple, thaw
from evidencekit.custody.events import Event, Head
from evidencekit.custody.exhibits import ITEM_ACTIONS
from evidencekit.custody.origin import Origin
from evidencekit.custody.received import Record, record_events, sha256_of
from evidencekit.keys.keyfile import PublicKey, parse_public_key
from evidencekit.package import bagfiles, layout
from evidencekit.package.reader import FolderSource
from evidencekit.package.verify import package_records

if TYPE_CHECKING:
    from evidencekit.package.plan import ReceivedItem

REGISTER_FIELDS = ("purpose", "basis", "marking", "encryption")
"""Fields of the sender's ``exported`` event copied into the disclosure register."""


@attrs.frozen
class Sent:
    """One exhibit as the sender's export event lists it, with its sender's event."""

    ref: str
    sha256: str
    path: str
    source: Event


@attrs.frozen
class Incoming:
    """A verified package: its id, sender, exhibits and the record to keep."""

    package_id: str
    sender: PublicKey
    head: Head
    export: Event
    sent: tuple[Sent, ...] = attrs.field(converter=frozen_tuple)
    record: Record
    info: Mapping[str, str] = attrs.field(converter=frozen_mapping)

    @property
    def origin_case_ref(self) -> str:
        """The sender's case reference (bag-info ``External-Identifier``)."""
        return self.info.get("External-Identifier", "") or "?"

    @property
    def redacted(self) -> bool:
        """Whether the sender exported redacted copies only."""
        return self.export.details.get("redacted") is True

    def origin(self, sender_ref: str) -> Origin:
        """The ``received_from`` record for one of the package's exhibits."""
        return Origin(self.package_id, self.sender.name, self.sender.org,
                      self.sender.fingerprint, self.origin_case_ref, self.head.case_id,
                      sender_ref, self.head.seq, self.head.hash, sha256_of(self.record.events),
                      sha256_of(self.record.head), self.redacted)

    def item_details(self, planned: ReceivedItem) -> dict[str, JsonValue]:
        """The ``received`` event's details: the sender's own record of the exhibit, kept."""
        sent = next(s for s in self.sent if s.ref == planned.sender_ref)
        details: dict[str, JsonValue] = {k: v for k, v in thaw(sent.source.details).items()
                                         if k != "received_from"}
        source = details.get("source_ref")
        if isinstance(source, str) and planned.ref != planned.sender_ref:
            details["source_ref"] = planned.ref[: -len(planned.sender_ref)] + source
        details["sender_event"] = {"seq": sent.source.seq, "action": sent.source.action,
                                   "time": sent.source.time, "hash": sent.source.hash,
                                   "by": sent.source.actor.to_dict()}
        details["received_from"] = self.origin(sent.ref).to_dict()
        return details

    def package_details(self, planned: Sequence[ReceivedItem]) -> dict[str, JsonValue]:
        """The ``package-received`` event's details (what the disclosure register shows)."""
        exported = thaw(self.export.details)
        extra = {k: exported[k] for k in REGISTER_FIELDS if exported.get(k) is not None}
        return {
            "package_id": self.package_id, "sent_at": self.export.time,
            "sender": {"name": self.sender.name, "org": self.sender.org,
                       "fingerprint": self.sender.fingerprint},
            "sender_case": {"ref": self.origin_case_ref, "case_id": self.head.case_id},
            "sender_head": {"seq": self.head.seq, "hash": self.head.hash},
            "recipient": str(exported.get("recipient", "")), "redacted": self.redacted,
            "items": [{"ref": p.ref, "sender_ref": p.sender_ref, "sha256": p.sha256,
                       "status": p.status} for p in planned],
            **extra,
        }


def _refused(why: str) -> ReceiveError:
    return ReceiveError(f"The package cannot be received: {why}.")


def read_incoming(folder: Path) -> Incoming:
    """Read a verified package folder.

    Raises:
        ReceiveError: something the checks let through but a receipt cannot use.
    """
    try:
        info = bagfiles.parse_bag_info(_read(folder, "bag-info.txt", 1 << 20))
        extract = _read(folder, layout.EVENTS, 256 << 20)
        head_bytes = _read(folder, layout.HEAD, 1 << 16)
        sender = parse_public_key(_read(folder, layout.SIGNER_PEM, 1 << 14).decode("utf-8"))
        head = Head.from_bytes(head_bytes)
    except (InputError, UnicodeDecodeError) as exc:
        raise _refused(str(exc)) from exc
    events = record_events(Record("", extract, head_bytes))
    if not events or events[-1].action != "exported":
        raise _refused("its custody extract does not end with the export event")
    export = events[-1]
    src = FolderSource(folder)
    keys = tuple(_keys(folder / layout.KEYS))
    # the signer's name and organisation as the signed export event records them
    sender = PublicKey(sender.raw, export.actor.name, export.actor.org)
    record = Record(info.get("Package-Identifier", ""), extract, head_bytes, keys,
                    package_records(src))
    return Incoming(record.package_id, sender, head, export, tuple(_sent(export, events)),
                    record, info)


def _read(folder: Path, rel: str, limit: int) -> bytes:
    return storage.read_small_bytes(folder / rel, limit=limit, what=rel)


def _keys(folder: Path) -> list[PublicKey]:
    found = []
    for path in sorted(folder.glob("*.pub")):
        try:
            found.append(parse_public_key(path.read_text("utf-8"), source=path.name))
        except (InputError, UnicodeDecodeError, OSError):
            continue
    return found


def _sent(export: Event, events: list[Event]) -> list[Sent]:
    items = export.details.get("items")
    sent = []
    for entry in items if isinstance(items, (list, tuple)) else ():
        if not isinstance(entry, Mapping) or entry.get("ref") == "bundle":
            continue  # the sender's hearing bundle is theirs, not an exhibit
        ref, sha, path = entry.get("ref"), entry.get("sha256"), entry.get("path")
        source = [e for e in events if e.action in ITEM_ACTIONS and e.exhibit == ref
                  and e.sha256 == sha]
        if not (isinstance(ref, str) and isinstance(sha, str) and isinstance(path, str)
                and source):
            raise _refused(f"exhibit {ref} has no event that records it")
        sent.append(Sent(ref, sha, path, source[-1]))
    return sent
