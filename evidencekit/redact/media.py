"""Redacting photo, footage and audio exhibits into new derived items.

The original is only read. The redacted copy is written in ``objects/tmp``,
stored as a derived item (``HG/1-R1``) with a signed ``redacted`` event listing
the regions and mute ranges (positions, counts and times; never content), and
optionally copied to ``--out``. A failure leaves nothing behind.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import attrs
import PIL.Image

from evidencekit.case.derived import record_copy
from evidencekit.case.folder import Case
from evidencekit.core import limits
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import RedactionError
from evidencekit.core.progress import Progress, begin
from evidencekit.custody.exhibits import Item
from evidencekit.keys.keyfile import Signer
from evidencekit.redact import faces, photo, video
from evidencekit.redact.regions import Region, RegionSet

PHOTO_TYPES = {"image/jpeg": ("JPEG", ".jpg"), "image/png": ("PNG", ".png"),
               "image/webp": ("PNG", ".png"), "image/gif": ("PNG", ".png"),
               "image/heic": ("JPEG", ".jpg"), "image/heif": ("JPEG", ".jpg")}
"""Photo types redaction reads, and the format of the redacted copy (HEIC becomes JPEG)."""


@attrs.frozen
class MediaRedactionResult:
    """What a media redaction made."""

    source_ref: str
    derived_ref: str
    sha256: str
    regions: int
    faces_found: int
    mute_ranges: int
    out: str | None = None
    rendering: str = ""
    """Footage: which seconds were re-encoded (the rest is the original's), or why all."""

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json``."""
        return attrs.asdict(self)


def media_kind(item: Item) -> str:
    """``photo``, ``video`` or ``audio``, from the detected content type.

    Raises:
        RedactionError: the exhibit is not a photo, footage or audio.
    """
    if item.media_type in PHOTO_TYPES:
        return "photo"
    major = item.media_type.split("/")[0]
    if major in ("video", "audio"):
        return major
    raise RedactionError(f"{item.ref} is {item.media_type}, not a photo, footage or audio; "
                     "regions and mute ranges cannot be applied to it.")


def _with_faces(case: Case, item: Item, regions: RegionSet, kind: str) -> tuple[RegionSet, int]:
    source = case.object_path(item.sha256)
    if kind == "photo":
        found = faces.faces_in_image(photo.open_photo(source))
    elif kind == "video":
        info = video.media_info(source)
        if not (info.width and info.height):
            return regions, 0
        tracks, hits = faces.faces_in_video(source, info.width, info.height, info.frame_rate)
        return regions.with_regions(tracks), hits
    else:
        return regions, 0
    return regions.with_regions(found), len(found)


def _seconds(progress: Progress | None, item: Item) -> Callable[[float], None] | None:
    """Feed seconds of footage written to ``progress`` as milliseconds."""
    try:
        duration = float(str(item.metadata.get("duration_seconds", 0)))
    except ValueError:
        duration = 0.0  # only sizes the progress bar
    advance = begin(progress, int(duration * 1000))
    if advance is None:
        return None
    done = [0]

    def update(seconds: float) -> None:
        step = int(seconds * 1000) - done[0]
        if step > 0:
            advance(step)
            done[0] += step

    return update


def redact_media_item(case: Case, signer: Signer, ref: str, regions: RegionSet, *,
                      find_faces: bool = False, description: str | None = None,
                      out: Path | None = None,
                      progress: Progress | None = None) -> MediaRedactionResult:
    """Make and record a redacted copy of a photo, clip or recording.

    Raises:
        RedactionError: not media, unreadable, a region or time that does not fit,
            ``out`` exists, or no regions, mute ranges or faces to apply.
        StorageError, CustodyError: the case cannot be written.
    """
    item = case.item(ref)
    kind = media_kind(item)
    if out is not None and out.exists():
        raise RedactionError(f"{out} already exists; choose a new name for --out.")
    regions, found = _with_faces(case, item, regions, kind) if find_faces else (regions, 0)
    if not regions.regions and not regions.mute and not find_faces:
        raise RedactionError("Nothing to redact: give --regions (and/or --faces).")
    fmt, suffix = PHOTO_TYPES.get(item.media_type, ("", ".m4a" if kind == "audio" else ".mp4"))
    tmp = case.tmp_dir / f"redact-{uuid.uuid4().hex}{suffix}"
    rendering = None
    try:
        if kind == "photo":
            photo.redact_photo(case.object_path(item.sha256), tmp, regions, fmt)
        else:
            rendering = video.redact_media(case.object_path(item.sha256), tmp, regions,
                                           _seconds(progress, item))
    except BaseException:
        tmp.unlink(missing_ok=True)  # a half-written copy is never kept
        raise
    details: dict[str, JsonValue] = {
        "method": f"{kind}-regions",
        "regions": [r.to_record() for r in regions.regions if r.label != "face"],
        "faces_detected": found, "mute": [m.to_record() for m in regions.mute],
        "metadata": "all removed (new file from decoded pixels/samples)",
    }
    if rendering is not None:
        details["rendering"] = rendering.to_record()
        if rendering.smart:
            details["metadata"] = "all container and stream metadata and all SEI removed"
    text = description or f"{item.kind.capitalize()} {item.ref}, redacted copy"
    derived = record_copy(case, signer, item.ref, tmp, description=text, details=details,
                          out=out)
    return MediaRedactionResult(item.ref, derived.ref, derived.sha256, len(regions.regions),
                                found, len(regions.mute), str(out) if out else None,
                                rendering.summary() if rendering else "")


def preview_media_item(case: Case, ref: str, regions: RegionSet, dest: Path, *,
                       find_faces: bool = False) -> int:
    """Write a reviewer's preview (PNG, or PDF by extension); change nothing.

    Returns the number of faces found.

    Raises:
        RedactionError: not media, unreadable, or a region or time that does not fit.
    """
    item = case.item(ref)
    kind = media_kind(item)
    regions, found = _with_faces(case, item, regions, kind) if find_faces else (regions, 0)
    source = case.object_path(item.sha256)
    if kind == "photo":
        photo.preview_photo(source, dest, regions)
    elif kind == "video":
        _contact_sheet(source, dest, regions)
    else:
        raise RedactionError("There is no picture to preview in an audio recording; the custody "
                         "record lists the mute ranges.")
    return found


def frame_at(source: Path, t: float) -> PIL.Image.Image:
    """One decoded still of a recording at ``t`` seconds (no metadata: raw pixels).

    Raises:
        RedactionError: ffmpeg could not decode a frame there.
    """
    exe = shutil.which("ffmpeg") or "ffmpeg"
    try:
        done = subprocess.run([exe, "-nostdin", "-v", "error", "-ss", f"{t:.3f}", "-i",
                               str(source.absolute()), "-frames:v", "1", "-f", "image2pipe",
                               "-vcodec", "png", "pipe:1"], capture_output=True,
                              timeout=limits.value("still-seconds"), check=False)
    except subprocess.TimeoutExpired as exc:
        raise limits.exceeded("still-seconds", f"Taking a still at {t:.2f} s was stopped") \
            from exc
    if done.returncode != 0 or not done.stdout:
        raise RedactionError(f"Could not take a still at {t:.2f} s from the recording.")
    return PIL.Image.open(io.BytesIO(done.stdout)).convert("RGB")


def sample_times(duration: float, regions: tuple[Region, ...], count: int = 8) -> list[float]:
    """Evenly spread times plus the start, middle and end of every timed region (at most 16).

    The end is taken just inside the region (and the clip), where it still applies.
    """
    times = {round(duration * (i + 0.5) / count, 3) for i in range(count)}
    for r in regions:
        if r.start is not None or r.end is not None:
            start, end = r.start or 0.0, min(r.end if r.end is not None else duration, duration)
            last = max(start, min(end, duration) - 0.04)
            times.update({round(start, 3), round((start + end) / 2, 3), round(last, 3)})
    return sorted(times)[:16]


def _contact_sheet(source: Path, dest: Path, regions: RegionSet) -> None:
    info = video.media_info(source)
    if not (info.width and info.height):
        raise RedactionError("The recording has no picture to preview.")
    regions.check_fits(info.width, info.height, info.duration)
    tiles = []
    for t in sample_times(info.duration, regions.regions):
        active = [r for r in regions.regions if r.active_at(t)]
        tile = photo.outline(frame_at(source, t), active, caption=f"t = {t:.2f} s")
        tile.thumbnail((480, 480))
        tiles.append(tile)
    columns = 4
    w, h = tiles[0].size
    sheet = PIL.Image.new("RGB", (w * columns, h * ((len(tiles) + columns - 1) // columns)),
                          (32, 32, 32))
    for n, tile in enumerate(tiles):
        sheet.paste(tile, ((n % columns) * w, (n // columns) * h))
    sheet.save(dest, format="PDF" if dest.suffix.lower() == ".pdf" else "PNG")
