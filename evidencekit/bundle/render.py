"""Turning each exhibit into the PDF pages a judge reads in the bundle.

Text statements are typeset (searchable); DOCX, ODT and RTF statements are printed
by LibreOffice in their own layout (comments and tracked deletions left out); PDF
statements keep their own pages; photos get a page each (downsampled to at most 300
dpi, no metadata carried); footage and audio get an exhibit sheet with a strip of
stills; anything else gets a sheet saying where the native file is.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import attrs
import PIL.Image
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from evidencekit.bundle import strip
from evidencekit.bundle.facts import Facts, clock_at, readable_time
from evidencekit.bundle.pdfclean import clean_pdf
from evidencekit.case.folder import Case
from evidencekit.core import limits
from evidencekit.core.errors import BundleError, InputError
from evidencekit.custody.exhibits import Item
from evidencekit.redact import photo, video
from evidencekit.redact.faithful import FAITHFUL_TYPES, faithful_copy
from evidencekit.redact.media import PHOTO_TYPES, frame_at
from evidencekit.redact.statement_text import read_statement
from evidencekit.redact.statements import is_statement
from evidencekit.redact.typeset import BOLD, FONT, drawable, fit, new_canvas, typeset

MAX_DPI = 300
MARGIN = 48


class UntypesetText(BundleError):
    """Text the bundle's font cannot draw: it stops the bundle, never a stand-in sheet."""


@attrs.frozen
class Rendered:
    """One document's pages as a PDF, and anything a reviewer should know."""

    pdf: bytes
    notes: tuple[str, ...] = ()


def _caption(pdf: canvas.Canvas, item: Item, size: tuple[float, float],
             lines: list[str]) -> None:
    what = f"Exhibit {item.ref}"
    top, width = size[1] - MARGIN, size[0] - 2 * MARGIN
    pdf.setFont(BOLD, 12)
    pdf.drawString(MARGIN, top, drawable(what, what, UntypesetText))
    pdf.setFont(FONT, 10)
    for n, line in enumerate(lines, start=1):
        pdf.drawString(MARGIN, top - 15 * n, fit(drawable(line, what, UntypesetText), FONT, 10,
                                                 width))


def photo_page(case: Case, item: Item, facts: Facts) -> Rendered:
    """One page: the picture as large as fits, with reference, description and EXIF time."""
    image = photo.open_photo(case.object_path(item.sha256))
    size = landscape(A4) if image.width > image.height else A4
    box_w, box_h = size[0] - 2 * MARGIN, size[1] - 2 * MARGIN - 70
    scale = min(box_w / image.width, box_h / image.height)
    width, height = image.width * scale, image.height * scale
    limit = (int(width / 72 * MAX_DPI), int(height / 72 * MAX_DPI))
    if image.width > limit[0]:
        image = image.resize(limit, PIL.Image.Resampling.LANCZOS)
    clean = io.BytesIO()
    photo.clean_copy(image).save(clean, format="JPEG", quality=88)
    clean.seek(0)
    buffer = io.BytesIO()
    pdf = new_canvas(buffer, size)
    _caption(pdf, item, size, [item.description,
                               f"Taken (camera clock): {readable_time(facts.device_time)}"])
    pdf.drawImage(ImageReader(clean), MARGIN + (box_w - width) / 2, MARGIN, width, height)
    pdf.showPage()
    pdf.save()
    return Rendered(buffer.getvalue())


def _stills(source: Path, duration: float,
            count: int = 4) -> tuple[list[tuple[float, PIL.Image.Image]], list[str]]:
    """Stills spread over the recording, and why any could not be taken."""
    frames, problems = [], []
    for n in range(count):
        t = duration * (n + 0.5) / count
        try:
            frames.append((t, frame_at(source, t)))
        except InputError as exc:
            problems.append(exc.message)
    return frames, problems


