"""Painting on PDF pages with pikepdf: labelled black boxes, rebuilt raster pages, clean-up.

The boxes are drawn after the page's own content (wrapped in ``q``/``Q`` so nothing it
leaves set can shift them). A rasterised page becomes one painted picture of itself plus
an invisible OCR text layer (render mode 3), at the page's displayed size. The document
loses everything a reader does not see on the pages: Info, XMP, the structure tree,
optional-content properties, outlines, attachments, scripts and actions.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import pikepdf
from PIL import Image
from reportlab.pdfbase.pdfmetrics import stringWidth

from evidencekit.redact.pdfinplace import shallow
from evidencekit.redact.pdfscan import OcrWord
from evidencekit.redact.pdfwords import Rect

LABEL_FONT = "/EKLabel"
OCR_FONT = "/EKOcr"
_ROOT_DROP = ("/Metadata", "/StructTreeRoot", "/MarkInfo", "/OCProperties", "/Outlines",
              "/Names", "/OpenAction", "/AA", "/PieceInfo", "/AcroForm", "/Threads",
              "/SpiderInfo", "/Legal", "/Perms", "/URI", "/Collection", "/Dests")
_PAGE_DROP = ("/Thumb", "/PieceInfo", "/AA", "/Metadata", "/StructParents", "/B",
              "/SeparationInfo", "/Group")


def helvetica() -> pikepdf.Dictionary:
    """A Helvetica (standard 14) font dictionary for labels and OCR text."""
    return pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                              BaseFont=pikepdf.Name.Helvetica,
                              Encoding=pikepdf.Name.WinAnsiEncoding)


def _latin(text: str) -> bytes:
    return text.encode("cp1252", errors="replace")


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def box_commands(boxes: Sequence[tuple[Rect, str]]) -> bytes:
    """Content-stream bytes painting each rectangle black with its label in white."""
    out = [b"q 0 g"]
    for rect, _label in boxes:
        out.append(f"{_num(rect.x0)} {_num(rect.y0)} {_num(rect.x1 - rect.x0)} "
                   f"{_num(rect.y1 - rect.y0)} re f".encode())
    for rect, label in boxes:
        width, height = rect.x1 - rect.x0, rect.y1 - rect.y0
        size = min(8.0, height * 0.7)
        needed = stringWidth(label, "Helvetica", size) if label else 0.0
        if needed > width - 2 and needed:
            size *= (width - 2) / needed
        if not label or size < 3:
            continue
        text = pikepdf.String(_latin(label)).unparse()
        out.append(f"BT 1 g {LABEL_FONT} {_num(size)} Tf {_num(rect.x0 + 1)} "
                   f"{_num(rect.y0 + (height - size) / 2 + size * 0.2)} Td ".encode()
                   + text + b" Tj ET")
    out.append(b"Q")
    return b"\n".join(out)


def draw_boxes(pdf: pikepdf.Pdf, page: pikepdf.Page, boxes: Sequence[tuple[Rect, str]]) -> None:
    """Wrap the page's content in ``q``/``Q`` and paint the boxes on top."""
    if not boxes:
        return
    resources = page.obj.Resources
    fonts = shallow(resources.get("/Font"))
    fonts[LABEL_FONT] = helvetica()
    resources.Font = fonts
    page.contents_coalesce()
    content = page.obj.Contents.read_bytes() if "/Contents" in page.obj else b""
    page.obj.Contents = pdf.make_stream(b"q\n" + content + b"\nQ\n" + box_commands(boxes))


def _ocr_layer(words: Sequence[OcrWord], dpi: int, height: float) -> bytes:
    k = 72 / dpi
    out = [b"BT 3 Tr"]
    for word in words:
        x0, top, x1, bottom = word.box
        size = max(1.0, (bottom - top) * k)
        natural = stringWidth(word.text, "Helvetica", size) or 1.0
        scale = max(1.0, (x1 - x0) * k / natural * 100)
        out.append(f"{OCR_FONT} {_num(size)} Tf {_num(scale)} Tz 1 0 0 1 {_num(x0 * k)} "
                   f"{_num(height - bottom * k + size * 0.2)} Tm ".encode()
                   + pikepdf.String(_latin(word.text)).unparse() + b" Tj")
    out.append(b"ET")
    return b"\n".join(out)


def raster_page(pdf: pikepdf.Pdf, page: pikepdf.Page, image: Image.Image, dpi: int,
                words: Sequence[OcrWord], boxes: Sequence[tuple[Rect, str]],
                size: tuple[float, float]) -> None:
    """Replace the page by ``image`` (its painted rendering), boxes and an OCR text layer.

    ``size`` is the page's displayed size in points; the picture fills it exactly (the
    rendering's whole pixels would otherwise change the page size by a fraction).
    """
    width, height = size
    picture = pdf.make_stream(zlib.compress(image.convert("L").tobytes(), 6))
    picture.Type, picture.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    picture.Width, picture.Height = image.width, image.height
    picture.ColorSpace, picture.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    picture.Filter = pikepdf.Name.FlateDecode
    for key in ("/Annots", "/Rotate", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox",
                "/UserUnit", *_PAGE_DROP):
        if key in page.obj:
            del page.obj[key]
    page.obj.MediaBox = pikepdf.Array([0, 0, width, height])
    page.obj.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(EKScan=picture),
        Font=pikepdf.Dictionary({OCR_FONT: helvetica(), LABEL_FONT: helvetica()}))
    content = (f"q {_num(width)} 0 0 {_num(height)} 0 0 cm /EKScan Do Q\n".encode()
               + _ocr_layer(words, dpi, height) + b"\n" + box_commands(boxes))
    page.obj.Contents = pdf.make_stream(content)


def clean_document(pdf: pikepdf.Pdf) -> None:
    """Drop what no page shows: document metadata, structure, scripts, layers, outlines."""
    for key in _ROOT_DROP:
        if key in pdf.Root:
            del pdf.Root[key]
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    for page in pdf.pages:
        for key in _PAGE_DROP:
            if key in page.obj:
                del page.obj[key]
        annots = page.obj.get("/Annots")
        if annots is not None and not (isinstance(annots, pikepdf.Array) and len(annots)):
            del page.obj["/Annots"]  # an empty list still tells there were annotations


def hidden_groups(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    """The optional-content groups switched off by default (their content must not stay)."""
    props = pdf.Root.get("/OCProperties")
    default = props.get("/D") if isinstance(props, pikepdf.Dictionary) else None
    off = default.get("/OFF") if isinstance(default, pikepdf.Dictionary) else None
    if not isinstance(off, pikepdf.Array):
        return set()
    return {group.objgen for group in off if isinstance(group, pikepdf.Object)
            and group.is_indirect}


def annotation_text(annotation: Any) -> str:
    """Every text an annotation carries (contents, title, rich text, link target)."""
    parts = []
    for key in ("/Contents", "/T", "/RC", "/Subj", "/TU", "/V"):
        value = annotation.get(key)
        if isinstance(value, pikepdf.String):
            parts.append(str(value))
    action = annotation.get("/A")
    if isinstance(action, pikepdf.Dictionary) and isinstance(action.get("/URI"),
                                                             pikepdf.String):
        parts.append(str(action.URI))
    return "\n".join(parts)
