"""Rulers and a pixel grid around a preview, so coordinates can be read off it.

Pure (an image in, a new image out). The labels are pixels of the original, the unit of
the regions file; the grid is faint so that the outlined regions stay the thing seen.
"""

from __future__ import annotations

from functools import cache

import PIL.Image
import PIL.ImageDraw
import PIL.ImageFont

_STEPS = (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000)
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
Font = PIL.ImageFont.FreeTypeFont | PIL.ImageFont.ImageFont


def grid_step(size: int, lines: int = 10) -> int:
    """A round step giving about ``lines`` grid lines across ``size`` pixels."""
    return next((s for s in _STEPS if size / s <= lines), _STEPS[-1])


@cache
def _font(size: int) -> Font:
    try:
        return PIL.ImageFont.truetype(_FONT, size)
    except OSError:  # the font package is missing: Pillow's own, at the same size
        return PIL.ImageFont.load_default(size)


def ruled(image: PIL.Image.Image, step: int | None = None) -> PIL.Image.Image:
    """``image`` with rulers on the top and left edges and a faint grid every ``step`` px."""
    width, height = image.size
    step = step or grid_step(max(width, height))
    points = max(12, min(28, max(width, height) // 60))
    font = _font(points)
    label_w = int(PIL.ImageDraw.Draw(image).textlength(str(height), font=font))
    left, top = label_w + 12, points + 12
    out = PIL.Image.new("RGB", (width + left, height + top), (255, 255, 255))
    out.paste(image.convert("RGB"), (left, top))
    grid = PIL.Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = PIL.ImageDraw.Draw(grid)
    for x in range(0, width, step):
        draw.line([(left + x, top), (left + x, top + height)], fill=(0, 255, 255, 90))
        draw.line([(left + x, top - 6), (left + x, top)], fill=(0, 0, 0, 255), width=2)
        draw.text((left + x + 2, 2), str(x), font=font, fill=(0, 0, 0, 255))
    for y in range(0, height, step):
        draw.line([(left, top + y), (left + width, top + y)], fill=(0, 255, 255, 90))
        draw.line([(left - 6, top + y), (left, top + y)], fill=(0, 0, 0, 255), width=2)
        draw.text((2, top + y + 1), str(y), font=font, fill=(0, 0, 0, 255))
    return PIL.Image.alpha_composite(out.convert("RGBA"), grid).convert("RGB")
