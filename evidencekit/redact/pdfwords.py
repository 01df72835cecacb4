"""A PDF page's text with the position of every character, as a reader gives it.

pypdfium2 (PDFium, Apache-2.0/BSD-3) gives the page's text with a box for every
character, in reading order, glyphs drawn in pieces or out of order joined and text drawn
twice (fake bold) once. pdfplumber (MIT) gives each glyph with its box; here glyphs on one
baseline are joined into one line in left-to-right order whatever the order or number of
the text-show operators that drew them, so a name drawn as ``Jo`` ``an Whit`` ``field``
reads as one name. Poppler's reading is :mod:`evidencekit.redact.pdfpoppler`.
Coordinates are PDF user space of the page (points, origin bottom left).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from evidencekit.redact.detectors import Finder, Span

_SPACE_GAP = 0.18  # a gap wider than this share of the font size is a word break


@attrs.frozen(order=True)
class Rect:
    """An axis-aligned rectangle in page space (points)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def area(self) -> float:
        """Area in square points (0 for an empty rectangle)."""
        return max(0.0, self.x1 - self.x0) * max(0.0, self.y1 - self.y0)

    def overlap(self, other: Rect) -> float:
        """Area shared with ``other``."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def contains(self, x: float, y: float) -> bool:
        """True when the point lies inside (edges included)."""
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def pad(self, by: float) -> Rect:
        """A copy grown by ``by`` points on every side."""
        return Rect(self.x0 - by, self.y0 - by, self.x1 + by, self.y1 + by)

    def union(self, other: Rect) -> Rect:
        """The smallest rectangle holding both."""
        return Rect(min(self.x0, other.x0), min(self.y0, other.y0),
                    max(self.x1, other.x1), max(self.y1, other.y1))


_BAND = 24.0  # points: rectangles are filed by the horizontal bands they cross


class RectIndex:
    """Rectangles filed by horizontal band, so a lookup tests only those nearby."""

    def __init__(self, rects: Iterable[Rect]) -> None:
        self.rects = tuple(rects)
        self._bands: dict[int, list[Rect]] = {}
        for rect in self.rects:
            for band in range(int(rect.y0 // _BAND), int(rect.y1 // _BAND) + 1):
                self._bands.setdefault(band, []).append(rect)

    def near(self, box: Rect) -> list[Rect]:
        """The rectangles that may overlap ``box`` (a superset; each listed once)."""
        first, last = int(box.y0 // _BAND), int(box.y1 // _BAND)
        if first == last:
            return self._bands.get(first, [])
        seen: dict[int, Rect] = {}
        for band in range(first, last + 1):
            for rect in self._bands.get(band, []):
                seen[id(rect)] = rect
        return list(seen.values())

    def __bool__(self) -> bool:
        return bool(self.rects)


def dedupe(chars: Sequence[dict[str, Any]], tolerance: float = 1.0) -> list[dict[str, Any]]:
    """Glyphs without the copies drawn again on top (fake bold), in linear time.

    A glyph is a copy when one with the same text, font and size was kept less than
    ``tolerance`` points away (pdfplumber's ``dedupe_chars`` rule, which is quadratic).
    """
    kept: list[dict[str, Any]] = []
    cells: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for char in chars:
        x, top = float(char["x0"]), float(char["top"])
        key = (char["text"], char.get("fontname"), round(float(char["size"]), 2))
        cell = (int(x // tolerance), int(top // tolerance))
        near = [c for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                for c in cells.get((*key, cell[0] + dx, cell[1] + dy), [])]
        if any(abs(float(c["x0"]) - x) <= tolerance and abs(float(c["top"]) - top) <= tolerance
               for c in near):
            continue
        kept.append(char)
        cells.setdefault((*key, *cell), []).append(char)
    return kept


@attrs.frozen
class PageText:
    """A page's text and, for each of its characters, the box it was drawn in (or None)."""

    text: str
    boxes: tuple[Rect | None, ...]


@attrs.frozen
class Mark:
    """One redaction on a page: where (one rectangle per line it covers) and why."""

    rects: tuple[Rect, ...]
    span: Span
    text: str


def _line_key(char: dict[str, Any]) -> float:
    return float(char["matrix"][5]) if char.get("upright", True) else float(char["y0"])


def _lines(chars: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Glyphs grouped by baseline (within a third of the font size), top line first."""
    lines: list[list[dict[str, Any]]] = []
    for char in sorted(chars, key=lambda c: -_line_key(c)):
        if lines and abs(_line_key(lines[-1][0]) - _line_key(char)) <= \
                max(1.0, float(char["size"]) / 3):
            lines[-1].append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda c: float(c["x0"])) for line in lines]


def join_chars(chars: Sequence[dict[str, Any]]) -> PageText:
    """Glyphs (pdfplumber's dicts) as text: lines by baseline, spaces where gaps are."""
    text: list[str] = []
    boxes: list[Rect | None] = []
    for line in _lines(chars):
        if text:
            text.append("\n")
            boxes.append(None)
        last: dict[str, Any] | None = None
        for char in line:
            if last is not None and float(char["x0"]) - float(last["x1"]) > \
                    _SPACE_GAP * float(char["size"]) and not char["text"].isspace() \
                    and not last["text"].isspace():
                text.append(" ")
                boxes.append(None)
            box = Rect(float(char["x0"]), float(char["y0"]), float(char["x1"]),
                       float(char["y1"]))
            text += list(char["text"])
            boxes += [box] * len(char["text"])
            last = char
    return PageText("".join(text), tuple(boxes))


def pdfium_text(textpage: Any, only: Iterable[tuple[int, int]] | None = None) -> PageText:
    """A pypdfium2 text page as text with its character boxes (generated characters: None).

    With ``only`` (start, end ranges of the text), only the characters in them get their
    box (the others None): asking PDFium for a box is most of the time it takes to read.
    """
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    wanted = range(min(count, len(text))) if only is None else sorted(
        {i for start, end in only for i in range(start, min(end, count, len(text)))})
    boxes: list[Rect | None] = [None] * len(text)
    for index in wanted:
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        if right > left:
            boxes[index] = Rect(left, bottom, right, top)
    return PageText(text, tuple(boxes))


_NEAR = 6.0  # points: a character's box lies within this of its line's text rectangles


def lines_near(textpage: Any, text: str, rects: Sequence[Rect]) -> list[tuple[int, int]]:
    """The (start, end) of each line of ``text`` that comes within reach of ``rects``.

    PDFium gives the rectangles a line's characters fill in one call, so a page's
    characters need only be asked for their boxes on the lines near a redaction.
    """
    index = RectIndex(rects)
    found, start = [], 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        count = textpage.count_rects(start, end - start)
        for n in range(count):
            left, bottom, right, top = textpage.get_rect(n)
            reach = Rect(left, bottom, right, top).pad(_NEAR)
            if any(reach.overlap(r) > 0 for r in index.near(reach)):
                found.append((start, end))
                break
        start = end
    return found


def _rects_of(page: PageText, start: int, end: int) -> tuple[Rect, ...]:
    """One rectangle per line of the characters ``start``..``end``."""
    rects: list[Rect] = []
    for box in page.boxes[start:end]:
        if box is None:
            continue
        if rects and abs(rects[-1].y0 - box.y0) < 0.5 * (box.y1 - box.y0) \
                and box.x0 >= rects[-1].x0 - 1:
            rects[-1] = rects[-1].union(box)
        else:
            rects.append(box)
    return tuple(rects)


def marks_in(page: PageText, find: Finder, spans: Iterable[Span] | None = None) -> list[Mark]:
    """What to redact on a page, each with the rectangles it covers.

    ``spans`` are what ``find`` found in the page's text, when that is known already.
    """
    found = []
    for span in find(page.text) if spans is None else spans:
        rects = _rects_of(page, span.start, span.end)
        if rects:
            found.append(Mark(rects, span, page.text[span.start:span.end]))
    return found
