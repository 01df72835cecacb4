"""Verifying whatever a path holds, a case folder or a package: the call behind ``verify``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evidencekit.case.folder import CASE_FILE, Case
from evidencekit.case.verify import verify_case
from evidencekit.core.progress import Progress
from evidencekit.core.report import Finding, VerificationReport
from evidencekit.keys.agekey import AgeIdentity
from evidencekit.keys.keyfile import PublicKey
from evidencekit.package.decrypt import Passphrase, decrypted_package, is_age_file
from evidencekit.package.verify import verify_package


def verify_path(path: Path | None, trusted: Sequence[PublicKey], *,
                progress: Progress | None = None, identities: Sequence[AgeIdentity] = (),
                passphrase: Passphrase = None) -> VerificationReport:
    """Verify a case folder, a package folder, a package zip or an encrypted ``.zip.age``.

    ``None`` means the case holding the current folder. A path with nothing at it is a
    failed verification (one ``target-missing`` finding), not an error. An encrypted
    package is decrypted with one of ``identities`` or the ``passphrase`` (a function is
    called only if the file needs a passphrase) into a private temporary folder that is
    removed afterwards; a damaged or altered encrypted file raises before any check.

    Raises:
        InputError: the path is neither a case nor a package, or an encrypted package
            needs an identity or passphrase that was not given.
        CaseError: no case was found from the current folder.
        CustodyError: a case's custody files cannot be read at all.
        KeyFileError: no identity fits the encrypted package, or a wrong passphrase.
        IntegrityError: the encrypted package is damaged, altered or cut short.
    """
    if path is not None and not path.exists() and not path.is_symlink():
        return VerificationReport(str(path), (Finding(
            "target-missing", "there is nothing at this path: check the name of the case "
            "folder, package folder or .zip", str(path)),))
    if path is None or (path / CASE_FILE).is_file():
        case = Case.open(path) if path is not None else Case.find()
        return verify_case(case, trusted, progress=progress)
    if is_age_file(path):
        with decrypted_package(path, identities, passphrase, progress=progress) as plain:
            return verify_package(plain, trusted, progress=progress)
    return verify_package(path, trusted, progress=progress)
