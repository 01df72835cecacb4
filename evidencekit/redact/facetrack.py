"""Joining face detections into tracks, and tracks into timed regions (pure).

Faces are looked for on every k-th frame only (``step`` seconds apart). A detection
joins the open track whose last box it overlaps (IoU) or lies close to (its centre
within one face width); a track missing for more than ``PATIENCE`` detection frames
ends. Each track becomes regions of at most ``TRACK_SECONDS``, each covering the union
of its boxes and reaching back and forward to the detection frames either side, so the
frames between detections, which are never looked at, are covered too.
"""

from __future__ import annotations

import math

import attrs

from evidencekit.redact.facedetect import Box, Scored
from evidencekit.redact.regions import Region

TRACK_SECONDS = 2.0
"""A track is cut into regions of at most this length (ffmpeg hides a rectangle per region)."""
PATIENCE = 2
"""A track survives this many detection frames without its face (detectors flicker)."""
MIN_IOU = 0.1


@attrs.frozen
class Detection:
    """One face found at ``t`` seconds (box with margin)."""

    t: float
    box: Box
    score: float


@attrs.frozen
class FaceTrack:
    """A face followed across frames; ``id`` counts from 1 in order of first appearance.

    ``crop`` is a PNG of its best detection, for the reviewer's contact sheet.
    """

    id: int
    detections: tuple[Detection, ...]
    crop: bytes = attrs.field(default=b"", repr=False)

    @property
    def start(self) -> float:
        """When it was first found (seconds)."""
        return self.detections[0].t

    @property
    def end(self) -> float:
        """When it was last found (seconds)."""
        return self.detections[-1].t

    @property
    def best(self) -> Detection:
        """The detection with the highest score (the earliest of equals)."""
        return max(self.detections, key=lambda d: d.score)


def close(a: Box, b: Box) -> bool:
    """True when ``b`` may be the face of ``a`` one detection frame later."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    if inter >= MIN_IOU * (a[2] * a[3] + b[2] * b[3] - inter):
        return True
    gap = math.dist((a[0] + a[2] / 2, a[1] + a[3] / 2), (b[0] + b[2] / 2, b[1] + b[3] / 2))
    return gap <= max(a[2], b[2])


@attrs.define
class Tracker:
    """Feed it the faces of each looked-at frame in time order; then :meth:`tracks`."""

    step: float
    _open: list[list[Detection]] = attrs.field(factory=list)
    _ids: list[int] = attrs.field(factory=list)
    _done: list[tuple[int, list[Detection]]] = attrs.field(factory=list)
    _next: int = 1

    def add(self, t: float, found: list[Scored]) -> list[int]:
        """Join the faces found at ``t`` to tracks; returns each one's track id."""
        self._close_stale(t)
        taken: set[int] = set()
        ids = []
        for box, score in sorted(found, key=lambda f: -f[1]):
            n = next((i for i, track in enumerate(self._open)
                      if i not in taken and track[-1].t < t and close(track[-1].box, box)),
                     None)
            if n is None:
                self._open.append([])
                self._ids.append(self._next)
                self._next += 1
                n = len(self._open) - 1
            self._open[n].append(Detection(t, box, score))
            taken.add(n)
            ids.append(self._ids[n])
        return ids

    def _close_stale(self, t: float) -> None:
        limit = self.step * (PATIENCE + 0.5)
        keep = [t - track[-1].t <= limit for track in self._open]
        self._done += [(i, d) for i, d, k in zip(self._ids, self._open, keep, strict=True)
                       if not k]
        self._open = [d for d, k in zip(self._open, keep, strict=True) if k]
        self._ids = [i for i, k in zip(self._ids, keep, strict=True) if k]

    def tracks(self, crops: dict[int, bytes] | None = None) -> tuple[FaceTrack, ...]:
        """Every track so far, by id, with its crop if given."""
        every = self._done + list(zip(self._ids, self._open, strict=True))
        crops = crops or {}
        return tuple(FaceTrack(i, tuple(d), crops.get(i, b"")) for i, d in sorted(every))


def _chunks(detections: tuple[Detection, ...], span: float) -> list[list[Detection]]:
    """Consecutive runs of at most ``span`` seconds, each starting where the last ended."""
    chunks = [[detections[0]]]
    for d in detections[1:]:
        if d.t - chunks[-1][0].t > span and len(chunks[-1]) > 1:
            chunks.append([chunks[-1][-1]])
        chunks[-1].append(d)
    return chunks


def track_regions(track: FaceTrack, step: float, frame_time: float,
                  duration: float | None = None) -> list[Region]:
    """The regions that hide ``track`` from one detection frame before to one after.

    Every frame from the looked-at frame before it was first found to the one after it
    was last found is covered (with half a frame of slack each side).
    """
    before, after = step - 0.5 * frame_time, step + 0.5 * frame_time
    regions = []
    for chunk in _chunks(track.detections, max(0.0, TRACK_SECONDS - before - after)):
        x0 = min(d.box[0] for d in chunk)
        y0 = min(d.box[1] for d in chunk)
        x1 = max(d.box[0] + d.box[2] for d in chunk)
        y1 = max(d.box[1] + d.box[3] for d in chunk)
        start = max(0.0, chunk[0].t - before)
        end = chunk[-1].t + after if duration is None else min(duration, chunk[-1].t + after)
        regions.append(Region(x=x0, y=y0, w=x1 - x0, h=y1 - y0, start=start,
                              end=max(end, start + 0.001), label=f"face {track.id}"))
    return regions


def track_faces(hits: list[tuple[float, Box]], frame_time: float,
                step: float | None = None) -> list[Region]:
    """Join detections ``(t, box)`` into timed regions.

    ``step`` is the time between looked-at frames (default: every frame was looked at).
    """
    every = step or frame_time
    tracker = Tracker(every)
    by_time: dict[float, list[Scored]] = {}
    for t, box in hits:
        by_time.setdefault(t, []).append((box, 1.0))
    for t in sorted(by_time):
        tracker.add(t, by_time[t])
    return [r for track in tracker.tracks() for r in track_regions(track, every, frame_time)]
