"""Metadata read from the evidence itself, recorded beside what the user says.

Every reader here works on untrusted files. A reader that fails records why in
``error`` and ingest goes on: a corrupt file is still evidence.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import attrs

from evidencekit.case import probe
from evidencekit.core import filetype, limits
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError
from evidencekit.core.heif import enable_heif

"""Images larger than this are recorded with a warning and never decoded."""


@attrs.frozen
class Extracted:
    """What could be read from a file, and why not when it could not."""

    metadata: dict[str, JsonValue] = attrs.field(factory=dict)
    error: str | None = None
    warnings: tuple[str, ...] = ()


def _tag(tags: dict[str, object], *names: str) -> str | None:
    for name in names:
        if name in tags:
            text = str(tags[name]).strip().strip("\x00")
            if text:
                return text[:200]
    return None


def _degrees(tags: dict[str, object], key: str, ref_key: str) -> float | None:
    tag, ref = tags.get(key), tags.get(ref_key)
    values = getattr(tag, "values", None)
    if not values or len(values) != 3:
        return None
    try:
        d, m, s = (Fraction(v.numerator, v.denominator) for v in values)
    except (AttributeError, ZeroDivisionError, TypeError):
        return None
    value = float(d + m / 60 + s / 3600)
    return -value if str(ref).strip().upper() in ("S", "W") else value


def _exif_time(text: str | None, offset: str | None) -> str | None:
    if not text:
        return None
    try:
        moment = datetime.strptime(text, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return text
    return moment.isoformat() + (offset or "")


# The parsers below are imported inside the readers that need them: importing all of
# them costs ~0.1 s, which every command (verify included) would otherwise pay.


def _photo(path: Path) -> Extracted:
    import exifread  # noqa: PLC0415 - see above

    with open(path, "rb") as handle:
        tags = exifread.process_file(handle, details=False)
    meta: dict[str, JsonValue] = {}
    stamp = _exif_time(_tag(tags, "EXIF DateTimeOriginal"), _tag(tags, "EXIF OffsetTimeOriginal"))
    if stamp:
        meta["device_time"] = stamp
    for key, names in (("camera_make", ("Image Make",)), ("camera_model", ("Image Model",)),
                       ("orientation", ("Image Orientation",)),
                       ("serial", ("EXIF BodySerialNumber", "MakerNote SerialNumber"))):
        if value := _tag(tags, *names):
            meta[key] = value
    lat = _degrees(tags, "GPS GPSLatitude", "GPS GPSLatitudeRef")
    lon = _degrees(tags, "GPS GPSLongitude", "GPS GPSLongitudeRef")
    if lat is not None and lon is not None:
        meta["gps"] = {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"}
    return _with_pixels(path, meta)


_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_PILLOW_TAGS = (("camera_make", 0x010F, False), ("camera_model", 0x0110, False),
                ("orientation", 0x0112, False), ("serial", 0xA431, True))


def _rational_degrees(values: object, ref: object) -> float | None:
    if not isinstance(values, tuple) or len(values) != 3:
        return None
    try:
        d, m, s = (Fraction(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = float(d + m / 60 + s / 3600)
    return -value if str(ref).strip().upper() in ("S", "W") else value


_ORIENTATIONS = {1: "Horizontal (normal)", 2: "Mirrored horizontal", 3: "Rotated 180",
                 4: "Mirrored vertical", 5: "Mirrored horizontal then rotated 90 CCW",
                 6: "Rotated 90 CW", 7: "Mirrored horizontal then rotated 90 CW",
                 8: "Rotated 90 CCW"}
"""EXIF orientation values as exifread names them (so JPEG and HEIC records agree)."""


def _text_of(value: object) -> str | None:
    text = str(value).strip().strip("\x00") if value is not None else ""
    return text[:200] or None


def _heif_photo(path: Path) -> Extracted:
    """EXIF of a HEIC/HEIF photo, read by Pillow through pi-heif (exifread misreads some)."""
    import PIL.Image  # noqa: PLC0415 - see above

    if not enable_heif():
        return Extracted({}, "HEIC/HEIF support (pi-heif) is not installed")
    with PIL.Image.open(path) as image:
        exif = image.getexif()
    sub, gps = exif.get_ifd(_EXIF_IFD), exif.get_ifd(_GPS_IFD)
    meta: dict[str, JsonValue] = {}
    stamp = _exif_time(_text_of(sub.get(0x9003)), _text_of(sub.get(0x9011)))
    if stamp:
        meta["device_time"] = stamp
    for key, tag, in_sub in _PILLOW_TAGS:
        raw = (sub if in_sub else exif).get(tag)
        if key == "orientation" and isinstance(raw, int):
            raw = _ORIENTATIONS.get(raw, raw)
        if value := _text_of(raw):
            meta[key] = value
    lat = _rational_degrees(gps.get(2), gps.get(1))
    lon = _rational_degrees(gps.get(4), gps.get(3))
    if lat is not None and lon is not None:
        meta["gps"] = {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"}
    return _with_pixels(path, meta)


def _with_pixels(path: Path, meta: dict[str, JsonValue]) -> Extracted:
    import PIL.Image  # noqa: PLC0415 - see above

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bombs are handled below; EXIF oddities too
            with PIL.Image.open(path) as image:  # lazy: reads the header, decodes nothing
                width, height = image.size
    except PIL.Image.DecompressionBombError:
        return Extracted(meta, None, ("image claims more pixels than Pillow's safety limit "
                                      "(possible decompression bomb); it was not decoded",))
    except (OSError, ValueError, SyntaxError) as exc:
        return Extracted(meta, f"image header unreadable: {exc}"[:200])
    meta["resolution"] = f"{width}x{height}"
    if width * height > limits.whole("photo-pixels"):
        too_big = limits.exceeded("photo-pixels", f"image claims {width}x{height} pixels "
                                  "(a decompression bomb?) and was not decoded")
        return Extracted(meta, None, (too_big.user_message(),))
    return Extracted(meta)


def _media(path: Path) -> Extracted:
    try:
        return Extracted(probe.media_metadata(probe.run_ffprobe(path)))
    except InputError as exc:
        return Extracted({}, exc.message)


def _pdf_date(value: object) -> str | None:
    return str(value)[:60] if value else None


def _pdf(path: Path) -> Extracted:
    import pypdf  # noqa: PLC0415 - see above

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pypdf.PdfReader(path, strict=False)
        meta: dict[str, JsonValue] = {"encrypted": reader.is_encrypted}
        if reader.is_encrypted:
            return Extracted(meta, "PDF is encrypted; its pages and properties cannot be read")
        meta["pages"] = len(reader.pages)
        info: dict[str, object] = dict(reader.metadata or {})
        for key, name in (("/Title", "title"), ("/Author", "author"), ("/Creator", "creator"),
                          ("/Producer", "producer")):
            if info.get(key):
                meta[name] = str(info[key])[:200]
        if created := _pdf_date(info.get("/CreationDate")):
            meta["device_time"] = created
    return Extracted(meta)


def _docx(path: Path) -> Extracted:
    import docx  # noqa: PLC0415 - see above

    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > limits.whole("docx-unpacked-bytes"):
        return Extracted({}, limits.exceeded("docx-unpacked-bytes", f"the DOCX unpacks to "
                                             f"{total:,} bytes and was not opened").user_message())
    props = docx.Document(str(path)).core_properties
    meta: dict[str, JsonValue] = {}
    for name in ("author", "title", "last_modified_by", "revision"):
        value = getattr(props, name, None)
        if value:
            meta[name] = str(value)[:200]
    if props.created:
        meta["device_time"] = props.created.isoformat()
    return Extracted(meta)


def _text(path: Path) -> Extracted:
    size = path.stat().st_size
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    return Extracted({"lines_in_first_mib": sample.count(b"\n"), "bytes": size})


_READERS: dict[str, Callable[[Path], Extracted]] = {
    "image/jpeg": _photo, "image/png": _photo, "image/gif": _photo, "image/webp": _photo,
    "image/heic": _heif_photo, "image/heif": _heif_photo,
    "application/pdf": _pdf, filetype.DOCX: _docx, "text/plain": _text,
}


def extract(path: Path, media_type: str) -> Extracted:
    """Read what metadata can be read from ``path``; never raises for bad content."""
    reader = _READERS.get(media_type)
    if reader is None and media_type.split("/", maxsplit=1)[0] in ("video", "audio"):
        reader = _media
    if reader is None:
        return Extracted({}, None)
    try:
        return reader(path)
    except InputError as exc:
        return Extracted({}, exc.message)
    except Exception as exc:  # noqa: BLE001 - third-party parsers on untrusted bytes
        return Extracted({}, f"{type(exc).__name__} while reading metadata: {exc}"[:300])