def _sheet_lines(item: Item, facts: Facts, info: video.MediaInfo | None,
                 package_path: str) -> list[str]:
    duration = info.duration if info is not None else facts.duration
    picture = facts.resolution or (f"{info.width}x{info.height}" if info and info.has_video
                                   and info.width and info.height else "no picture")
    lines = [item.description, f"Produced by: {facts.producer}",
             f"Original file name: {item.original_name or '(not disclosed)'}",
             f"Format: {item.media_type}, {picture}, duration "
             f"{'unreadable' if duration is None else f'{duration:.1f} s'}",
             f"Recorded (device clock): {readable_time(facts.device_time)}"]
    if facts.stated_time:
        lines.append(f"Time stated at ingest: {readable_time(facts.stated_time)}")
    lines += [f"{label}: {value}" for label, value in (("Source", facts.source),
              ("Captured by", facts.captured_by)) if value]
    return [*lines, f"SHA-256: {item.sha256}", f"Native file: {package_path}"]


def media_sheet(case: Case, item: Item, package_path: str, facts: Facts) -> Rendered:
    """An exhibit sheet for footage or audio: facts, hash, where the file is, stills."""
    buffer = io.BytesIO()
    size = landscape(A4)
    pdf = new_canvas(buffer, size)
    source = case.object_path(item.sha256)
    notes: list[str] = []
    info: video.MediaInfo | None = None
    try:
        info = video.media_info(source)
    except InputError as exc:
        notes.append(f"{item.ref}: {exc.message}")
    lines = _sheet_lines(item, facts, info, package_path)
    _caption(pdf, item, size, lines)
    if info is not None and info.has_video:
        frames, problems = _stills(source, info.duration)
        start = facts.device_time or facts.stated_time
        strip.draw(pdf, frames, size, size[1] - MARGIN - 15 * len(lines) - 24,
                   lambda t: strip.label(clock_at(start, t), t))
        if problems:
            notes.append(f"{item.ref}: {len(problems)} of 4 stills could not be taken "
                         f"({problems[0]})")
    pdf.showPage()
    pdf.save()
    return Rendered(buffer.getvalue(), tuple(notes))


def statement_pages(case: Case, item: Item) -> Rendered:
    """A statement: PDF pages as they are; text and DOCX typeset into searchable pages."""
    source = case.object_path(item.sha256)
    if item.media_type == "application/pdf":
        if item.size > limits.whole("pdf-bytes"):
            raise limits.exceeded("pdf-bytes", f"The PDF is {item.size:,} bytes (it is read "
                                  "whole to be bundled)")
        data, removed = clean_pdf(source.read_bytes())
        notes = (f"{item.ref}: {removed} active element(s) (scripts, launch or form actions, "
                 "attachments) were left out of the bundle; the native file is unchanged",
                 ) if removed else ()
        blank = _image_only(data)
        rendered = _with_ocr(data, blank, item.ref) if blank else Rendered(data)
        return attrs.evolve(rendered, notes=rendered.notes + notes)
    if item.media_type in FAITHFUL_TYPES:  # as the statement reads, in its own layout
        return Rendered(faithful_copy(source, item.media_type).pdf)
    text = read_statement(source, item.media_type)
    return Rendered(typeset([(page, []) for page in text.pages],
                            f"Exhibit {item.ref} - {item.description}"[:120], numbered=False,
                            what=f"Exhibit {item.ref}", error=UntypesetText))


def _has_fonts(page: object) -> bool:
    """A page that names no font cannot show text: it is a scan (or blank)."""
    resources = page.get("/Resources")  # type: ignore[attr-defined]
    fonts = resources.get_object().get("/Font") if resources is not None else None
    return bool(fonts is not None and len(fonts.get_object()))


def _image_only(data: bytes) -> list[int]:
    """1-based numbers of the pages with no text layer."""
    import pypdf  # noqa: PLC0415 - as in redact/statement_text.py

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        return [n for n, page in enumerate(reader.pages, start=1) if not _has_fonts(page)]


