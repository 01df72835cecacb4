"""Planning a PDF redaction: a clean working copy, and what to remove on each page.

The working copy has its form fields flattened into the pages (so what a field shows is
page content like any other) and every annotation other than a link dropped; a link
whose text holds a detail is dropped too. Each page is then read twice (pdfplumber and
pypdfium2), and pictures on it by OCR; a page with no usable text layer is marked to be
read as a scan.
"""

from __future__ import annotations

import io
import warnings
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pikepdf

from evidencekit.core import limits
from evidencekit.core.errors import InputError
from evidencekit.redact import pdfscan
from evidencekit.redact.detectors import find_spans
from evidencekit.redact.pdfpaint import annotation_text
from evidencekit.redact.pdfwords import (
    Mark,
    Rect,
    RectIndex,
    dedupe,
    join_chars,
    marks_in,
    pdfium_text,
)
from evidencekit.redact.people import PeopleRegister
from evidencekit.redact.statement_text import check_page_count

NO_TEXT = "no text layer (a scan)"
UNDECODABLE = "text that cannot be decoded"
_MIN_PICTURE = 0.01  # a picture covering less of the page than this is not OCRed
_MIN_TEXT = 5


@attrs.frozen
class PagePlan:
    """One page: its marks, why it must be read as a picture (if so), its pictures."""

    index: int
    marks: tuple[Mark, ...]
    scan: str | None
    pictures: tuple[Rect, ...]
    size: tuple[float, float]
    flat: bool
    picture_confidence: float | None = None


@attrs.frozen
class Prepared:
    """The working copy's bytes and what preparing it removed."""

    data: bytes
    annotations_removed: int
    annotations_with_details: int


def _keep(annotation: Any, register: PeopleRegister, detectors: Sequence[str]) -> bool | None:
    """True: keep; False: drop (clean); None: drop (it held a detail)."""
    subtype = annotation.get("/Subtype")
    if subtype == pikepdf.Name.Widget:
        return True  # flattened into the page below
    if find_spans(annotation_text(annotation), register, detectors):
        return None
    return bool(subtype == pikepdf.Name.Link)


def _inflated_size(stream: pikepdf.Stream, cap: int) -> int:
    """The decoded size of a content stream, inflated in pieces and never past ``cap``."""
    filters = stream.get("/Filter")
    names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
    if not names or names[0] != "/FlateDecode":
        return len(stream.read_bytes()) if names else len(stream.read_raw_bytes())
    inflate, raw, size, piece = zlib.decompressobj(), stream.read_raw_bytes(), 0, 1 << 20
    try:
        for start in range(0, len(raw), 1 << 16):
            size += len(inflate.decompress(raw[start:start + (1 << 16)], piece))
            while inflate.unconsumed_tail and size <= cap:  # at most a MiB held at a time
                size += len(inflate.decompress(inflate.unconsumed_tail, piece))
            if size > cap:
                break
    except zlib.error:
        pass  # damaged data: only its size matters here; reading the page judges the rest
    return size


def _content_streams(pdf: pikepdf.Pdf) -> list[pikepdf.Stream]:
    """Page contents and Form XObjects: the streams the editor parses as operators."""
    found = []
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        if obj.get("/Subtype") == "/Form":
            found.append(obj)
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        found += [c for c in parts if isinstance(c, pikepdf.Stream)]
    return found


def check_content_sizes(pdf: pikepdf.Pdf) -> None:
    """Refuse a PDF whose page content inflates past the ``pdf-content-bytes`` limit.

    Raises:
        InputError: a content stream is too large once inflated (a flate bomb?).
    """
    cap = limits.whole("pdf-content-bytes")
    for stream in _content_streams(pdf):
        if _inflated_size(stream, cap) > cap:
            raise limits.exceeded("pdf-content-bytes", "A page of the PDF inflates to more "
                                  f"than {cap:,} bytes of drawing instructions (a "
                                  "decompression bomb?)")


def prepare(source: Path, register: PeopleRegister, detectors: Sequence[str]) -> Prepared:
    """The working copy: form fields flattened, annotations other than clean links dropped.

    Raises:
        InputError: the PDF is encrypted, unreadable or has too many pages.
    """
    try:
        pdf = pikepdf.open(source)
    except pikepdf.PasswordError as exc:
        raise InputError("The PDF is encrypted; ask for an unprotected copy.") from exc
    except pikepdf.PdfError as exc:
        raise InputError(f"The PDF cannot be read ({exc})."[:300]) from exc
    with pdf:
        check_page_count(len(pdf.pages))
        check_content_sizes(pdf)
        removed = detailed = 0
        for page in pdf.pages:
            annots = page.obj.get("/Annots")
            if not isinstance(annots, pikepdf.Array):
                continue
            kept = pikepdf.Array()
            for annotation in annots:
                verdict = _keep(annotation, register, detectors)
                if verdict:
                    kept.append(annotation)
                else:
                    removed += 1
                    detailed += verdict is None
            page.obj.Annots = kept
        if "/AcroForm" in pdf.Root:
            pdf.generate_appearance_streams()
        pdf.flatten_annotations("all")
        if "/AcroForm" in pdf.Root:
            del pdf.Root["/AcroForm"]
        buffer = io.BytesIO()
        pdf.save(buffer)
    return Prepared(buffer.getvalue(), removed, detailed)


