"""Redaction review: the page that draws boxes, its preview, and Apply.

Apply is the CLI's own call, ``redact_item`` with a :class:`RedactionRequest`, so the
browser makes the same derived exhibit and the same one signed custody event as
``evidencekit redact``. The passphrase arrives in the body of that one request, opens
the key for that call and is dropped; it is never stored, logged or sent back.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from evidencekit import (
    Case,
    InputError,
    KeyFileError,
    RedactionRequest,
    RegionSet,
    load_signer,
    parse_regions,
    preview_media_item,
    redact_item,
)

from . import views
from .html import e, page

if TYPE_CHECKING:
    from .app import Review


async def body_of(request: Request) -> dict[str, Any]:
    """The JSON object a page posted.

    Raises:
        InputError: not a JSON object.
    """
    data = json.loads(await request.body())
    if not isinstance(data, dict):
        raise InputError("The request must be a JSON object.")
    return data


def plan_of(data: dict[str, Any]) -> RegionSet:
    """The regions and mute ranges posted, checked by the library's own parser.

    Raises:
        InputError: not in the regions format (docs/redacting-media.md).
    """
    return parse_regions(json.dumps(data.get("plan", {})))


def preview_png(case: Case, ref: str, plan: RegionSet, faces: bool = False) -> tuple[bytes, int]:
    """The library's preview (regions and found faces outlined) and the faces found."""
    with tempfile.TemporaryDirectory(prefix="evidencekit-review-") as folder:
        dest = Path(folder) / "preview.png"
        found = preview_media_item(case, ref, plan, dest, find_faces=faces).faces_found
        return dest.read_bytes(), found


def apply(case: Case, key: Path | None, ref: str, request: RedactionRequest,
          passphrase: str) -> dict[str, Any]:
    """Sign and record the redaction (the CLI's call); the result as plain data.

    Raises:
        KeyFileError: no key given to ``evidencekit review``, or a wrong passphrase.
        RedactionError: what ``redact_item`` refuses.
    """
    if key is None:
        raise KeyFileError("No key to sign with.",
                           hint="Start the app with `evidencekit review --key YOUR.key`.")
    signer = load_signer(key, passphrase)
    return redact_item(case, ref, request, signer).to_dict()


def request_of(data: dict[str, Any]) -> RedactionRequest:
    """The redaction a page asks for (fields that do not apply to the exhibit are ignored).

    Regions and faces for media; texts to keep, boxes on pages and pages confirmed by eye
    for statements.

    Raises:
        InputError: a field of the wrong type, or regions not in the regions format.
        RedactionError: a reviewed page that is not a page number.
    """
    keep, desc = data.get("keep", []), data.get("description")
    pages = data.get("reviewed_pages", [])
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise InputError("keep must be a list of texts.")
    if desc is not None and not isinstance(desc, str):
        raise InputError("The description must be text.")
    if not isinstance(pages, list) or len(pages) > 10_000:
        raise InputError("reviewed_pages must be a list of page numbers.")
    return RedactionRequest(regions=plan_of(data), keep=tuple(keep), description=desc or None,
                            pictures_reviewed=data.get("pictures_reviewed") is True,
                            faces=data.get("faces") is True, reviewed_pages=tuple(pages))


def review_page(case: Case, ref: str, kind: str) -> str:
    """The page to draw boxes on a photo or a clip, preview them and apply them."""
    item = case.item(ref)
    src = e(views.href("/file", item.ref))
    if kind == "photo":
        media = (f'<div class="stage"><img id="media" src="{src}" alt="{e(item.description)}">'
                 '<div id="boxes" aria-hidden="true"></div></div>')
    else:
        media = (f'<div class="stage"><video id="media" src="{src}" preload="auto" muted '
                 f'aria-label="{e(item.description)}"></video>'
                 '<div id="boxes" aria-hidden="true"></div></div>'
                 '<div class="scrub"><label for="time">Time (s)</label>'
                 '<input id="time" type="range" min="0" step="0.04" value="0">'
                 '<output id="now" for="time">0.00</output>'
                 '<button type="button" id="play">Play/pause</button></div>'
                 '<div id="timeline" class="timeline" aria-label="Mute ranges"></div>'
                 '<p><button type="button" id="mark-start">Region starts now</button> '
                 '<button type="button" id="mark-end">Region ends now</button> '
                 '<button type="button" id="mute">Mute from start to end</button></p>')
    body = (f'<p>Drag on the {"photo" if kind == "photo" else "frame"} to draw a box over what '
            'must be hidden, or type its position below. Preview, then Apply: the original is '
            'never changed; the copy becomes a new exhibit with one signed custody event.</p>'
            f'<div class="split" data-ref="{e(item.ref)}" data-kind="{e(kind)}" id="review">'
            f'<section aria-label="The evidence">{media}</section>'
            f'<section aria-label="What to hide">{_form()}</section></div>'
            '<section aria-label="Preview"><h2>Preview</h2>'
            '<img id="preview" alt="Preview of the redaction" hidden></section>')
    return page(f"Redact {item.ref}", body, case_title=f"{case.info.ref}: {case.info.title}",
                scripts=["redact.js"])


