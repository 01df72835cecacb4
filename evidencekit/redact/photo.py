"""Redacting photos: upright, paint the regions, and write a copy with no metadata.

The copy is made from raw pixels into a new image, so nothing of the original
file (EXIF, GPS, maker notes, XMP, IPTC, ICC, the embedded thumbnail) can follow.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import PIL.Image
import PIL.ImageDraw
import PIL.ImageFilter
import PIL.ImageOps

from evidencekit.core import limits, storage
from evidencekit.core.errors import RedactionError
from evidencekit.core.heif import enable_heif
from evidencekit.redact.grid import ruled
from evidencekit.redact.regions import Region, RegionSet


def open_photo(path: Path, max_pixels: int | None = None) -> PIL.Image.Image:
    """Open, check the size before decoding, decode, and turn upright per EXIF.

    Raises:
        RedactionError: not an image, truncated, or larger than ``max_pixels``.
    """
    cap = max_pixels if max_pixels is not None else limits.whole("photo-pixels")
    enable_heif()  # HEIC/HEIF photos open like any other; without pi-heif they fail below
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PIL.Image.DecompressionBombWarning)
            image = PIL.Image.open(path)  # reads the header only
            width, height = image.size
            if width * height > cap:
                raise limits.exceeded("photo-pixels", f"The photo claims {width}x{height} = "
                                      f"{width * height:,} pixels (a decompression bomb?)")
            image.load()
    except PIL.Image.DecompressionBombError as exc:  # Pillow's own ceiling, 2 x 89.5 M pixels
        raise limits.exceeded("photo-pixels", "The photo claims more pixels than Pillow will "
                              "ever decode (2 x 89.5 M; a decompression bomb?)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise RedactionError(f"The photo cannot be decoded: {exc}.") from exc
    upright = PIL.ImageOps.exif_transpose(image) or image
    return upright.convert("RGB")


def _hide(image: PIL.Image.Image, region: Region) -> None:
    box = (region.x, region.y, region.x + region.w, region.y + region.h)
    if region.style == "box":
        PIL.ImageDraw.Draw(image).rectangle((box[0], box[1], box[2] - 1, box[3] - 1),
                                            fill=(0, 0, 0))
        return
    part = image.crop(box)
    # Shrink to a few cells so no detail survives, then enlarge again.
    cells = 8 if region.style == "pixelate" else 4
    small = part.resize((max(1, region.w * cells // max(region.w, region.h)),
                         max(1, region.h * cells // max(region.w, region.h))),
                        PIL.Image.Resampling.BOX)
    if region.style == "pixelate":
        part = small.resize(part.size, PIL.Image.Resampling.NEAREST)
    else:
        radius = max(2, max(region.w, region.h) // 8)
        part = small.resize(part.size, PIL.Image.Resampling.BILINEAR).filter(
            PIL.ImageFilter.GaussianBlur(radius))
    image.paste(part, box[:2])


def paint(image: PIL.Image.Image, regions: RegionSet) -> PIL.Image.Image:
    """A copy of ``image`` with every region hidden."""
    out = image.copy()
    for region in regions.regions:
        _hide(out, region)
    return out


def clean_copy(image: PIL.Image.Image) -> PIL.Image.Image:
    """A new image from the raw pixels only: no ``info``, EXIF, ICC or thumbnail."""
    return PIL.Image.frombytes(image.mode, image.size, image.tobytes())


def redact_photo(src: Path, dst: Path, regions: RegionSet, fmt: str) -> tuple[int, int]:
    """Write the redacted copy of ``src`` to ``dst`` (``JPEG`` or ``PNG``); return its size.

    Raises:
        RedactionError: the photo cannot be decoded, or a region does not fit.
    """
    image = open_photo(src)
    regions.check_fits(image.width, image.height, None)
    clean = clean_copy(paint(image, regions))
    options = {"quality": 92, "subsampling": 0} if fmt == "JPEG" else {}
    buffer = io.BytesIO()
    clean.save(buffer, format=fmt, **options)
    storage.atomic_write(dst, buffer.getvalue())  # a full disk is a StorageError
    return clean.size


def outline(image: PIL.Image.Image, regions: list[Region], caption: str = "") -> PIL.Image.Image:
    """A copy with each region outlined in red and numbered (for reviewers)."""
    out = image.copy()
    draw = PIL.ImageDraw.Draw(out)
    width = max(2, min(out.size) // 200)
    for n, r in enumerate(regions, start=1):
        draw.rectangle((r.x, r.y, r.x + r.w - 1, r.y + r.h - 1), outline=(255, 0, 0),
                       width=width)
        draw.text((r.x + width + 2, r.y + width + 2), f"{n} {r.style} {r.label}".strip(),
                  fill=(255, 0, 0))
    if caption:
        draw.text((4, 4), caption, fill=(255, 255, 0))
    return out


def preview_image(src: Path, regions: RegionSet) -> PIL.Image.Image:
    """The photo with the regions outlined, as a new metadata-free image.

    Rulers on the top and left edges and a faint grid give the regions file's
    coordinates (pixels of the photo) at a glance.

    Raises:
        RedactionError: the photo cannot be decoded, or a region does not fit.
    """
    image = open_photo(src)
    regions.check_fits(image.width, image.height, None)
    return clean_copy(ruled(outline(image, list(regions.regions))))


def preview_photo(src: Path, dst: Path, regions: RegionSet) -> None:
    """Write a PNG or PDF of the photo with the regions outlined; changes nothing.

    Raises:
        RedactionError: the photo cannot be decoded, or a region does not fit.
    """
    fmt = "PDF" if dst.suffix.lower() == ".pdf" else "PNG"
    preview_image(src, regions).save(dst, format=fmt)
