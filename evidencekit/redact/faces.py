"""Finding faces to hide (optional: ``pip install 'evidencekit[faces]'``).

CenterFace by default, Haar as the fallback (``facedetect``). Footage is looked at on
every k-th frame (``DETECT_SECONDS`` apart) and the faces found are tracked between
(``facetrack``), so long footage stays affordable. Every face becomes a numbered track
the reviewer sees in the preview and may reject (``reject_faces`` in the regions file).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import PIL.Image

from evidencekit.core import limits
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import RedactionError
from evidencekit.redact.facedetect import Box, Detector, Scored, load_detector
from evidencekit.redact.facetrack import (
    TRACK_SECONDS,
    FaceTrack,
    Tracker,
    track_faces,
    track_regions,
)
from evidencekit.redact.regions import Region

__all__ = ["DETECT_SECONDS", "MARGIN", "TRACK_SECONDS", "FaceSearch", "FaceTrack",
           "faces_in_image", "faces_in_video", "track_faces"]

MARGIN = 0.25
"""Each face box grows by this fraction on every side."""
DETECT_SECONDS = 0.2
"""Footage is looked at about this often (every k-th frame); tracking covers the rest."""
CROP_PIXELS = 128


@attrs.frozen
class FaceSearch:
    """The faces found in a photo or a clip, as tracks, and by which detector."""

    detector: str
    note: str
    tracks: tuple[FaceTrack, ...]
    detections: int
    step: float = 0.0
    frame_time: float = 0.0
    duration: float | None = None

    def check_rejects(self, reject: Iterable[int]) -> None:
        """Refuse rejections of tracks that were not found.

        Raises:
            RedactionError: naming the unknown track numbers.
        """
        unknown = sorted(set(reject) - {t.id for t in self.tracks})
        if unknown:
            raise RedactionError(
                f"reject_faces names face track(s) {', '.join(map(str, unknown))}, but "
                f"{self.detector} found {len(self.tracks)} track(s) in this exhibit.",
                hint="Make a new --faces --preview and take the numbers from it.")

    def regions(self, reject: Iterable[int] = ()) -> list[Region]:
        """The regions hiding every track that is not rejected."""
        dropped = set(reject)
        kept = [t for t in self.tracks if t.id not in dropped]
        if self.step <= 0:  # a photo: no timeline
            return [_region(t.best.box, t.id) for t in kept]
        return [r for t in kept for r in track_regions(t, self.step, self.frame_time,
                                                       self.duration)]

    def to_record(self, reject: Iterable[int] = ()) -> dict[str, JsonValue]:
        """The custody record: detector, counts, and where rejected tracks were."""
        dropped = set(reject)
        record: dict[str, JsonValue] = {
            "detector": self.detector, "tracks": len(self.tracks),
            "detections": self.detections,
            "rejected": [_track_record(t) for t in self.tracks if t.id in dropped]}
        if self.step > 0:
            record["detect_every_seconds"] = f"{self.step:.3f}"
        if self.note:
            record["note"] = self.note
        return record


def _track_record(track: FaceTrack) -> dict[str, JsonValue]:
    x, y, w, h = track.best.box
    return {"track": track.id, "start": f"{track.start:.3f}", "end": f"{track.end:.3f}",
            "x": x, "y": y, "w": w, "h": h}


def _region(box: Box, track: int) -> Region:
    x, y, w, h = box
    return Region(x=x, y=y, w=w, h=h, label=f"face {track}")


def _margin(box: Box, width: int, height: int) -> Box:
    x, y, w, h = box
    dx, dy = int(w * MARGIN), int(h * MARGIN)
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(width, x + w + dx), min(height, y + h + dy)
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def _found(detector: Detector, pixels: Any) -> list[Scored]:
    height, width = pixels.shape[:2]
    return [(_margin(box, width, height), score) for box, score in detector.detect(pixels)]


def _crop(pixels: Any, box: Box) -> bytes:
    x, y, w, h = box
    tile = PIL.Image.fromarray(pixels[y:y + h, x:x + w])
    tile.thumbnail((CROP_PIXELS, CROP_PIXELS))
    out = io.BytesIO()
    tile.save(out, format="PNG")
    return out.getvalue()


class _Crops:
    """The best-scoring crop of every track, taken while its frame is in memory."""

    def __init__(self) -> None:
        self.best: dict[int, float] = {}
        self.png: dict[int, bytes] = {}

    def offer(self, pixels: Any, ids: list[int], found: list[Scored]) -> None:
        ranked = sorted(found, key=lambda f: -f[1])  # the order Tracker.add assigned ids in
        for track, (box, score) in zip(ids, ranked, strict=True):
            if score > self.best.get(track, -1.0):
                self.best[track] = score
                self.png[track] = _crop(pixels, box)


def faces_in_image(rgb_image: PIL.Image.Image, detector: Detector | None = None) -> FaceSearch:
    """The faces (with margin) in a Pillow RGB image, one track each.

    Raises:
        RedactionError: OpenCV is missing.
    """
    import numpy as np  # noqa: PLC0415 - comes with the optional extra

    detector = detector or load_detector()
    pixels = np.asarray(rgb_image.convert("RGB"))
    found = _found(detector, pixels)
    tracker, crops = Tracker(0.0), _Crops()
    for box, score in sorted(found, key=lambda f: -f[1]):
        ids = tracker.add(0.0, [(box, score)])  # each face its own track, best first
        crops.offer(pixels, ids, [(box, score)])
    return FaceSearch(detector.name, detector.note, tracker.tracks(crops.png), len(found))


def every_kth(frame_rate: float) -> tuple[int, float]:
    """Look at every k-th frame: ``k`` and the seconds per frame."""
    frame_time = 1.0 / frame_rate if frame_rate > 0 else 1.0 / 25
    return max(1, round(DETECT_SECONDS / frame_time)), frame_time


def _decoder(path: Path, k: int) -> list[str]:
    exe = shutil.which("ffmpeg") or "ffmpeg"
    return [exe, "-nostdin", "-v", "error", "-i", str(path.absolute()), "-an", "-sn",
            "-vf", f"select=not(mod(n\\,{k}))", "-fps_mode", "passthrough",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]


def faces_in_video(path: Path, width: int, height: int, frame_rate: float,
                   timeout: float | None = None, *, duration: float | None = None,
                   detector: Detector | None = None) -> FaceSearch:
    """The faces in the footage, looked for on every k-th frame and tracked between.

    Raises:
        RedactionError: OpenCV missing, ffmpeg could not decode the frames, or the
            ``faces-seconds`` limit was hit.
    """
    import numpy as np  # noqa: PLC0415 - comes with the optional extra

    detector = detector or load_detector()
    k, frame_time = every_kth(frame_rate)
    tracker, crops = Tracker(k * frame_time), _Crops()
    seconds = timeout if timeout is not None else limits.value("faces-seconds")
    frame_bytes, index, hits = width * height * 3, 0, 0
    with subprocess.Popen(_decoder(path, k), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None  # noqa: S101 - stdout=PIPE above
        fired = threading.Event()

        def stop() -> None:  # a stalled ffmpeg must not hang us
            fired.set()
            proc.kill()

        watchdog = threading.Timer(seconds, stop)
        watchdog.start()
        try:
            while len(data := proc.stdout.read(frame_bytes)) == frame_bytes:
                pixels = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
                found = _found(detector, pixels)
                crops.offer(pixels, tracker.add(index * k * frame_time, found), found)
                hits, index = hits + len(found), index + 1
            proc.wait()
        finally:
            watchdog.cancel()
    if fired.is_set():  # never return the faces of only part of the footage
        raise limits.exceeded("faces-seconds", f"Face detection was stopped after "
                              f"{seconds:,.0f} s")
    if proc.returncode not in (0, None) and index == 0:
        raise RedactionError("ffmpeg could not decode the footage to look for faces.")
    return FaceSearch(detector.name, detector.note, tracker.tracks(crops.png), hits,
                      k * frame_time, frame_time, duration)
