"""Glyph widths of a PDF font, so the content-stream editor can place every glyph.

Simple fonts use ``/Widths`` (the standard 14 without it use reportlab's metrics);
Type0 fonts only with ``Identity-H`` and a ``ToUnicode`` map (``/W``, ``/DW``). Anything
else (Type3, other CMaps, vertical text, text that cannot be decoded) is
:class:`Unsupported`, and the page is rasterised instead of edited.
"""

from __future__ import annotations

from typing import Any

import attrs
import pikepdf


class Unsupported(Exception):
    """The page holds something the editor does not understand; rasterise it."""


@attrs.frozen
class FontInfo:
    """What the editor needs of a font: code length, widths (1/1000 em) and height."""

    two_byte: bool
    widths: dict[int, float]
    default: float
    ascent: float = 800.0
    descent: float = -200.0

    def codes(self, data: bytes) -> list[int]:
        """The character codes in a string operand."""
        if not self.two_byte:
            return list(data)
        if len(data) % 2:
            raise Unsupported("a two-byte font string with an odd length")
        return [data[i] << 8 | data[i + 1] for i in range(0, len(data), 2)]

    def width(self, code: int) -> float:
        """Width of a code in 1/1000 em."""
        return self.widths.get(code, self.default)


def _standard(name: str) -> dict[int, float] | None:
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415 - only for standard-14 fonts

    base = name.split("+", 1)[-1]
    if base not in pdfmetrics.standardFonts:
        return None
    widths = pdfmetrics.getFont(base).widths
    return {code: float(w) for code, w in enumerate(widths)}


def _heights(font: Any) -> tuple[float, float]:
    descriptor = font.get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return 800.0, -200.0
    ascent = float(descriptor.get("/Ascent", 800) or 800)
    descent = float(descriptor.get("/Descent", -200) or -200)
    return max(ascent, 500.0), min(descent, -100.0)


def _simple(font: Any) -> FontInfo:
    name = str(font.get("/BaseFont", ""))[1:]
    ascent, descent = _heights(font)
    if "/Widths" in font:
        first = int(font.get("/FirstChar", 0))
        widths = {first + i: float(w) for i, w in enumerate(font.Widths)}
        descriptor = font.get("/FontDescriptor")
        missing = float(descriptor.get("/MissingWidth", 0)) \
            if isinstance(descriptor, pikepdf.Dictionary) else 0.0
        if "/ToUnicode" not in font and "/Encoding" not in font and _standard(name) is None:
            raise Unsupported(f"font {name or '?'} has neither ToUnicode nor an encoding")
        return FontInfo(False, widths, missing, ascent, descent)
    standard = _standard(name)
    if standard is None:
        raise Unsupported(f"font {name or '?'} has no widths")
    return FontInfo(False, standard, 0.0, ascent, descent)


def _cid_widths(table: Any) -> dict[int, float]:
    widths: dict[int, float] = {}
    items = list(table)
    i = 0
    while i < len(items) - 1:
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for offset, w in enumerate(items[i + 1]):
                widths[first + offset] = float(w)
            i += 2
        elif i + 2 < len(items):
            for code in range(first, int(items[i + 1]) + 1):
                widths[code] = float(items[i + 2])
            i += 3
        else:
            break
    return widths


def _type0(font: Any) -> FontInfo:
    if font.get("/Encoding") != pikepdf.Name.Identity_H:
        raise Unsupported("a Type0 font with a CMap other than Identity-H")
    if "/ToUnicode" not in font:
        raise Unsupported("a Type0 font without ToUnicode")
    descendant = font.DescendantFonts[0]
    ascent, descent = _heights(descendant)
    widths = _cid_widths(descendant.get("/W", pikepdf.Array()))
    return FontInfo(True, widths, float(descendant.get("/DW", 1000)), ascent, descent)


def font_info(font: Any) -> FontInfo:
    """The widths of a font dictionary.

    Raises:
        Unsupported: Type3, a CMap other than Identity-H, or text that cannot be decoded.
    """
    if not isinstance(font, pikepdf.Dictionary):
        raise Unsupported("a font that is not a dictionary")
    subtype = font.get("/Subtype")
    if subtype == pikepdf.Name.Type0:
        return _type0(font)
    if subtype in (pikepdf.Name.Type1, pikepdf.Name.TrueType, pikepdf.Name.MMType1):
        return _simple(font)
    raise Unsupported(f"a {str(subtype)[1:] or 'typeless'} font")
