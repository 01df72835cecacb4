"""Export: a signed BagIt package that a recipient can check with or without evidencekit.

Order of work (so that a failure leaves nothing half-made, and the signature is last):

1. copy each exhibit from the store into a staging folder, hashing SHA-256 and
   SHA-512 in the same pass, and check it still matches its recorded hash;
2. write the exhibit index (CSV and JSON) and the signers' public keys;
3. under the case lock, append the signed ``exported`` event and write the
   custody extract (the events of the exported items, others reduced to their
   hashes) with the signed head that anchors it;
4. write the payload manifests, ``bagit.txt``, ``bag-info.txt``, ``VERIFY.txt``
   and the tag manifest;
5. sign the exact bytes of ``tagmanifest-sha256.txt``; nothing is written after;
6. rename the staging folder into place (or zip it and rename the zip).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from . import bag, filetype, packageinfo, storage
from .canonical import JsonValue, canonical_bytes
from .case import Case, CaseWriter
from .custody import Event, Head
from .derived import latest_derivative, marked_no_redaction
from .errors import InputError, IntegrityError, StorageError
from .hashing import Digest, copy_and_hash, hash_file
from .items import Item, latest_bundle, ref_sort_key, whole
from .keylife import KEY_ACTIONS
from .keys import PublicKey, Signer

Progress = Callable[[int], None]
EXHIBITS = "data/exhibits"
BUNDLE = "data/bundle"


@attrs.frozen
class ExportRequest:
    """What to export, and to whom."""

    recipient: str = attrs.field()
    refs: tuple[str, ...] = ()
    zip: bool = False
    redacted: bool = False
    sha512: bool = True

    @recipient.validator
    def _check(self, _attr: object, value: str) -> None:
        if not value.strip() or "\n" in value or len(value) > 200:
            raise InputError("--recipient must be one line of 1 to 200 characters.")


@attrs.frozen
class ExportedFile:
    """One payload file of the package."""

    ref: str
    path: str
    sha256: str
    size: int


@attrs.frozen
class ExportResult:
    """What was written."""

    path: str
    package_id: str
    files: tuple[ExportedFile, ...]
    event_seq: int
    signer_fingerprint: str

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json``."""
        return {"path": self.path, "package_id": self.package_id, "event_seq": self.event_seq,
                "signer_fingerprint": self.signer_fingerprint,
                "files": [attrs.asdict(f) for f in self.files]}


def select_items(case: Case, refs: Sequence[str]) -> list[Item]:
    """The exhibits named (all when none are), in reference order.

    Raises:
        InputError: an unknown reference, or a case with no exhibits.
    """
    items = case.items()
    if refs:
        wanted = {r.strip().upper() for r in refs if r.strip()}
        known = {i.ref.upper() for i in items}
        if missing := sorted(wanted - known):
            raise InputError(f"No exhibit {', '.join(missing)} in this case.",
                             hint="Run 'evidencekit list' to see the references.")
        items = [i for i in items if i.ref.upper() in wanted]
    if not items:
        raise InputError("There is nothing to export: the case has no exhibits yet.")
    return sorted(items, key=lambda i: ref_sort_key(i.ref))


def plan_redacted(case: Case, items: list[Item]) -> list[Item]:
    """What a redacted package holds in place of each exhibit.

    Each exhibit's newest redacted copy, or the exhibit itself when it is recorded
    as needing no redaction.

    Raises:
        InputError: naming every exhibit that has neither.
    """
    everything = case.items()
    cleared = marked_no_redaction(case)
    chosen, missing = [], []
    for item in items:
        if item.source_ref is not None or item.sha256 in cleared:
            chosen.append(item)
        elif (copy := latest_derivative(everything, item)) is not None:
            chosen.append(copy)
        else:
            missing.append(item.ref)
    if missing:
        raise InputError(
            f"No redacted version of {', '.join(missing)}; nothing was exported.",
            hint="Redact them first, or record that one needs none with 'evidencekit "
                 "redaction-not-needed REF --reason ...'.")
    return sorted({i.ref: i for i in chosen}.values(), key=lambda i: ref_sort_key(i.ref))


def readable_name(item: Item, redacted: bool = False) -> str:
    """``HG-1_statement_hana_green.txt``: the reference first, then a safe file name.

    In a redacted package only the reference and an extension for the content type
    are used: an original file name can itself name a third party.
    """
    ref = item.ref.replace("/", "-")
    if redacted:
        return ref + filetype.EXTENSIONS.get(item.media_type, (".bin",))[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(item.original_name).name).strip("._") or "file"
    return f"{ref}_{stem[:80]}"


