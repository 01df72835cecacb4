"""Verifying a received package (folder or zip).

The steps match ``docs/package.md``:

1. every payload file re-hashed against both manifests (parallel across files);
2. files present but not listed, and files listed but missing;
3. tag files (``bag-info.txt`` included) against the tag manifest; ``bagit.txt``
   and Payload-Oxum;
4. the signature over ``tagmanifest-sha256.txt``, and whether its signer is trusted;
5. the custody extract: every event's signature and link, the signed head, and
   that each exported file's hash matches its events and the export event;
6. path safety: absolute paths, ``..``, symlinks and device files are refused.

Each problem is reported once, at its cause (``docs/package.md``): a check whose
result would only repeat an earlier finding is skipped and named in the report's
``skipped``, and a manifest entry that disagrees with an intact file (one matching its
signed custody record) is blamed on the manifest, not the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs

from evidencekit.core.errors import CustodyError, InputError, KeyFileError
from evidencekit.core.progress import Advance, Progress, begin
from evidencekit.core.report import Finding, SkippedCheck, VerificationReport
from evidencekit.custody.chain import check_extract, split_log, with_rotations
from evidencekit.custody.events import Event, Head
from evidencekit.keys.keyfile import PublicKey, parse_public_key
from evidencekit.keys.keyring import Keyring
from evidencekit.package import bagfiles, layout
from evidencekit.package.reader import PackageSource, hash_entry, open_package
from evidencekit.package.verify_payload import (
    BROKEN,
    Hashed,
    Manifest,
    listed,
    payload_findings,
)
from evidencekit.package.verify_seal import Seal, check_seal

CUSTODY = "data/custody/"


def _manifests(src: PackageSource) -> tuple[list[Manifest], list[Finding]]:
    """The SHA-256 and SHA-512 payload manifests; one finding for each damaged line."""
    found: list[Finding] = []
    manifests = []
    for algorithm in ("sha256", "sha512"):
        name = f"manifest-{algorithm}.txt"
        data = src.read_small(name)
        if data is None:
            if algorithm == "sha256":
                found.append(Finding("manifest-missing", "the package has no SHA-256 manifest",
                                     name))
            continue
        entries, problems = bagfiles.read_manifest(data, algorithm)
        found += [Finding("manifest-invalid", problem, name) for problem in problems]
        manifests.append(Manifest(name, algorithm, entries, len(problems)))
    return manifests, found


def _other_manifests(src: PackageSource) -> list[Finding]:
    """Step 6 for manifests in other algorithms (md5, sha1 ...).

    Their paths must be safe and a payload manifest's files present; only the SHA-256
    and SHA-512 hashes count.
    """
    found: list[Finding] = []
    payload = {p for p in src.sizes if p.startswith("data/")}
    for name in sorted(src.sizes):
        match = bagfiles.MANIFEST_NAME.match(name)
        if match is None or match.group(2) in ("sha256", "sha512"):
            continue
        try:
            entries = bagfiles.parse_manifest(src.read_small(name) or b"", match.group(2))
        except InputError as exc:
            found.append(Finding("manifest-invalid", exc.message, name))
            continue
        if not match.group(1):
            found += [Finding("file-missing", f"listed in {name} but not in the package", p)
                      for p in sorted(set(entries) - payload)]
    return found


def _hash_payload(src: PackageSource, manifests: list[Manifest], jobs: int,
                  progress: Advance | None) -> dict[str, Hashed]:
    """Step 1's hashing: every listed payload file present, largest first, in parallel."""
    to_hash = sorted(listed(manifests) & set(src.sizes), key=lambda p: -src.sizes[p])
    both = any(m.algorithm == "sha512" for m in manifests)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        digests = pool.map(lambda p: hash_entry(src, p, progress, both), to_hash)
        return dict(zip(to_hash, digests, strict=True))


@attrs.frozen
class _Custody:
    events: list[Event]
    findings: list[Finding]
    record: dict[str, str]
    skipped: list[SkippedCheck]


