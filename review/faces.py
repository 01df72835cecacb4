"""Face tracks one by one: find them, list them with their crops, serve the crops.

The search is the library's ``find_face_tracks``, numbered as a ``--faces`` preview
numbers them; the page lists each track and sends the rejected numbers back as
``reject_faces`` in the regions of Preview and Apply (actions.py), so the library finds
the faces again, checks the numbers and records the rejections in the one signed
``redacted`` event. The app keeps the last few searches in memory only, to serve each
track's crop by exhibit reference and track number, never by path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from evidencekit import FaceSearch, FaceTrack, find_face_tracks

from . import views
from .actions import body_of

if TYPE_CHECKING:
    from .app import Review

_KEPT = 8  # searches held in memory (each the crops of its tracks)


class Searches:
    """The last few face searches, by exhibit reference."""

    def __init__(self) -> None:
        self._held: OrderedDict[str, FaceSearch] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, ref: str, search: FaceSearch) -> None:
        """Hold ``search`` as the latest for ``ref`` (the oldest search is dropped)."""
        with self._lock:
            self._held[ref] = search
            self._held.move_to_end(ref)
            while len(self._held) > _KEPT:
                self._held.popitem(last=False)

    def crop(self, ref: str, track: int) -> bytes | None:
        """The PNG crop of track number ``track`` of the latest search of ``ref``, or None."""
        with self._lock:
            search = self._held.get(ref)
        found = next((t for t in search.tracks if t.id == track), None) if search else None
        return found.crop if found is not None and found.crop else None


def _track(ref: str, track: FaceTrack) -> dict[str, Any]:
    x, y, w, h = track.best.box
    return {"id": track.id, "start": track.start, "end": track.end,
            "x": x, "y": y, "w": w, "h": h,
            "seen": [[d.t, *d.box] for d in track.detections],
            "crop": views.href(f"/faces/{track.id}", ref)}


def listing(ref: str, search: FaceSearch) -> dict[str, Any]:
    """The search as the page's JSON: detector, note, step, and every track."""
    return {"detector": search.detector, "note": search.note, "step": search.step,
            "detections": search.detections,
            "tracks": [_track(ref, t) for t in search.tracks]}


def routes(review: Review) -> list[Route]:
    """Find the faces of a photo or clip; serve each track's crop."""
    searches = Searches()

    async def find(request: Request) -> Response:
        item = await review.run(review.item, request)
        if item is None or views.kind_of(item) not in ("photo", "video"):
            return JSONResponse({"error": "There is no photo or footage with this "
                                          "reference."}, 404)
        await body_of(request)  # read, so that the body limit holds here too
        search = await review.run(find_face_tracks, review.case, item.ref)
        searches.keep(item.ref, search)
        return JSONResponse(listing(item.ref, search))

    async def crop(request: Request) -> Response:
        item = await review.run(review.item, request)
        png = searches.crop(item.ref, int(request.path_params["n"])) if item else None
        if png is None:
            return HTMLResponse("<!doctype html><title>Not found</title><p>No such face "
                                "track: press Find faces first.</p>", 404)
        return Response(png, media_type="image/png")

    return [Route("/api/faces/{ref:path}", find, methods=["POST"]),
            Route("/faces/{n:int}/{ref:path}", crop)]
