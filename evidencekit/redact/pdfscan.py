"""Pages as pictures: render (pypdfium2), read with OCR (tesseract, a separate process).

Used for scanned pages, for pictures of text inside digital pages, and for pages the
editor cannot change safely (rasterised, painted, and given a fresh invisible text
layer made from the OCR words that were not painted). Matching tolerates OCR's
punctuation between words ("Acacia.Road,"); a painted word is painted whole.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
from PIL import Image, ImageDraw

from evidencekit.core.errors import RedactionError
from evidencekit.redact.detectors import Finder, Span, merge
from evidencekit.redact.pdfwords import Rect

DPI = 300
OCR_TIMEOUT = 120
_PUNCTUATION = str.maketrans(dict.fromkeys('.,;:|_!?"()[]{}*~', " "))


@attrs.frozen
class OcrWord:
    """One word read by tesseract: its text, confidence (0-100) and pixel box."""

    text: str
    conf: float
    box: tuple[int, int, int, int]
    line: tuple[int, int, int]


@attrs.frozen
class OcrPage:
    """A page's OCR: words and the text built from them (with each character's word)."""

    words: tuple[OcrWord, ...]
    text: str
    owner: tuple[int | None, ...]

    @property
    def confidence(self) -> float:
        """Mean word confidence (100 for a page with no words)."""
        scores = [w.conf for w in self.words if w.text.strip()]
        return sum(scores) / len(scores) if scores else 100.0


def render(document: Any, index: int, dpi: int = DPI) -> Image.Image:
    """Page ``index`` as the reader sees it (with form fields and annotations), grey."""
    page = document[index]
    bitmap = page.render(scale=dpi / 72, may_draw_forms=True, grayscale=True)
    image: Image.Image = bitmap.to_pil().convert("L")
    return image


def ocr(image: Image.Image) -> OcrPage:
    """Tesseract's words, with boxes, for an image.

    Raises:
        RedactionError: tesseract is missing, fails or takes too long.
    """
    with tempfile.TemporaryDirectory(prefix="ek-ocr-") as work:
        source = Path(work) / "page.png"
        image.save(source, dpi=(DPI, DPI))
        try:
            done = subprocess.run([shutil.which("tesseract") or "tesseract", str(source),
                                   "stdout", "-l", "eng", "--dpi", str(DPI), "tsv"],
                                  capture_output=True, check=True, timeout=OCR_TIMEOUT,
                                  # one thread: more only fight over a shared machine's cores
                                  env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except FileNotFoundError as exc:
            raise RedactionError("tesseract is not installed, so this page cannot be read.",
                                 hint="Install tesseract-ocr (scripts/setup.sh does).") from exc
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise RedactionError("tesseract could not read a page; nothing was "
                                 "redacted.") from exc
    return _parse_tsv(done.stdout.decode("utf-8", errors="replace"))


def ocr_pages(document: Any, indexes: Sequence[int],
              workers: int = 2) -> Iterator[tuple[int, OcrPage]]:
    """(index, reading) of pages, OCRed ``workers`` at a time.

    Pages are rendered one after the other (PDFium is not thread-safe) and read by
    concurrent tesseract processes. Only ``workers`` renderings are held at once,
    whatever the page count.

    Raises:
        RedactionError: tesseract fails.
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(indexes), workers):
            batch = indexes[start:start + workers]
            images = [render(document, index) for index in batch]
            yield from zip(batch, pool.map(ocr, images), strict=True)


def _parse_tsv(tsv: str) -> OcrPage:
    words = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        left, top = int(row["left"]), int(row["top"])
        words.append(OcrWord(text, float(row["conf"]),
                             (left, top, left + int(row["width"]), top + int(row["height"])),
                             (int(row["block_num"]), int(row["par_num"]),
                              int(row["line_num"]))))
    return _page(words)


def _page(words: Sequence[OcrWord]) -> OcrPage:
    parts: list[str] = []
    owner: list[int | None] = []
    for n, word in enumerate(words):
        if n:
            parts.append("\n" if word.line != words[n - 1].line else " ")
            owner.append(None)
        parts.append(word.text)
        owner += [n] * len(word.text)
    return OcrPage(tuple(words), "".join(parts), tuple(owner))


def spans_in(page: OcrPage, find: Finder) -> list[Span]:
    """What to redact in OCR text: as read, and with stray punctuation read as spaces."""
    return merge([*find(page.text), *find(page.text.translate(_PUNCTUATION))])


def word_boxes(page: OcrPage, spans: Iterable[Span]) -> list[tuple[int, int, int, int]]:
    """The pixel boxes of every word a span touches (whole words)."""
    hit = sorted({n for s in spans for n in page.owner[s.start:s.end] if n is not None})
    return [page.words[n].box for n in hit]


def ink(image: Image.Image) -> float:
    """Share of dark pixels: tells a blank page from one OCR could not read."""
    histogram = image.convert("L").histogram()
    return sum(histogram[:128]) / max(1, image.width * image.height)


def to_pixels(rect: Rect, height_pt: float, dpi: int = DPI,
              origin: tuple[float, float] = (0.0, 0.0)) -> tuple[int, int, int, int]:
    """A page-space rectangle as a pixel box of a page rendered at ``dpi``."""
    k = dpi / 72
    x0, y0 = rect.x0 - origin[0], rect.y0 - origin[1]
    x1, y1 = rect.x1 - origin[0], rect.y1 - origin[1]
    return (int(x0 * k) - 1, int((height_pt - y1) * k) - 1,
            int(x1 * k) + 2, int((height_pt - y0) * k) + 2)


def to_rect(box: tuple[int, int, int, int], height_pt: float, dpi: int = DPI,
            origin: tuple[float, float] = (0.0, 0.0)) -> Rect:
    """A pixel box of a page rendered at ``dpi`` as a page-space rectangle."""
    k = 72 / dpi
    return Rect(box[0] * k + origin[0], height_pt - box[3] * k + origin[1],
                box[2] * k + origin[0], height_pt - box[1] * k + origin[1])


def paint(image: Image.Image, boxes: Iterable[tuple[int, int, int, int]],
          labels: Sequence[str] = ()) -> Image.Image:
    """A copy with every box filled black (and its label in white where it fits)."""
    painted = image.copy()
    draw = ImageDraw.Draw(painted)
    for n, box in enumerate(boxes):
        draw.rectangle(box, fill=0)
        if n < len(labels) and labels[n] and box[3] - box[1] >= 12:
            draw.text((box[0] + 2, box[1] + 1), labels[n], fill=255)
    return painted


def unpainted_words(page: OcrPage, boxes: Sequence[tuple[int, int, int, int]]) -> list[OcrWord]:
    """The OCR words no box touches: the new text layer of a rasterised page."""
    def touches(word: OcrWord) -> bool:
        x0, y0, x1, y1 = word.box
        return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)
    return [w for w in page.words if not touches(w)]
