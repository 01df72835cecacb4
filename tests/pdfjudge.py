"""Judging a redacted PDF with tools evidencekit did not write.

Everything a recipient could get out of a PDF: pdftotext (plain and ``-bbox``), pdfplumber,
pypdfium2, the uncompressed objects of ``qpdf --qdf`` (image pixels left out: random bytes),
tesseract OCR of every rendered page, and exiftool's metadata.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2

_IMAGE_DATA = re.compile(rb"(/Subtype /Image.*?\nstream\n).*?(\nendstream)", re.DOTALL)
_XREF = re.compile(rb"^\d{10} \d{5} [nf] *$", re.MULTILINE)  # offsets, not content


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, check=True)
    return done.stdout.decode("utf-8", errors="replace")


def qdf_text(pdf: Path) -> str:
    """The file's objects, streams uncompressed, image data dropped."""
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "qdf.pdf"
        done = subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(pdf),
                               str(out)], capture_output=True, check=False)
        assert done.returncode in (0, 3), done.stderr  # 3: warnings (damaged input)
        data = _XREF.sub(b"", _IMAGE_DATA.sub(rb"\1\2", out.read_bytes()))
    return data.decode("latin-1")


def ocr_text(pdf: Path, dpi: int = 200) -> str:
    """Tesseract's reading of every page as rendered by pypdfium2."""
    document = pypdfium2.PdfDocument(str(pdf))
    texts = []
    with tempfile.TemporaryDirectory() as work:
        for index in range(len(document)):
            image = document[index].render(scale=dpi / 72, may_draw_forms=True).to_pil()
            path = Path(work) / f"p{index}.png"
            image.save(path)
            texts.append(_run("tesseract", str(path), "stdout", "--dpi", str(dpi)))
    document.close()
    return "\n".join(texts)


def library_text(pdf: Path) -> str:
    """The text layer as pdfplumber and pypdfium2 read it."""
    parts = []
    with pdfplumber.open(pdf) as plumber:
        parts += [page.extract_text() or "" for page in plumber.pages]
    document = pypdfium2.PdfDocument(str(pdf))
    for index in range(len(document)):
        textpage = document[index].get_textpage()
        parts.append(textpage.get_text_range())
        textpage.close()
    document.close()
    return "\n".join(parts)


def everything(pdf: Path, ocr: bool = True, output: bool = True) -> str:
    """All text any of the judges gets out of ``pdf`` (an ``output`` has one revision)."""
    if output:
        assert pdf.read_bytes().count(b"%%EOF") == 1, "more than one revision"
        subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, check=True)
    parts = [_run("pdftotext", str(pdf), "-"), _run("pdftotext", "-bbox", str(pdf), "-"),
             library_text(pdf), qdf_text(pdf), _run("exiftool", "-a", "-G1", str(pdf))]
    if ocr:
        parts.append(ocr_text(pdf))
    return "\n".join(parts)


def leaks(text: str, secrets: Sequence[str]) -> list[str]:
    """The secrets still present as words (case-insensitive; OCR spacing tolerated)."""
    flat = re.sub(r"\s+", " ", text)
    return [s for s in secrets
            if re.search(rf"(?<![0-9A-Za-z]){re.escape(s)}(?![0-9A-Za-z])", flat, re.I)]


def words(pdf: Path | bytes) -> list[list[dict[str, Any]]]:
    """pdfplumber's words on every page."""
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    with pdfplumber.open(source) as plumber:
        return [page.extract_words(keep_blank_chars=False) for page in plumber.pages]


def layout(pdf: Path | bytes) -> list[tuple[float, float, int]]:
    """Each page's width, height and number of images."""
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    with pdfplumber.open(source) as plumber:
        return [(float(p.width), float(p.height), len(p.images)) for p in plumber.pages]
