"""Finding faces to hide (optional: ``pip install 'evidencekit[faces]'``).

Uses OpenCV's Haar cascade for frontal faces, whose model ships inside the
``opencv-python-headless`` wheel (versions below 5), so it works offline. It
misses faces in profile, small or dark: a reviewer must check the preview.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from .errors import InputError
from .regions import Region

MARGIN = 0.25
"""Each face box grows by this fraction on every side."""
SAMPLE_FPS = 4.0
"""Frames per second examined in footage; each hit covers its neighbouring frames."""


def _detector() -> tuple[Any, Any]:
    try:
        import cv2 as cv2_module  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        raise InputError("Face detection needs OpenCV.",
                         hint="pip install 'evidencekit[faces]'") from exc
    cv2: Any = cv2_module  # its stubs vary between releases
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if cascade.empty():
        raise InputError("OpenCV's face model is missing (opencv-python-headless 5.x ships "
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


def faces_in_video(path: Path, width: int, height: int, duration: float,
                   timeout: float = 600.0) -> list[Region]:
    """Face regions in footage, sampled at ``SAMPLE_FPS``; each lasts one sample period.

    Raises:
        InputError: OpenCV missing, or ffmpeg could not decode the frames.
    """
    import numpy as np  # noqa: PLC0415 - comes with the optional extra

    cv2, cascade = _detector()
    exe = shutil.which("ffmpeg") or "ffmpeg"
    args = [exe, "-nostdin", "-v", "error", "-i", str(path.absolute()), "-vf",
            f"fps={SAMPLE_FPS}", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    frame_bytes = width * height * 3
    regions: list[Region] = []
    half = 0.5 / SAMPLE_FPS
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None  # noqa: S101 - stdout=PIPE above
        index = 0
        while len(data := proc.stdout.read(frame_bytes)) == frame_bytes:
            frame = np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
            t = index / SAMPLE_FPS
            for box in _boxes(cv2, cascade, frame, width, height):
                regions.append(_region(box, start=max(0.0, t - half),
                                       end=min(duration, t + 3 * half)))
            index += 1
        proc.wait(timeout=timeout)
    return regions
