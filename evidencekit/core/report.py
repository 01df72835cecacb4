"""Verification reports: every finding, and a verdict derived from them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import IntegrityError, SignatureError
from evidencekit.core.frozen import frozen_mapping, frozen_tuple

SIGNATURE_CODES = frozenset({
    "bad-signature", "signature-missing", "signer-unknown", "signer-untrusted",
    "signer-mismatch", "signer-retired", "signer-revoked", "rotation-invalid",
})

Severity = Literal["error", "warning"]


@attrs.frozen
class Finding:
    """One thing a verification noticed.

    ``code`` is a stable identifier (documented in ``docs/formats.md``),
    ``subject`` names the exhibit, event or file concerned.
    """

    code: str
    message: str
    subject: str = ""
    severity: Severity = "error"

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json`` output."""
        return {"code": self.code, "severity": self.severity, "subject": self.subject,
                "message": self.message}


@attrs.frozen
class SkippedCheck:
    """A check a verification did not run, because an earlier finding made it meaningless.

    ``check`` names what was not checked, ``reason`` the earlier finding that explains why
    (its consequences would only repeat it).
    """

    check: str
    reason: str

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json`` output."""
        return {"check": self.check, "reason": self.reason}


@attrs.frozen
class VerificationReport:
    """The complete result of a verification; ``ok`` is derived, never stored.

    Read-only all the way down: ``findings`` is a tuple, ``checked`` a read-only mapping.
    Each problem is a finding once, at its cause; ``skipped`` lists the checks left out
    because an earlier finding already explains what they would report.
    """

    target: str
    findings: tuple[Finding, ...] = attrs.field(default=(), converter=frozen_tuple)
    checked: Mapping[str, int] = attrs.field(factory=dict, converter=frozen_mapping)
    skipped: tuple[SkippedCheck, ...] = attrs.field(default=(), converter=frozen_tuple)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings that make the verification fail."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings worth reading that do not fail the verification."""
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not self.errors

    def raise_for_failure(self) -> None:
        """Raise an error listing every error finding, if there is one.

        Raises:
            SignatureError: every error is about a signature or its signer.
            IntegrityError: the verification found at least one other error.
        """
        if not self.ok:
            listed = "; ".join(f"{f.subject}: {f.message}" for f in self.errors)
            signature_only = all(f.code in SIGNATURE_CODES for f in self.errors)
            kind = SignatureError if signature_only else IntegrityError
            raise kind(f"Verification of {self.target} failed: {listed}")

    def to_dict(self) -> dict[str, JsonValue]:
        """Stable plain-data form (the ``--json`` output of ``verify``).

        ``skipped`` is there only when a check was skipped.
        """
        data: dict[str, JsonValue] = {
            "target": self.target, "ok": self.ok, "checked": dict(self.checked),
            "errors": len(self.errors), "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.skipped:
            data["skipped"] = [s.to_dict() for s in self.skipped]
        return data
