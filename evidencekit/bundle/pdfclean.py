"""Rebuilding a received PDF's pages for a bundle, without anything active.

A PDF that arrives as evidence may carry JavaScript, launch actions, embedded
files or form actions. A court bundle must not pass those on to a judge's
computer. Only the pages are taken, into a new document (so the catalogue's
``/OpenAction``, ``/Names`` JavaScript and embedded files stay behind), and on
each page the additional actions (``/AA``) are removed, annotations that embed
or play content (attachments, media, 3D) are dropped, and every other annotation
loses any action that runs, launches or submits something but keeps its
appearance, so a filled-in form still shows what was written. Plain links to a
place in the document or a web address are kept.

The rebuild also proves that pypdf can read every page: a PDF that fails here
becomes an exhibit sheet in the bundle, never a crash.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from evidencekit.core.errors import BundleError, InputError
from evidencekit.redact.statement_text import check_page_count

_UNSAFE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm",
                   "/Rendition", "/Sound", "/Movie", "/RichMediaExecute", "/GoToE", "/GoToR",
                   "/Hide", "/SetOCGState", "/Trans"}
_EMBEDDING_ANNOTS = {"/FileAttachment", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D"}


def _unsafe_action(action: Any) -> bool:
    action = action.get_object() if hasattr(action, "get_object") else action
    return not hasattr(action, "get") or action.get("/S") in _UNSAFE_ACTIONS \
        or "/Next" in action


def _defuse_annotation(annot: Any) -> tuple[bool, int]:
    """Whether to keep an annotation, and how many active parts were taken off it.

    Annotations that embed or play content go; any other keeps its appearance (a
    filled-in form field still shows its value) but loses its actions.
    """
    if not hasattr(annot, "get") or annot.get("/Subtype") in _EMBEDDING_ANNOTS:
        return False, 1
    removed = 0
    if "/AA" in annot:
        del annot["/AA"]
        removed += 1
    if "/A" in annot and _unsafe_action(annot["/A"]):
        del annot["/A"]
        removed += 1
    return True, removed


def _defuse(page: Any) -> int:
    """Remove a page's active content; return how many things were removed."""
    import pypdf  # noqa: PLC0415 - as in redact/statement_text.py

    removed = 0
    if "/AA" in page:
        del page["/AA"]
        removed += 1
    annots = page.get("/Annots")
    if annots is None:
        return removed
    kept = pypdf.generic.ArrayObject()
    for ref in annots.get_object():
        keep, taken = _defuse_annotation(ref.get_object())
        removed += taken
        if keep:
            kept.append(ref)
    page[pypdf.generic.NameObject("/Annots")] = kept
    return removed


def clean_pdf(data: bytes) -> tuple[bytes, int]:
    """The PDF's pages rebuilt without active content, and the count of things removed.

    Raises:
        BundleError: encrypted, no pages, over the ``pdf-pages`` limit, or unreadable.
    """
    import pypdf  # noqa: PLC0415 - as in redact/statement_text.py

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise BundleError("the PDF is encrypted")
            count = len(reader.pages)
            if not count:
                raise BundleError("the PDF has no pages")
            check_page_count(count)
            writer = pypdf.PdfWriter()
            removed = 0
            for page in reader.pages:
                page.get_contents()
                removed += _defuse(page)  # before copying: nothing active is cloned
                writer.add_page(page)
            out = io.BytesIO()
            writer.write(out)
    except InputError:
        raise
    except pypdf.errors.LimitReachedError as exc:
        raise BundleError("a compressed stream in the PDF expands beyond pypdf's safety limit "
                         "(a decompression bomb?)") from exc
    except Exception as exc:  # pypdf on an untrusted file raises many kinds; all mean this
        raise BundleError(f"the PDF cannot be read ({type(exc).__name__})") from exc
    return out.getvalue(), removed
