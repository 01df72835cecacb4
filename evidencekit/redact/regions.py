"""The regions file: what to hide in a photo or a clip, and which audio to mute.

JSON, documented in ``docs/redacting-media.md``::

    {
      "regions": [
        {"x": 120, "y": 40, "w": 200, "h": 150},
        {"x": 0, "y": 300, "w": 160, "h": 90, "start": 2.0, "end": 5.5,
         "style": "pixelate", "label": "number plate"}
      ],
      "mute": [{"start": 12.0, "end": 15.5}],
      "reject_faces": {"detector": "centerface", "tracks": [3, 5]}
    }

Coordinates are pixels of the original as a person sees it (after EXIF rotation);
``start``/``end`` are seconds (video only; absent means the whole clip).
``reject_faces`` lists face tracks (numbered in a ``--faces`` preview by that detector)
that the reviewer found are not faces; they are not hidden. For a PDF statement each
region names its ``page`` (1 is the first) and is measured in points (1/72 inch) from the
top-left corner of the page as displayed::

    {"regions": [{"page": 2, "x": 40, "y": 300, "w": 400, "h": 120, "label": "note"}]}
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

import attrs

from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError

Style = Literal["box", "blur", "pixelate"]
STYLES: tuple[str, ...] = ("box", "blur", "pixelate")
_MAX_REGIONS = 10_000


def _seconds(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{what} must be a number of seconds.")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(f"{what} must be zero or more seconds.")
    return seconds


def _pixels(value: object, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(f"{what} must be a whole number of pixels, at least {minimum}.")
    return value


def _page(value: object, n: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"Region {n} page must be a page number (1 is the first page).")
    return value


@attrs.frozen
class Region:
    """A rectangle to hide, optionally only between ``start`` and ``end`` seconds."""

    x: int
    y: int
    w: int
    h: int
    start: float | None = None
    end: float | None = None
    style: str = "box"
    label: str = ""
    page: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.style not in STYLES:
            raise InputError(f"Region style {self.style!r} is not one of {', '.join(STYLES)}.")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InputError(f"A region ends ({self.end} s) before it starts ({self.start} s).")

    def active_at(self, t: float) -> bool:
        """True when the region applies at time ``t`` (seconds)."""
        return (self.start is None or t >= self.start) and (self.end is None or t <= self.end)

    def to_record(self) -> dict[str, JsonValue]:
        """The custody record: position, size, times and style; floats as text."""
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "style": self.style,
                "start": _fmt(self.start), "end": _fmt(self.end)}


@attrs.frozen
class MuteRange:
    """Seconds of audio to silence."""

    start: float
    end: float

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InputError(f"A mute range ends ({self.end} s) before it starts "
                             f"({self.start} s).")

    def to_record(self) -> dict[str, JsonValue]:
        """The custody record (times as text)."""
        return {"start": _fmt(self.start), "end": _fmt(self.end)}


def _fmt(value: float | None) -> str | None:
    return None if value is None else f"{value:.3f}"


@attrs.frozen
class RegionSet:
    """Everything one regions file asks for."""

    regions: tuple[Region, ...] = ()
    mute: tuple[MuteRange, ...] = ()
    reject_faces: tuple[int, ...] = ()
    faces_detector: str | None = None

    def with_regions(self, extra: list[Region]) -> RegionSet:
        """A copy with more regions (e.g. detected faces)."""
        return attrs.evolve(self, regions=(*self.regions, *extra))

    def check_fits(self, width: int, height: int, duration: float | None) -> None:
        """Refuse regions outside the frame and times past the end.

        Raises:
            InputError: naming the first region or range that does not fit.
        """
        for n, r in enumerate(self.regions, start=1):
            if r.page is not None:
                raise InputError(f"Region {n} names a page, but only PDF statements have "
                                 "pages.")
            if r.x + r.w > width or r.y + r.h > height:
                raise InputError(f"Region {n} ({r.x},{r.y} {r.w}x{r.h}) lies outside the "
                                 f"{width}x{height} picture.")
            if duration is None and (r.start is not None or r.end is not None):
                raise InputError(f"Region {n} has times, but a photo has no timeline.")
        if duration is None:
            if self.mute:
                raise InputError("Mute ranges apply to footage and audio, not to photos.")
            return
        limit = duration + 0.05
        times = [(f"region {n}", r.start, r.end) for n, r in enumerate(self.regions, start=1)]
        times += [(f"mute range {n}", m.start, m.end) for n, m in enumerate(self.mute, start=1)]
        for name, start, end in times:
            if (start is not None and start >= limit) or (end is not None and end > limit):
                raise InputError(f"The {name} runs past the end of the recording "
                                 f"({duration:.2f} s).")


def _region(data: Any, n: int) -> Region:
    if not isinstance(data, dict):
        raise InputError(f"Region {n} must be an object with x, y, w, h.")
    unknown = set(data) - {"x", "y", "w", "h", "start", "end", "style", "label", "page"}
    if unknown:
        raise InputError(f"Region {n} has unknown field(s): {', '.join(sorted(unknown))}.")
    label = data.get("label", "")
    if not isinstance(label, str) or len(label) > 100:
        raise InputError(f"Region {n}: the label must be text of at most 100 characters.")
    return Region(
        _pixels(data.get("x"), f"Region {n} x", 0), _pixels(data.get("y"), f"Region {n} y", 0),
        _pixels(data.get("w"), f"Region {n} w", 1), _pixels(data.get("h"), f"Region {n} h", 1),
        None if data.get("start") is None else _seconds(data["start"], f"Region {n} start"),
        None if data.get("end") is None else _seconds(data["end"], f"Region {n} end"),
        str(data.get("style", "box")), label,
        _page(data.get("page"), n))


def _mute(data: Any, n: int) -> MuteRange:
    if not isinstance(data, dict) or set(data) != {"start", "end"}:
        raise InputError(f"Mute range {n} must be an object with start and end (seconds).")
    return MuteRange(_seconds(data["start"], f"Mute range {n} start"),
                     _seconds(data["end"], f"Mute range {n} end"))


def parse_regions(text: bytes | str) -> RegionSet:
    """Parse a regions file.

    Raises:
        InputError: not JSON, unknown fields, or a value out of range.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"The regions file is not valid JSON: {exc}.") from exc
    if not isinstance(data, dict) or set(data) - {"regions", "mute", "reject_faces"}:
        raise InputError('The regions file must be an object with "regions", "mute" and/or '
                         '"reject_faces".')
    regions, mutes = data.get("regions", []), data.get("mute", [])
    if not isinstance(regions, list) or not isinstance(mutes, list):
        raise InputError('"regions" and "mute" must be lists.')
    if len(regions) + len(mutes) > _MAX_REGIONS:
        raise InputError(f"The regions file lists more than {_MAX_REGIONS:,} entries.")
    detector, rejected = _rejects(data.get("reject_faces"))
    return RegionSet(tuple(_region(r, n) for n, r in enumerate(regions, start=1)),
                     tuple(_mute(m, n) for n, m in enumerate(mutes, start=1)),
                     rejected, detector)


def _rejects(data: Any) -> tuple[str | None, tuple[int, ...]]:
    if data is None:
        return None, ()
    if not isinstance(data, dict) or set(data) != {"detector", "tracks"}:
        raise InputError('"reject_faces" must be an object with "detector" (as the preview '
                         'names it) and "tracks" (a list of face track numbers).')
    detector, tracks = data["detector"], data["tracks"]
    if not isinstance(detector, str) or not 0 < len(detector) <= 40:
        raise InputError('"reject_faces" "detector" must be a detector name, e.g. "centerface".')
    if not isinstance(tracks, list) or len(tracks) > _MAX_REGIONS or not all(
            isinstance(t, int) and not isinstance(t, bool) and t >= 1 for t in tracks):
        raise InputError('"reject_faces" "tracks" must be a list of face track numbers (1, 2 ...).')
    return detector, tuple(sorted(set(tracks)))
