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
from evidencekit.redact.faces import FaceSearch
from evidencekit.redact.facesheet import TILE, grid, stack, track_sheet
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
    face_tracks: int = 0
    faces_rejected: int = 0
    face_detector: str | None = None
    face_note: str = ""

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


def _find_faces(case: Case, item: Item, regions: RegionSet, kind: str) -> FaceSearch | None:
    source = case.object_path(item.sha256)
    if kind == "photo":
        search = faces.faces_in_image(photo.open_photo(source))
    elif kind == "video":
        info = video.media_info(source)
        if not (info.width and info.height):
            return None
        search = faces.faces_in_video(source, info.width, info.height, info.frame_rate,
                                      duration=info.duration)
    else:
        return None
    if regions.reject_faces:
        if regions.faces_detector != search.detector:
            raise RedactionError(
                f"The face tracks to reject were numbered by {regions.faces_detector}, but "
                f"{search.detector} found the faces this time; the numbers may differ.",
                hint="Make a new --faces --preview and take the numbers from it.")
        search.check_rejects(regions.reject_faces)
    return search


def find_face_tracks(case: Case, ref: str) -> FaceSearch:
    """The faces in a photo or clip as numbered tracks, as a ``--faces`` preview numbers them.

    Nothing is written or recorded. Each track's ``id`` is the number
    ``RegionSet.reject_faces`` takes (with ``faces_detector`` set to ``detector``); its
    ``crop`` is a PNG of its best detection.

    Raises:
        RedactionError: not a photo or footage, no picture, OpenCV missing, or the
            ``faces-seconds`` limit was hit.
    """
    item = case.item(ref)
    kind = media_kind(item)
    search = _find_faces(case, item, RegionSet(), kind)
    if search is None:
        raise RedactionError(f"{item.ref} has no picture to look for faces in.")
    return search


def _with_faces(case: Case, item: Item, regions: RegionSet, kind: str,
                find_faces: bool) -> tuple[RegionSet, FaceSearch | None]:
    if not find_faces:
        if regions.reject_faces:
            raise RedactionError("The regions file rejects face tracks, but faces are not "
                                 "being looked for.", hint="Add --faces.")
        return regions, None
    search = _find_faces(case, item, regions, kind)
    if search is None:
        return regions, None
    return regions.with_regions(search.regions(regions.reject_faces)), search


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
    asked = regions
    regions, search = _with_faces(case, item, regions, kind, find_faces)
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
        "regions": [r.to_record() for r in asked.regions],
        "faces_detected": search.detections if search else 0,
        "mute": [m.to_record() for m in regions.mute],
        "metadata": "all removed (new file from decoded pixels/samples)",
    }
    if search is not None:
        details["faces"] = search.to_record(regions.reject_faces)
    if rendering is not None:
        details["rendering"] = rendering.to_record()
        if rendering.smart:
            details["metadata"] = "all container and stream metadata and all SEI removed"
    text = description or f"{item.kind.capitalize()} {item.ref}, redacted copy"
    derived = record_copy(case, signer, item.ref, tmp, description=text, details=details,
                          out=out)
    return MediaRedactionResult(item.ref, derived.ref, derived.sha256, len(regions.regions),
                                search.detections if search else 0, len(regions.mute),
                                str(out) if out else None,
                                rendering.summary() if rendering else "",
                                *_face_counts(search, regions))


def _face_counts(search: FaceSearch | None,
                 regions: RegionSet) -> tuple[int, int, str | None, str]:
    if search is None:
        return 0, 0, None, ""
    return len(search.tracks), len(regions.reject_faces), search.detector, search.note


@attrs.frozen
class MediaPreview:
    """A preview of a media redaction: where it was written and the faces found.

    ``faces_found`` counts detections, ``face_tracks`` the numbered tracks the preview
    shows (the numbers ``reject_faces`` takes); ``face_note`` says when the fallback
    detector was used.
    """

    source_ref: str
    preview: str
    faces_found: int
    face_tracks: int = 0
    face_detector: str | None = None
    face_note: str = ""

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json``."""
        return attrs.asdict(self)


def preview_media_item(case: Case, ref: str, regions: RegionSet, dest: Path, *,
                       find_faces: bool = False) -> MediaPreview:
    """Write a reviewer's preview (PNG, or PDF by extension); change nothing.

    With ``find_faces`` the preview ends with one tile per face track (number, times,
    crop); rejected tracks are shown crossed out.

    Raises:
        RedactionError: not media, unreadable, or a region or time that does not fit.
    """
    item = case.item(ref)
    kind = media_kind(item)
    if kind == "audio":
        raise RedactionError("There is no picture to preview in an audio recording; the custody "
                             "record lists the mute ranges.")
    asked = regions
    regions, search = _with_faces(case, item, regions, kind, find_faces)
    source = case.object_path(item.sha256)
    tracks = search.tracks if search else ()
    if kind == "photo":
        picture = photo.preview_image(source, regions)
    else:
        picture = _contact_sheet(source, regions, asked)
    sheet = track_sheet(tracks, regions.reject_faces, timed=kind == "video",
                        width=max(picture.width, TILE))
    out = stack([picture, sheet]) if sheet is not None else picture
    out.save(dest, format="PDF" if dest.suffix.lower() == ".pdf" else "PNG")
    tracks_found, _rejected, detector, note = _face_counts(search, regions)
    return MediaPreview(item.ref, str(dest), search.detections if search else 0,
                        tracks_found, detector, note)


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


def _contact_sheet(source: Path, regions: RegionSet, asked: RegionSet) -> PIL.Image.Image:
    """Stills across the clip and in the middle of each region the reviewer gave."""
    info = video.media_info(source)
    if not (info.width and info.height):
        raise RedactionError("The recording has no picture to preview.")
    regions.check_fits(info.width, info.height, info.duration)
    tiles = []
    for t in sample_times(info.duration, asked.regions):
        active = [r for r in regions.regions if r.active_at(t)]
        tile = photo.outline(frame_at(source, t), active, caption=f"t = {t:.2f} s")
        tile.thumbnail((480, 480))
        tiles.append(tile)
    return grid(tiles, 4)
