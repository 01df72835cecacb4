"""Planning a PDF redaction: a clean working copy, and what to remove on each page.

The working copy has its form fields flattened into the pages (so what a field shows is
page content like any other) and every annotation other than a link dropped; a link
whose text holds a detail is dropped too. Each page is then read twice, by two readers
that share no code: PDFium (pypdfium2, a box for every character) and poppler
(``pdftotext -bbox-layout``, a box for every word). Where the two read different
characters on a page, pdfplumber reads it a third time. Pictures on a page are read by
OCR; a page with no usable text layer is marked to be read as a scan.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pikepdf

from evidencekit.core import limits
from evidencekit.core.errors import InputError
from evidencekit.redact import pdfscan
from evidencekit.redact.detectors import Finder
from evidencekit.redact.pdfinplace import bbox_of, inherited
from evidencekit.redact.pdfpaint import annotation_text
from evidencekit.redact.pdfpoppler import poppler_pages
from evidencekit.redact.pdfwords import (
    Mark,
    PageText,
    Rect,
    RectIndex,
    dedupe,
    join_chars,
    marks_in,
    pdfium_text,
)
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


def _keep(annotation: Any, find: Finder) -> bool | None:
    """True: keep; False: drop (clean); None: drop (it held a detail)."""
    subtype = annotation.get("/Subtype")
    if subtype == pikepdf.Name.Widget:
        return True  # flattened into the page below
    if find(annotation_text(annotation)):
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


def prepare(source: Path, find: Finder) -> Prepared:
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
                verdict = _keep(annotation, find)
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


_FOUND_ALREADY = 0.6  # a mark this much under marks found before adds nothing


def _union(first: Sequence[Mark], second: Sequence[Mark]) -> tuple[Mark, ...]:
    """Marks of both readers; one the first reader also found is kept once.

    A second reader's mark counts as found when most of each of its rectangles lies under
    the first reader's (a word box holding a bracket, say); one that reaches further (a
    surname the first reader missed) is kept as well.
    """
    index = RectIndex(r for mark in first for r in mark.rects)

    def found(mark: Mark) -> bool:
        return all(sum(r.overlap(s) for s in index.near(r)) >= _FOUND_ALREADY * r.area
                   for r in mark.rects)

    return (*first, *[m for m in second if not found(m)])


def _pictures(page: Any, size: tuple[float, float]) -> tuple[Rect, ...]:
    """The page's pictures (in Form XObjects too) large enough to be worth OCRing.

    PDFium gives an object's bounds in the space of the Form XObject holding it; each
    form's matrix (the forms met on the way down) takes them to the page.
    """
    import pypdfium2.raw as pdfium_c  # noqa: PLC0415

    found: list[Rect] = []
    forms: list[Any] = []
    for obj in page.get_objects(filter=None, max_depth=16):
        del forms[obj.level:]
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            forms.append(tuple(obj.get_matrix().get()))
            continue
        if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        rect = Rect(*(float(v) for v in obj.get_bounds()))
        for matrix in reversed(forms):
            rect = bbox_of(matrix, rect.x0, rect.y0, rect.x1, rect.y1)
        if rect.area >= _MIN_PICTURE * size[0] * size[1]:
            found.append(rect)
    return tuple(found)


def _scan_reason(text: str, flat: bool) -> str | None:
    if len(text.strip()) < _MIN_TEXT:
        return NO_TEXT
    if "(cid:" in text or "\ufffd" in text:
        return UNDECODABLE
    if not flat:
        return "a rotated, cropped or offset page"
    return None


def _letters(text: str) -> Counter[str]:
    """The letters and digits of a text, however a reader spaced, ordered or joined them."""
    return Counter(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


class _Plumber:
    """pdfplumber, opened only when the two readers disagree on a page."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pages_read = data, 0
        self._pdf: Any = None

    def text(self, index: int) -> PageText:
        import pdfplumber  # noqa: PLC0415 - heavy; only for pages read differently

        if self._pdf is None:
            self._pdf = pdfplumber.open(io.BytesIO(self.data))
        self.pages_read += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return join_chars(dedupe(self._pdf.pages[index].chars))

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def _box(value: Any) -> list[float] | None:
    """A page box as [x0, y0, x1, y1] with x0 <= x1 and y0 <= y1 (None: absent or bad)."""
    try:
        x0, y0, x1, y1 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]


