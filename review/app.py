"""The review app: routes over one open case, behind the :class:`~.security.Guard`.

Pages are HTML made on the server; the interactive parts (drawing boxes, the player's
time) are small ES modules in ``static/``. Every action is one public library call,
the same one the CLI makes, run in a worker thread under one lock so two clicks never
write the case at once. Files are served by exhibit reference only, never by path.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from evidencekit import (
    Case,
    EvidenceKitError,
    IntegrityError,
    Item,
    KeyFileError,
    PublicKey,
    RedactionError,
    verify_case,
)

from . import actions, bundle, faces, statement, views
from .security import ASGIApp, BodyTooLarge, Guard

STATIC = Path(__file__).resolve().parent / "static"
T = TypeVar("T")
INLINE = ("image/jpeg", "image/png", "image/webp", "image/gif")
"""Types served for the browser to show; video and audio too. Anything else downloads."""
FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


class Review:
    """The state of one running app: the case, the key file, trusted keys, the write lock."""

    def __init__(self, case: Case, key: Path | None, trusted: Sequence[PublicKey]) -> None:
        self.case = case
        self.key = key
        self.trusted = tuple(trusted)
        self.lock = threading.Lock()

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run a library call in a worker thread, one at a time."""
        def locked() -> T:
            with self.lock:
                return func(*args)
        return await run_in_threadpool(locked)

    def item(self, request: Request) -> Item | None:
        """The exhibit the address names, or None (never a path: only known references)."""
        ref = str(request.path_params["ref"]).strip().upper()
        return next((i for i in self.case.items() if i.ref.upper() == ref), None)


def _not_found(what: str = "There is no such exhibit in this case.") -> Response:
    return HTMLResponse(f"<!doctype html><title>Not found</title><p>{what}</p>", 404)


def _error(exc: EvidenceKitError) -> JSONResponse:
    code = 409 if isinstance(exc, IntegrityError) else 403 if isinstance(exc,
                                                                          KeyFileError) else 400
    body: dict[str, Any] = {"error": exc.user_message()}
    if isinstance(exc, RedactionError) and (pages := statement.refused_pages(exc)):
        body["refused_pages"] = pages  # the page offers to confirm them (--reviewed-pages)
    return JSONResponse(body, code)


def routes(review: Review) -> list[Route | Mount]:
    """Every route of the app (the HTTP tests walk this list)."""
    async def exhibits(_request: Request) -> Response:
        return HTMLResponse(await review.run(views.exhibits_page, review.case))

    async def exhibit(request: Request) -> Response:
        item = await review.run(review.item, request)
        if item is None:
            return _not_found()
        return HTMLResponse(await review.run(views.exhibit_page, review.case, item.ref))

    async def file(request: Request) -> Response:
        item = await review.run(review.item, request)
        if item is None:
            return _not_found()
        path = review.case.object_path(item.sha256)
        major = item.media_type.split("/")[0]
        if item.media_type in INLINE or major in ("video", "audio"):
            return FileResponse(path, media_type=item.media_type,
                                headers={"content-security-policy": FILE_CSP})
        return FileResponse(path, media_type="application/octet-stream",
                            filename=item.original_name or "exhibit",
                            headers={"content-security-policy": FILE_CSP})

    async def verify(_request: Request) -> Response:
        report = await review.run(verify_case, review.case, review.trusted)
        return HTMLResponse(await review.run(views.verify_page, review.case, report))

    return [
        Route("/", exhibits),
        Route("/exhibit/{ref:path}", exhibit),
        Route("/file/{ref:path}", file),
        Route("/verify", verify),
        *actions.routes(review),
        *faces.routes(review),
        *statement.routes(review),
        *bundle.routes(review),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


async def _too_large(_request: Request, _exc: Exception) -> Response:
    return JSONResponse({"error": "Request too large."}, 413)


async def _library_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EvidenceKitError)  # noqa: S101 - registered for this class only
    return _error(exc)


async def _internal(_request: Request, exc: Exception) -> Response:
    # uvicorn still prints the traceback in the terminal; the page gets one line
    return JSONResponse({"error": f"Internal error ({type(exc).__name__}); see the terminal "
                                  "and report it."}, 500)


async def _bad_json(_request: Request, _exc: Exception) -> Response:
    return JSONResponse({"error": "The request is not the JSON this page sends."}, 400)


def create_app(case: Case, *, token: str, port: int, key: Path | None = None,
               trusted: Sequence[PublicKey] = ()) -> ASGIApp:
    """The whole app for ``case`` on ``127.0.0.1:port``, guarded by ``token``.

    ``trusted`` are the public keys whose signatures the verification page accepts.
    ``key`` is the signer's private key file; its passphrase is asked in the page at
    each signing, used for that one call and never stored, logged or sent back.
    """
    review = Review(case, key, trusted)
    app = Starlette(routes=routes(review), exception_handlers={
        BodyTooLarge: _too_large, EvidenceKitError: _library_error,
        json.JSONDecodeError: _bad_json, UnicodeDecodeError: _bad_json, Exception: _internal})
    return Guard(app, token=token, port=port)
