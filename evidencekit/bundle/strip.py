"""The stills on a footage sheet: laid out to fill the space under the facts, each labelled.

The layout is a pure function of the number of stills, their shape and the space left;
of one row of four or two rows of two, the one giving the larger pictures is used, so
the sheet has no large empty band between the facts and the pictures.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence

import attrs
import PIL.Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from evidencekit.redact.typeset import FONT

MARGIN = 48
LABEL = 14
GAP = 8


@attrs.frozen
class Cell:
    """Where one still goes: lower-left corner and size, in points."""

    x: float
    y: float
    width: float
    height: float


def layout(count: int, aspect: float, width: float, top: float,
           bottom: float = MARGIN) -> list[Cell]:
    """Cells for ``count`` stills of ``aspect`` (height / width) between ``top`` and ``bottom``."""
    best: list[Cell] = []
    for columns in sorted({count, max(1, math.ceil(count / 2))}, reverse=True):
        rows = math.ceil(count / columns)
        w = width / columns - GAP
        h = w * aspect
        room = (top - bottom) / rows - LABEL - GAP
        if h > room > 0:
            w, h = room / aspect, room
        inset = (width / columns - GAP - w) / 2  # pictures narrowed to fit are centred
        cells = [Cell(MARGIN + (n % columns) * (width / columns) + inset,
                      top - (n // columns + 1) * (h + LABEL + GAP) + LABEL, w, h)
                 for n in range(count)]
        if not best or w * h > best[0].width * best[0].height:
            best = cells
    return best


def label(clock: str | None, offset: float) -> str:
    """``22:15:05 GMT (at 2.0 s)``, or ``at 2.0 s`` when no clock time is known."""
    return f"{clock} (at {offset:.1f} s)" if clock else f"at {offset:.1f} s"


def draw(pdf: canvas.Canvas, stills: Sequence[tuple[float, PIL.Image.Image]],
         size: tuple[float, float], top: float, name: Callable[[float], str]) -> None:
    """Draw ``stills`` (offset, frame) below ``top``, each with ``name(offset)`` under it."""
    if not stills:
        return
    first = stills[0][1]
    cells = layout(len(stills), first.height / first.width, size[0] - 2 * MARGIN, top)
    pdf.setFont(FONT, 9)
    for (t, frame), cell in zip(stills, cells, strict=True):
        frame.thumbnail((int(cell.width * 2), int(cell.height * 2)))
        clean = io.BytesIO()
        frame.save(clean, format="JPEG", quality=80)
        clean.seek(0)
        pdf.drawImage(ImageReader(clean), cell.x, cell.y, cell.width, cell.height)
        pdf.drawString(cell.x, cell.y - LABEL + 3, name(t))
