"""Redacting a PDF statement in place: same pages, same layout, black boxes where details were.

1. Prepare a working copy (form fields flattened, annotations other than clean links gone).
2. Plan each page: read it with PDFium and poppler (a third time with pdfplumber where
   the two differ), and its pictures with OCR.
3. Edit each digital page's content stream, removing the glyphs and image pixels under
   the marks, and paint labelled boxes; a page the editor does not understand, and a
   scanned page, is rendered, painted and rebuilt with an OCR text layer instead. A scan
   read with low OCR confidence (handwriting) is refused unless the reviewer drew boxes
   for it or confirmed it.
4. Strip document metadata and structure, save once (no earlier revision survives).
5. Verify the result (:mod:`evidencekit.redact.pdfcheck`); any finding refuses it.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pikepdf

from evidencekit.core.errors import InputError, RedactionError
from evidencekit.redact import pdfscan
from evidencekit.redact.detectors import Finder, Span, keeping
from evidencekit.redact.pdfcheck import verify
from evidencekit.redact.pdffonts import Unsupported
from evidencekit.redact.pdfinplace import Editor
from evidencekit.redact.pdfpaint import clean_document, draw_boxes, hidden_groups, raster_page
from evidencekit.redact.pdfplan import (
    NO_TEXT,
    UNDECODABLE,
    PagePlan,
    Prepared,
    plan_pages,
    prepare,
)
from evidencekit.redact.pdfwords import Rect
from evidencekit.redact.people import PeopleRegister

MIN_CONFIDENCE = 80.0
IN_PLACE, RASTERISED, SCANNED = "in-place", "rasterised+OCR", "scanned+OCR"
_INK = 0.003
Box = tuple[Rect, str]


@attrs.frozen
class PageResult:
    """How one page was redacted."""

    number: int
    method: str
    reason: str | None
    boxes: tuple[Box, ...]
    spans: tuple[Span, ...]
    confidence: float | None = None
    reviewed: bool = False


@attrs.frozen
class PdfRedaction:
    """The redacted PDF's bytes and what was done to each page."""

    data: bytes
    pages: tuple[PageResult, ...]
    notes: tuple[str, ...]

    @property
    def spans(self) -> list[Span]:
        """Every redaction made, for counting by category and rule."""
        return [s for p in self.pages for s in p.spans]


@attrs.frozen
class _Job:
    find: Finder
    regions: Mapping[int, Sequence[Box]]
    reviewed: frozenset[int]
    reads: Mapping[int, pdfscan.OcrPage] = attrs.field(factory=dict)


def _mark_boxes(plan: PagePlan) -> list[Box]:
    return [(rect, mark.span.label if n == 0 else "") for mark in plan.marks
            for n, rect in enumerate(mark.rects)]


def _in_place(pdf: pikepdf.Pdf, page: pikepdf.Page, plan: PagePlan, hidden: set[Any],
              job: _Job) -> PageResult:
    boxes = [*_mark_boxes(plan), *job.regions.get(plan.index + 1, ())]
    Editor(pdf, [b[0] for b in boxes], hidden).page(page)
    painted = [(rect.pad(0.5), label) for rect, label in boxes]
    draw_boxes(pdf, page, painted)
    return PageResult(plan.index + 1, IN_PLACE, None, tuple(painted),
                      tuple(m.span for m in plan.marks))


def _low_confidence(read: pdfscan.OcrPage, image: Any) -> bool:
    if read.words:
        return read.confidence < MIN_CONFIDENCE
    return pdfscan.ink(image) > _INK


def scan_boxes(image: Any, plan: PagePlan, find: Finder, boxes: Sequence[Box],
               read: pdfscan.OcrPage | None = None,
               ) -> tuple[pdfscan.OcrPage, list[Box], list[Span]]:
    """OCR of a rendered page: boxes (page space) of what it finds, and the new spans.

    A span already under one of ``boxes`` is painted again but not counted twice;
    ``read`` is the page's OCR when it was read already.

    Raises:
        RedactionError: tesseract fails.
    """
    read = read if read is not None else pdfscan.ocr(image)
    found: list[Box] = []
    spans: list[Span] = []
    for span in pdfscan.spans_in(read, find):
        rects = [pdfscan.to_rect(b, plan.size[1]) for b in pdfscan.word_boxes(read, [span])]
        if not any(r.overlap(b[0]) > 0 for r in rects for b in boxes):
            spans.append(span)
        found += [(r, span.label if n == 0 else "") for n, r in enumerate(rects)]
    return read, found, spans


def _raster(pdf: pikepdf.Pdf, page: pikepdf.Page, pdfium: Any, plan: PagePlan, reason: str,
            job: _Job) -> PageResult:
    number = plan.index + 1
    image = pdfscan.render(pdfium, plan.index)
    boxes: list[Box] = [*_mark_boxes(plan), *job.regions.get(number, ())]
    read, found, new = scan_boxes(image, plan, job.find, boxes, job.reads.get(plan.index))
    boxes += found
    # Where detection rests on OCR alone, OCR must be trusted to have read the page.
    gated = reason in (NO_TEXT, UNDECODABLE) or reason.startswith("font")
    low = gated and _low_confidence(read, image)
    if low and number not in job.reviewed and number not in job.regions:
        raise _Refused(number, read.confidence)
    pixels = [pdfscan.to_pixels(rect, plan.size[1]) for rect, _label in boxes]
    raster_page(pdf, page, pdfscan.paint(image, pixels), pdfscan.DPI,
                pdfscan.unpainted_words(read, pixels), boxes, plan.size)
    return PageResult(number, SCANNED if reason == NO_TEXT else RASTERISED, reason, tuple(boxes),
                      (*[m.span for m in plan.marks], *new), read.confidence, low)


