"""Redacting statements: find third-party details, preview them, write a clean PDF.

The custody event records how many redactions of each category were made and the
rule behind each, never the removed text.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

import attrs

from evidencekit.case.derived import record_copy
from evidencekit.case.folder import Case
from evidencekit.core import storage
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import RedactionError
from evidencekit.core.frozen import frozen_mapping, thaw
from evidencekit.keys.keyfile import Signer
from evidencekit.redact.detectors import DETECTORS, Span, apply
from evidencekit.redact.faithful import FAITHFUL_TYPES, faithful_copy
from evidencekit.redact.pdfredact import redact_pdf
from evidencekit.redact.pdfstatement import page_regions, preview_pdf, record, redacted_text
from evidencekit.redact.people import PeopleRegister, parse_people
from evidencekit.redact.proposals import Finder, keeping, text_key
from evidencekit.redact.regions import RegionSet
from evidencekit.redact.statement_text import read_statement
from evidencekit.redact.suggest import Suggestion, suggest_names
from evidencekit.redact.typeset import typeset

STATEMENT_TYPES = ("text/plain", "application/pdf", *FAITHFUL_TYPES)
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
    suggestions: tuple[Suggestion, ...] = ()
    notes: tuple[str, ...] = ()

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


def _plan(pages: Iterable[str], find: Finder) -> list[tuple[str, list[Span]]]:
    return [(text, find(text)) for text in pages]


@attrs.frozen
class _Made:
    pdf: bytes
    spans: list[Span]
    pages: int
    text: str
    method: str
    source: str
    details: Mapping[str, JsonValue] = attrs.field(factory=dict, converter=frozen_mapping)
    notes: tuple[str, ...] = ()


@attrs.frozen
class _Job:
    register: PeopleRegister
    detectors: tuple[str, ...]
    header: str
    preview: Path | None
    pictures_reviewed: bool
    regions: RegionSet | None
    reviewed_pages: tuple[int, ...]
    keep: tuple[str, ...] = ()


def _pdf(path: Path, job: _Job) -> _Made:
    boxes = page_regions(job.regions) if job.regions is not None else {}
    if job.preview is not None:
        shown = preview_pdf(path, job.preview, job.register, job.detectors, boxes, job.keep)
        return _Made(b"", shown.spans, len(shown.pages), redacted_text(shown.data),
                     "statement-pdf", "pdf", notes=shown.notes)
    result = redact_pdf(path, job.register, job.detectors, regions=boxes,
                        reviewed=job.reviewed_pages, keep=job.keep)
    return _Made(result.data, result.spans, len(result.pages), redacted_text(result.data),
                 "statement-pdf", "pdf", record(result), result.notes)


def _only_pdf(job: _Job) -> None:
    if job.regions is not None or job.reviewed_pages:
        raise RedactionError("Regions and reviewed pages apply to PDF statements only.",
                             hint="For other statements, add the details to the people "
                                  "register ([redact] strings).")


def _make(path: Path, media_type: str, job: _Job) -> _Made:
    if media_type == "application/pdf":
        return _pdf(path, job)
    _only_pdf(job)
    find, preview = keeping(job.register, job.detectors, job.keep), job.preview is not None
    if media_type in FAITHFUL_TYPES:
        copy = faithful_copy(path, media_type, find,
                             preview=preview, pictures_reviewed=job.pictures_reviewed)
        return _Made(copy.pdf, list(copy.spans), copy.pages, copy.text, "statement-faithful",
                     media_type.rsplit(".", 1)[-1].replace("text/", ""))
    statement = read_statement(path, media_type)
    plan = _plan(statement.pages, find)
    title = f"PREVIEW of {job.header} - NOT FOR DISCLOSURE" if preview else job.header
    return _Made(typeset(plan, title, preview=preview), [s for _t, f in plan for s in f],
                 len(plan), "\n".join(apply(t, f) for t, f in plan), "statement-text",
                 statement.source)


def redact_statement(case: Case, signer: Signer | None, ref: str, register: PeopleRegister, *,
                     register_sha256: str | None = None, detectors: Iterable[str] = DETECTORS,
                     preview: Path | None = None, out: Path | None = None,
                     description: str | None = None, pictures_reviewed: bool = False,
                     regions: RegionSet | None = None,
                     reviewed_pages: Iterable[int] = (),
                     keep: Collection[str] = ()) -> StatementRedactionResult:
    """Redact a statement into a new derived PDF, or with ``preview`` only show the plan.

    PDF statements are redacted in place (:mod:`evidencekit.redact.pdfredact`): same
    pages and layout, scans and pages the editor cannot change rasterised and OCRed;
    ``regions`` (each with a ``page``) adds the reviewer's boxes and ``reviewed_pages``
    confirms pages OCR cannot vouch for (handwriting). DOCX, ODT and RTF statements are
    redacted inside and rendered by LibreOffice (:mod:`evidencekit.redact.faithful`);
    text statements are typeset. ``suggestions`` lists capitalised words that look like
    names not in the register. ``keep`` lists texts a reviewer rejected as proposals
    (:func:`statement_proposals`): they stay visible wherever they occur, in every kind
    of statement, and the event records how many were kept.

    Raises:
        InputError: a region without a page or for a page the PDF does not have.
        RedactionError: not a statement, unreadable, a scan OCR cannot read reliably,
            pictures not reviewed, a detail still findable after redacting, regions for a
            statement that is not a PDF, or no key to sign with.
        StorageError, CustodyError: the case cannot be written.
    """
    item = case.item(ref)
    if not is_statement(item.media_type):
        raise RedactionError(f"{item.ref} is {item.media_type}; statements are text, DOCX, "
                             "ODT, RTF or PDF.")
    chosen = tuple(detectors)
    unknown = set(chosen) - set(DETECTORS)
    if unknown:
        raise RedactionError(f"Unknown detector(s): {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(DETECTORS)}.")
    if preview is None and signer is None:
        raise RedactionError("A key is needed to record the redaction (or use --preview).")
    if out is not None and out.exists():
        raise RedactionError(f"{out} already exists; choose a new name for --out.")
    job = _Job(register, chosen, f"Exhibit {item.ref} - redacted copy", preview,
               pictures_reviewed, regions, tuple(sorted(set(reviewed_pages))), tuple(keep))
    made = _make(case.object_path(item.sha256), item.media_type, job)
    counts, rules = Counter(s.category for s in made.spans), Counter(s.rule for s in made.spans)
    hints = suggest_names(made.text, register)
    if preview is not None:
        if made.pdf:
            storage.atomic_write(preview, made.pdf)
        return StatementRedactionResult(item.ref, None, None, dict(counts), dict(rules),
                                        made.pages, suggestions=hints, notes=made.notes)
    assert signer is not None  # noqa: S101 - checked above; narrows the type
    return _record(case, signer, item.ref, made, counts, rules, chosen, register_sha256,
                   out, description, pictures_reviewed, hints,
                   len({text_key(k) for k in keep}))


def _record(case: Case, signer: Signer, ref: str, made: _Made, counts: Counter[str],
            rules: Counter[str], detectors: tuple[str, ...], register_sha256: str | None,
            out: Path | None, description: str | None, pictures_reviewed: bool,
            hints: tuple[Suggestion, ...], kept: int) -> StatementRedactionResult:
    tmp = case.tmp_dir / f"redact-{uuid.uuid4().hex}.pdf"
    storage.atomic_write(tmp, made.pdf)
    details: dict[str, JsonValue] = {
        "method": made.method, "counts": dict(sorted(counts.items())),
        "rules": dict(sorted(rules.items())), "detectors": sorted(detectors),
        "register_sha256": register_sha256, "pages": made.pages,
        "source_format": made.source, **thaw(made.details),
    }
    if pictures_reviewed:
        details["pictures_reviewed"] = True
    if kept:
        details["kept_proposals"] = kept
    derived = record_copy(case, signer, ref, tmp, out=out, details=details,
                          description=description or f"Statement {ref}, redacted copy")
    return StatementRedactionResult(ref, derived.ref, derived.sha256, dict(counts),
                                    dict(rules), made.pages, str(out) if out else None, hints,
                                    made.notes)
