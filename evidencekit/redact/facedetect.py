"""Face detectors: CenterFace (an ONNX model shipped in the package) and Haar as fallback.

CenterFace (MIT, ``data/centerface.onnx``; its licence and source are beside it) runs
through OpenCV's ``cv2.dnn`` at the frame's own size, so small faces stay visible to it.
It is checked against its SHA-256 before loading; when it is missing, altered or
cannot load, OpenCV's Haar cascades (frontal and profile, both ways round) take over
and the detector's ``note`` says so. Nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import attrs

from evidencekit.core.errors import RedactionError

MODEL_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
"""SHA-256 of the shipped ``centerface.onnx`` (see ``data/centerface-SOURCE.txt``)."""
THRESHOLD = 0.5
"""CenterFace heatmap score from which a point counts as a face: in benchmarks/faces.py
0.5 kept recall at 98.5 % with no false positive in 109 frames (0.4: 1.8 per 100 frames)."""
NMS_IOU = 0.3
_OUTPUTS = ["537", "538", "539", "540"]
_HAAR_MISSES = "misses small, turned, tilted and dark faces"

Box = tuple[int, int, int, int]
"""x, y, width, height in pixels."""
Scored = tuple[Box, float]


def _cv2() -> Any:
    try:
        import cv2  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        raise RedactionError("Face detection needs OpenCV.",
                             hint="pip install 'evidencekit[faces]'") from exc
    return cv2


class Detector(Protocol):
    """Finds faces in one RGB frame (a numpy array, height x width x 3)."""

    @property
    def name(self) -> str:
        """``centerface`` or ``haar``; recorded with the redaction."""

    @property
    def note(self) -> str:
        """Why this detector is in use and what it misses; empty for the default."""

    def detect(self, rgb: Any) -> list[Scored]:
        """Face boxes (without margin) and their scores, best first."""


def model_path() -> Path:
    """Where the shipped CenterFace model lies."""
    return Path(str(resources.files("evidencekit.redact").joinpath("data/centerface.onnx")))


def _iou(a: Box, b: Box) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def suppress(found: list[Scored], limit: float = NMS_IOU) -> list[Scored]:
    """Keep the best-scoring box of every group that overlaps by ``limit`` IoU or more."""
    kept: list[Scored] = []
    for box, score in sorted(found, key=lambda f: -f[1]):
        if all(_iou(box, k) < limit for k, _s in kept):
            kept.append((box, score))
    return kept


@attrs.frozen
class CenterFace:
    """CenterFace through ``cv2.dnn``; build it with :func:`load_detector`."""

    net: Any = attrs.field(eq=False, repr=False)
    threshold: float = THRESHOLD
    name: str = "centerface"
    note: str = ""

    def detect(self, rgb: Any) -> list[Scored]:
        """Face boxes and scores in an RGB frame of any size."""
        import numpy as np  # noqa: PLC0415 - comes with the optional extra

        cv2 = _cv2()
        height, width = rgb.shape[:2]
        padded_w, padded_h = -(-width // 32) * 32, -(-height // 32) * 32
        blob = cv2.dnn.blobFromImage(rgb, 1.0, (padded_w, padded_h), (0, 0, 0),
                                     swapRB=False, crop=False)
        self.net.setInput(blob)
        heat, scale, offset, _marks = self.net.forward(_OUTPUTS)
        rows, cols = np.nonzero(heat[0, 0] > self.threshold)
        sx, sy = width / padded_w, height / padded_h
        found: list[Scored] = []
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            h = float(np.exp(scale[0, 0, r, c])) * 4
            w = float(np.exp(scale[0, 1, r, c])) * 4
            cx = (c + float(offset[0, 1, r, c]) + 0.5) * 4
            cy = (r + float(offset[0, 0, r, c]) + 0.5) * 4
            x0, y0 = max(0.0, (cx - w / 2) * sx), max(0.0, (cy - h / 2) * sy)
            x1, y1 = min(float(width), (cx + w / 2) * sx), min(float(height), (cy + h / 2) * sy)
            if x1 - x0 >= 1 and y1 - y0 >= 1:
                box = (int(x0), int(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))
                found.append((box, float(heat[0, 0, r, c])))
        return suppress(found)


@attrs.frozen
class Haar:
    """OpenCV's Haar cascades: frontal, and profile looking either way."""

    frontal: Any = attrs.field(eq=False, repr=False)
    profile: Any = attrs.field(eq=False, repr=False)
    name: str = "haar"
    note: str = ""

    def detect(self, rgb: Any) -> list[Scored]:
        """Face boxes in an RGB frame; every score is 1 (cascades give none)."""
        cv2 = _cv2()
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        width = gray.shape[1]
        found = [(_box(f), 1.0) for f in self._run(self.frontal, gray)]
        found += [(_box(f), 1.0) for f in self._run(self.profile, gray)]
        for x, y, w, h in self._run(self.profile, cv2.flip(gray, 1)):
            found.append(((width - int(x) - int(w), int(y), int(w), int(h)), 1.0))
        return suppress(found)

    @staticmethod
    def _run(cascade: Any, gray: Any) -> list[Any]:
        return list(cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                             minSize=(24, 24)))


def _box(found: Any) -> Box:
    x, y, w, h = (int(v) for v in found)
    return (x, y, w, h)


def load_haar(note: str = "") -> Haar:
    """The Haar fallback.

    Raises:
        RedactionError: OpenCV is missing, or ships no cascades (5.x).
    """
    cv2 = _cv2()
    frontal = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    profile = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_profileface.xml")
    if frontal.empty() or profile.empty():
        raise RedactionError("OpenCV's face model is missing (opencv-python-headless 5.x ships "
                             "none).", hint="pip install 'opencv-python-headless<5'")
    return Haar(frontal, profile, note=note)


def _load_centerface(path: Path, threshold: float) -> CenterFace:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != MODEL_SHA256:
        raise ValueError("its SHA-256 is not that of the shipped model")
    net = _cv2().dnn.readNetFromONNX(str(path))
    if net.empty():
        raise ValueError("OpenCV loaded no network from it")
    return CenterFace(net, threshold)


def load_detector(path: Path | None = None, threshold: float = THRESHOLD) -> Detector:
    """CenterFace from ``path`` (default: the shipped model), or Haar with a note why not.

    Raises:
        RedactionError: OpenCV is missing, or neither detector can load.
    """
    where = path or model_path()
    try:
        return _load_centerface(where, threshold)
    except RedactionError:
        raise
    except Exception as exc:  # noqa: BLE001 - cv2.error, OSError, ValueError: all mean "fall back"
        return load_haar(note=f"The CenterFace model ({where.name}) could not be loaded "
                         f"({_reason(exc)}); OpenCV's Haar cascades were used instead, "
                         f"which {_HAAR_MISSES}.")


def _reason(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:120] if lines else type(exc).__name__
