"""Re-checking a received exhibit's history in its sender's records (pure).

When a partner's exhibit is received, the sender's custody extract, its signed head
and the sender's public keys are kept with it (a :class:`Record`). Every verification
of the receiving case, and of any package exported onward, checks each ``received``
event against that record. The numbered steps match ``docs/receiving.md``:

1. the record named by the event's package id is present (and, in the receiving case,
   byte for byte the one received: its SHA-256 is in the signed event);
2. the record's signed head is the sender's head the event recorded;
3. every event of the record is signed and linked, and the head anchors the last
   (the sender's key is the one whose fingerprint the event recorded; keys that
   came with the record are vouched for by it);
4. the record ends with the sender's ``exported`` event for this package, naming the
   exhibit with this SHA-256, and an event of the record brings that exhibit into
   the sender's case with this SHA-256;
5. when that event is itself a ``received`` one, steps 1–4 again for the sender's
   own source, back to the first ingest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import attrs

from evidencekit.core.errors import CustodyError, InputError
from evidencekit.core.frozen import frozen_mapping, frozen_tuple
from evidencekit.core.report import Finding
from evidencekit.custody.chain import Omitted, check_extract, omitted_line, split_log
from evidencekit.custody.events import Event, Head
from evidencekit.custody.exhibits import ITEM_ACTIONS
from evidencekit.custody.lifecycle import KEY_ACTIONS
from evidencekit.custody.origin import RECEIVED, Origin
from evidencekit.keys.keyfile import PublicKey
from evidencekit.keys.keyring import Keyring

MAX_DEPTH = 32
"""Hand-overs followed back at most (a backstop against a crafted loop of records)."""


@attrs.frozen
class Record:
    """A sender's custody extract, signed head and public keys, as kept with a receipt.

    ``upstream`` holds the records the sender itself kept for exhibits it had received
    (by package id), so a chain of hand-overs can be followed to the first ingest.
    """

    package_id: str
    events: bytes
    head: bytes
    keys: tuple[PublicKey, ...] = attrs.field(default=(), converter=frozen_tuple)
    upstream: Mapping[str, Record] = attrs.field(factory=dict, converter=frozen_mapping)


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def check_received(events: Iterable[Event], records: Mapping[str, Record], *,
                   pinned: bool, redacted: bool = False) -> list[Finding]:
    """Steps 1–5 for every ``received`` event; ``pinned`` checks the records' own hashes.

    ``pinned`` is for a receiving case, which keeps each record exactly as received; a
    package exported onward carries records cut down to the exhibits it holds (steps
    2–3 still tie them to the signed head). A ``redacted`` package leaves out the
    records of unredacted packages (their export events name the original files): that
    is a warning, not an error. Each record is checked once, however many exhibits
    came in it, and its findings are reported once.
    """
    checker = _Checker()
    found: list[Finding] = []
    for event in events:
        if event.action == RECEIVED and event.exhibit:
            found += checker.one(event, records, pinned, redacted, 0)
    return list(dict.fromkeys(found))


Checked = tuple[list[Event] | None, list[Finding]]


class _Checker:
    """Checks received events, each sender's record once (a record may carry thousands)."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, bool, bytes, bytes], Checked] = {}

    def one(self, event: Event, records: Mapping[str, Record], pinned: bool, redacted: bool,
            depth: int) -> list[Finding]:
        subject = str(event.exhibit)
        try:
            origin = Origin.from_dict(event.details.get("received_from"))
        except InputError as exc:
            return [Finding("received-record-invalid", exc.message, subject)]
        record = records.get(origin.package_id)
        if record is None and redacted and not origin.redacted:
            return [Finding("received-record-withheld", "the sender's record is not in this "
                            "redacted package (it names original files); the signed received "
                            "event records the sender's head", subject, "warning")]
        if record is None:                                                   # step 1
            return [Finding("received-record-missing", f"the sender's record of package "
                            f"{origin.package_id} is missing", subject)]
        events, found = self._record(record, origin, pinned)                 # steps 1-3
        if events is None or any(f.severity == "error" for f in found):
            return found
        found = found + _check_handover(events, origin, event.sha256 or "", subject)  # 4
        source = _source_event(events, origin.sender_ref, event.sha256)
        if source is not None and source.action == RECEIVED and depth < MAX_DEPTH:  # 5
            found += self.one(source, {**records, **record.upstream}, False, origin.redacted,
                              depth + 1)
        return found

    def _record(self, record: Record, origin: Origin, pinned: bool) -> Checked:
        key = (origin.package_id, pinned, record.events, record.head)
        if key not in self._done:
            where = f"sender's record {origin.package_id[:8]}"
            if pinned and (sha256_of(record.events) != origin.events_sha256
                           or sha256_of(record.head) != origin.head_sha256):
                self._done[key] = (None, [Finding(
                    "received-record-altered", "the stored record of the sender's custody "
                    "differs from the one received (it was edited)", where)])
            else:
                self._done[key] = _check_record(record, origin, where)
        return self._done[key]


