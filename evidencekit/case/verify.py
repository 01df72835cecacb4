"""Verifying a case folder: every object, every event, the head, every signer.

The numbered steps match ``docs/formats.md`` ("Checking a case by hand"):

1. parse every log line (a torn last line is a warning);
2. sequence numbers, case id and hash links of every event;
3. every event's signature, and whether its signer is trusted;
4. the signed head: valid, trusted, and anchoring the last event;
5. ``case.json`` agrees with the signed ``case-created`` event;
6. exhibit references are unique;
7. every stored object is re-hashed and compared with its event (parallel);
8. stray objects and interrupted copies are reported as warnings;
9. every received exhibit against the sender's record kept in ``received/``: the
   sender's signatures, chain and head again, back to the first ingest (the steps
   of ``docs/receiving.md``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from evidencekit.case.folder import Case
from evidencekit.case.records import read_records
from evidencekit.core.errors import CustodyError
from evidencekit.core.hashing import hash_file
from evidencekit.core.progress import Advance, Progress, begin
from evidencekit.core.report import Finding, VerificationReport
from evidencekit.custody.chain import check_log
from evidencekit.custody.events import Event
from evidencekit.custody.exhibits import Item, items_of, whole
from evidencekit.custody.received import check_received
from evidencekit.keys.keyfile import PublicKey
from evidencekit.keys.keyring import Keyring


def _check_case_record(case: Case, events: list[Event]) -> list[Finding]:
    first = events[0] if events else None
    if first is None:
        return []
    if first.seq != 1 or first.action != "case-created":
        return [Finding("case-record-missing", "the log does not start with the signed "
                        "case-created event", "case.json")]
    if first.details != case.info.to_dict():
        return [Finding("case-record-mismatch", "case.json differs from the signed record "
                        "made when the case was created", "case.json")]
    return []


def _check_refs(items: list[Item]) -> list[Finding]:
    seen: set[str] = set()
    found = []
    for item in items:
        if item.ref in seen:
            found.append(Finding("ref-duplicate", "the same exhibit reference was given twice",
                                 item.ref))
        seen.add(item.ref)
    return found


Stored = tuple[str, str, int]
"""A stored object as recorded: who it is (exhibit or bundle), SHA-256, size."""


def stored_objects(events: list[Event]) -> list[Stored]:
    """Every object the log records: exhibits, derived copies and bundles."""
    stored = [(i.ref, i.sha256, i.size) for i in items_of(events)]
    stored += [(f"bundle (event {e.seq})", e.sha256, whole(e.details.get("size")))
               for e in events if e.action == "bundled" and e.sha256]
    return stored


def _check_object(case: Case, stored: Stored, progress: Advance | None) -> list[Finding]:
    label, sha256, size = stored
    path = case.object_path(sha256)
    try:
        digest = hash_file(path, progress)
    except FileNotFoundError:
        return [Finding("object-missing", f"stored file {path.name[:16]}… is missing", label)]
    except OSError as exc:
        return [Finding("object-unreadable", f"stored file cannot be read: {exc.strerror}",
                        label)]
    if digest.sha256 != sha256 or digest.size != size:
        return [Finding("object-altered", "stored file no longer matches the hash recorded "
                        "when it was stored (it was altered or corrupted)", label)]
    return []


def _stray_files(case: Case, stored: list[Stored]) -> list[Finding]:
    known = {case.object_path(sha) for _label, sha, _size in stored}
    found = []
    store = case.root / "objects" / "sha256"
    for folder, _dirs, files in os.walk(store):
        for name in sorted(files):
            path = Path(folder) / name
            if path not in known:
                found.append(Finding("object-unrecorded", "a stored file that no event records "
                                     "(left by an interrupted ingest, or placed by hand)",
                                     str(path.relative_to(case.root)), "warning"))
    leftovers = sorted(p.name for p in case.tmp_dir.glob("*")) if case.tmp_dir.is_dir() else []
    if leftovers:
        found.append(Finding("tmp-leftover", f"{len(leftovers)} interrupted cop(y/ies) in "
                             "objects/tmp; they are not evidence and may be deleted",
                             "objects/tmp", "warning"))
    return found


def verify_case(case: Case, trusted: Sequence[PublicKey], *, jobs: int = 2,
                progress: Progress | None = None) -> VerificationReport:
    """Check everything in a case and return a complete report.

    Never raises for what it finds; problems become findings.

    Raises:
        CustodyError: the custody files cannot be read at all.
    """
    keys = Keyring.of(trusted, case.stored_keys())
    try:
        head = case.read_head()
        head_findings: list[Finding] = []
    except CustodyError as exc:
        head, head_findings = None, [Finding("head-unreadable", exc.message, "head")]
    events, found = check_log(case.read_log(), head, case.info.case_id, keys)
    if head_findings:
        found = [f for f in found if f.code != "head-missing"] + head_findings
    found += _check_case_record(case, events)
    items = items_of(events)
    found += _check_refs(items)
    stored = stored_objects(events)
    advance = begin(progress, sum(size for _label, _sha, size in stored))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for result in pool.map(lambda s: _check_object(case, s, advance), stored):
            found += result
    found += _stray_files(case, stored)
    found += check_received(events, read_records(case), pinned=True)
    checked = {"events": len(events), "items": len(items),
               "bytes": sum(size for _label, _sha, size in stored),
               "signers": len({e.actor.fingerprint for e in events})}
    return VerificationReport(str(case.root), tuple(found), checked)


def bytes_to_verify(case: Case) -> int:
    """Total size of the stored objects (for a progress bar)."""
    try:
        return sum(size for _label, _sha, size in stored_objects(case.events()))
    except CustodyError:
        return 0