def _ocr_page(pdf: Path, number: int, work: Path) -> bytes | None:
    """An invisible text layer for one page (tesseract's text-only PDF), or ``None``."""
    tools = shutil.which("pdftoppm"), shutil.which("tesseract")
    if None in tools:
        return None
    image = work / f"p{number}"
    seconds = limits.value("ocr-seconds")
    try:
        subprocess.run([tools[0] or "", "-r", "300", "-f", str(number), "-l", str(number),
                        "-singlefile", "-png", str(pdf), str(image)], check=True,
                       capture_output=True, timeout=seconds)
        subprocess.run([tools[1] or "", f"{image}.png", str(image), "-c", "textonly_pdf=1",
                        "pdf"], check=True, capture_output=True, timeout=seconds)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return None
    return (work / f"p{number}.pdf").read_bytes()


def _with_ocr(data: bytes, blank: list[int], ref: str) -> Rendered:
    """Lay an OCR text layer under scanned pages so the bundle can be searched."""
    import pypdf  # noqa: PLC0415 - as in redact/statement_text.py

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "in.pdf").write_bytes(data)
        writer = pypdf.PdfWriter(clone_from=str(work / "in.pdf"))
        done = []
        for number in blank:
            layer = _ocr_page(work / "in.pdf", number, work)
            if layer is None:
                continue
            text_page = pypdf.PdfReader(io.BytesIO(layer)).pages[0]
            page = writer.pages[number - 1]
            scale = float(page.mediabox.width) / float(text_page.mediabox.width)
            page.merge_transformed_page(text_page, pypdf.Transformation().scale(scale, scale))
            done.append(number)
        buffer = io.BytesIO()
        writer.write(buffer)
    missed = [n for n in blank if n not in done]
    notes = [f"{ref}: page(s) {', '.join(map(str, done))} were scans; text found by OCR "
             "(tesseract) was added under them so they can be searched"] if done else []
    if missed:
        notes.append(f"{ref}: page(s) {', '.join(map(str, missed))} have no text layer and "
                     "OCR was not available; they are not searchable")
    return Rendered(buffer.getvalue(), tuple(notes))


def native_sheet(item: Item, package_path: str) -> Rendered:
    """A sheet for a file that cannot be shown on paper."""
    buffer = io.BytesIO()
    pdf = new_canvas(buffer, A4)
    _caption(pdf, item, A4, [item.description, f"Format: {item.media_type}",
                                         f"SHA-256: {item.sha256}",
                                         f"Native file: {package_path}"])
    pdf.showPage()
    pdf.save()
    return Rendered(buffer.getvalue())


def _pages_of(case: Case, item: Item, package_path: str, facts: Facts) -> Rendered:
    if is_statement(item.media_type) and (item.kind == "statement"
                                          or item.media_type == "application/pdf"):
        return statement_pages(case, item)
    if item.media_type in PHOTO_TYPES:
        return photo_page(case, item, facts)
    if item.media_type.split("/")[0] in ("video", "audio"):
        return media_sheet(case, item, package_path, facts)
    return native_sheet(item, package_path)


def render(case: Case, item: Item, package_path: str, facts: Facts) -> Rendered:
    """The pages for one exhibit; one that cannot be shown gets a sheet and a note.

    ``facts`` (:func:`facts_of`) are what the pages say about a photo or recording.
    Corrupt or odd evidence is still evidence: the bundle says where the native file
    is rather than leaving the exhibit out or failing.
    """
    try:
        return _pages_of(case, item, package_path, facts)
    except UntypesetText:
        raise  # text that cannot be typeset: stop, never a silent box or a stand-in sheet
    except InputError as exc:
        sheet = native_sheet(item, package_path)
        return attrs.evolve(sheet, notes=(f"{item.ref} could not be shown ({exc.message}); "
                                          "a sheet points to the native file",))
