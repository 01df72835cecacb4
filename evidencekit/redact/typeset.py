"""Typesetting a statement into a fresh PDF, with redactions as labelled black boxes.

The PDF is written from scratch in one save (reportlab), from the redacted text
only: nothing of the source file (revisions, annotations, form fields, layers,
JavaScript, XMP, attachments) can reach it, and no removed text exists in it at
all, under a box or elsewhere. Each box has a fixed size for its label, so the
box's width says nothing about the length of what it hides.

A preview (for the reviewer) instead shows every proposed redaction highlighted,
with its category and rule.

Every typeset page (here and in the bundle) uses one embedded Unicode font, DejaVu
Sans (Debian's ``fonts-dejavu-core``), subset into the PDF: Latin, Greek and Cyrillic
render as written. Text the font cannot draw, or scripts that need shaping or
right-to-left ordering (Arabic, Hebrew, Indic, Thai ...), which reportlab cannot do,
stop the work with an error naming the document: never a silent box.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas

from evidencekit.core.errors import InputError, RedactionError
from evidencekit.redact.detectors import Span

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
SIZE, LEADING = 11, 15
MARGIN = 56
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_PACKAGE = "fonts-dejavu-core"
# Scripts whose letters change shape with their neighbours, or run right to left:
# drawn glyph by glyph they would be wrong, so they are refused (reportlab does no shaping).
_SHAPED = ((0x0590, 0x08FF, "Hebrew, Arabic, Syriac or Thaana"),
           (0x0900, 0x0DFF, "an Indic script (Devanagari, Bengali, Tamil ...)"),
           (0x0E00, 0x0FFF, "Thai, Lao or Tibetan"), (0x1000, 0x109F, "Myanmar"),
           (0x1780, 0x18AF, "Khmer or Mongolian"), (0xA8E0, 0xABFF, "an Indic script"),
           (0xFB1D, 0xFDFF, "Hebrew or Arabic"), (0xFE70, 0xFEFC, "Arabic"))
Token = tuple[str, Span | None]


@functools.cache
def fonts() -> tuple[str, str]:
    """Register the embedded Unicode fonts once; their names (regular, bold).

    Raises:
        InputError: the font files are not installed.
    """
    for name in (FONT, BOLD):
        path = FONT_DIR / f"{name}.ttf"
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except (OSError, TTFError) as exc:
            raise InputError(f"The font {path} is missing or unreadable; typeset pages need "
                             f"it (apt-get install {FONT_PACKAGE}, or run scripts/setup.sh)."
                             ) from exc
    return FONT, BOLD


def _why_not(char: str) -> str | None:
    code = ord(char)
    for start, end, script in _SHAPED:
        if start <= code <= end:
            return f"{script} needs shaping or right-to-left layout, which is not supported"
    font = pdfmetrics.getFont(fonts()[0])
    if code not in font.face.charToGlyph:
        return "the bundle's font (DejaVu Sans) has no glyph for it"
    return None


# Filled into the first font subset of every canvas, in this order, after ASCII: Latin-1,
# typographic punctuation, and the letters of Polish, Czech, Slovak, Lithuanian, Hungarian,
# Romanian and Turkish names. Every typeset document then has the same first subset, byte
# for byte, so a bundle made of many of them keeps one copy of each font (issue 12.8).
# Exactly the 160 free codes of the subset; other characters open a second subset.
FONT_PRIMER = ("\u00a0¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãä"
               "åæçèéêëìíîïðñòóôõö÷øùúûüýþÿ‘’‚“”„–—…•€™ŁłŚśŹźŻżĄąĘęĆćŃńŠšŽžČčĖėĮįŲųŪū"
               "ŐőŰűŘřĚěŮůŞşĞğİıĂăȘșȚțţ")


def new_canvas(buffer: io.BytesIO, size: tuple[float, float]) -> canvas.Canvas:
    """A reproducible, compressed canvas whose only font is the embedded one.

    Both fonts' first subsets are filled with :data:`FONT_PRIMER`, so they are the same
    in every document (a bundle then shares them); streams are binary, never ASCII85
    (JPEG pictures are stored as DCT only).

    Raises:
        InputError: the font files are not installed.
    """
    regular, bold = fonts()
    # Binary streams: reportlab's default wraps pictures and pages in ASCII85, a quarter
    # larger (and JPEG pictures then carry two filters). It reads this flag as it writes.
    rl_config.useA85 = 0
    pdf = canvas.Canvas(buffer, pagesize=size, invariant=True, pageCompression=1,
                        initialFontName=regular)
    for name in (regular, bold):
        pdfmetrics.getFont(name).splitString(FONT_PRIMER, pdf._doc)
    return pdf


def _clean(text: str) -> str:
    """NFC (one glyph per accented letter), without invisible format or control characters."""
    return "".join(c for c in unicodedata.normalize("NFC", text)
                   if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf"))


def drawable(text: str, what: str, error: type[InputError] = RedactionError) -> str:
    """``text`` ready to draw: NFC, invisible format characters dropped, every glyph present.

    Raises:
        InputError: (of class ``error``) a character cannot be drawn; the message names
            ``what`` (the exhibit or page) and the character.
    """
    fonts()
    text = _clean(text)
    for char in dict.fromkeys(text):
        if char.isspace():
            continue
        if reason := _why_not(char):
            name = unicodedata.name(char, "unnamed character")
            raise error(f"{what} contains {char!r} (U+{ord(char):04X} {name}), which cannot "
                        f"be typeset: {reason}.",
                        hint="Nothing was written. Provide that document as a PDF (its pages "
                             "are then kept as they are), or have it transliterated.")
    return text


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text + "\u2026"


def _tokens(text: str, spans: Sequence[Span]) -> Iterator[Token]:
    """Words, line breaks and redactions, in reading order."""
    last = 0
    for span in [*spans, None]:
        chunk = text[last : span.start if span else len(text)]
        for piece in re.findall(r"\n|[^\s]+", chunk):
            yield piece, None
        if span is not None:
            yield text[span.start : span.end], span
            last = span.end


class _Page:
    def __init__(self, pdf: canvas.Canvas, header: str, numbered: bool) -> None:
        self.pdf, self.header, self.numbered = pdf, header, numbered
        self.number = 0
        self.x = self.y = 0.0
        self.width = A4[0] - 2 * MARGIN
        self.new()

    def new(self) -> None:
        if self.number:
            self.pdf.showPage()
        self.number += 1
        self.pdf.setFont(FONT, 8)
        self.pdf.drawString(MARGIN, A4[1] - 30, self.header)
        if self.numbered:
            self.pdf.drawRightString(A4[0] - MARGIN, 30, f"page {self.number}")
        self.x, self.y = 0.0, A4[1] - MARGIN - SIZE

    def newline(self) -> None:
        self.x = 0.0
        self.y -= LEADING
        if self.y < MARGIN:
            self.new()

    def place(self, width: float) -> tuple[float, float]:
        if self.x and self.x + width > self.width:
            self.newline()
        at = (MARGIN + self.x, self.y)
        self.x += width + stringWidth(" ", FONT, SIZE)
        return at


def _word(page: _Page, word: str) -> None:
    word = _clean(word)
    x, y = page.place(stringWidth(word, FONT, SIZE))
    page.pdf.setFont(FONT, SIZE)
    page.pdf.drawString(x, y, word)


def _box(page: _Page, span: Span) -> None:
    width = stringWidth(span.label, FONT, SIZE - 2) + 6
    x, y = page.place(width)
    page.pdf.setFillColorRGB(0, 0, 0)
    page.pdf.rect(x, y - 3, width, SIZE + 2, stroke=0, fill=1)
    page.pdf.setFillColorRGB(1, 1, 1)
    page.pdf.setFont(FONT, SIZE - 2)
    page.pdf.drawString(x + 3, y, span.label)
    page.pdf.setFillColorRGB(0, 0, 0)


def _highlight(page: _Page, text: str, span: Span) -> None:
    words = _clean(" ".join(text.split()))
    note = f" [{span.category}: {span.rule}]"
    width = stringWidth(words, FONT, SIZE) + stringWidth(note, FONT, 7)
    x, y = page.place(width)
    page.pdf.setFillColorRGB(1, 0.9, 0.2)
    page.pdf.rect(x - 1, y - 3, stringWidth(words, FONT, SIZE) + 2, SIZE + 2, stroke=0, fill=1)
    page.pdf.setFillColorRGB(0, 0, 0)
    page.pdf.setFont(FONT, SIZE)
    page.pdf.drawString(x, y, words)
    page.pdf.setFillColorRGB(0.8, 0, 0)
    page.pdf.setFont(FONT, 7)
    page.pdf.drawString(x + stringWidth(words, FONT, SIZE), y + 4, note)
    page.pdf.setFillColorRGB(0, 0, 0)


def typeset(pages: Sequence[tuple[str, Sequence[Span]]], header: str, *,
            preview: bool = False, numbered: bool = True, what: str | None = None,
            error: type[InputError] = RedactionError) -> bytes:
    """The PDF bytes: each source page starts a new page; spans boxed (or highlighted).

    Raises:
        InputError: (of class ``error``) text that cannot be drawn (see :func:`drawable`);
            ``what`` names the document in the message (the header by default).
    """
    shown = [piece for text, spans in pages for piece, span in _tokens(text, spans)
             if span is None or preview]
    drawable(" ".join(shown), what or header, error)
    header = drawable(header, what or header, error)
    buffer = io.BytesIO()
    pdf = new_canvas(buffer, A4)
    pdf.setTitle(header)
    pdf.setAuthor("evidencekit")
    pdf.setCreator("evidencekit")
    pdf.setSubject("")
    page = _Page(pdf, header, numbered)
    for index, (text, spans) in enumerate(pages):
        if index:
            page.new()
        for piece, span in _tokens(text, spans):
            if span is None and piece == "\n":
                page.newline()
            elif span is None:
                _word(page, piece)
            elif preview:
                _highlight(page, piece, span)
            else:
                _box(page, span)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
