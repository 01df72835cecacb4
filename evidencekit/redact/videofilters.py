"""The ffmpeg filters that hide a region of the picture (built with ffmpeg-python)."""

from __future__ import annotations

from typing import Any

import ffmpeg

from evidencekit.redact.regions import Region


def _enable(region: Region, duration: float) -> str:
    start = region.start if region.start is not None else 0.0
    end = region.end if region.end is not None else duration + 1.0
    return f"between(t,{start:.3f},{end:.3f})"


def hide(stream: Any, region: Region, duration: float) -> Any:
    """The filter chain that hides ``region`` on ``stream`` during its times."""
    when = _enable(region, duration)
    if region.style == "box":
        return stream.drawbox(region.x, region.y, region.w, region.h, color="black",
                              t="fill", enable=when)
    split = stream.split()
    cells = 8 if region.style == "pixelate" else 4
    longest = max(region.w, region.h)
    small_w = max(1, region.w * cells // longest)
    small_h = max(1, region.h * cells // longest)
    flags = "neighbor" if region.style == "pixelate" else "bilinear"
    part = (split[1].crop(region.x, region.y, region.w, region.h)
            .filter("scale", small_w, small_h, flags="area")
            .filter("scale", region.w, region.h, flags=flags))
    if region.style == "blur":
        part = part.filter("gblur", sigma=max(2, longest // 8))
    return ffmpeg.overlay(split[0], part, x=region.x, y=region.y, enable=when)
