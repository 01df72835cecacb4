"""A PDF's text read by poppler's ``pdftotext``, the second of the two independent readers.

PDFium (pypdfium2) reads each page with a box for every character; poppler (the reader of
most Linux PDF viewers, called as the ``pdftotext`` program, GPL) reads the whole document
again in one process, with a box for every word (``-bbox-layout``). The two share no code,
so a detail one of them misreads the other still finds. Every character of a word here has
the word's box: a detail only poppler finds is covered word by word.
Coordinates are PDF user space of the page (points, origin bottom left).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from evidencekit.core.errors import RedactionError
from evidencekit.redact.pdfwords import PageText, Rect

_NS = "{http://www.w3.org/1999/xhtml}"
_TIMEOUT_BASE, _TIMEOUT_PAGE = 60.0, 2.0


def _run(data: bytes, pages: int, *options: str) -> str:
    """``pdftotext OPTIONS copy.pdf -`` over ``data``; its output as text.

    Raises:
        RedactionError: pdftotext is missing, fails or takes too long.
    """
    with tempfile.TemporaryDirectory(prefix="ek-poppler-") as work:
        path = Path(work) / "copy.pdf"
        path.write_bytes(data)
        try:
            done = subprocess.run([shutil.which("pdftotext") or "pdftotext", "-q", "-enc",
                                   "UTF-8", *options, str(path), "-"], capture_output=True,
                                  check=True, timeout=_TIMEOUT_BASE + _TIMEOUT_PAGE * pages)
        except FileNotFoundError as exc:
            raise RedactionError("pdftotext is not installed, so the PDF cannot be read "
                                 "a second time; nothing was redacted.",
                                 hint="Install poppler-utils (scripts/setup.sh does).") from exc
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise RedactionError("pdftotext could not read the PDF; nothing was "
                                 "redacted.") from exc
    return done.stdout.decode("utf-8", errors="replace")


def _page_text(page: ET.Element) -> PageText:
    height = float(page.get("height", "0"))
    text: list[str] = []
    boxes: list[Rect | None] = []
    for line in page.iter(f"{_NS}line"):
        if text:
            text.append("\n")
            boxes.append(None)
        for n, word in enumerate(line.iter(f"{_NS}word")):
            chars = word.text or ""
            if n:
                text.append(" ")
                boxes.append(None)
            box = Rect(float(word.get("xMin", "0")), height - float(word.get("yMax", "0")),
                       float(word.get("xMax", "0")), height - float(word.get("yMin", "0")))
            text.append(chars)
            boxes += [box] * len(chars)
    return PageText("".join(text), tuple(boxes))


def poppler_pages(data: bytes, pages: int) -> list[PageText]:
    """Each page's words with their boxes, as poppler reads them (``pages`` entries).

    Raises:
        RedactionError: pdftotext fails, or reads a different number of pages.
    """
    out = _run(data, pages, "-bbox-layout")
    try:
        root = ET.fromstring(out)  # noqa: S314 - poppler writes it, escaping the PDF text
    except ET.ParseError as exc:
        raise RedactionError("pdftotext's reading of the PDF could not be parsed; nothing "
                             "was redacted.") from exc
    read = [_page_text(page) for page in root.iter(f"{_NS}page")]
    if len(read) != pages:
        raise RedactionError(f"pdftotext read {len(read)} page(s) of {pages}; nothing was "
                             "redacted.")
    return read


def poppler_texts(data: bytes, pages: int) -> list[str]:
    """Each page's plain text as poppler reads it, in reading order (``pages`` entries).

    Raises:
        RedactionError: pdftotext fails, or reads a different number of pages.
    """
    read = _run(data, pages).split("\f")
    if read and not read[-1].strip():
        read = read[:-1]
    if len(read) != pages:
        raise RedactionError(f"pdftotext read {len(read)} page(s) of {pages}; nothing was "
                             "redacted.")
    return read
