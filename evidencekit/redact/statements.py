"""Redacting statements: find third-party details, preview them, write a clean PDF.

The custody event records how many redactions of each category were made and the
rule behind each, never the removed text.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from evidencekit.case.derived import record_copy
from evidencekit.case.folder import Case
from evidencekit.core import storage
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import RedactionError
from evidencekit.core.frozen import frozen_mapping, thaw
from evidencekit.keys.keyfile import Signer
from evidencekit.redact.detectors import DETECTORS, Span, find_spans
from evidencekit.redact.people import PeopleRegister, parse_people
from evidencekit.redact.statement_text import read_statement
from evidencekit.redact.typeset import typeset

STATEMENT_TYPES = ("text/plain", "application/pdf",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
CASE_REGISTER = "people.toml"


@attrs.frozen
class StatementRedactionResult:
    """What was found (and, unless previewing, made)."""

    source_ref: str
    derived_ref: str | None
    sha256: str | None
    counts: Mapping[str, int] = attrs.field(converter=frozen_mapping)
    rules: Mapping[str, int] = attrs.field(converter=frozen_mapping)
    pages: int = attrs.field()
    out: str | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json``."""
        return thaw(attrs.asdict(self))  # type: ignore[no-any-return]


def is_statement(media_type: str) -> bool:
    """True for the types statement redaction reads."""
    return media_type in STATEMENT_TYPES


def load_register(case: Case, path: Path | None) -> tuple[PeopleRegister, str | None]:
    """The register given, else the case's ``people.toml``, else an empty one; and its hash.

    Raises:
        RedactionError: the file is unreadable or malformed.
    """
    source = path if path is not None else case.root / CASE_REGISTER
    if path is None and not source.exists():
        return PeopleRegister(), None
    data = storage.read_small_bytes(source, limit=1 << 20, what="people register")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RedactionError("The people register is not UTF-8 text.") from exc
    return parse_people(text), hashlib.sha256(data).hexdigest()


def _plan(pages: Iterable[str], register: PeopleRegister,
          detectors: Iterable[str]) -> list[tuple[str, list[Span]]]:
    chosen = tuple(detectors)
    return [(text, find_spans(text, register, chosen)) for text in pages]


def redact_statement(case: Case, signer: Signer | None, ref: str, register: PeopleRegister, *,
                     register_sha256: str | None = None, detectors: Iterable[str] = DETECTORS,
                     preview: Path | None = None, out: Path | None = None,
                     description: str | None = None) -> StatementRedactionResult:
    """Redact a statement into a new derived PDF, or with ``preview`` only show the plan.

    Raises:
        RedactionError: not a statement, unreadable, scanned pages, or no key to sign with.
        StorageError, CustodyError: the case cannot be written.
    """
    item = case.item(ref)
    if not is_statement(item.media_type):
        raise RedactionError(f"{item.ref} is {item.media_type}; statements are text, DOCX or PDF.")
    unknown = set(detectors) - set(DETECTORS)
    if unknown:
        raise RedactionError(f"Unknown detector(s): {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(DETECTORS)}.")
    statement = read_statement(case.object_path(item.sha256), item.media_type)
    plan = _plan(statement.pages, register, detectors)
    spans = [s for _text, found in plan for s in found]
    counts, rules = Counter(s.category for s in spans), Counter(s.rule for s in spans)
    header = f"Exhibit {item.ref} - redacted copy"
    if preview is not None:
        storage.atomic_write(preview, typeset(plan, f"PREVIEW of {header} - NOT FOR "
                                                    "DISCLOSURE", preview=True))
        return StatementRedactionResult(item.ref, None, None, dict(counts), dict(rules),
                                        len(plan))
    if signer is None:
        raise RedactionError("A key is needed to record the redaction (or use --preview).")
    if out is not None and out.exists():
        raise RedactionError(f"{out} already exists; choose a new name for --out.")
    tmp = case.tmp_dir / f"redact-{uuid.uuid4().hex}.pdf"
    storage.atomic_write(tmp, typeset(plan, header))
    details: dict[str, JsonValue] = {
        "method": "statement-text", "counts": dict(sorted(counts.items())),
        "rules": dict(sorted(rules.items())), "detectors": sorted(detectors),
        "register_sha256": register_sha256, "pages": len(plan),
        "source_format": statement.source,
    }
    derived = record_copy(case, signer, item.ref, tmp, out=out, details=details,
                          description=description or f"Statement {item.ref}, redacted copy")
    return StatementRedactionResult(item.ref, derived.ref, derived.sha256, dict(counts),
                                    dict(rules), len(plan), str(out) if out else None)
