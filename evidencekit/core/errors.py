"""The one exception tree of evidencekit.

Every error the library raises on purpose is an :class:`EvidenceKitError`.
Each carries a message written for the person at the keyboard (``str(err)``)
and, where one exists, a ``hint`` saying what to do next::

    EvidenceKitError
    ├── InputError        bad arguments or unreadable input files
    │   ├── RedactionError    an exhibit cannot be redacted as asked
    │   ├── BundleError       a court bundle cannot be built as asked
    │   └── ReceiveError      a partner's package was refused; nothing was added
    ├── KeyFileError      key files: wrong passphrase, damaged or missing key
    ├── IntegrityError    a hash, signature, chain or manifest does not hold
    │   └── SignatureError    a signature is invalid, or its signer not trusted
    ├── CustodyError      the custody log cannot be read or appended to
    ├── CaseError         no case here, or the case folder is malformed
    └── StorageError      the file system refused a read or write

Foreign exceptions (``OSError``, ``nacl`` errors, JSON errors) are wrapped at
the boundary with ``raise ... from exc`` so callers only catch this tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evidencekit.core.report import VerificationReport


class EvidenceKitError(Exception):
    """Base class of every error evidencekit raises on purpose.

    A class may set ``default_hint``: what to do next when the raiser gave no hint.
    """

    default_hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def user_message(self) -> str:
        """The one-line text shown to a user: what happened and what to do."""
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message


class InputError(EvidenceKitError):
    """An argument or input file cannot be used as given."""


class RedactionError(InputError):
    """An exhibit cannot be redacted as asked (nothing to redact, a page that cannot be read)."""

    default_hint = ("The original is unchanged. Check the exhibit with a --preview, or see "
                    "docs/redacting-statements.md and docs/redacting-media.md.")


class BundleError(InputError):
    """A court bundle cannot be built as asked (an exhibit missing, unreadable or unredacted)."""

    default_hint = "Nothing was recorded. See docs/bundles.md for the spec and the rules."


class ReceiveError(InputError):
    """A partner's package was refused; nothing was added to the case.

    It failed verification, its signer is not trusted, or its references are taken.
    ``report`` is the verification report, when there is one.
    """

    default_hint = ("Nothing was added to the case. See docs/receiving.md; check the package "
                    "with 'evidencekit verify PACKAGE --trust SENDER.pub'.")

    def __init__(self, message: str, *, hint: str | None = None,
                 report: VerificationReport | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class KeyFileError(EvidenceKitError):
    """A key file is missing, damaged, or the passphrase is wrong."""


class IntegrityError(EvidenceKitError):
    """Something that should match (hash, signature, chain link) does not."""


class SignatureError(IntegrityError):
    """A signature does not verify, or its signer is unknown, untrusted, retired or revoked."""

    default_hint = ("Confirm the signer's fingerprint with them and pass their .pub file "
                    "with --trust; an invalid signature means the signed bytes were changed.")


class CustodyError(EvidenceKitError):
    """The custody log cannot be read, parsed or extended."""


class CaseError(EvidenceKitError):
    """No case folder was found, or it is not a valid case."""


class StorageError(EvidenceKitError):
    """A read or write on disk failed."""