def _form() -> str:
    fields = "".join(f'<label>{n} <input id="f-{n}" type="number" min="0" step="1" '
                     f'inputmode="numeric"></label>' for n in ("x", "y", "w", "h"))
    return (f'<fieldset><legend>Box</legend>{fields}'
            '<label>Style <select id="f-style"><option>box</option><option>blur</option>'
            '<option>pixelate</option></select></label>'
            '<span class="times"><label>Start (s) <input id="f-start" type="number" min="0" '
            'step="0.01"></label><label>End (s) <input id="f-end" type="number" min="0" '
            'step="0.01"></label></span>'
            '<button type="button" id="add">Add box</button></fieldset>'
            f'{_faces_form()}'
            '<h2>To hide</h2><ol id="regions" aria-live="polite"></ol><ol id="mutes"></ol>'
            '<p><button type="button" id="show-preview">Preview</button></p>'
            '<form id="apply-form"><label>Description of the copy <input id="description" '
            'type="text" maxlength="300"></label>'
            '<label>Passphrase of your key <input id="passphrase" type="password" '
            'autocomplete="off" required></label>'
            '<button type="submit" id="apply">Apply and sign</button></form>')


def _faces_form() -> str:
    return ('<fieldset id="face-search"><legend>Faces</legend>'
            '<p><button type="button" id="find-faces">Find faces</button> '
            '<progress id="faces-busy" hidden aria-label="Finding faces"></progress> '
            '<span id="faces-said" aria-live="polite"></span></p>'
            '<p><label class="check"><input type="checkbox" id="faces"> Hide the faces found '
            '(all but the tracks you untick below)</label></p>'
            '<ol id="tracks" class="tracks" aria-label="Face tracks found"></ol></fieldset>')


def routes(review: Review) -> list[Route]:
    """The redaction routes: the review page, its preview, Apply."""
    async def page_route(request: Request) -> Response:
        item = await review.run(review.item, request)
        kind = views.kind_of(item) if item is not None else "other"
        if item is None or kind not in ("photo", "video"):
            return HTMLResponse("<!doctype html><title>Not found</title><p>There is no photo "
                                "or footage with this reference.</p>", 404)
        return HTMLResponse(await review.run(review_page, review.case, item.ref, kind))

    async def preview(request: Request) -> Response:
        item = await review.run(review.item, request)
        if item is None:
            return JSONResponse({"error": "There is no such exhibit in this case."}, 404)
        data = await body_of(request)
        png, found = await review.run(preview_png, review.case, item.ref, plan_of(data),
                                      data.get("faces") is True)
        return Response(png, media_type="image/png", headers={"x-faces-found": str(found)})

    async def apply_route(request: Request) -> Response:
        item = await review.run(review.item, request)
        if item is None:
            return JSONResponse({"error": "There is no such exhibit in this case."}, 404)
        data = await body_of(request)
        secret = data.pop("passphrase", None)
        if not isinstance(secret, str) or not secret:
            raise KeyFileError("Type the passphrase of your key to sign the redaction.")
        result = await review.run(apply, review.case, review.key, item.ref, request_of(data),
                                  secret)
        return JSONResponse(result)

    return [Route("/review/{ref:path}", page_route),
            Route("/api/preview/{ref:path}", preview, methods=["POST"]),
            Route("/api/redact/{ref:path}", apply_route, methods=["POST"])]
