"""Typesetting a statement into a fresh PDF, with redactions as labelled black boxes.

The PDF is written from scratch in one save (reportlab), from the redacted text
only: nothing of the source file (revisions, annotations, form fields, layers,
JavaScript, XMP, attachments) can reach it, and no removed text exists in it at
all, under a box or elsewhere. Each box has a fixed size for its label, so the
box's width says nothing about the length of what it hides.

A preview (for the reviewer) instead shows every proposed redaction highlighted,
with its category and rule.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from evidencekit.redact.detectors import Span

FONT, SIZE, LEADING = "Helvetica", 11, 15
MARGIN = 56
Token = tuple[str, Span | None]


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
    words = " ".join(text.split())
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
            preview: bool = False, numbered: bool = True) -> bytes:
    """The PDF bytes: each source page starts a new page; spans boxed (or highlighted)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
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
