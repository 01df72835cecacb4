"""HEIC/HEIF photos (the iPhone default): Pillow reads them once pi-heif is registered.

pi-heif (BSD-3-Clause) decodes only; its wheel carries libheif and libde265 (LGPL-3.0,
loaded as shared libraries) and no encoder. evidencekit never writes HEIF: a redacted
HEIC photo is written as JPEG.
"""

from __future__ import annotations

import functools

HEIF_TYPES = frozenset({"image/heic", "image/heif"})


@functools.cache
def enable_heif() -> bool:
    """Let Pillow open HEIC/HEIF files; False when pi-heif cannot be loaded."""
    try:
        import pi_heif  # noqa: PLC0415 - loaded only when a HEIF file is met
    except ImportError:
        return False
    pi_heif.register_heif_opener()
    return True
