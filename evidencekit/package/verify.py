"""Verifying a received package (folder or zip).

The steps match ``docs/package.md``:

1. every payload file re-hashed against both manifests (parallel across files);
2. files present but not listed, and files listed but missing;
3. tag files (``bag-info.txt`` included) against the tag manifest; ``bagit.txt``
   and Payload-Oxum;
4. the signature over ``tagmanifest-sha256.txt``, and whether its signer is trusted;
5. the custody extract: every event's signature and link, the signed head, and
   that each exported file's hash matches its events and the export event;
6. path safety: absolute paths, ``..``, symlinks and device files are refused;
7. for exhibits the sender had itself received from a partner, the partners' records
   carried in ``data/custody/received/`` (see ``docs/receiving.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from evidencekit.core.errors import CustodyError, InputError, KeyFileError
from evidencekit.core.hashing import Digest, hash_stream
from evidencekit.core.progress import Advance, Progress, begin
from evidencekit.core.report import Finding, VerificationReport
from evidencekit.custody.chain import check_extract, split_log, with_rotations
from evidencekit.custody.events import Event, Head
from evidencekit.custody.received import Record, check_received
from evidencekit.keys.keyfile import PublicKey, parse_public_key
from evidencekit.keys.keyring import Keyring
from evidencekit.package import bagfiles, layout
from evidencekit.package.reader import PackageSource, open_package

_SMALL = 64 << 20


def _manifests(src: PackageSource) -> tuple[dict[str, dict[str, str]], list[Finding]]:
    found: list[Finding] = []
    manifests: dict[str, dict[str, str]] = {}
    for algorithm in ("sha256", "sha512"):
        name = f"manifest-{algorithm}.txt"
        data = src.read_small(name)
        if data is None:
            if algorithm == "sha256":
                found.append(Finding("manifest-missing", "the package has no SHA-256 manifest",
                                     name))
            continue
        try:
            manifests[algorithm] = bagfiles.parse_manifest(data, algorithm)
        except InputError as exc:
            found.append(Finding("manifest-invalid", exc.message, name))
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


def _hash_one(src: PackageSource, rel: str, progress: Advance | None,
              sha512: bool = False) -> Digest | str:
    try:
        with src.open(rel) as handle:
            return hash_stream(handle, progress, sha512=sha512)
    except OSError as exc:
        return f"cannot be read: {exc}"


def _check_payload(src: PackageSource, manifests: dict[str, dict[str, str]], jobs: int,
                   progress: Advance | None) -> list[Finding]:
    """Steps 1 and 2."""
    listed = set().union(*(m.keys() for m in manifests.values())) if manifests else set()
    present = {p for p in src.sizes if p.startswith("data/")}
    found = [Finding("file-missing", "listed in the manifest but not in the package", p)
             for p in sorted(listed - present)]
    found += [Finding("file-extra", "in the package but not in the manifest (added after "
                      "signing)", p) for p in sorted(present - listed)]
    to_hash = sorted(listed & present, key=lambda p: -src.sizes[p])
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        both = "sha512" in manifests
        digests = pool.map(lambda p: _hash_one(src, p, progress, both), to_hash)
        for rel, digest in zip(to_hash, digests, strict=True):
            found += _compare(rel, digest, manifests)
    return sorted(found, key=lambda f: f.subject)


def _compare(rel: str, digest: Digest | str, manifests: dict[str, dict[str, str]]) -> list[Finding]:
    if isinstance(digest, str):
        return [Finding("file-unreadable", digest, rel)]
    actual = {"sha256": digest.sha256, "sha512": digest.sha512}
    for algorithm, manifest in manifests.items():
        expected = manifest.get(rel)
        if expected is None:
            return [Finding("file-unlisted", f"not listed in the {algorithm} manifest", rel)]
        if expected != actual[algorithm]:
            return [Finding("file-altered", f"content differs from the {algorithm} manifest "
                            "(the file was changed after it was sent)", rel)]
    return []


def _check_tags(src: PackageSource) -> tuple[dict[str, str], list[Finding]]:
    """Step 3."""
    found: list[Finding] = []
    if src.read_small("bagit.txt") != bagfiles.BAGIT_TXT:
        found.append(Finding("bagit-txt", "bagit.txt is missing or not BagIt 1.0 UTF-8",
                             "bagit.txt"))
    data = src.read_small("tagmanifest-sha256.txt") or b""
    try:
        tags = bagfiles.parse_manifest(data, "sha256")
    except InputError as exc:
        return {}, [*found, Finding("manifest-invalid", exc.message, "tagmanifest-sha256.txt")]
    for required in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt"):
        if required not in tags:
            found.append(Finding("tag-unlisted", "not covered by the signed tag manifest",
                                 required))
    for rel, expected in sorted(tags.items()):
        digest = _hash_one(src, rel, None) if rel in src.sizes else "is missing"
        if isinstance(digest, str):
            found.append(Finding("tag-missing", f"tag file {digest}", rel))
        elif digest.sha256 != expected:
            found.append(Finding("tag-altered", "differs from the signed tag manifest "
                                 "(edited after signing)", rel))
    found += _check_tags_sha512(src)
    extra = [p for p in src.sizes if not p.startswith(("data/", layout.SIGNATURE))
             and p not in tags and not p.startswith("tagmanifest-")]
    found += [Finding("file-extra", "a file outside data/ that the tag manifest does not "
                      "list", p) for p in sorted(extra)]
    info = _bag_info(src, found)
    return info, found


def _check_tags_sha512(src: PackageSource) -> list[Finding]:
    """The SHA-512 tag manifest, when present, agrees with the tag files too."""
    data = src.read_small("tagmanifest-sha512.txt")
    if data is None:
        return []
    try:
        tags = bagfiles.parse_manifest(data, "sha512")
    except InputError as exc:
        return [Finding("manifest-invalid", exc.message, "tagmanifest-sha512.txt")]
    found = []
    for rel, expected in sorted(tags.items()):
        digest = _hash_one(src, rel, None, sha512=True) if rel in src.sizes else "is missing"
        if isinstance(digest, str) or digest.sha512 != expected:
            found.append(Finding("tag-altered", "differs from tagmanifest-sha512.txt (edited "
                                 "after signing)", rel))
    return found


def _bag_info(src: PackageSource, found: list[Finding]) -> dict[str, str]:
    try:
        info = bagfiles.parse_bag_info(src.read_small("bag-info.txt") or b"")
    except InputError as exc:
        found.append(Finding("bag-info-invalid", exc.message, "bag-info.txt"))
        return {}
    oxum = bagfiles.payload_oxum(s for p, s in src.sizes.items() if p.startswith("data/"))
    if info.get("Payload-Oxum") != oxum:
        found.append(Finding("oxum-mismatch", f"Payload-Oxum says {info.get('Payload-Oxum')} "
                             f"but the payload is {oxum} (bytes.files)", "bag-info.txt"))
    return info


def _check_signature(src: PackageSource, info: dict[str, str],
                     trusted: Sequence[PublicKey]) -> tuple[PublicKey | None, list[Finding]]:
    """Step 4."""
    sig = src.read_small(layout.SIGNATURE, 1024)
    pem = src.read_small(layout.SIGNER_PEM, 16 << 10)
    if sig is None or pem is None:
        return None, [Finding("signature-missing", "the package has no signature or no signer "
                              "key", "signature/")]
    try:
        signer = parse_public_key(pem.decode("utf-8", "replace"), source="signature/signer.pem")
    except KeyFileError as exc:
        return None, [Finding("signature-missing", exc.message, layout.SIGNER_PEM)]
    tagmanifest = src.read_small("tagmanifest-sha256.txt") or b""
    if not signer.verify(tagmanifest, sig):
        return None, [Finding("bad-signature", "the signature over tagmanifest-sha256.txt is "
                              "not valid (the manifests were changed or re-made)",
                              layout.SIGNATURE)]
    found = []
    if info.get("Signer-Fingerprint") != signer.fingerprint:
        found.append(Finding("signer-mismatch", "bag-info.txt names another signer than the "
                             "key in signature/signer.pem", "bag-info.txt"))
    if signer.fingerprint not in {k.fingerprint for k in trusted}:
        found.append(Finding("signer-untrusted", f"validly signed by key {signer.fingerprint}, "
                             "which was not given with --trust; confirm the fingerprint with "
                             "the sender, then pass their .pub file", layout.SIGNATURE))
        return None, found
    return signer, found


def verify_package(path: Path, trusted: Sequence[PublicKey], *, jobs: int = 2,
                   progress: Progress | None = None) -> VerificationReport:
    """Check a received package completely and return every finding.

    Raises:
        InputError: ``path`` is neither a package folder nor a zip file.
    """
    return verify_source(open_package(path), trusted, jobs=jobs, progress=progress)


def verify_source(src: PackageSource, trusted: Sequence[PublicKey], *, jobs: int = 2,
                  progress: Progress | None = None) -> VerificationReport:
    """:func:`verify_package` for a package already opened (a folder, a zip ...)."""
    found = list(src.problems)                                          # step 6
    manifests, manifest_findings = _manifests(src)
    found += manifest_findings + _other_manifests(src)
    advance = begin(progress, sum(s for p, s in src.sizes.items() if p.startswith("data/")))
    found += _check_payload(src, manifests, jobs, advance)              # steps 1, 2
    info, tag_findings = _check_tags(src)                               # step 3
    found += tag_findings
    extract, known = src.read_small(layout.EVENTS), _package_keys(src)
    keys = _with_handed_on(extract, Keyring.of(trusted, known))
    signer, sig_findings = _check_signature(src, info, list(keys.trusted.values()))  # step 4
    found += sig_findings
    events, custody_findings = _check_custody(src, extract, info, manifests.get("sha256", {}),
                                              keys, signer)             # step 5
    found += custody_findings
    checked = {"files": len([p for p in src.sizes if p.startswith("data/")]),
               "bytes": sum(s for p, s in src.sizes.items() if p.startswith("data/")),
               "events": events}
    return VerificationReport(src.label, tuple(found), checked)


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


def package_records(src: PackageSource) -> dict[str, Record]:
    """The partners' records an onward package carries, by package id."""
    ids = {p.split("/")[3] for p in src.sizes if p.startswith(layout.RECORDS + "/")
           and p.count("/") >= 4}
    records = {}
    for package_id in sorted(ids):
        base = f"{layout.RECORDS}/{package_id}"
        events, head = src.read_small(f"{base}/events.jsonl"), src.read_small(f"{base}/head.json")
        if events is not None and head is not None:
            records[package_id] = Record(package_id, events, head,
                                         _package_keys(src, f"{base}/keys"))
    return records


