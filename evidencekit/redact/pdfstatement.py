"""PDF statements: the reviewer's page regions, the custody record, and the preview.

Regions for a PDF carry a ``page`` (1-based) and are measured in points from the top-left
corner of the page as displayed; they become boxes for :func:`redact_pdf`. The custody
record lists how each page was redacted (in place, rasterised and OCRed, or a scan read
by OCR) and the notes, never the removed text. The preview is the working copy of the
original with every proposed box outlined and labelled with its reason.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pikepdf
from PIL import ImageDraw

from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError
from evidencekit.core.storage import atomic_write
from evidencekit.redact import pdfscan
from evidencekit.redact.detectors import Finder, Span, keeping
from evidencekit.redact.pdfinplace import inherited, shallow
from evidencekit.redact.pdfpaint import LABEL_FONT, helvetica, raster_page
from evidencekit.redact.pdfplan import PagePlan, plan_pages, prepare
from evidencekit.redact.pdfredact import Box, PageResult, PdfRedaction, check_regions, scan_boxes
from evidencekit.redact.pdfwords import Rect
from evidencekit.redact.people import PeopleRegister
from evidencekit.redact.regions import RegionSet

PREVIEW_TITLE = "PREVIEW - NOT FOR DISCLOSURE - boxes show what would be removed"


def page_regions(regions: RegionSet) -> dict[int, list[Box]]:
    """The regions of a PDF statement by page, as (top-left based) boxes with labels.

    Raises:
        InputError: a region has no page, has times, or the file mutes audio.
    """
    if regions.mute:
        raise InputError("Mute ranges apply to footage and audio, not to PDF statements.")
    pages: dict[int, list[Box]] = {}
    for n, region in enumerate(regions.regions, start=1):
        if region.page is None:
            raise InputError(f"Region {n} has no \"page\"; regions for a PDF statement "
                             "name their page (1 is the first).")
        if region.start is not None or region.end is not None:
            raise InputError(f"Region {n} has times, but a PDF page has no timeline.")
        rect = Rect(region.x, region.y, region.x + region.w, region.y + region.h)
        pages.setdefault(region.page, []).append((rect, region.label or "[redacted]"))
    return pages


def record(result: PdfRedaction) -> dict[str, JsonValue]:
    """The custody details of a redacted PDF: each page's method, and the notes."""
    pages: list[JsonValue] = []
    for page in result.pages:
        entry: dict[str, JsonValue] = {"page": page.number, "method": page.method,
                                       "boxes": len(page.boxes)}
        if page.reason is not None:
            entry["reason"] = page.reason
        if page.confidence is not None:
            entry["ocr_confidence"] = round(page.confidence)
        if page.reviewed:
            entry["reviewed"] = True
        pages.append(entry)
    return {"page_methods": pages, "notes": list(result.notes)}


def redacted_text(data: bytes) -> str:
    """The text layer of a redacted PDF (for name suggestions)."""
    import pypdfium2  # noqa: PLC0415 - heavy; only for PDF statements

    document = pypdfium2.PdfDocument(data)
    try:
        parts = []
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
        return "\n".join(parts)
    finally:
        document.close()


def _proposed(plan: PagePlan, pdfium: Any, find: Finder,
              extra: Sequence[Box]) -> tuple[list[Box], list[Span]]:
    boxes: list[Box] = [(rect, f"{mark.span.label} {mark.span.rule}") for mark in plan.marks
                        for rect in mark.rects]
    spans = [mark.span for mark in plan.marks]
    if plan.scan is not None:
        image = pdfscan.render(pdfium, plan.index)
        _read, found, new = scan_boxes(image, plan, find, boxes)
        boxes += [(rect, f"{label} (OCR)" if label else "") for rect, label in found]
        spans += new
    return boxes + [(rect, f"{label} (your region)") for rect, label in extra], spans


