"""A full-resolution still of a clip at a given time, to measure regions on.

The frame is what ffmpeg decodes at that time, at the clip's own size, as PNG with no
metadata; the exhibit is only read and nothing is recorded (a still is a working aid,
not evidence).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from evidencekit.case.folder import Case
from evidencekit.core import storage
from evidencekit.core.errors import RedactionError
from evidencekit.redact.media import frame_at, media_kind


def _seconds(value: object) -> float | None:
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None  # an odd probe result: ffmpeg then says whether there is a frame


def write_still(case: Case, ref: str, at: float, out: Path) -> tuple[int, int]:
    """Write the frame of footage ``ref`` at ``at`` seconds to ``out`` (PNG); its size.

    Raises:
        InputError: no such exhibit.
        RedactionError: not footage, a time outside the clip, ``out`` exists, or no frame.
        StorageError: ``out`` cannot be written.
    """
    item = case.item(ref)
    if media_kind(item) != "video":
        raise RedactionError(f"{item.ref} is {item.media_type}; a still needs footage.")
    if not math.isfinite(at) or at < 0:
        raise RedactionError("The time must be zero or more seconds.")
    duration = _seconds(item.metadata.get("duration_seconds"))
    if duration is not None and at > duration:
        raise RedactionError(f"{item.ref} lasts {duration:.2f} s; choose an earlier time.")
    if out.exists():
        raise RedactionError(f"{out} already exists; choose a new name for --out.")
    frame = frame_at(case.object_path(item.sha256), at)
    data = io.BytesIO()
    frame.save(data, "PNG")
    storage.atomic_write(out, data.getvalue())
    return frame.size
