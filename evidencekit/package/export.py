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
6. rename the staging folder into place (or zip it and rename the zip; or, for an
   encrypted package, stream the zip through age encryption, write
   ``READ-ME-FIRST.txt`` beside it and rename the ``.age`` file).
"""

from __future__ import annotations

import os
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import BinaryIO

from evidencekit.case.derived import plan_redacted, select_items
from evidencekit.case.folder import Case, CaseWriter
from evidencekit.core import storage
from evidencekit.core.canonical import JsonValue, canonical_bytes
from evidencekit.core.errors import InputError, IntegrityError, StorageError
from evidencekit.core.hashing import Digest, copy_and_hash, hash_file
from evidencekit.core.progress import Advance, Progress, begin
from evidencekit.custody.events import Event, Head
from evidencekit.custody.exhibits import Item, find_bundle, readable_name, whole
from evidencekit.custody.lifecycle import KEY_ACTIONS
from evidencekit.keys.diceware import generate_passphrase
from evidencekit.keys.keyfile import PublicKey, Signer
from evidencekit.package import bagfiles, layout
from evidencekit.package.encrypt import AgeEncryption, encrypting
from evidencekit.package.layout import ExportedFile, ExportRequest, ExportResult

EXHIBITS = "data/exhibits"
BUNDLE = "data/bundle"


def _copy_exhibit(case: Case, item: Item, dest: Path, progress: Advance | None,
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
            lines.append(layout.omitted_line(event))
    return b"".join(lines)


def _record_export(case: Case, signer: Signer, staging: Path, package_id: str,
                   request: ExportRequest, files: list[ExportedFile],
                   bundle: Event | None) -> tuple[Event, Head]:
    details: dict[str, JsonValue] = {
        "package_id": package_id, "recipient": request.recipient,
        "redacted": request.redacted,
        "items": [{"ref": f.ref, "sha256": f.sha256, "path": f.path} for f in files],
    }
    if request.encryption is not None:
        details["encryption"] = request.encryption.to_record()
    with case.writing(signer) as writer:
        event = writer.append("exported", details=details)
        writer.write_head()
        events = [e for e in case.events() if e.seq <= event.seq]
        head = _head_at(case, writer)
    keep = {f.ref for f in files}
    also = {event.seq} | ({bundle.seq} if bundle else set())
    _write(staging, layout.EVENTS, _custody_extract(events, keep, also, request.redacted))
    _write(staging, layout.HEAD, head.to_bytes())
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
                request: ExportRequest, digests: dict[str, Digest],
                bundle: Event | None) -> None:
    _write(staging, "manifest-sha256.txt",
           bagfiles.format_manifest({p: d.sha256 for p, d in digests.items()}))
    if request.sha512:
        _write(staging, "manifest-sha512.txt",
               bagfiles.format_manifest({p: d.sha512 or "" for p, d in digests.items()}))
    _write(staging, "bagit.txt", bagfiles.BAGIT_TXT)
    info = layout.bag_info_fields(case.info, signer.public, package_id, request,
                                       case.clock(), bagfiles.payload_oxum(d.size for d in
                                                                      digests.values()),
                                       bundle)
    _write(staging, "bag-info.txt", bagfiles.format_bag_info(info))
    _write(staging, "VERIFY.txt", layout.verify_text(case.info, signer.public, package_id,
                                                          request, bundle))
    _write(staging, layout.SIGNER_PEM, signer.public.to_pem().encode("ascii"))
    tags = {name: hash_file(staging / name, sha512=request.sha512)
            for name in layout.TAG_FILES if (staging / name).exists()}
    if request.sha512:  # tag manifests in the payload manifests' algorithms (RFC 8493 §2.2.1)
        _write(staging, "tagmanifest-sha512.txt",
               bagfiles.format_manifest({n: d.sha512 or "" for n, d in tags.items()}))
    tagmanifest = bagfiles.format_manifest({n: d.sha256 for n, d in tags.items()})
    _write(staging, "tagmanifest-sha256.txt", tagmanifest)
    _write(staging, layout.SIGNATURE, signer.sign(tagmanifest))  # last: never re-made


def export_package(case: Case, signer: Signer, out: Path, request: ExportRequest,
                   progress: Progress | None = None) -> ExportResult:
    """Write a signed BagIt package of the case's exhibits to ``out`` (or ``out`` as zip).

    Raises:
        InputError: ``out`` exists, or a bad selection.
        IntegrityError: an exhibit no longer matches its hash (nothing is exported).
        StorageError: the package cannot be written.
    """
    target = package_target(out, request)
    read_me = _read_me_path(target) if request.encryption is not None else None
    for path in (target, read_me):
        if path is not None and (path.exists() or path.is_symlink()):
            raise InputError(f"{path} already exists; choose a new name for the package.")
    passphrase = generate_passphrase() if request.encryption is not None \
        and request.encryption.passphrase else None
    items = select_items(case, request.refs)
    if request.redacted:
        items = plan_redacted(case, items)
    package_id = str(uuid.uuid4())
    staging = target.parent / f".{target.name}.partial-{package_id[:8]}"
    try:
        staging.mkdir(parents=True)
        advance = begin(progress, sum(i.size for i in items))
        known, files = _copy_all(case, items, staging, advance, request.redacted,
                                 request.sha512)
        bundle = _carried(case, request)
        if bundle is not None:
            known, files = _copy_bundle(case, bundle, staging, known, files, request.sha512)
        for key in _signer_keys(case, signer):
            _write(staging, f"{layout.KEYS}/{key.fingerprint}.pub",
                   key.to_pub_file().encode("utf-8"))
        _write_index(staging, items, files, request.redacted)
        event, _head = _record_export(case, signer, staging, package_id, request, files,
                                      bundle)
        _finish_bag(staging, case, signer, package_id, request,
                    _payload_digests(staging, known, request.sha512), bundle)
        if request.encryption is not None and read_me is not None:
            _publish_encrypted(staging, target, read_me, package_id,
                               (request.encryption, passphrase), progress)
        else:
            _publish(staging, target, request.zip)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(str(target), package_id, tuple(files), event.seq,
                        signer.public.fingerprint, layout.bundle_line(bundle),
                        None if bundle is None else str(bundle.details.get("bundle_id")),
                        encryption=request.encryption, passphrase=passphrase,
                        read_me=None if read_me is None else str(read_me))


def package_target(out: Path, request: ExportRequest) -> Path:
    """Where the package goes: ``out``, ``out.zip``, or ``out.zip.age`` when encrypted."""
    if request.encryption is not None:
        name = out.name.removesuffix(".age").removesuffix(".zip")
        return out.with_name(f"{name}.zip.age")
    return out.with_suffix(".zip") if request.zip and out.suffix != ".zip" else out


def _read_me_path(target: Path) -> Path:
    """``x.zip.age`` → ``x.READ-ME-FIRST.txt`` beside it (one per package in a folder)."""
    return target.with_name(f"{target.name.removesuffix('.zip.age')}.READ-ME-FIRST.txt")


def _carried(case: Case, request: ExportRequest) -> Event | None:
    """The recorded bundle the package carries: the one named, else the latest of its kind.

    None when only some exhibits are exported and no bundle is named.
    """
    if request.bundle is None and request.refs:
        return None
    return find_bundle(case.events(), request.bundle, request.redacted)


def _copy_all(case: Case, items: list[Item], staging: Path, progress: Advance | None,
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
    rel = layout.BUNDLE_PDF
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
    rows = layout.index_rows(items, files, redacted)
    _write(staging, layout.INDEX_JSON, canonical_bytes(rows) + b"\n")
    _write(staging, layout.INDEX_CSV, layout.index_csv(rows))


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


def _publish_encrypted(staging: Path, target: Path, read_me: Path, package_id: str,
                       how: tuple[AgeEncryption, str | None],
                       progress: Progress | None) -> None:
    """Stream the zip through age encryption into ``target`` (no plaintext zip on disk)."""
    encryption, passphrase = how
    partial = target.with_name(f".{target.name}.partial")
    top = target.name.removesuffix(".zip.age")
    storage.atomic_write(read_me, layout.read_me_first(target.name, package_id, encryption),
                         overwrite=False)  # first: refused if it appeared since the check
    try:
        with open(partial, "wb") as handle:  # ours: a stale one from a crash is replaced
            with encrypting(handle, encryption, passphrase) as writer:
                # the writer has write and flush only, all that zipfile needs of a stream
                _zip_into(staging, writer, top, progress)  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
        storage.fsync_dir(target.parent)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        read_me.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StorageError(f"Could not write the package {target}: {exc.strerror}.") \
                from exc
        raise


def _zip_folder(folder: Path, dest: Path) -> None:
    """Zip ``folder`` under one top folder named like the zip (so unzip makes one folder)."""
    top = dest.name.removeprefix(".").removesuffix(".partial").removesuffix(".zip")
    with open(dest, "wb") as handle:
        _zip_into(folder, handle, top, None)
        handle.flush()
        os.fsync(handle.fileno())


def _zip_into(folder: Path, handle: BinaryIO, top: str, progress: Progress | None) -> None:
    """Write ``folder`` as a stored zip to ``handle`` (which need not be seekable)."""
    files = storage.walk_files(folder)
    advance = begin(progress, sum(p.stat().st_size for p in files))
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in files:
            info = zipfile.ZipInfo.from_file(path, f"{top}/{path.relative_to(folder).as_posix()}")
            with open(path, "rb") as src, archive.open(info, "w", force_zip64=True) as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
                    if advance is not None:
                        advance(len(block))