def _copy_exhibit(case: Case, item: Item, dest: Path, progress: Progress | None,
                  sha512: bool) -> Digest:
    source = case.object_path(item.sha256)
    try:
        with open(source, "rb", buffering=0) as src:
            out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                digest = copy_and_hash(src, out, progress, sha512=sha512)
                os.fsync(out)
            finally:
                os.close(out)
    except FileNotFoundError as exc:
        raise IntegrityError(f"Exhibit {item.ref} is missing from the case store.",
                             hint="Run 'evidencekit verify' on the case.") from exc
    except OSError as exc:
        raise StorageError(f"Could not copy exhibit {item.ref}: {exc.strerror}.") from exc
    if digest.sha256 != item.sha256:
        raise IntegrityError(f"Exhibit {item.ref} no longer matches the hash recorded at "
                             "ingest; nothing was exported.",
                             hint="Run 'evidencekit verify' on the case.")
    return digest


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    storage.atomic_write(path, data)


def _custody_extract(events: list[Event], keep: set[str], also: set[int],
                     redacted: bool) -> bytes:
    lines = []
    for event in events:
        disclose_case = event.action == "case-created" and not redacted
        key_record = event.action in KEY_ACTIONS  # who may sign: never withheld
        if disclose_case or key_record or event.exhibit in keep or event.seq in also:
            lines.append(event.to_line())
        else:
            lines.append(packageinfo.omitted_line(event))
    return b"".join(lines)


def _record_export(case: Case, signer: Signer, staging: Path, package_id: str,
                   request: ExportRequest, files: list[ExportedFile],
                   bundle: Event | None) -> tuple[Event, Head]:
    details: dict[str, JsonValue] = {
        "package_id": package_id, "recipient": request.recipient,
        "redacted": request.redacted,
        "items": [{"ref": f.ref, "sha256": f.sha256, "path": f.path} for f in files],
    }
    with case.writing(signer) as writer:
        event = writer.append("exported", details=details)
        writer.write_head()
        events = [e for e in case.events() if e.seq <= event.seq]
        head = _head_at(case, writer)
    keep = {f.ref for f in files}
    also = {event.seq} | ({bundle.seq} if bundle else set())
    _write(staging, packageinfo.EVENTS, _custody_extract(events, keep, also, request.redacted))
    _write(staging, packageinfo.HEAD, head.to_bytes())
    return event, head


def _head_at(case: Case, writer: CaseWriter) -> Head:
    head = case.read_head()
    if head is None or writer.last is None or head.hash != writer.last.hash:
        raise IntegrityError("The custody head could not be re-signed after the export event.")
    return head


def _signer_keys(case: Case, signer: Signer) -> list[PublicKey]:
    keys = {k.fingerprint: k for k in case.stored_keys()}
    keys[signer.public.fingerprint] = signer.public
    return list(keys.values())


def _payload_digests(staging: Path, known: dict[str, Digest],
                     sha512: bool) -> dict[str, Digest]:
    digests = dict(known)
    for path in storage.walk_files(staging / "data"):
        rel = path.relative_to(staging).as_posix()
        if rel not in digests:
            digests[rel] = hash_file(path, sha512=sha512)
    return digests


def _finish_bag(staging: Path, case: Case, signer: Signer, package_id: str,
                request: ExportRequest, digests: dict[str, Digest]) -> None:
    _write(staging, "manifest-sha256.txt",
           bag.format_manifest({p: d.sha256 for p, d in digests.items()}))
    if request.sha512:
        _write(staging, "manifest-sha512.txt",
               bag.format_manifest({p: d.sha512 or "" for p, d in digests.items()}))
    _write(staging, "bagit.txt", bag.BAGIT_TXT)
    info = packageinfo.bag_info_fields(case.info, signer.public, package_id, request,
                                       case.clock(), bag.payload_oxum(d.size for d in
                                                                      digests.values()))
    _write(staging, "bag-info.txt", bag.format_bag_info(info))
    _write(staging, "VERIFY.txt", packageinfo.verify_text(case.info, signer.public, package_id,
                                                          request))
    tags = {name: hash_file(staging / name).sha256 for name in packageinfo.TAG_FILES
            if (staging / name).exists()}
    tagmanifest = bag.format_manifest(tags)
    _write(staging, "tagmanifest-sha256.txt", tagmanifest)
    _write(staging, packageinfo.SIGNATURE, signer.sign(tagmanifest))  # last: never re-made
    _write(staging, packageinfo.SIGNER_PEM, signer.public.to_pem().encode("ascii"))


