"""Resource limits: how much a hostile or unusual file may cost before we stop.

Every limit has a name, a default and an environment variable that raises (or
lowers) it, so a refusal can say exactly which limit was hit and how to go
past it for a file that is genuine::

    EVIDENCEKIT_LIMIT_PHOTO_PIXELS=300000000 evidencekit redact HG/3 ...

``evidencekit limits`` prints them all with their current values.
"""

from __future__ import annotations

import math
import os

import attrs

from evidencekit.core.errors import InputError

ENV_PREFIX = "EVIDENCEKIT_LIMIT_"


@attrs.frozen
class Limit:
    """One limit: its name, default, unit and what it protects."""

    name: str
    default: float
    unit: str
    about: str

    @property
    def env(self) -> str:
        """The environment variable that overrides the default."""
        return ENV_PREFIX + self.name.upper().replace("-", "_")


LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    Limit("photo-pixels", 100_000_000, "pixels",
          "largest photo decoded (redaction, bundle pages); about 4 bytes of memory a pixel"),
    Limit("pdf-pages", 5_000, "pages", "most pages read from one PDF (statements, bundles)"),
    Limit("pdf-bytes", 512 << 20, "bytes", "largest PDF loaded into a bundle (read whole)"),
    Limit("text-bytes", 20 << 20, "bytes", "largest text or DOCX body read as a statement"),
    Limit("pdf-content-bytes", 32 << 20, "bytes",
          "largest inflated page content stream of a PDF statement redacted in place "
          "(flate bomb guard)"),
    Limit("docx-unpacked-bytes", 256 << 20, "bytes",
          "largest total unpacked size of a DOCX (zip bomb guard)"),
    Limit("video-pixels", 8192 * 4320, "pixels per frame", "largest video frame redacted"),
    Limit("ffprobe-seconds", 60, "seconds", "time allowed for ffprobe to read one file"),
    Limit("ffmpeg-seconds-base", 300, "seconds",
          "time allowed for one ffmpeg redaction, plus ffmpeg-seconds-per-second of footage"),
    Limit("ffmpeg-seconds-per-second", 20, "seconds", "extra ffmpeg time per second of footage"),
    Limit("still-seconds", 120, "seconds", "time allowed to grab one still from footage"),
    Limit("ocr-seconds", 120, "seconds", "time allowed to OCR one scanned page (tesseract)"),
    Limit("faces-seconds", 3600, "seconds", "time allowed for face detection in one video"),
    Limit("office-seconds", 180, "seconds",
          "time allowed for LibreOffice to convert one DOCX, ODT or RTF statement"),
    Limit("age-work-factor", 20, "log2 of scrypt N",
          "largest scrypt work factor accepted when opening a passphrase-encrypted package "
          "(2^N KiB of memory: 20 is 1 GiB)"),
)}


def value(name: str) -> float:
    """The current value of a limit (its environment variable, else its default).

    Raises:
        InputError: the environment variable is set but not a positive number.
    """
    limit = LIMITS[name]
    raw = os.environ.get(limit.env)
    if raw is None or not raw.strip():
        return limit.default
    try:
        number = float(raw.replace("_", ""))
    except ValueError:
        number = -1.0
    if not 0 < number < math.inf:  # also refuses NaN
        raise InputError(f"{limit.env}={raw!r} is not a positive number.",
                         hint=f"Unset it or give the {limit.unit} allowed, e.g. "
                              f"{limit.env}={limit.default:.0f}.")
    return number


def whole(name: str) -> int:
    """A count limit as a whole number (pixels, pages, bytes)."""
    return int(value(name))


def exceeded(name: str, what: str) -> InputError:
    """The error for a limit that was hit: what happened, which limit, and how to raise it.

    ``what`` is the first half of the sentence, e.g. "The photo has 400,000,000 pixels".
    """
    limit = LIMITS[name]
    current = value(name)
    return InputError(
        f"{what}; the {name} limit is {current:,.0f} {limit.unit}.",
        hint=f"If the file is genuine, raise the limit: set {limit.env} to a larger number "
             "and run the command again.")


@attrs.frozen
class LimitInForce:
    """A limit with the value in force now (``evidencekit limits``)."""

    name: str
    value: float
    unit: str
    env: str
    about: str

    def to_dict(self) -> dict[str, str | float]:
        """Plain-data form for ``--json``."""
        return attrs.asdict(self)


def limits_in_force() -> list[LimitInForce]:
    """Every limit with its current value, in a fixed order.

    Raises:
        InputError: an environment variable is set but not a positive number.
    """
    return [LimitInForce(lim.name, value(lim.name), lim.unit, lim.env, lim.about)
            for lim in LIMITS.values()]