def _package_keys(src: PackageSource, folder: str = layout.KEYS) -> list[PublicKey]:
    keys = []
    for rel in sorted(src.sizes):
        if rel.startswith(folder + "/") and rel.count("/") == folder.count("/") + 1 \
                and rel.endswith(".pub"):
            data = src.read_small(rel, 16 << 10)
            try:
                keys.append(parse_public_key((data or b"").decode("utf-8", "replace")))
            except KeyFileError:
                continue
    return keys


def _check_custody(src: PackageSource, raw: bytes | None, info: dict[str, str],
                   manifest: dict[str, str], keys: Keyring,
                   signer: PublicKey | None) -> tuple[int, list[Finding]]:
    """Step 5. Event keys that came in the package count as vouched for by a trusted signer."""
    head_raw = src.read_small(layout.HEAD, 1 << 16)
    if raw is None or head_raw is None:
        return 0, [Finding("custody-missing", "the package has no custody extract or head",
                           "data/custody")]
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
    found += _check_export_event(src, info, manifest, events)
    found += check_received(events, package_records(src), pinned=False,  # step 7
                            redacted=info.get("Redacted") == "yes")
    return len(events), found


def _vouched(finding: Finding) -> Finding:
    return Finding("signer-vouched", f"{finding.message}; the key came in the package, whose "
                   "trusted signer vouches for it", finding.subject, "warning")


