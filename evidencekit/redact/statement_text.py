"""Reading a statement's text from plain text, Markdown, DOCX or PDF.

Only what the statement says is read: in a DOCX, tracked deletions, comments and
document properties are not part of it; in a PDF, only the text layer of each
page. A page with no text layer (a scan) is refused, never passed as clean.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import attrs

from evidencekit.core import filetype, limits
from evidencekit.core.errors import InputError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@attrs.frozen
class StatementText:
    """The statement as text, one string per source page (one for text and DOCX)."""

    pages: tuple[str, ...]
    source: str


def _plain(path: Path) -> StatementText:
    cap = limits.whole("text-bytes")
    with open(path, "rb") as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise limits.exceeded("text-bytes", "The statement is longer than that")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return StatementText((text.replace("\r\n", "\n").replace("\r", "\n"),), "text")


def _paragraph_text(paragraph: object) -> str:
    parts = []
    for node in paragraph.iter():  # type: ignore[attr-defined]
        if any(a.tag == f"{_W}del" for a in node.iterancestors()):
            continue  # tracked deletion: not part of the statement
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _docx(path: Path) -> StatementText:
    import docx  # noqa: PLC0415 - slow to import; only for DOCX statements

    with zipfile.ZipFile(path) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
        if unpacked > limits.whole("docx-unpacked-bytes"):
            raise limits.exceeded("docx-unpacked-bytes",
                                  f"The DOCX unpacks to {unpacked:,} bytes and was not opened")
    body = docx.Document(str(path)).element.body
    paragraphs = [_paragraph_text(p) for p in body.iter(f"{_W}p")]
    return StatementText(("\n".join(paragraphs),), "docx")


def _pdf(path: Path) -> StatementText:
    import pypdf  # noqa: PLC0415 - only for PDF statements

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise InputError("The PDF is encrypted; ask for an unprotected copy.")
        check_page_count(len(reader.pages))
        pages = tuple(page.extract_text() or "" for page in reader.pages)
    scanned = [str(n) for n, text in enumerate(pages, start=1) if len(text.strip()) < 5]
    if scanned:
        raise InputError(
            f"Page(s) {', '.join(scanned)} have no text layer (scanned images), so names "
            "and numbers on them cannot be found; nothing was redacted.",
            hint="Turn those pages into images, ingest them as photos and hide the details "
                 "with 'evidencekit redact REF --regions FILE'.")
    return StatementText(pages, "pdf")


def dating_text(path: Path, media_type: str) -> str:
    """The text a statement's own date is looked for in: a PDF's first and last page only.

    A ``Date:`` line heads a statement or follows its signature; reading every page of
    every PDF for it (pypdf, 30 ms a page) made a 1,000-page bundle take 30 s longer.

    Raises:
        InputError: unreadable or encrypted.
    """
    if media_type != "application/pdf":
        return "\n".join(read_statement(path, media_type).pages)
    import pypdf  # noqa: PLC0415 - only for PDF statements

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = pypdf.PdfReader(path, strict=False)
            if reader.is_encrypted or not reader.pages:
                return ""
            ends = sorted({0, len(reader.pages) - 1})
            return "\n".join(reader.pages[n].extract_text() or "" for n in ends)
        except (pypdf.errors.PyPdfError, ValueError, KeyError, OSError) as exc:
            raise InputError(f"The PDF cannot be read ({type(exc).__name__}).") from exc


def check_page_count(count: int) -> None:
    """Refuse a PDF with more pages than the ``pdf-pages`` limit.

    Raises:
        InputError: too many pages.
    """
    if count > limits.whole("pdf-pages"):
        raise limits.exceeded("pdf-pages", f"The PDF has {count:,} pages")


def read_statement(path: Path, media_type: str) -> StatementText:
    """The statement's text.

    Raises:
        InputError: not a text, Markdown, DOCX or PDF statement; unreadable; scanned pages.
    """
    readers = {"text/plain": _plain, filetype.DOCX: _docx, "application/pdf": _pdf}
    reader = readers.get(media_type)
    if reader is None:
        raise InputError(f"Statements can be redacted from text, Markdown, DOCX or PDF; this "
                         f"one is {media_type}.")
    try:
        return reader(path)
    except InputError:
        raise
    except Exception as exc:
        if type(exc).__name__ == "LimitReachedError":  # pypdf's decompression guard
            raise InputError("A compressed stream in the PDF expands beyond pypdf's safety "
                             "limit (a decompression bomb?); nothing was redacted.") from exc
        raise InputError(f"The statement cannot be read ({type(exc).__name__}: {exc})."[:300]) \
            from exc
