"""Receiving a partner's package into a case: open, verify completely, then import.

Order of work (so that a refused package leaves the case byte for byte as it was):

1. **open**: an encrypted ``.zip.age`` is first decrypted into a private temporary
   folder (:func:`decrypted_package`); then the package's listed, safe files are copied
   into a private folder in the case's ``objects/tmp`` (a zip is unpacked there; what
   the copy leaves out as unsafe is reported), so what is checked is exactly what is
   imported;
2. **verify** that copy with every check of ``evidencekit verify`` (see
   :func:`verify_source`); any error, an untrusted signer included, refuses the package
   and the private copy is removed;
3. **plan** (pure): each exported exhibit keeps the sender's reference (PD 32: it belongs
   to the witness who produced it), or takes ``PREFIX-`` in front of it when asked; a
   reference already used by another exhibit refuses the package, never renumbers it;
4. **import**, under the case lock: each exhibit moves into the store; the sender's
   custody extract, head and keys are kept in ``received/PACKAGE-ID/``; one signed
   ``received`` event per exhibit and one ``package-received`` event are appended.

A package received before adds nothing (:attr:`ReceiveResult.already_received`).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

import attrs

from evidencekit.case.folder import Case, CaseWriter
from evidencekit.case.objects import store_object
from evidencekit.case.records import record_dir, write_record
from evidencekit.core.errors import InputError, IntegrityError, ReceiveError, StorageError
from evidencekit.core.frozen import frozen_tuple
from evidencekit.core.progress import Progress
from evidencekit.core.report import Finding, VerificationReport
from evidencekit.custody.origin import PACKAGE_RECEIVED, RECEIVED
from evidencekit.keys.agekey import AgeIdentity
from evidencekit.keys.keyfile import PublicKey, Signer
from evidencekit.package.decrypt import Passphrase, decrypted_package, is_age_file
from evidencekit.package.incoming import Incoming, read_incoming
from evidencekit.package.plan import ReceivedItem, plan_receipt
from evidencekit.package.reader import FolderSource, PackageSource, open_package
from evidencekit.package.verify import verify_source

_PREFIX = re.compile(r"[A-Z0-9]{1,12}")


@attrs.frozen
class ReceiveResult:
    """What receiving a package did (``items`` is empty when it was received before)."""

    package_id: str
    sender_name: str
    sender_org: str
    sender_fingerprint: str
    sender_case_ref: str
    items: tuple[ReceivedItem, ...] = attrs.field(converter=frozen_tuple)
    already_received: bool
    event_seq: int | None
    report: VerificationReport

    def to_dict(self) -> dict[str, object]:
        """Plain-data form for ``--json``."""
        return {"package_id": self.package_id, "already_received": self.already_received,
                "sender": {"name": self.sender_name, "org": self.sender_org,
                           "fingerprint": self.sender_fingerprint},
                "sender_case_ref": self.sender_case_ref, "event_seq": self.event_seq,
                "items": [i.to_dict() for i in self.items],
                "warnings": [f.to_dict() for f in self.report.warnings]}


def check_prefix(prefix: str | None) -> str | None:
    """Normalise a ``--prefix`` (``nhp`` → ``NHP``).

    Raises:
        InputError: not 1 to 12 letters or digits.
    """
    if prefix is None:
        return None
    value = prefix.strip().upper()
    if not _PREFIX.fullmatch(value):
        raise InputError(f"--prefix {prefix!r} must be 1 to 12 letters or digits, e.g. NHP.")
    return value


def receive_package(case: Case, signer: Signer, package: Path, trusted: Sequence[PublicKey],
                    *, prefix: str | None = None, progress: Progress | None = None,
                    identities: Sequence[AgeIdentity] = (),
                    passphrase: Passphrase = None) -> ReceiveResult:
    """Verify a partner's package completely, then add its exhibits to ``case``.

    ``package`` is a folder, a zip, or an encrypted ``.zip.age`` (opened with one of
    ``identities`` or the ``passphrase``, in a private temporary folder removed
    afterwards). ``trusted`` are the public keys whose signature on the package you
    accept (confirm the fingerprint with the sender first). Nothing is added unless
    every check holds.

    Raises:
        ReceiveError: the package failed verification (``report`` says how), its signer
            is not trusted, a reference is taken, or an encrypted package is damaged
            (nothing was added).
        InputError: ``package`` is neither a package folder, a zip nor a ``.zip.age``;
            a bad prefix; an identity or passphrase needed but not given.
        KeyFileError: no identity fits the encrypted package, or a wrong passphrase.
        StorageError, CustodyError: the case cannot be written.
    """
    if not is_age_file(package):
        return receive_source(case, signer, open_package(package), trusted, prefix=prefix,
                              progress=progress)
    try:
        with decrypted_package(package, identities, passphrase, progress=progress) as plain:
            src = open_package(plain)
            src.label = str(package)
            return receive_source(case, signer, src, trusted, prefix=prefix,
                                  progress=progress)
    except IntegrityError as exc:  # a damaged or altered .age file: refused like the rest
        raise ReceiveError(f"Package {package} was refused: {exc.message}") from exc


def receive_source(case: Case, signer: Signer, src: PackageSource,
                   trusted: Sequence[PublicKey], *, prefix: str | None = None,
                   progress: Progress | None = None) -> ReceiveResult:
    """:func:`receive_package` for a package already opened (the replaceable first step).

    Raises:
        ReceiveError, InputError, StorageError, CustodyError: as :func:`receive_package`.
    """
    prefix = check_prefix(prefix)
    staging = case.tmp_dir / f"receive-{uuid.uuid4().hex[:12]}"
    try:
        _copy_listed(src, staging)                                            # step 1
        report = _verified(src, staging, trusted, progress)                   # step 2
        incoming = read_incoming(staging)
        if (seen := _received_before(case, incoming.package_id)) is not None:
            return _result(incoming, (), True, seen, report)
        here = case.info.case_id
        plan_receipt(incoming, case.items(), prefix, here)  # refused before anything is written
        with case.writing(signer) as writer:
            if (seen := _received_before(case, incoming.package_id)) is not None:
                return _result(incoming, (), True, seen, report)  # received meanwhile
            planned = plan_receipt(incoming, case.items(), prefix, here)      # step 3
            seq = _import(case, writer, staging, incoming, planned)           # step 4
        return _result(incoming, planned, False, seq, report)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy_listed(src: PackageSource, staging: Path) -> None:
    try:
        staging.mkdir(parents=True)
        for rel in sorted(src.sizes):
            dest = staging / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with src.open(rel) as handle, os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(handle, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
    except OSError as exc:
        raise StorageError(f"Could not copy the package into the case: {exc}.") from exc


def _verified(src: PackageSource, staging: Path, trusted: Sequence[PublicKey],
              progress: Progress | None) -> VerificationReport:
    checked = verify_source(FolderSource(staging), trusted, progress=progress)
    report = VerificationReport(src.label, (*src.problems, *checked.findings), checked.checked)
    if not report.ok:
        raise ReceiveError(f"Package {src.label} was refused: {_reason(report.errors)}.",
                           report=report)
    return report


def _reason(errors: Sequence[Finding]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{first.subject}: {first.message} [{first.code}]{more}"


def _received_before(case: Case, package_id: str) -> int | None:
    for event in case.events():
        if event.action == PACKAGE_RECEIVED and event.details.get("package_id") == package_id:
            return event.seq
    return None


def _import(case: Case, writer: CaseWriter, staging: Path, incoming: Incoming,
            planned: Sequence[ReceivedItem]) -> int:
    write_record(record_dir(case, incoming.package_id), incoming.record)
    for item in planned:
        if item.status != "added":
            continue
        store_object(case, staging / item.path, item.sha256)
        writer.append(RECEIVED, exhibit=item.ref, sha256=item.sha256,
                      details=incoming.item_details(item))
    event = writer.append(PACKAGE_RECEIVED, details=incoming.package_details(planned))
    return event.seq


def _result(incoming: Incoming, planned: Sequence[ReceivedItem], before: bool, seq: int,
            report: VerificationReport) -> ReceiveResult:
    return ReceiveResult(incoming.package_id, incoming.sender.name, incoming.sender.org,
                         incoming.sender.fingerprint, incoming.origin_case_ref,
                         tuple(planned), before, seq, report)
