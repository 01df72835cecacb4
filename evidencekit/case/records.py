"""The senders' records a case keeps for the exhibits it received (file access only).

Layout, inside the case folder (see ``docs/receiving.md``)::

    received/PACKAGE-ID/events.jsonl      the sender's custody extract, as received
    received/PACKAGE-ID/head.json         the sender's signed head
    received/PACKAGE-ID/keys/FP.pub       the sender's public keys
    received/PACKAGE-ID/upstream/ID/...   records the sender kept for what it had received

The ``received`` events pin each record's SHA-256, so an edited record fails ``verify``.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from evidencekit.case.folder import Case
from evidencekit.core import storage
from evidencekit.core.errors import InputError
from evidencekit.custody.events import Event
from evidencekit.custody.origin import RECEIVED, Origin
from evidencekit.custody.received import (
    MAX_DEPTH,
    Record,
    lineage,
    merge_extracts,
    record_events,
    reduce_record,
)
from evidencekit.keys.keyfile import PublicKey, parse_public_key

RECEIVED_DIR = "received"
_ID = re.compile(r"[0-9a-f][0-9a-f-]{7,63}")
_LIMIT = 256 << 20


def check_package_id(value: str) -> str:
    """A package id that is safe as a folder name (a UUID, as evidencekit writes them).

    Raises:
        InputError: anything else.
    """
    if not _ID.fullmatch(value):
        raise InputError(f"Package identifier {value[:80]!r} is not one evidencekit writes.")
    return value


def record_dir(case: Case, package_id: str) -> Path:
    """Where the sender's record of ``package_id`` is kept."""
    return case.root / RECEIVED_DIR / check_package_id(package_id)


def write_record(folder: Path, record: Record) -> None:
    """Write a record (and its upstream records) into ``folder``.

    Raises:
        StorageError: the files cannot be written.
    """
    (folder / "keys").mkdir(parents=True, exist_ok=True)
    storage.atomic_write(folder / "events.jsonl", record.events, mode=0o444)
    storage.atomic_write(folder / "head.json", record.head, mode=0o444)
    for key in record.keys:
        storage.atomic_write(folder / "keys" / f"{key.fingerprint}.pub",
                             key.to_pub_file().encode("utf-8"), mode=0o444)
    for package_id, upstream in record.upstream.items():
        write_record(folder / "upstream" / check_package_id(package_id), upstream)


def read_record(folder: Path, package_id: str, depth: int = 0) -> Record | None:
    """The record kept in ``folder``, or ``None`` when it is missing or unreadable."""
    try:
        events = storage.read_small_bytes(folder / "events.jsonl", limit=_LIMIT,
                                          what="sender's record")
        head = storage.read_small_bytes(folder / "head.json", limit=1 << 16,
                                        what="sender's head")
    except InputError:
        return None
    upstream: dict[str, Record] = {}
    if depth < 32 and (folder / "upstream").is_dir():
        for sub in sorted((folder / "upstream").iterdir()):
            found = read_record(sub, sub.name, depth + 1)
            if found is not None:
                upstream[sub.name] = found
    return Record(package_id, events, head, _keys(folder / "keys"), upstream)


def _keys(folder: Path) -> tuple[PublicKey, ...]:
    found = []
    for path in sorted(folder.glob("*.pub")) if folder.is_dir() else []:
        with contextlib.suppress(OSError, UnicodeDecodeError, InputError):
            found.append(parse_public_key(path.read_text("utf-8"), source=str(path)))
    return tuple(found)


def read_records(case: Case) -> dict[str, Record]:
    """Every record the case keeps, by package id."""
    root = case.root / RECEIVED_DIR
    records = {}
    for sub in sorted(root.iterdir()) if root.is_dir() else []:
        found = read_record(sub, sub.name)
        if found is not None:
            records[sub.name] = found
    return records


Onward = dict[str, tuple[bytes, Record]]
"""Package id → (the record's extract cut down for an onward package, the record)."""


def onward_records(case: Case, disclosed: list[Event], redacted: bool) -> Onward:
    """The senders' records an onward package must carry for the exhibits it discloses.

    Followed back through every hand-over; each record is cut down to the exhibits
    concerned (the others become numbered hashes, so the chain still checks). A
    redacted package carries only the records of redacted packages: an unredacted
    one's export event names the original files.
    """
    out: Onward = {}
    _visit(disclosed, read_records(case), redacted, out, 0)
    return out


def _visit(events: list[Event], lookup: dict[str, Record], redacted: bool, out: Onward,
           depth: int) -> None:
    for event in events:
        if event.action != RECEIVED or depth > MAX_DEPTH:
            continue
        try:
            origin = Origin.from_dict(event.details.get("received_from"))
        except InputError:
            continue  # verify reports it; nothing to carry
        record = lookup.get(origin.package_id)
        if record is None or (redacted and not origin.redacted):
            continue  # an unredacted package's record names original files: withheld
        inner = record_events(record)
        refs = lineage(inner, origin.sender_ref)
        extract = reduce_record(record, refs, redacted=redacted)
        if origin.package_id in out:
            extract = merge_extracts(out[origin.package_id][0], extract)
        out[origin.package_id] = (extract, record)
        _visit([e for e in inner if e.exhibit in refs], {**lookup, **record.upstream},
               redacted, out, depth + 1)