def _check_record(record: Record, origin: Origin, where: str) -> Checked:
    try:
        head = Head.from_bytes(record.head)
    except CustodyError as exc:
        return None, [Finding("received-record-altered", exc.message, where)]
    if head.seq != origin.head_seq or head.hash != origin.head_hash or \
            head.case_id != origin.sender_case_id:
        return None, [Finding("received-record-altered", "the sender's signed head is not "
                              "the one recorded when the exhibit was received", where)]
    keys = {k.fingerprint: k for k in record.keys}
    sender = keys.get(origin.sender_fingerprint)
    if sender is None:
        return None, [Finding("received-key-missing", "the sender's public key is not kept "
                              "with the record", where)]
    ring = Keyring({sender.fingerprint: sender}, keys)
    events, chain = check_extract(record.events, head, head.case_id, ring)
    return events, [_relabel(f, where) for f in chain]


def _relabel(finding: Finding, where: str) -> Finding:
    if finding.code == "signer-untrusted":  # a key the trusted sender's record carried
        return Finding("signer-vouched", f"{finding.message}; the sender's record carried "
                       "the key", f"{where}: {finding.subject}", "warning")
    return attrs.evolve(finding, subject=f"{where}: {finding.subject}")


def _check_handover(events: Sequence[Event], origin: Origin, sha256: str,
                    subject: str) -> list[Finding]:
    last = events[-1] if events else None
    if last is None or last.action != "exported" or \
            last.details.get("package_id") != origin.package_id or \
            last.actor.fingerprint != origin.sender_fingerprint:
        return [Finding("received-record-mismatch", "the sender's record does not end with "
                        "the sender's export of this package", subject)]
    items = last.details.get("items")
    listed = any(isinstance(i, Mapping) and i.get("ref") == origin.sender_ref
                 and i.get("sha256") == sha256 for i in items or ()) \
        if isinstance(items, (list, tuple)) else False
    if not listed or _source_event(events, origin.sender_ref, sha256) is None:
        return [Finding("received-record-mismatch", f"the sender's record does not show "
                        f"exhibit {origin.sender_ref} with this SHA-256 being sent", subject)]
    return []


def _source_event(events: Sequence[Event], ref: str, sha256: str | None) -> Event | None:
    found = [e for e in events if e.action in ITEM_ACTIONS and e.exhibit == ref
             and e.sha256 == sha256]
    return found[-1] if found else None


def lineage(events: Iterable[Event], ref: str) -> set[str]:
    """``ref`` and the exhibits it was derived from (``source_ref``), cycle-safe."""
    source_of = {e.exhibit: e.details.get("source_ref") for e in events
                 if e.action in ITEM_ACTIONS and e.exhibit}
    found = [ref]
    while isinstance(up := source_of.get(found[-1]), str) and up not in found:
        found.append(up)
    return set(found)


def _parsed(raw: bytes) -> list[Event | bytes]:
    """Each line of an extract: an event, or the raw line of a placeholder."""
    lines, _torn = split_log(raw)
    out: list[Event | bytes] = []
    for line in lines:
        try:
            out.append(Event.from_line(line))
        except CustodyError:
            out.append(line)
    return out


def reduce_record(record: Record, refs: set[str], *, redacted: bool) -> bytes:
    """The record's extract showing only the events of ``refs`` (others as placeholders).

    The sender's export event and key records are always shown; the case record only
    when the onward package is not redacted. The hash chain is unchanged.
    """
    lines = _parsed(record.events)
    last = max((i for i, e in enumerate(lines) if isinstance(e, Event)), default=-1)
    out = []
    for index, entry in enumerate(lines):
        if isinstance(entry, bytes):
            out.append(entry + b"\n")
        elif index == last or entry.action in KEY_ACTIONS or entry.exhibit in refs or \
                (entry.action == "case-created" and not redacted):
            out.append(entry.to_line())
        else:
            out.append(omitted_line(entry))
    return b"".join(out)


def merge_extracts(first: bytes, second: bytes) -> bytes:
    """Two cut-downs of one extract as one: each line shown if either shows it.

    Both must anchor the same chain (the caller checks the heads are the same).
    """
    a, b = split_log(first)[0], split_log(second)[0]
    if len(a) != len(b):
        return first
    return b"".join((y if Omitted.from_line(x) is not None else x) + b"\n"
                    for x, y in zip(a, b, strict=True))


def record_events(record: Record) -> list[Event]:
    """The readable events of a record (for following its ``received`` events)."""
    return [e for e in _parsed(record.events) if isinstance(e, Event)]
