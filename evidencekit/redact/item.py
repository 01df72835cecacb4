"""Redacting one exhibit, whatever it is: the single call behind ``evidencekit redact``.

Statements go to the people register and detectors; photos, footage and audio to
regions, faces and mute ranges. A preview changes nothing; otherwise the copy becomes a
new derived exhibit recorded in one signed custody event.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from evidencekit.case.folder import Case
from evidencekit.core.errors import RedactionError
from evidencekit.core.progress import Progress
from evidencekit.core.storage import read_small_bytes
from evidencekit.keys.keyfile import Signer
from evidencekit.redact.detectors import DETECTORS
from evidencekit.redact.media import (
    MediaPreview,
    MediaRedactionResult,
    preview_media_item,
    redact_media_item,
)
from evidencekit.redact.regions import RegionSet, parse_regions
from evidencekit.redact.statements import (
    StatementRedactionResult,
    is_statement,
    load_register,
    redact_statement,
)

REGIONS_LIMIT = 16 << 20


@attrs.frozen
class RedactionRequest:
    """How to redact an exhibit; fields that do not apply to its kind are ignored.

    ``regions`` (or ``regions_file``, a JSON file in the regions format) and ``faces`` are
    for photos, footage and audio; ``people`` (a register file; default the case's
    ``people.toml``) and ``skip_detectors`` are for statements. With ``preview`` set only
    a preview is written there and nothing is recorded. ``pictures_reviewed`` confirms
    that the pictures in a DOCX, ODT or RTF statement show nothing to hide. ``keep`` lists
    statement texts a reviewer rejected (see :func:`statement_proposals`); they stay visible.
    For a PDF statement, regions name their ``page`` (points from the page's top-left
    corner) and ``reviewed_pages`` lists pages the reviewer checked by eye because OCR
    cannot vouch for them (handwriting).
    """

    regions: RegionSet = attrs.field(factory=RegionSet)
    regions_file: Path | None = None
    people: Path | None = None
    skip_detectors: tuple[str, ...] = attrs.field(default=())
    faces: bool = False
    preview: Path | None = None
    out: Path | None = None
    description: str | None = None
    pictures_reviewed: bool = False
    keep: tuple[str, ...] = ()
    reviewed_pages: tuple[int, ...] = attrs.field(default=())

    @reviewed_pages.validator
    def _pages(self, _attr: object, value: tuple[int, ...]) -> None:
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in value):
            raise RedactionError("Reviewed pages are page numbers: 1 is the first page.")

    @skip_detectors.validator
    def _known(self, _attr: object, value: tuple[str, ...]) -> None:
        unknown = sorted(set(value) - set(DETECTORS))
        if unknown:
            raise RedactionError(f"No detector called {', '.join(unknown)}.",
                             hint=f"The detectors are: {', '.join(DETECTORS)}.")


RedactionOutcome = StatementRedactionResult | MediaRedactionResult | MediaPreview


def redact_item(case: Case, ref: str, request: RedactionRequest, signer: Signer | None = None,
                *, progress: Progress | None = None) -> RedactionOutcome:
    """Redact exhibit ``ref`` (statement, photo, footage or audio), or preview it.

    ``signer`` is needed unless ``request.preview`` is set.

    Raises:
        RedactionError: no such exhibit, a kind that cannot be redacted, a bad regions file or
            register, nothing to redact, no signer for a real redaction, ``out`` exists.
        StorageError, CustodyError: the case cannot be written.
    """
    item = case.item(ref)
    if request.preview is None and signer is None:
        raise RedactionError("A key is needed to record the redaction.",
                         hint="Give --key YOUR.key, or make a --preview first.")
    if is_statement(item.media_type):
        return _statement(case, item.ref, request, signer)
    regions = _regions(request)
    if request.preview is not None:
        return preview_media_item(case, item.ref, regions, request.preview,
                                  find_faces=request.faces)
    assert signer is not None  # noqa: S101 - checked above; narrows the type
    return redact_media_item(case, signer, item.ref, regions, find_faces=request.faces,
                             description=request.description, out=request.out,
                             progress=progress)


def _regions(request: RedactionRequest) -> RegionSet:
    if request.regions_file is None:
        return request.regions
    return parse_regions(read_small_bytes(request.regions_file, limit=REGIONS_LIMIT,
                                          what="regions file"))


def _statement(case: Case, ref: str, request: RedactionRequest,
               signer: Signer | None) -> StatementRedactionResult:
    register, digest = load_register(case, request.people)
    detectors = [d for d in DETECTORS if d not in request.skip_detectors]
    given = request.regions_file is not None or request.regions != RegionSet()
    return redact_statement(case, None if request.preview else signer, ref, register,
                            register_sha256=digest, detectors=detectors,
                            preview=request.preview, out=request.out,
                            description=request.description,
                            pictures_reviewed=request.pictures_reviewed, keep=request.keep,
                            regions=_regions(request) if given else None,
                            reviewed_pages=request.reviewed_pages)
