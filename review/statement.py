"""Statement review: proposals to accept or reject, the preview as page images, the register.

The proposals come from ``statement_proposals``; the preview is ``redact_item`` with
``preview`` set and the rejected texts in ``keep``, drawn page by page with pypdfium2;
Apply is ``redact_item`` again with the same ``keep`` (actions.py). Nothing here decides
what to hide.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from evidencekit import (
    Case,
    InputError,
    Person,
    Proposal,
    RedactionError,
    RedactionRequest,
    add_person,
    redact_item,
    statement_proposals,
)

from . import views
from .actions import body_of, request_of
from .html import e, page, table
from .pdfimages import page_sizes, render_pages

if TYPE_CHECKING:
    from .app import Review

_KEPT = 8  # previews held in memory (each a list of PNG pages)


class Previews:
    """The last few statement previews, in memory only, each under a random name."""

    def __init__(self) -> None:
        self._held: OrderedDict[str, list[bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, pages: list[bytes]) -> str:
        """Hold ``pages`` and return their name (the oldest preview is dropped)."""
        name = secrets.token_urlsafe(16)
        with self._lock:
            self._held[name] = pages
            while len(self._held) > _KEPT:
                self._held.popitem(last=False)
        return name

    def page(self, name: str, number: int) -> bytes | None:
        """Page ``number`` (from 1) of a held preview, or None."""
        with self._lock:
            pages = self._held.get(name)
        return pages[number - 1] if pages and 1 <= number <= len(pages) else None


def preview_pages(case: Case, ref: str, asked: RedactionRequest) -> list[bytes]:
    """The library's statement preview (boxes and labels) of what the page ``asked``."""
    with tempfile.TemporaryDirectory(prefix="evidencekit-review-") as folder:
        dest = Path(folder) / "preview.pdf"
        redact_item(case, ref, RedactionRequest(
            keep=asked.keep, regions=asked.regions, reviewed_pages=asked.reviewed_pages,
            preview=dest))
        return render_pages(dest)


_REFUSED = re.compile(r"Page\(s\) ([0-9, ]+) could not be read reliably by OCR")


def refused_pages(exc: RedactionError) -> list[int]:
    """The pages a PDF redaction refused for low OCR confidence (read from its message).

    The page offers to confirm exactly these pages (``reviewed_pages``).
    """
    found = _REFUSED.search(exc.message)
    return [int(n) for n in found.group(1).split(",") if n.strip()] if found else []


def _row(n: int, p: Proposal) -> list[str]:
    name = f"keep-{n}"
    choice = (f'<fieldset class="choice"><legend class="sr">Decision on {e(p.text)}</legend>'
              f'<label><input type="radio" name="{name}" value="accept" checked> Hide</label>'
              f'<label><input type="radio" name="{name}" value="reject" data-text="{e(p.text)}">'
              " Keep visible</label></fieldset>")
    return [e(p.text), e(f"{p.category} ({p.rule})"), e(p.count), e(p.context), choice]


def _people_form() -> str:
    roles = "".join(f"<option>{r}</option>" for r in ("third-party", "party",
                                                      "anonymous-witness"))
    return ('<form id="person-form"><fieldset><legend>Add a name to the people register'
            '</legend><label>Name <input id="p-name" required maxlength="200"></label>'
            f'<label>Role <select id="p-role">{roles}</select></label>'
            '<label>Other names (comma-separated) <input id="p-aliases"></label>'
            '<label>Pseudonym (anonymous witness) <input id="p-pseudonym"></label>'
            '<button type="submit">Add to register</button></fieldset></form>')


def _listing(case: Case, ref: str) -> str:
    """The proposals, one row each; or why the library cannot list them (scanned pages)."""
    try:
        found = statement_proposals(case, ref)
    except InputError as exc:  # scanned pages: Preview, boxes and Apply still work
        return ('<p class="refusal">The proposals cannot be listed one by one for this '
                f"statement: {e(exc.message)} Preview shows what the redaction would hide; "
                "draw boxes for anything more.</p>")
    rows = [_row(n, p) for n, p in enumerate(found, start=1)]
    if not found:
        return "<p>Nothing proposed: the register and detectors find nothing.</p>"
    return table(f"{len(found)} proposed redaction(s)", ["Text", "Reason", "Times", "Context",
                                                         "Decision"], rows)