def _check_export_event(src: PackageSource, info: dict[str, str], manifest: dict[str, str],
                        events: list[Event]) -> list[Finding]:
    """Each exported file's hash matches the manifest, its own events and the export event."""
    last = events[-1] if events else None
    if last is None or last.action != "exported":
        return [Finding("export-event-missing", "the custody extract does not end with the "
                        "export event", layout.EVENTS)]
    found = []
    if last.details.get("package_id") != info.get("Package-Identifier"):
        found.append(Finding("export-event-mismatch", "the export event names another package "
                             "than bag-info.txt", layout.EVENTS))
    items = last.details.get("items")
    for entry in items if isinstance(items, (list, tuple)) else ():
        found += _check_exported_item(entry, manifest, events)
    exported = {e.get("path") for e in items if isinstance(e, Mapping)} if isinstance(
        items, (list, tuple)) else set()
    for rel in sorted(p for p in manifest if p.startswith(("data/exhibits/", "data/bundle/"))
                      and not p.endswith(".json")):
        if rel not in exported:
            found.append(Finding("export-event-mismatch", "an exhibit file that the export "
                                 "event does not record", rel))
    return found


def _check_exported_item(entry: object, manifest: dict[str, str],
                         events: list[Event]) -> list[Finding]:
    if not isinstance(entry, Mapping):
        return [Finding("export-event-mismatch", "malformed item in the export event",
                        layout.EVENTS)]
    ref, sha, rel = entry.get("ref"), entry.get("sha256"), entry.get("path")
    subject = str(ref)
    if manifest.get(str(rel)) != sha:
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
