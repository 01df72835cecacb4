"""Checking a redacted PDF before it is recorded: is anything that was removed still there?

1. Structure: one revision, ``qpdf --check`` passes, no Info, XMP, form, structure tree
   or layers; annotations are links only and their text holds no detail.
2. Pages: as many as the original, each the same displayed size (within half a point).
3. Text, read again by PDFium (pypdfium2) and by poppler (``pdftotext``): the register
   and detectors find nothing, and no glyph other than a box's label lies under a box.
4. Rasterised and scanned pages are OCRed again and must give nothing away either.

Each finding is a short sentence naming the page and the category, never the text.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pikepdf

from evidencekit.core.errors import RedactionError
from evidencekit.redact import pdfscan
from evidencekit.redact.detectors import Finder
from evidencekit.redact.pdfpaint import annotation_text
from evidencekit.redact.pdfpoppler import poppler_texts
from evidencekit.redact.pdfwords import PageText, Rect, RectIndex, lines_near, pdfium_text


class PageOutcome(Protocol):
    """What the check needs to know of how a page was redacted."""

    @property
    def number(self) -> int: ...  # noqa: D102
    @property
    def method(self) -> str: ...  # noqa: D102
    @property
    def boxes(self) -> tuple[tuple[Rect, str], ...]: ...  # noqa: D102


def _structure(data: bytes, pages: int, find: Finder) -> list[str]:
    problems = []
    if data.count(b"%%EOF") != 1:
        problems.append("more than one revision")
    with tempfile.TemporaryDirectory(prefix="ek-check-") as work:
        path = Path(work) / "copy.pdf"
        path.write_bytes(data)
        done = subprocess.run([shutil.which("qpdf") or "qpdf", "--check", str(path)],
                              capture_output=True, check=False)
    if done.returncode not in (0, 3):
        problems.append("qpdf --check fails")
    try:
        reread = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:  # a damaged source can give a copy qpdf cannot re-read
        raise RedactionError("The redacted copy cannot be read back to be checked, so it "
                             "is not kept; the PDF is probably damaged.",
                             hint="Ask for an undamaged copy of the statement.") from exc
    with reread as pdf:
        if len(pdf.pages) != pages:
            problems.append(f"{len(pdf.pages)} pages instead of {pages}")
        if "/Info" in pdf.trailer and len(pdf.trailer.Info.keys()):
            problems.append("document information remains")
        problems += [f"{key[1:]} remains" for key in
                     ("/Metadata", "/AcroForm", "/StructTreeRoot", "/OCProperties")
                     if key in pdf.Root]
        for number, page in enumerate(pdf.pages, start=1):
            for annotation in page.obj.get("/Annots", pikepdf.Array()):
                if annotation.get("/Subtype") != pikepdf.Name.Link:
                    problems.append(f"page {number}: an annotation remains")
                elif find(annotation_text(annotation)):
                    problems.append(f"page {number}: a link holds a detail")
    return problems


def _found(text: str, number: int, reader: str, find: Finder) -> list[str]:
    return [f"page {number}: a {s.category} still readable ({reader})" for s in find(text)]


def _under_boxes(read: PageText, boxes: Sequence[tuple[Rect, str]], number: int) -> list[str]:
    allowed = set("".join(label for _rect, label in boxes)) | {" "}
    index = RectIndex(rect for rect, _label in boxes)
    for char, box in zip(read.text, read.boxes, strict=True):
        if box is None or char in allowed or char.isspace():
            continue
        cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        if any(r.contains(cx, cy) for r in index.near(Rect(cx, cy, cx, cy))):
            return [f"page {number}: a glyph remains under a box"]
    return []


def _texts(data: bytes, sizes: Sequence[tuple[float, float]],
           results: Sequence[PageOutcome], find: Finder) -> list[str]:
    import pypdfium2  # noqa: PLC0415 - heavy; only for PDF statements

    problems = []
    pdfium = pypdfium2.PdfDocument(data)
    try:
        for index, (size, result) in enumerate(zip(sizes, results, strict=True)):
            page, n = pdfium[index], result.number
            width, height = page.get_size()
            if abs(width - size[0]) > 0.5 or abs(height - size[1]) > 0.5:
                problems.append(f"page {n}: its size changed")
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
                read = pdfium_text(textpage, lines_near(textpage, text,
                                                        [r for r, _label in result.boxes]))
            finally:
                textpage.close()
            problems += _found(read.text, n, "pypdfium2", find)
            problems += _under_boxes(read, result.boxes, n)
        for result, text in zip(results, poppler_texts(data, len(results)), strict=True):
            problems += _found(text, result.number, "pdftotext", find)
        rasters = [i for i, r in enumerate(results) if r.method != "in-place"]
        for index, ocr_read in pdfscan.ocr_pages(pdfium, rasters):
            problems += [f"page {index + 1}: a {s.category} still read by OCR"
                         for s in pdfscan.spans_in(ocr_read, find)]
    finally:
        pdfium.close()
    return problems


def _pictures(data: bytes, pictures: Sequence[tuple[int, Sequence[Rect], float]],
              find: Finder) -> list[str]:
    import pypdfium2  # noqa: PLC0415

    problems = []
    pdfium = pypdfium2.PdfDocument(data)
    try:
        for index, rects, height in pictures:
            image = pdfscan.render(pdfium, index)
            for rect in rects:
                box = pdfscan.to_pixels(rect, height)
                read = pdfscan.ocr(image.crop((max(0, box[0]), max(0, box[1]), box[2],
                                               box[3])))
                problems += [f"page {index + 1}: a {s.category} still read in a picture"
                             for s in pdfscan.spans_in(read, find)]
    finally:
        pdfium.close()
    return problems


def verify(data: bytes, sizes: Sequence[tuple[float, float]], results: Sequence[PageOutcome],
           find: Finder, pictures: Sequence[tuple[int, Sequence[Rect], float]] = ()) -> list[str]:
    """Every way the redacted PDF ``data`` still gives something away (empty: none).

    ``find`` is the finder the redaction used; ``pictures`` lists (page index, picture
    rectangles, page height) of pictures OCRed when planning; they are OCRed again.

    Raises:
        RedactionError: tesseract or pdftotext fails.
    """
    return [*_structure(data, len(sizes), find), *_texts(data, sizes, results, find),
            *_pictures(data, pictures, find)]