def _boxes_form() -> str:
    fields = "".join(f'<label>{n} <input id="b-{n}" type="number" min="0" step="1" '
                     f'inputmode="numeric"></label>' for n in ("page", "x", "y", "w", "h"))
    return ('<fieldset id="page-box-form"><legend>Boxes on the pages</legend>'
            '<p>Drag on a page of the preview to hide something the register and detectors '
            'missed, or type the page and the box in points (1/72 inch) from the top-left '
            'corner of the page.</p>'
            f'{fields}<label>Label printed on the box <input id="b-label" maxlength="100" '
            'placeholder="[redacted]"></label>'
            '<button type="button" id="add-box">Add box</button>'
            '<ol id="page-boxes" aria-live="polite"></ol></fieldset>')


def statement_page(case: Case, ref: str) -> str:
    """Proposals with a decision each, the preview pages, the register form and Apply."""
    item = case.item(ref)
    listing = _listing(case, item.ref)
    pdf = "1" if item.media_type == "application/pdf" else ""
    body = (f'<div id="statement" data-ref="{e(item.ref)}" data-pdf="{pdf}"><p>Each row is '
            "something the people register or a detector would hide. Choose <em>Keep "
            "visible</em> to reject it (every occurrence of that text stays), then Preview "
            "and Apply.</p>"
            f'{listing}{_boxes_form() if pdf else ""}'
            '<div id="refused" hidden><p id="refused-message"></p>'
            '<fieldset><legend>Pages you checked yourself</legend><div id="refused-pages">'
            '</div></fieldset></div>'
            '<p><button type="button" id="show-preview">Preview</button></p>'
            f"{_people_form()}"
            '<form id="apply-form"><label>Description of the copy <input id="description" '
            'type="text" maxlength="300"></label><label class="check"><input id="pictures" '
            'type="checkbox"> I looked at every picture in the document: none shows anything '
            'to hide</label><label>Passphrase of your key <input id="passphrase" '
            'type="password" autocomplete="off" required></label>'
            '<button type="submit" id="apply">Apply and sign</button></form>'
            '<section aria-label="Preview pages"><h2>Preview</h2><div id="pages"></div>'
            "</section></div>")
    return page(f"Redact statement {item.ref}", body,
                case_title=f"{case.info.ref}: {case.info.title}", scripts=["statement.js"])


def _person_of(data: dict[str, Any]) -> Person:
    def text(key: str) -> str:
        value = data.get(key, "")
        if not isinstance(value, str) or len(value) > 200:
            raise InputError(f"{key} must be text of at most 200 characters.")
        return value.strip()

    aliases = tuple(a.strip() for a in text("aliases").split(",") if a.strip())
    if not text("name"):
        raise InputError("Give the person's name.")
    return Person(text("name"), text("role") or "third-party", aliases,
                  text("pseudonym") or None)


def routes(review: Review) -> list[Route]:
    """The statement routes: the page, its preview and preview pages, the register."""
    previews = Previews()

    async def page_route(request: Request) -> Response:
        item = await review.run(review.item, request)
        if item is None or views.kind_of(item) != "statement":
            return HTMLResponse("<!doctype html><title>Not found</title><p>There is no "
                                "statement with this reference.</p>", 404)
        return HTMLResponse(await review.run(statement_page, review.case, item.ref))

    async def preview(request: Request) -> Response:
        item = await review.run(review.item, request)
        if item is None:
            return JSONResponse({"error": "There is no such exhibit in this case."}, 404)
        asked = request_of(await body_of(request))
        pages = await review.run(preview_pages, review.case, item.ref, asked)
        name = previews.keep(pages)
        sizes = (await review.run(page_sizes, review.case.object_path(item.sha256))
                 if item.media_type == "application/pdf" else [])
        return JSONResponse({"pages": [f"/preview/{name}/{n}" for n in range(1, len(pages)
                                                                           + 1)],
                             "sizes": sizes})

    async def preview_page(request: Request) -> Response:
        png = previews.page(str(request.path_params["name"]), int(request.path_params["n"]))
        return Response(png, media_type="image/png") if png else HTMLResponse("", 404)

    async def person(request: Request) -> Response:
        added = _person_of(await body_of(request))
        register = await review.run(add_person, review.case, added)
        return JSONResponse({"added": added.name, "people": len(register.people)})

    async def original_page(request: Request) -> Response:
        item = await review.run(review.item, request)
        if item is None or item.media_type != "application/pdf":
            return HTMLResponse("", 404)
        path, n = review.case.object_path(item.sha256), int(request.path_params["n"])
        pages = await review.run(lambda: render_pages(path, only=n))
        return Response(pages[0], media_type="image/png") if pages else HTMLResponse("", 404)

    return [Route("/statement/{ref:path}", page_route),
            Route("/api/statement-preview/{ref:path}", preview, methods=["POST"]),
            Route("/preview/{name:str}/{n:int}", preview_page),
            Route("/api/people", person, methods=["POST"]),
            Route("/pages/{n:int}/{ref:path}", original_page)]
