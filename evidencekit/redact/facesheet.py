"""The reviewer's picture of face tracks: one tile per track (number, times, a crop).

A tile shows the track's best detection, its number (the one ``reject_faces`` takes),
and when it was seen; a rejected track is crossed out and marked as not to be hidden.
"""

from __future__ import annotations

import io

import PIL.Image
import PIL.ImageDraw

from evidencekit.redact.facetrack import FaceTrack

TILE = 240
_GREY = (32, 32, 32)


def _caption(track: FaceTrack, timed: bool, rejected: bool) -> list[str]:
    lines = [f"face {track.id}  (score {track.best.score:.2f})"]
    if timed:
        lines.append(f"{track.start:.2f} - {track.end:.2f} s, {len(track.detections)} seen")
    lines.append("REJECTED: not hidden" if rejected else "will be hidden")
    return lines


def track_tile(track: FaceTrack, *, timed: bool, rejected: bool = False) -> PIL.Image.Image:
    """One tile for ``track`` (``timed``: footage, so show its time range)."""
    tile = PIL.Image.new("RGB", (TILE, TILE), _GREY)
    if track.crop:
        crop = PIL.Image.open(io.BytesIO(track.crop)).convert("RGB")
        scale = min((TILE - 16) / crop.width, (TILE - 56) / crop.height)  # small faces grow
        crop = crop.resize((max(1, int(crop.width * scale)), max(1, int(crop.height * scale))))
        tile.paste(crop, ((TILE - crop.width) // 2, 8))
    draw = PIL.ImageDraw.Draw(tile)
    colour = (255, 80, 80) if rejected else (255, 255, 0)
    if rejected:
        draw.line((8, 8, TILE - 8, TILE - 56), fill=colour, width=3)
        draw.line((TILE - 8, 8, 8, TILE - 56), fill=colour, width=3)
    for n, line in enumerate(_caption(track, timed, rejected)):
        draw.text((6, TILE - 50 + 15 * n), line, fill=colour)
    return tile


def grid(tiles: list[PIL.Image.Image], columns: int) -> PIL.Image.Image:
    """Tiles of one size in rows of ``columns`` on a dark background."""
    w, h = tiles[0].size
    rows = (len(tiles) + columns - 1) // columns
    sheet = PIL.Image.new("RGB", (w * columns, h * rows), _GREY)
    for n, tile in enumerate(tiles):
        sheet.paste(tile, ((n % columns) * w, (n // columns) * h))
    return sheet


def stack(parts: list[PIL.Image.Image]) -> PIL.Image.Image:
    """Images one above the other, as wide as the widest."""
    sheet = PIL.Image.new("RGB", (max(p.width for p in parts), sum(p.height for p in parts)),
                          _GREY)
    y = 0
    for part in parts:
        sheet.paste(part, (0, y))
        y += part.height
    return sheet


def track_sheet(tracks: tuple[FaceTrack, ...], rejected: tuple[int, ...], *, timed: bool,
                width: int) -> PIL.Image.Image | None:
    """Every track's tile in rows filling ``width`` pixels; None when there are none."""
    if not tracks:
        return None
    tiles = [track_tile(t, timed=timed, rejected=t.id in rejected) for t in tracks]
    return grid(tiles, max(1, width // TILE))