def geometry(page: pikepdf.Page) -> tuple[bool, tuple[float, float]]:
    """Whether the page shows its content space as it is, and its displayed size.

    Flat: no rotation, crop or offset. The size is in points, exact as the file states it
    (PDFium's are single precision).
    """
    media = _box(inherited(page.obj, "/MediaBox")) or [0.0, 0.0, 612.0, 792.0]
    crop = _box(inherited(page.obj, "/CropBox")) or media
    seen = [max(media[0], crop[0]), max(media[1], crop[1]), min(media[2], crop[2]),
            min(media[3], crop[3])]
    rotate = int(inherited(page.obj, "/Rotate") or 0) % 360
    width, height = seen[2] - seen[0], seen[3] - seen[1]
    flat = media[:2] == [0.0, 0.0] and rotate == 0 and seen == media
    return flat, (height, width) if rotate in (90, 270) else (width, height)


def _page_plan(pdfium: Any, poppler: PageText, plumber: _Plumber, index: int,
               find: Finder, shape: tuple[bool, tuple[float, float]]) -> PagePlan:
    page = pdfium[index]
    flat, size = shape
    textpage = page.get_textpage()
    try:
        spans = find(textpage.get_text_range())
        first = pdfium_text(textpage, [(s.start, s.end) for s in spans])
    finally:
        textpage.close()
    readings = [first, poppler]
    if flat and _letters(first.text) != _letters(poppler.text):
        readings.append(plumber.text(index))
    marks = tuple(marks_in(first, find, spans))
    for reading in readings[1:] if flat else ():
        marks = _union(marks, marks_in(reading, find))
    text = max((r.text for r in readings), key=lambda t: len(t.strip()))
    return PagePlan(index, marks, _scan_reason(text, flat), _pictures(page, size), size,
                    flat)


def _picture_marks(pdfium: Any, plan: PagePlan, find: Finder) -> PagePlan:
    """OCR the page's pictures; what they show that must go becomes marks too."""
    image = pdfscan.render(pdfium, plan.index)
    height = plan.size[1]
    marks, scores = list(plan.marks), []
    for picture in plan.pictures:
        box = pdfscan.to_pixels(picture, height)
        crop = image.crop((max(0, box[0]), max(0, box[1]), box[2], box[3]))
        read = pdfscan.ocr(crop)
        scores += [w.conf for w in read.words]
        for span in pdfscan.spans_in(read, find):
            boxes = pdfscan.word_boxes(read, [span])
            rects = tuple(pdfscan.to_rect((b[0] + box[0], b[1] + box[1], b[2] + box[0],
                                           b[3] + box[1]), height) for b in boxes)
            mark = Mark(rects, span, "")
            if rects and not any(_same(mark, m) for m in plan.marks):
                marks.append(mark)
    confidence = sum(scores) / len(scores) if scores else None
    return attrs.evolve(plan, marks=tuple(marks), picture_confidence=confidence)


def plan_pages(data: bytes, find: Finder) -> list[PagePlan]:
    """Every page's plan, read from the working copy.

    Raises:
        InputError: the working copy cannot be read.
        RedactionError: pdftotext or tesseract fails.
    """
    import pypdfium2  # noqa: PLC0415 - heavy; only for PDF statements

    try:
        pdfium = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise InputError(f"The PDF cannot be read ({exc})."[:300]) from exc
    plumber = _Plumber(data)
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            shapes = [geometry(page) for page in pdf.pages]
        poppler = poppler_pages(data, len(shapes))
        plans = [_page_plan(pdfium, poppler[i], plumber, i, find, shapes[i])
                 for i in range(len(shapes))]
        return [_picture_marks(pdfium, p, find) if p.pictures and not p.scan else p
                for p in plans]
    except (pikepdf.PdfError, ValueError, KeyError) as exc:
        raise InputError(f"The PDF cannot be read ({type(exc).__name__})."[:300]) from exc
    finally:
        plumber.close()
        pdfium.close()