def export_package(case: Case, signer: Signer, out: Path, request: ExportRequest,
                   progress: Progress | None = None) -> ExportResult:
    """Write a signed BagIt package of the case's exhibits to ``out`` (or ``out`` as zip).

    Raises:
        InputError: ``out`` exists, or a bad selection.
        IntegrityError: an exhibit no longer matches its hash (nothing is exported).
        StorageError: the package cannot be written.
    """
    target = out.with_suffix(".zip") if request.zip and out.suffix != ".zip" else out
    if target.exists():
        raise InputError(f"{target} already exists; choose a new name for the package.")
    items = select_items(case, request.refs)
    if request.redacted:
        items = plan_redacted(case, items)
    package_id = str(uuid.uuid4())
    staging = target.parent / f".{target.name}.partial-{package_id[:8]}"
    try:
        staging.mkdir(parents=True)
        known, files = _copy_all(case, items, staging, progress, request.redacted,
                                 request.sha512)
        bundle = None if request.refs else latest_bundle(case.events(), request.redacted)
        if bundle is not None:
            known, files = _copy_bundle(case, bundle, staging, known, files, request.sha512)
        for key in _signer_keys(case, signer):
            _write(staging, f"{packageinfo.KEYS}/{key.fingerprint}.pub",
                   key.to_pub_file().encode("utf-8"))
        _write_index(staging, items, files, request.redacted)
        event, _head = _record_export(case, signer, staging, package_id, request, files,
                                      bundle)
        _finish_bag(staging, case, signer, package_id, request,
                    _payload_digests(staging, known, request.sha512))
        _publish(staging, target, request.zip)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(str(target), package_id, tuple(files), event.seq,
                        signer.public.fingerprint)


def _copy_all(case: Case, items: list[Item], staging: Path, progress: Progress | None,
              redacted: bool, sha512: bool) -> tuple[dict[str, Digest], list[ExportedFile]]:
    (staging / EXHIBITS).mkdir(parents=True)
    known: dict[str, Digest] = {}
    files = []
    for item in items:
        rel = f"{EXHIBITS}/{readable_name(item, redacted)}"
        digest = _copy_exhibit(case, item, staging / rel, progress, sha512)
        known[rel] = digest
        files.append(ExportedFile(item.ref, rel, digest.sha256, digest.size))
    return known, files


def _copy_bundle(case: Case, bundle: Event, staging: Path, known: dict[str, Digest],
                 files: list[ExportedFile], sha512: bool,
                 ) -> tuple[dict[str, Digest], list[ExportedFile]]:
    """Add the latest bundle (and its page map) to the package: data/bundle/."""
    (staging / BUNDLE).mkdir(parents=True)
    rel = f"{BUNDLE}/hearing-bundle.pdf"
    digest = _copy_exhibit(case, _bundle_item(bundle), staging / rel, None, sha512)
    _write(staging, f"{BUNDLE}/hearing-bundle.json",
           canonical_bytes({"bundle_sha256": bundle.sha256, "custody_event": bundle.seq,
                            **bundle.details}) + b"\n")
    return {**known, rel: digest}, [*files, ExportedFile("bundle", rel, digest.sha256,
                                                         digest.size)]


def _bundle_item(bundle: Event) -> Item:
    return Item(ref="bundle", sha256=bundle.sha256 or "", size=whole(bundle.details.get("size")),
                kind="bundle", producer="", description="hearing bundle", original_name="",
                media_type="application/pdf", ingested_at=bundle.time, ingested_by="",
                seq=bundle.seq, details={})


def _write_index(staging: Path, items: list[Item], files: list[ExportedFile],
                 redacted: bool) -> None:
    rows = packageinfo.index_rows(items, files, redacted)
    _write(staging, packageinfo.INDEX_JSON, canonical_bytes(rows) + b"\n")
    _write(staging, packageinfo.INDEX_CSV, packageinfo.index_csv(rows))


def _publish(staging: Path, target: Path, as_zip: bool) -> None:
    try:
        if not as_zip:
            os.replace(staging, target)
            storage.fsync_dir(target.parent)
            return
        partial = target.with_name(f".{target.name}.partial")
        _zip_folder(staging, partial)
        os.replace(partial, target)
        storage.fsync_dir(target.parent)
    except OSError as exc:
        raise StorageError(f"Could not write the package {target}: {exc.strerror}.") from exc


def _zip_folder(folder: Path, dest: Path) -> None:
    """Zip ``folder`` under one top folder named like the zip (so unzip makes one folder)."""
    top = dest.name.removeprefix(".").removesuffix(".partial").removesuffix(".zip")
    with contextlib.ExitStack() as stack:
        handle = stack.enter_context(open(dest, "wb"))
        archive = stack.enter_context(zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED,
                                                      allowZip64=True))
        for path in storage.walk_files(folder):
            info = zipfile.ZipInfo.from_file(path, f"{top}/{path.relative_to(folder).as_posix()}")
            with open(path, "rb") as src, archive.open(info, "w", force_zip64=True) as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        archive.close()
        handle.flush()
        os.fsync(handle.fileno())