def verify_package(path: Path, trusted: Sequence[PublicKey], *, jobs: int = 2,
                   progress: Progress | None = None) -> VerificationReport:
    """Check a received package completely and return every finding, each at its cause.

    Checks that would only repeat an earlier finding are left out and listed in the
    report's ``skipped``.

    Raises:
        InputError: ``path`` is neither a package folder nor a zip file.
    """
    src = open_package(path)
    found = list(src.problems)                                          # step 6
    manifests, manifest_findings = _manifests(src)
    found += manifest_findings + _other_manifests(src)
    present = {p for p in src.sizes if p.startswith("data/")}
    advance = begin(progress, sum(src.sizes[p] for p in present))
    hashed = _hash_payload(src, manifests, jobs, advance)                # step 1
    extract, known = src.read_small(layout.EVENTS), _package_keys(src)
    keys = _with_handed_on(extract, Keyring.of(trusted, known))
    seal = check_seal(src, list(keys.trusted.values()))                 # steps 3, 4
    found = [f for f in found if not (f.code == "manifest-missing" and f.subject in seal.changed)]
    manifests = [attrs.evolve(m, altered=m.name in seal.changed) for m in manifests]
    custody = _custody(src, extract, seal, manifests, hashed, keys)     # step 5
    payload = payload_findings(present, manifests, hashed, custody.record)  # steps 1, 2
    found += payload + seal.findings + custody.findings
    oxum, oxum_skipped = _check_oxum(src, seal.info, payload)
    found += oxum
    found += _check_export_items(custody, manifests, hashed, payload)
    checked = {"files": len(present), "bytes": sum(src.sizes[p] for p in present),
               "events": len(custody.events)}
    skipped = [*seal.skipped, *oxum_skipped, *custody.skipped]
    return VerificationReport(src.label, tuple(found), checked, tuple(skipped))


def _custody(src: PackageSource, extract: bytes | None, seal: Seal, manifests: list[Manifest],
             hashed: dict[str, Hashed], keys: Keyring) -> _Custody:
    """Step 5, unless a custody file already failed step 1 (its findings would repeat it)."""
    present = {p for p in src.sizes if p.startswith(CUSTODY)}
    custody_manifests = [attrs.evolve(m, entries={p: d for p, d in m.entries.items()
                                                  if p.startswith(CUSTODY)})
                         for m in manifests]
    broken = sorted(f.subject for f in payload_findings(present, custody_manifests, hashed, {})
                    if f.code in BROKEN)
    if broken:
        return _Custody([], [], {}, [SkippedCheck(
            "the custody extract and the export event",
            f"{', '.join(broken)} failed the manifest check above")])
    found, events = _check_custody(src, extract, seal.info, keys, seal.signer)
    clean = not any(f.severity == "error" for f in found)
    skipped = []
    if seal.signer is None and any(f.code == "signer-untrusted" for f in found):
        # keys that came in the package: the failed seal above is why none is vouched for
        found = [f for f in found if f.code != "signer-untrusted"]
        skipped.append(SkippedCheck(
            "trust in event signers whose keys came in the package",
            "the package signature does not hold or its signer is not trusted, so it "
            "vouches for no key"))
    return _Custody(events, found, _export_record(events) if clean else {}, skipped)


def _export_record(events: list[Event]) -> dict[str, str]:
    """``{path: sha256}`` the export event signs for."""
    items = events[-1].details.get("items") if events else None
    if not events or events[-1].action != "exported" or not isinstance(items, (list, tuple)):
        return {}
    return {str(i.get("path")): str(i.get("sha256")) for i in items if isinstance(i, Mapping)}


def _check_oxum(src: PackageSource, info: dict[str, str] | None,
                payload: list[Finding]) -> tuple[list[Finding], list[SkippedCheck]]:
    """Payload-Oxum, unless an altered file already explains a changed byte count."""
    if info is None:
        return [], []
    sizes = [s for p, s in src.sizes.items() if p.startswith("data/")]
    oxum, stated = bagfiles.payload_oxum(sizes), info.get("Payload-Oxum")
    if stated is None:
        return [Finding("oxum-missing", f"bag-info.txt has no Payload-Oxum (the payload is "
                        f"{oxum}, bytes.files)", "bag-info.txt")], []
    if stated == oxum:
        return [], []
    codes = {f.code for f in payload}
    if stated.endswith(f".{len(sizes)}") and codes and codes <= {"file-altered",
                                                                 "file-unreadable"}:
        return [], [SkippedCheck("Payload-Oxum", "the altered file(s) above changed the byte "
                                 "count")]
    also = (" (the missing or extra files above change it)"
            if codes & {"file-missing", "file-extra"} else "")
    return [Finding("oxum-mismatch", f"Payload-Oxum says {stated} but the payload is {oxum} "
                    f"(bytes.files){also}", "bag-info.txt")], []


def bytes_in_package(path: Path) -> int:
    """Payload bytes (for a progress bar); 0 when unreadable."""
    try:
        src = open_package(path)
    except InputError:
        return 0
    return sum(s for p, s in src.sizes.items() if p.startswith("data/"))


