"""PDF pages as PNG images, drawn with pypdfium2 (statements and their previews)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2

from evidencekit import InputError

SCALE = 1.5
"""108 dpi: a page of text is readable on a laptop screen."""


def _open(pdf: bytes | Path) -> pypdfium2.PdfDocument:
    try:
        return pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as exc:
        raise InputError(f"The PDF cannot be drawn ({exc}).") from exc


def page_count(pdf: bytes | Path) -> int:
    """How many pages the PDF has.

    Raises:
        InputError: the PDF cannot be read.
    """
    document = _open(pdf)
    try:
        return len(document)
    finally:
        document.close()


def render_pages(pdf: bytes | Path, *, only: int | None = None,
                 scale: float = SCALE) -> list[bytes]:
    """Every page of a PDF (or just page ``only``, from 1) as PNG bytes; [] past the end.

    Raises:
        InputError: the PDF cannot be read.
    """
    document = _open(pdf)
    try:
        numbers = range(len(document)) if only is None else (
            [only - 1] if 1 <= only <= len(document) else [])
        pages = []
        for index in numbers:
            out = io.BytesIO()
            document[index].render(scale=scale).to_pil().save(out, "PNG")
            pages.append(out.getvalue())
        return pages
    finally:
        document.close()


def page_sizes(pdf: bytes | Path) -> list[tuple[float, float]]:
    """Each page's width and height in points, as displayed (its /Rotate applied).

    Page regions are measured in these points from the top-left corner, so the page
    converts a box drawn on an image with ``points = pixels * width / image width``.

    Raises:
        InputError: the PDF cannot be read.
    """
    document = _open(pdf)
    try:
        return [tuple(document[index].get_size()) for index in range(len(document))]
    finally:
        document.close()