def _same(a: Mark, b: Mark) -> bool:
    return any(r.overlap(s) > 0 for r in a.rects for s in b.rects)


def _union(first: Sequence[Mark], second: Sequence[Mark]) -> tuple[Mark, ...]:
    """Marks of both readers; one the first reader also found is kept once."""
    index = RectIndex(r for mark in first for r in mark.rects)
    return (*first, *[m for m in second if not any(
        r.overlap(s) > 0 for r in m.rects for s in index.near(r))])


def _pictures(page: Any, size: tuple[float, float]) -> tuple[Rect, ...]:
    found = []
    for image in page.images:
        rect = Rect(float(image["x0"]), size[1] - float(image["bottom"]),
                    float(image["x1"]), size[1] - float(image["top"]))
        if rect.area >= _MIN_PICTURE * size[0] * size[1]:
            found.append(rect)
    return tuple(found)


def _scan_reason(text: str, flat: bool) -> str | None:
    if len(text.strip()) < _MIN_TEXT:
        return NO_TEXT
    if "(cid:" in text:
        return UNDECODABLE
    if not flat:
        return "a rotated or offset page"
    return None


def _page_plan(plumber: Any, pdfium: Any, index: int, register: PeopleRegister,
               detectors: Sequence[str]) -> PagePlan:
    page = plumber.pages[index]
    box = [float(v) for v in page.page_obj.mediabox]
    flat = box[0] == 0 and box[1] == 0 and int(page.rotation or 0) % 360 == 0
    size = (float(page.width), float(page.height))
    first = join_chars(dedupe(page.chars))
    textpage = pdfium[index].get_textpage()
    second = pdfium_text(textpage)
    textpage.close()
    marks = _union(marks_in(first, register, detectors),
                   marks_in(second, register, detectors) if flat else [])
    return PagePlan(index, marks, _scan_reason(first.text, flat), _pictures(page, size),
                    size, flat)


def _picture_marks(pdfium: Any, plan: PagePlan, register: PeopleRegister,
                   detectors: Sequence[str]) -> PagePlan:
    """OCR the page's pictures; what they show that must go becomes marks too."""
    image = pdfscan.render(pdfium, plan.index)
    height = plan.size[1]
    marks, scores = list(plan.marks), []
    for picture in plan.pictures:
        box = pdfscan.to_pixels(picture, height)
        crop = image.crop((max(0, box[0]), max(0, box[1]), box[2], box[3]))
        read = pdfscan.ocr(crop)
        scores += [w.conf for w in read.words]
        for span in pdfscan.spans_in(read, register, detectors):
            boxes = pdfscan.word_boxes(read, [span])
            rects = tuple(pdfscan.to_rect((b[0] + box[0], b[1] + box[1], b[2] + box[0],
                                           b[3] + box[1]), height) for b in boxes)
            mark = Mark(rects, span, "")
            if rects and not any(_same(mark, m) for m in plan.marks):
                marks.append(mark)
    confidence = sum(scores) / len(scores) if scores else None
    return attrs.evolve(plan, marks=tuple(marks), picture_confidence=confidence)


def plan_pages(data: bytes, register: PeopleRegister,
               detectors: Iterable[str]) -> list[PagePlan]:
    """Every page's plan, read from the working copy.

    Raises:
        InputError: the working copy cannot be read.
        RedactionError: tesseract fails on a picture.
    """
    import pdfplumber  # noqa: PLC0415 - heavy; only for PDF statements
    import pypdfium2  # noqa: PLC0415

    chosen = tuple(detectors)
    pdfium = pypdfium2.PdfDocument(data)
    try:
        with warnings.catch_warnings(), pdfplumber.open(io.BytesIO(data)) as plumber:
            warnings.simplefilter("ignore")
            plans = [_page_plan(plumber, pdfium, i, register, chosen)
                     for i in range(len(plumber.pages))]
        return [_picture_marks(pdfium, p, register, chosen) if p.pictures and not p.scan
                else p for p in plans]
    except (pikepdf.PdfError, ValueError, KeyError) as exc:
        raise InputError(f"The PDF cannot be read ({type(exc).__name__})."[:300]) from exc
    finally:
        pdfium.close()