def _with_handed_on(extract: bytes | None, keys: Keyring) -> Keyring:
    """The keyring plus keys handed on by signed rotations in the custody extract."""
    lines, _torn = split_log(extract or b"")
    return with_rotations(lines, keys)


def _package_keys(src: PackageSource) -> list[PublicKey]:
    keys = []
    for rel in sorted(src.sizes):
        if rel.startswith(layout.KEYS + "/") and rel.endswith(".pub"):
            data = src.read_small(rel, 16 << 10)
            try:
                keys.append(parse_public_key((data or b"").decode("utf-8", "replace")))
            except KeyFileError:
                continue
    return keys


def _check_custody(src: PackageSource, raw: bytes | None, info: dict[str, str] | None,
                   keys: Keyring, signer: PublicKey | None) -> tuple[list[Finding], list[Event]]:
    """Step 5. Event keys that came in the package count as vouched for by a trusted signer."""
    head_raw = src.read_small(layout.HEAD, 1 << 16)
    if raw is None or head_raw is None:
        return [Finding("custody-missing", "the package has no custody extract or head",
                        "data/custody")], []
    try:
        head: Head | None = Head.from_bytes(head_raw)
    except CustodyError as exc:
        head = None
        found = [Finding("head-unreadable", exc.message, layout.HEAD)]
    else:
        found = []
    case_id = head.case_id if head else ""
    events, chain_findings = check_extract(raw, head, case_id, keys)
    found += [_vouched(f) if signer and f.code == "signer-untrusted" else f
              for f in chain_findings if not (head is None and f.code == "head-missing")]
    found += _check_export_event(info, events)
    return found, events


def _vouched(finding: Finding) -> Finding:
    return Finding("signer-vouched", f"{finding.message}; the key came in the package, whose "
                   "trusted signer vouches for it", finding.subject, "warning")


def _check_export_event(info: dict[str, str] | None, events: list[Event]) -> list[Finding]:
    """The extract ends with the export event of this package."""
    last = events[-1] if events else None
    if last is None or last.action != "exported":
        return [Finding("export-event-missing", "the custody extract does not end with the "
                        "export event", layout.EVENTS)]
    if info is not None and last.details.get("package_id") != info.get("Package-Identifier"):
        return [Finding("export-event-mismatch", "the export event names another package "
                        "than bag-info.txt", layout.EVENTS)]
    return []


def _check_export_items(custody: _Custody, manifests: list[Manifest],
                        hashed: dict[str, Hashed], payload: list[Finding]) -> list[Finding]:
    """Each exported file's real SHA-256 matches the export event and an event of its own.

    Files that already failed steps 1 and 2 are left out: that finding is their cause.
    """
    events = custody.events
    if not events or events[-1].action != "exported":
        return []
    reported = {f.subject for f in payload}
    items = events[-1].details.get("items")
    entries = items if isinstance(items, (list, tuple)) else ()
    found = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            found.append(Finding("export-event-mismatch", "malformed item in the export event",
                                 layout.EVENTS))
        elif str(entry.get("path")) not in reported:
            found += _check_exported_item(entry, hashed, events)
    exported = {e.get("path") for e in entries if isinstance(e, Mapping)}
    for rel in sorted(p for p in listed(manifests) if p.startswith(("data/exhibits/",
                      "data/bundle/")) and not p.endswith(".json")):
        if rel not in exported and rel not in reported:
            found.append(Finding("export-event-mismatch", "an exhibit file that the export "
                                 "event does not record", rel))
    return found


def _check_exported_item(entry: Mapping[str, object], hashed: dict[str, Hashed],
                         events: list[Event]) -> list[Finding]:
    ref, sha, rel = entry.get("ref"), entry.get("sha256"), entry.get("path")
    subject = str(ref)
    digest = hashed.get(str(rel))
    if digest is None or isinstance(digest, str) or digest.sha256 != sha:
        return [Finding("custody-mismatch", f"{rel} does not have the SHA-256 the export event "
                        "records", subject)]
    if ref == "bundle":
        recorded = any(e.action == "bundled" and e.sha256 == sha for e in events)
    else:
        recorded = any(e.exhibit == ref and e.sha256 == sha and e.action != "exported"
                       for e in events)
    if not recorded:
        return [Finding("custody-mismatch", "no custody event in the extract records this "
                        "exhibit with this SHA-256", subject)]
    return []