def _outline_commands(boxes: Sequence[Box], top: float) -> bytes:
    out = [b"q 1 0 0 RG 0.8 w"]
    for rect, _label in boxes:
        out.append(f"{rect.x0:.2f} {rect.y0:.2f} {rect.x1 - rect.x0:.2f} "
                   f"{rect.y1 - rect.y0:.2f} re S".encode())
    out.append(b"BT 0.8 0 0 rg")
    for rect, label in boxes:
        out.append(f"{LABEL_FONT} 5 Tf 1 0 0 1 {rect.x0:.2f} {rect.y1 + 1:.2f} Tm ".encode()
                   + pikepdf.String(label.encode("cp1252", "replace")).unparse() + b" Tj")
    out.append(f"{LABEL_FONT} 9 Tf 1 0 0 1 20 {top - 14:.2f} Tm ".encode()
               + pikepdf.String(PREVIEW_TITLE).unparse() + b" Tj ET Q")
    return b"\n".join(out)


def _outline_vector(pdf: pikepdf.Pdf, page: pikepdf.Page, boxes: Sequence[Box],
                    top: float) -> None:
    resources = shallow(inherited(page.obj, "/Resources"))
    fonts = shallow(resources.get("/Font"))
    fonts[LABEL_FONT] = helvetica()
    resources.Font = fonts
    page.obj.Resources = resources
    page.contents_coalesce()
    content = page.obj.Contents.read_bytes() if "/Contents" in page.obj else b""
    page.obj.Contents = pdf.make_stream(b"q\n" + content + b"\nQ\n"
                                        + _outline_commands(boxes, top))


def _outline_raster(pdf: pikepdf.Pdf, page: pikepdf.Page, pdfium: Any, plan: PagePlan,
                    boxes: Sequence[Box]) -> None:
    image = pdfscan.render(pdfium, plan.index, dpi=150).convert("RGB")
    draw = ImageDraw.Draw(image)
    for rect, label in boxes:
        x0, y0, x1, y1 = pdfscan.to_pixels(rect, plan.size[1], dpi=150)
        draw.rectangle((x0, y0, x1, y1), outline=(220, 0, 0), width=2)
        draw.text((x0, max(0, y0 - 12)), label, fill=(200, 0, 0))
    draw.text((20, 10), PREVIEW_TITLE, fill=(200, 0, 0))
    raster_page(pdf, page, image.convert("L"), 150, [], [], plan.size)


def preview_pdf(source: Path, out: Path, register: PeopleRegister, detectors: Sequence[str],
                regions: Mapping[int, Sequence[Box]] | None = None,
                keep: Collection[str] = ()) -> PdfRedaction:
    """Write the original pages with every proposed box outlined and labelled to ``out``.

    ``keep`` lists texts the reviewer rejected as proposals: they are not outlined.

    Returns what would be redacted (``data`` is the preview itself).

    Raises:
        InputError: the PDF cannot be read, or a region names a page it does not have.
        RedactionError: tesseract fails.
    """
    import pypdfium2  # noqa: PLC0415 - heavy; only for PDF statements

    find = keeping(register, detectors, keep)
    prepared = prepare(source, find)
    plans = plan_pages(prepared.data, find)
    boxed = check_regions(dict(regions or {}), plans)
    pdfium = pypdfium2.PdfDocument(prepared.data)
    results = []
    try:
        with pikepdf.open(io.BytesIO(prepared.data)) as pdf:
            for plan, page in zip(plans, pdf.pages, strict=True):
                boxes, spans = _proposed(plan, pdfium, find, boxed.get(plan.index + 1, []))
                if plan.scan is None:
                    _outline_vector(pdf, page, boxes, plan.size[1])
                else:
                    _outline_raster(pdf, page, pdfium, plan, boxes)
                results.append(PageResult(plan.index + 1, "preview", plan.scan, tuple(boxes),
                                          tuple(spans)))
            buffer = io.BytesIO()
            pdf.save(buffer)
    finally:
        pdfium.close()
    atomic_write(out, buffer.getvalue())
    notes = tuple(f"page {p.index + 1}: {p.scan}; it would be rasterised and read by OCR "
                  "(boxes marked OCR)" for p in plans if p.scan is not None)
    return PdfRedaction(buffer.getvalue(), tuple(results), notes)