class _Refused(Exception):
    def __init__(self, number: int, confidence: float) -> None:
        super().__init__(number)
        self.number, self.confidence = number, confidence


def _page(pdf: pikepdf.Pdf, page: pikepdf.Page, pdfium: Any, plan: PagePlan,
          hidden: set[Any], job: _Job) -> PageResult:
    if plan.scan is not None:
        return _raster(pdf, page, pdfium, plan, plan.scan, job)
    try:
        return _in_place(pdf, page, plan, hidden, job)
    except Unsupported as exc:
        return _raster(pdf, page, pdfium, plan, str(exc), job)


def _refuse(refused: Sequence[_Refused]) -> RedactionError:
    pages = ", ".join(str(r.number) for r in refused)
    scores = ", ".join(f"{r.confidence:.0f}" for r in refused)
    return RedactionError(
        f"Page(s) {pages} could not be read reliably by OCR (confidence {scores} of 100; "
        "handwriting?), so names and numbers on them may be missed; nothing was redacted.",
        hint=f"Draw boxes for those pages in a regions file (with \"page\") and give it "
             f"with --regions, or check them yourself and give --reviewed-pages {pages}.")


def _notes(prepared: Prepared, plans: Sequence[PagePlan],
           results: Sequence[PageResult]) -> tuple[str, ...]:
    notes = []
    if prepared.annotations_removed:
        notes.append(f"{prepared.annotations_removed} annotation(s) removed "
                     f"({prepared.annotations_with_details} held a detail)")
    for result in results:
        if result.method == SCANNED:
            notes.append(f"page {result.number} is a scan: read by OCR (confidence "
                         f"{result.confidence:.0f})"
                         + ("; confirmed by the reviewer" if result.reviewed else ""))
        elif result.method == RASTERISED:
            notes.append(f"page {result.number} rasterised with a new OCR text layer: "
                         f"{result.reason}")
    for plan in plans:
        if plan.picture_confidence is not None:
            notes.append(f"pictures on page {plan.index + 1} read by OCR (confidence "
                         f"{plan.picture_confidence:.0f}); check any handwriting by eye")
    return tuple(notes)


def check_regions(regions: Mapping[int, Sequence[Box]],
                  plans: Sequence[PagePlan]) -> dict[int, list[Box]]:
    """The reviewer's boxes in the page space the editor works in (origin bottom left).

    They come measured from the top-left corner of each page as displayed.

    Raises:
        InputError: a page the PDF does not have.
    """
    converted: dict[int, list[Box]] = {}
    for number, boxes in sorted(regions.items()):
        if not 1 <= number <= len(plans):
            raise InputError(f"A region is for page {number}, but the PDF has "
                             f"{len(plans)} page(s).")
        height = plans[number - 1].size[1]
        converted[number] = [(Rect(r.x0, height - r.y1, r.x1, height - r.y0), label)
                             for r, label in boxes]
    return converted


def _save(pdf: pikepdf.Pdf) -> bytes:
    pdf.remove_unreferenced_resources()
    buffer = io.BytesIO()
    pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate,
             compress_streams=True, deterministic_id=True)
    return buffer.getvalue()


def redact_pdf(source: Path, register: PeopleRegister, detectors: Iterable[str], *,
               regions: Mapping[int, Sequence[Box]] | None = None,
               reviewed: Iterable[int] = (), keep: Collection[str] = ()) -> PdfRedaction:
    """Redact a PDF in place.

    ``regions`` maps page numbers (1 first) to extra boxes with labels, in points from
    the top-left corner of the page as displayed; ``reviewed`` lists pages the reviewer
    checked by eye (a scan OCR cannot read reliably is otherwise refused); ``keep`` lists
    texts the reviewer rejected as proposals (:func:`~evidencekit.redact.detectors.keeping`):
    they are neither removed nor, when the copy is checked, counted as left behind.

    Raises:
        InputError: the PDF cannot be read, or a region is for a page it does not have.
        RedactionError: a page is refused (low OCR confidence), tesseract fails, or the
            verification still finds something that was to be removed.
    """
    import pypdfium2  # noqa: PLC0415 - heavy; only for PDF statements

    find = keeping(register, detectors, keep)
    prepared = prepare(source, find)
    plans = plan_pages(prepared.data, find)
    boxes = check_regions(regions or {}, plans)
    pdfium = pypdfium2.PdfDocument(prepared.data)
    # Scans are read up front, two tesseract processes at a time; only the readings stay.
    reads = dict(pdfscan.ocr_pages(pdfium, [p.index for p in plans if p.scan is not None]))
    job = _Job(find, boxes, frozenset(reviewed), reads)
    results, refused = [], []
    with pikepdf.open(io.BytesIO(prepared.data)) as pdf:
        hidden = hidden_groups(pdf)
        clean_document(pdf)
        for plan, page in zip(plans, pdf.pages, strict=True):
            try:
                results.append(_page(pdf, page, pdfium, plan, hidden, job))
            except _Refused as exc:
                refused.append(exc)
        pdfium.close()
        if refused:
            raise _refuse(refused)
        data = _save(pdf)
    pictures = [(p.index, p.pictures, p.size[1]) for p, r in zip(plans, results, strict=True)
                if p.picture_confidence is not None and r.method == IN_PLACE]
    problems = verify(data, [p.size for p in plans], results, find, pictures)
    if problems:
        raise RedactionError("The redacted copy still gives away what was to be removed ("
                             + "; ".join(problems[:5]) + "); nothing was recorded.")
    return PdfRedaction(data, tuple(results), _notes(prepared, plans, results))
