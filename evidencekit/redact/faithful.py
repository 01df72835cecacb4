"""Faithful copies of DOCX, ODT and RTF statements: redacted inside, rendered by LibreOffice.

The copy keeps the statement's own layout (letterhead, tables, signature block,
headers, footers, page breaks) because the document itself is redacted and then
printed to PDF by LibreOffice. ODT and RTF are first converted to DOCX, then go the
same way. Before a redacted PDF is handed back it is judged by a tool we did not
write: everything pdftotext reads from it, its metadata and its link targets are run
through the same register and detectors, and any hit refuses the copy.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import warnings
from collections import Counter
from pathlib import Path

import attrs

from evidencekit.core import filetype
from evidencekit.core.errors import InputError, RedactionError
from evidencekit.redact import office
from evidencekit.redact.detectors import Span
from evidencekit.redact.docx_file import read_parts, redact_docx
from evidencekit.redact.docx_runs import Finder

FAITHFUL_TYPES = (filetype.DOCX, office.ODT, office.RTF)
_PICTURES_HINT = ("Look at every picture in the original (a screenshot of a message, a "
                  "scanned signature or a logo may show names or numbers). If none shows "
                  "anything to hide, confirm it with --pictures-reviewed; otherwise hide the "
                  "details in the original's pictures first, or redact a PDF of it.")


@attrs.frozen
class FaithfulCopy:
    """The statement as PDF pages, what was found, its text (labels in place), its pictures."""

    pdf: bytes
    spans: tuple[Span, ...]
    text: str
    pages: int
    pictures: int


def _no_matches(_text: str) -> list[Span]:
    return []


def _as_docx(source: Path, media_type: str, work: Path) -> Path:
    if media_type == filetype.DOCX:
        return source
    return office.to_docx(source, media_type, work)


def faithful_copy(source: Path, media_type: str, find: Finder = _no_matches, *,
                  preview: bool = False, pictures_reviewed: bool = False) -> FaithfulCopy:
    """Redact a DOCX, ODT or RTF statement inside and render it to PDF with LibreOffice.

    With the default ``find`` nothing is redacted (the bundle's rendering); comments,
    tracked deletions and document properties are still left out. A real redaction
    (``find`` given, no ``preview``) is checked after rendering.

    Raises:
        RedactionError: the statement holds pictures that were not reviewed, or the
            rendered PDF still shows something the register or detectors find.
        InputError: the file cannot be read, or LibreOffice is missing or fails.
    """
    redacting = find is not _no_matches and not preview
    with tempfile.TemporaryDirectory(prefix="ek-faithful-") as folder:
        work = Path(folder)
        redaction = redact_docx(read_parts(_as_docx(source, media_type, work)), find,
                                preview=preview)
        if redacting and redaction.pictures and not pictures_reviewed:
            raise RedactionError(
                f"The statement holds {redaction.pictures} picture(s) or embedded object(s); "
                "text in a picture cannot be searched, so nothing was redacted.",
                hint=_PICTURES_HINT)
        (work / "redacted.docx").write_bytes(redaction.data)
        pdf = office.convert(work / "redacted.docx", "pdf", work)
        pages = check_rendered(pdf, find) if redacting else page_count(pdf.read_bytes())
        return FaithfulCopy(pdf.read_bytes(), redaction.spans, redaction.text, pages,
                            redaction.pictures)


def page_count(data: bytes) -> int:
    """Pages in a PDF LibreOffice wrote.

    Raises:
        InputError: the PDF cannot be read.
    """
    import pypdf  # noqa: PLC0415 - as in redact/statement_text.py

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return len(pypdf.PdfReader(io.BytesIO(data)).pages)
    except Exception as exc:
        raise InputError(f"LibreOffice wrote a PDF that cannot be read ({exc}).") from exc


def _pdftotext(pdf: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise RedactionError("pdftotext (poppler-utils) is needed to check the redacted copy "
                             "and was not found; nothing was recorded.")
    try:
        return subprocess.run([tool, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              check=True, timeout=120).stdout.decode("utf-8", "replace")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        raise RedactionError(f"pdftotext could not read the redacted copy ({exc}); nothing "
                             "was recorded.") from exc


def _hidden_text(data: bytes) -> str:
    """The PDF's document information and link targets, as text."""
    import pypdf  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pypdf.PdfReader(io.BytesIO(data))
        found = [str(v) for v in (reader.metadata or {}).values()]
        for page in reader.pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A")
                if action is not None:
                    found.append(str(action.get_object().get("/URI", "")))
    return "\n".join(found)


def check_rendered(pdf: Path, find: Finder) -> int:
    """Refuse a rendered copy in which the register or detectors still find anything.

    Returns the page count.

    Raises:
        RedactionError: something is still findable, or the PDF cannot be checked.
    """
    data = pdf.read_bytes()
    pages = page_count(data)
    left = find(_pdftotext(pdf)) + find(_hidden_text(data))
    if left:
        kinds = Counter(s.category for s in left)
        listed = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        raise RedactionError(
            f"After rendering, the copy still shows {len(left)} detail(s) to redact "
            f"({listed}); nothing was recorded.",
            hint="The text sits where evidencekit cannot edit a DOCX (WordArt, an equation, "
                 "a field LibreOffice recalculates, text split between table cells). Make a "
                 "--preview, fix the original's copy by hand, or redact a PDF of it.")
    return pages
