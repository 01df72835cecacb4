"""Finding faces to hide (optional: ``pip install 'evidencekit[faces]'``).

Uses OpenCV's Haar cascade for frontal faces, whose model ships inside the
``opencv-python-headless`` wheel (versions below 5), so it works offline. It
misses faces in profile, small or dark: a reviewer must check the preview.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from evidencekit.core import limits
from evidencekit.core.errors import RedactionError
from evidencekit.redact.regions import Region

MARGIN = 0.25
"""Each face box grows by this fraction on every side."""
TRACK_SECONDS = 2.0
"""Detections in consecutive frames that overlap join one region of at most this length."""


def _detector() -> tuple[Any, Any]:
    try:
        import cv2 as cv2_module  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        raise RedactionError("Face detection needs OpenCV.",
                         hint="pip install 'evidencekit[faces]'") from exc
    cv2: Any = cv2_module  # its stubs vary between releases
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if cascade.empty():
        raise RedactionError("OpenCV's face model is missing (opencv-python-headless 5.x ships "
                         "none).", hint="pip install 'opencv-python-headless<5'")
    return cv2, cascade


Box = tuple[int, int, int, int]


def _region(box: Box, **times: float) -> Region:
    x, y, w, h = box
    return Region(x=x, y=y, w=w, h=h, label="face", **times)  # type: ignore[arg-type]


def _boxes(cv2: Any, cascade: Any, rgb: Any, width: int, height: int) -> list[Box]:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    boxes = []
    for x, y, w, h in found:
        dx, dy = int(w * MARGIN), int(h * MARGIN)
        x0, y0 = max(0, int(x) - dx), max(0, int(y) - dy)
        x1, y1 = min(width, int(x + w) + dx), min(height, int(y + h) + dy)
        boxes.append((x0, y0, x1 - x0, y1 - y0))
    return boxes


def faces_in_image(rgb_image: Any) -> list[Region]:
    """Face regions (with margin) in a Pillow RGB image."""
    import numpy as np  # noqa: PLC0415 - comes with the optional extra

    cv2, cascade = _detector()
    pixels = np.asarray(rgb_image)
    height, width = pixels.shape[:2]
    return [_region(box) for box in _boxes(cv2, cascade, pixels, width, height)]


def _overlaps(a: Region, box: Box) -> bool:
    x, y, w, h = box
    return a.x < x + w and x < a.x + a.w and a.y < y + h and y < a.y + a.h


def _join(track: Region, box: Box, end: float) -> Region:
    x, y, w, h = box
    x0, y0 = min(track.x, x), min(track.y, y)
    x1, y1 = max(track.x + track.w, x + w), max(track.y + track.h, y + h)
    return Region(x=x0, y=y0, w=x1 - x0, h=y1 - y0, start=track.start, end=end, label="face")


def track_faces(hits: list[tuple[float, Box]], frame_time: float) -> list[Region]:
    """Join per-frame detections into regions.

    A face found in consecutive frames whose boxes overlap becomes one region covering
    the union of its boxes (at most ``TRACK_SECONDS`` long), padded by a frame each side.
    """
    open_tracks: list[Region] = []
    done: list[Region] = []
    for t, box in sorted(hits):
        end = t + 1.5 * frame_time
        for n, track in enumerate(open_tracks):
            assert track.end is not None and track.start is not None  # noqa: S101 - built so
            fresh = t - track.end <= frame_time and end - track.start <= TRACK_SECONDS
            if fresh and _overlaps(track, box):
                open_tracks[n] = _join(track, box, end)
                break
        else:
            open_tracks.append(_region(box, start=max(0.0, t - 0.5 * frame_time), end=end))
        done += [r for r in open_tracks if r.end is not None and t - r.end > frame_time]
        open_tracks = [r for r in open_tracks if r.end is not None and t - r.end <= frame_time]
    return done + open_tracks


def faces_in_video(path: Path, width: int, height: int, frame_rate: float,
                   timeout: float | None = None) -> tuple[list[Region], int]:
    """Face regions in every frame of the footage, joined into tracks; and the hit count.

    Raises:
        RedactionError: OpenCV missing, ffmpeg could not decode the frames, or the
            ``faces-seconds`` limit was hit.
    """
    import numpy as np  # noqa: PLC0415 - comes with the optional extra

    cv2, cascade = _detector()
    exe = shutil.which("ffmpeg") or "ffmpeg"
    args = [exe, "-nostdin", "-v", "error", "-i", str(path.absolute()), "-f", "rawvideo",
            "-pix_fmt", "rgb24", "pipe:1"]
    frame_bytes = width * height * 3
    frame_time = 1.0 / frame_rate if frame_rate > 0 else 1.0 / 25
    hits: list[tuple[float, Box]] = []
    seconds = timeout if timeout is not None else limits.value("faces-seconds")
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None  # noqa: S101 - stdout=PIPE above
        fired = threading.Event()

        def stop() -> None:  # a stalled ffmpeg must not hang us
            fired.set()
            proc.kill()

        watchdog = threading.Timer(seconds, stop)
        watchdog.start()
        index = 0
        try:
            while len(data := proc.stdout.read(frame_bytes)) == frame_bytes:
                frame = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
                hits += [(index * frame_time, box)
                         for box in _boxes(cv2, cascade, frame, width, height)]
                index += 1
            proc.wait()
        finally:
            watchdog.cancel()
    if fired.is_set():  # never return the faces of only part of the footage
        raise limits.exceeded("faces-seconds", f"Face detection was stopped after "
                              f"{seconds:,.0f} s")
    if proc.returncode not in (0, None) and index == 0:
        raise RedactionError("ffmpeg could not decode the footage to look for faces.")
    return track_faces(hits, frame_time), len(hits)
