"""Removing glyphs from a page's content stream so that everything else stays put.

The editor walks the content stream (pikepdf) tracking the graphics and text state
(``q Q cm BT Tc Tw Tz TL Ts Tf Td TD Tm T*``), places each glyph from its font's widths
and drops the glyphs of which 30 % or more lies under a redaction rectangle. Each text-show
operator is rewritten as a ``TJ`` array whose kerning number equals the removed advance,
so every kept glyph is drawn exactly where it was. Form XObjects are edited as copies
(one may be shared); the pixels of images under a rectangle are painted black; marked
content loses its properties (``/ActualText``, ``/Alt``). Whatever it does not understand
(inline images, masked images under a box, Type3 or undecodable fonts, text used as a
clipping path, invisible text holding a detail, hidden optional content) raises
:class:`~evidencekit.redact.pdffonts.Unsupported`, and the caller rasterises the page.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import attrs
import pikepdf
from PIL import Image, ImageDraw

from evidencekit.redact.pdffonts import FontInfo, Unsupported, font_info
from evidencekit.redact.pdfwords import Rect, RectIndex

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_COVERED = 0.3  # a glyph this much under a rectangle is removed
_MAX_DEPTH = 12


def mul(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF row-vector convention: p' = p x m x n)."""
    a, b, c, d, e, f = m
    aa, bb, cc, dd, ee, ff = n
    return (a * aa + b * cc, a * bb + b * dd, c * aa + d * cc, c * bb + d * dd,
            e * aa + f * cc + ee, e * bb + f * dd + ff)


def apply_to(m: Matrix, x: float, y: float) -> tuple[float, float]:
    """The point (x, y) mapped by ``m``."""
    return (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])


def bbox_of(m: Matrix, x0: float, y0: float, x1: float, y1: float) -> Rect:
    """The bounding box of a rectangle mapped by ``m``."""
    points = [apply_to(m, x, y) for x in (x0, x1) for y in (y0, y1)]
    return Rect(min(p[0] for p in points), min(p[1] for p in points),
                max(p[0] for p in points), max(p[1] for p in points))


def _matrix(operands: Sequence[Any]) -> Matrix:
    if len(operands) != 6:
        raise Unsupported("a matrix without six numbers")
    a, b, c, d, e, f = (float(v) for v in operands)
    return (a, b, c, d, e, f)


@attrs.define
class _State:
    ctm: Matrix = IDENTITY
    font: FontInfo | None = None
    size: float = 0.0
    tc: float = 0.0
    tw: float = 0.0
    tz: float = 1.0
    tl: float = 0.0
    ts: float = 0.0
    tr: int = 0

    def copy(self) -> _State:
        return attrs.evolve(self)


@attrs.define
class PageEdit:
    """What the editor did to one page."""

    glyphs_removed: int = 0
    images_painted: int = 0
    forms_copied: int = 0


def shallow(original: Any) -> pikepdf.Dictionary:
    """A new dictionary holding the same entries (a page-local copy to edit)."""
    if not isinstance(original, pikepdf.Dictionary):
        return pikepdf.Dictionary()
    return pikepdf.Dictionary({k: original[k] for k in original.keys()})  # noqa: SIM118


def inherited(page: Any, key: str) -> Any:
    """A page attribute, looked up the page tree if the page does not set it."""
    node, hops = page, 0
    while isinstance(node, pikepdf.Dictionary) and hops < 64:
        if key in node:
            return node[key]
        node, hops = node.get("/Parent"), hops + 1
    return None


def _own(holder: Any, key: str) -> pikepdf.Dictionary:
    """``holder[key]`` replaced by a shallow copy, so edits touch no other page."""
    copy = shallow(holder.get(key))
    holder[key] = copy
    return copy


class Editor:
    """Edits one page in place; ``rects`` are the page-space rectangles to clear."""

    def __init__(self, pdf: pikepdf.Pdf, rects: Sequence[Rect], hidden: set[tuple[int, int]]):
        self.pdf, self.rects, self.hidden = pdf, tuple(rects), hidden
        self._index = RectIndex(self.rects)
        self.edit = PageEdit()
        self._fonts: dict[tuple[int, int] | str, FontInfo] = {}

    def page(self, page: pikepdf.Page) -> bool:
        """Edit ``page``; True when its content changed.

        Raises:
            Unsupported: the page must be rasterised instead.
        """
        page.obj.Resources = shallow(inherited(page.obj, "/Resources"))
        resources = page.obj.Resources
        if "/XObject" in resources:
            _own(resources, "/XObject")
        try:
            instructions = pikepdf.parse_content_stream(page)
        except pikepdf.PdfError as exc:
            raise Unsupported(f"an unreadable content stream ({exc})") from exc
        new, changed = self.run(instructions, resources, _State(), 0)
        if changed:
            page.obj.Contents = self.pdf.make_stream(pikepdf.unparse_content_stream(new))
        return changed

    def run(self, instructions: Sequence[Any], resources: Any, state: _State,
            depth: int) -> tuple[list[Any], bool]:
        """The instructions rewritten, and whether anything changed."""
        if depth > _MAX_DEPTH:
            raise Unsupported("Form XObjects nested too deep")
        out: list[Any] = []
        changed = False
        stack: list[_State] = []
        text = _Text()
        for instruction in instructions:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                raise Unsupported("an inline image")
            op, operands = str(instruction.operator), list(instruction.operands)
            if op == "q":
                stack.append(state.copy())
            elif op == "Q" and stack:
                state = stack.pop()
            replaced = self._op(op, operands, state, text, resources, depth)
            if replaced is None:
                out.append(instruction)
            else:
                out += replaced
                changed = True
        return out, changed

    def _op(self, op: str, operands: list[Any], st: _State, text: _Text, resources: Any,
            depth: int) -> list[Any] | None:
        if op in _STATE_OPS:
            _STATE_OPS[op](operands, st, text)
        elif op == "Tf":
            st.font, st.size = self._font(resources, operands[0]), float(operands[1])
        elif op == "Tr":
            st.tr = int(operands[0])
            if st.tr >= 4:
                raise Unsupported("text used as a clipping path")
        elif op in ("Tj", "TJ", "'", '"'):
            return self._show(op, operands, st, text)
        elif op == "Do":
            return self._do(operands[0], st, resources, depth)
        elif op == "BDC":
            return self._marked(operands, resources)
        return None

    def _font(self, resources: Any, name: Any) -> FontInfo:
        fonts = resources.get("/Font")
        font = fonts.get(str(name)) if isinstance(fonts, pikepdf.Dictionary) else None
        if font is None:
            raise Unsupported(f"font {name} is missing")
        key: tuple[int, int] | str = font.objgen if font.is_indirect else repr(font)
        if key not in self._fonts:
            self._fonts[key] = font_info(font)
        return self._fonts[key]

    def _marked(self, operands: list[Any], resources: Any) -> list[Any]:
        tag, props = operands[0], operands[1] if len(operands) > 1 else None
        if tag == pikepdf.Name.OC:
            table = resources.get("/Properties")
            group = table.get(str(props)) if isinstance(props, pikepdf.Name) and \
                isinstance(table, pikepdf.Dictionary) else props
            if isinstance(group, pikepdf.Object) and group.is_indirect and \
                    group.objgen in self.hidden:
                raise Unsupported("hidden optional content")
        return [pikepdf.ContentStreamInstruction([tag], pikepdf.Operator("BMC"))]

    def _show(self, op: str, operands: list[Any], st: _State,
              text: _Text) -> list[Any] | None:
        prefix: list[Any] = []
        if op == '"':
            st.tw, st.tc = float(operands[0]), float(operands[1])
        if op in ("'", '"'):
            _next_line([], st, text)
        items = list(operands[0]) if op == "TJ" else [operands[-1]]
        if op == '"':
            prefix = [pikepdf.ContentStreamInstruction([operands[0]], pikepdf.Operator("Tw")),
                      pikepdf.ContentStreamInstruction([operands[1]], pikepdf.Operator("Tc"))]
        if op in ("'", '"'):
            prefix.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*")))
        array = self._glyphs(items, st, text)
        if array is None:
            return None
        return [*prefix, pikepdf.ContentStreamInstruction([pikepdf.Array(array)],
                                                          pikepdf.Operator("TJ"))]

    def _glyphs(self, items: list[Any], st: _State, text: _Text) -> list[Any] | None:
        font = st.font
        if font is None:
            raise Unsupported("text shown without a font")
        scale = st.size * st.tz
        run = _Run(scale)
        line = _Line.of(st, text, font, self._index) if self.rects else None
        if not self.rects or (line is not None and not line.rects):
            text.advance(_advance(items, st, font))  # nothing to remove on this line
            return None
        offset = 0.0  # how far the pen has moved since the operator began (text space)
        for item in items:
            if not isinstance(item, pikepdf.String):
                shift = -float(item) / 1000 * scale
                text.advance(shift)
                run.move(shift)
                offset += shift
                continue
            data = bytes(item)
            step = 2 if font.two_byte else 1
            for k, code in enumerate(font.codes(data)):
                width = font.width(code) / 1000
                advance = _glyph_advance(code, st, font)
                if self.rects and (line.hit(offset, width * scale) if line is not None
                                   else self._hit(st, text, font, width)):
                    if st.tr == 3:
                        raise Unsupported("invisible text (Tr 3) holding a detail")
                    run.drop(advance)
                else:
                    run.keep(data[k * step:(k + 1) * step], advance)
                text.advance(advance)
                offset += advance
        self.edit.glyphs_removed += run.dropped
        return run.array() if run.dropped else None

    def _hit(self, st: _State, text: _Text, font: FontInfo, width: float) -> bool:
        trm = mul((st.size * st.tz, 0.0, 0.0, st.size, 0.0, st.ts), mul(text.tm, st.ctm))
        box = bbox_of(trm, 0.0, font.descent / 1000, width, font.ascent / 1000)
        if box.area < 1e-6:
            cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
            return any(r.contains(cx, cy) for r in self._index.near(box))
        return any(r.overlap(box) >= _COVERED * box.area for r in self._index.near(box))

    def _do(self, name: Any, st: _State, resources: Any, depth: int) -> list[Any] | None:
        table = resources.get("/XObject")
        xobject = table.get(str(name)) if isinstance(table, pikepdf.Dictionary) else None
        if not isinstance(xobject, pikepdf.Stream):
            return None
        if xobject.get("/Subtype") == pikepdf.Name.Image:
            if paint_image(self.pdf, table, str(name), st.ctm, self.rects):
                self.edit.images_painted += 1
            return None
        if xobject.get("/Subtype") != pikepdf.Name.Form:
            return None
        own = shallow(xobject.get("/Resources", resources))
        if "/XObject" in own:
            _own(own, "/XObject")
        inner = st.copy()
        inner.ctm = mul(_matrix(list(xobject.get("/Matrix", list(IDENTITY)))), st.ctm)
        before = self.edit.images_painted + self.edit.forms_copied
        new, changed = self.run(pikepdf.parse_content_stream(xobject), own, inner, depth + 1)
        if changed or self.edit.images_painted + self.edit.forms_copied > before:
            copy = self.pdf.make_stream(pikepdf.unparse_content_stream(new))
            for key in xobject.keys():  # noqa: SIM118 - a pikepdf stream's dictionary
                if key not in ("/Length", "/Filter", "/DecodeParms", "/Resources"):
                    copy[key] = xobject[key]
            copy.Resources = own
            table[str(name)] = copy
            self.edit.forms_copied += 1
        return None


def _advance(items: list[Any], st: _State, font: FontInfo) -> float:
    """How far a text-show operator moves the pen (text space), glyphs and kerning."""
    scale, total = st.size * st.tz, 0.0
    for item in items:
        if not isinstance(item, pikepdf.String):
            total -= float(item) / 1000 * scale
            continue
        total += sum(_glyph_advance(code, st, font) for code in font.codes(bytes(item)))
    return total


def _glyph_advance(code: int, st: _State, font: FontInfo) -> float:
    """How far one glyph moves the pen (text space): its width, Tc, Tw for a space, Tz."""
    space = st.tw if not font.two_byte and code == 32 else 0.0
    return (font.width(code) / 1000 * st.size + st.tc + space) * st.tz


@attrs.frozen
class _Line:
    """Glyph boxes along one text-show operator whose text is neither rotated nor skewed.

    Then every glyph of the operator spans the same height on the page and its box
    follows from how far the pen has moved, so only the rectangles crossing that height
    are tested: the same rule as :meth:`Editor._hit`, without a matrix per glyph.
    """

    a: float
    e: float
    y0: float
    y1: float
    rects: tuple[Rect, ...]

    @classmethod
    def of(cls, st: _State, text: _Text, font: FontInfo, index: RectIndex) -> _Line | None:
        """The operator's line, or None when its text is rotated or skewed."""
        a, b, c, d, e, f = mul(text.tm, st.ctm)
        if b != 0 or c != 0:
            return None
        low, high = (st.size * font.descent / 1000 + st.ts) * d + f, \
            (st.size * font.ascent / 1000 + st.ts) * d + f
        y0, y1 = min(low, high), max(low, high)
        near = index.near(Rect(-1e9, y0, 1e9, y1))
        return cls(a, e, y0, y1, tuple(r for r in near if r.y1 > y0 and r.y0 < y1)
                   if y1 > y0 else tuple(near))

    def hit(self, offset: float, width: float) -> bool:
        """True when the glyph ``offset`` along, ``width`` wide (text space), is covered."""
        if not self.rects:
            return False
        u, v = offset * self.a + self.e, (offset + width) * self.a + self.e
        x0, x1 = min(u, v), max(u, v)
        area = (x1 - x0) * (self.y1 - self.y0)
        if area < 1e-6:
            cx, cy = (x0 + x1) / 2, (self.y0 + self.y1) / 2
            return any(r.contains(cx, cy) for r in self.rects)
        need = _COVERED * area
        for r in self.rects:
            w = min(x1, r.x1) - max(x0, r.x0)
            if w > 0 and w * (min(self.y1, r.y1) - max(self.y0, r.y0)) >= need:
                return True
        return False


@attrs.define
class _Text:
    tm: Matrix = IDENTITY
    tlm: Matrix = IDENTITY

    def advance(self, tx: float) -> None:
        self.tm = mul((1.0, 0.0, 0.0, 1.0, tx, 0.0), self.tm)


@attrs.define
class _Run:
    """A TJ array being rebuilt: kept bytes as strings, removed advances as numbers."""

    scale: float
    items: list[Any] = attrs.field(factory=list)
    piece: bytearray = attrs.field(factory=bytearray)
    gap: float = 0.0
    dropped: int = 0

    def move(self, shift: float) -> None:
        self.gap += shift

    def drop(self, advance: float) -> None:
        self.gap += advance
        self.dropped += 1

    def keep(self, raw: bytes, advance: float) -> None:
        del advance  # the glyph moves the pen itself
        self._flush_gap()
        self.piece += raw

    def _flush_gap(self) -> None:
        if abs(self.gap) < 1e-9:
            return
        if self.scale == 0:
            raise Unsupported("text with a zero font size or scale")
        if self.piece:
            self.items.append(pikepdf.String(bytes(self.piece)))
            self.piece = bytearray()
        self.items.append(round(-self.gap * 1000 / self.scale, 4))
        self.gap = 0.0

    def array(self) -> list[Any]:
        self._flush_gap()
        if self.piece:
            self.items.append(pikepdf.String(bytes(self.piece)))
        return self.items


def _next_line(_operands: list[Any], st: _State, text: _Text) -> None:
    text.tlm = mul((1.0, 0.0, 0.0, 1.0, 0.0, -st.tl), text.tlm)
    text.tm = text.tlm


def _td(operands: list[Any], _st: _State, text: _Text) -> None:
    text.tlm = mul((1.0, 0.0, 0.0, 1.0, float(operands[0]), float(operands[1])), text.tlm)
    text.tm = text.tlm


def _capital_td(operands: list[Any], st: _State, text: _Text) -> None:
    st.tl = -float(operands[1])
    _td(operands, st, text)


def _tm(operands: list[Any], _st: _State, text: _Text) -> None:
    text.tm = text.tlm = _matrix(operands)


def _bt(_operands: list[Any], _st: _State, text: _Text) -> None:
    text.tm = text.tlm = IDENTITY


def _cm(operands: list[Any], st: _State, _text: _Text) -> None:
    st.ctm = mul(_matrix(operands), st.ctm)


def _set(field: str, scale: float = 1.0) -> Any:
    def setter(operands: list[Any], st: _State, _text: _Text) -> None:
        setattr(st, field, float(operands[0]) * scale)
    return setter


_STATE_OPS = {
    "cm": _cm, "BT": _bt, "Td": _td, "TD": _capital_td, "Tm": _tm, "T*": _next_line,
    "Tc": _set("tc"), "Tw": _set("tw"), "Tz": _set("tz", 0.01), "TL": _set("tl"),
    "Ts": _set("ts"),
}


def _inverse(m: Matrix) -> Matrix | None:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-12:
        return None
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def _pixel_boxes(ctm: Matrix, width: int, height: int,
                 rects: Sequence[Rect]) -> list[tuple[int, int, int, int]]:
    inverse = _inverse(ctm)
    if inverse is None:
        return []
    boxes = []
    for rect in rects:
        unit = bbox_of(inverse, rect.x0, rect.y0, rect.x1, rect.y1)
        if unit.overlap(Rect(0, 0, 1, 1)) <= 0:
            continue
        boxes.append((int(unit.x0 * width) - 1, int((1 - unit.y1) * height) - 1,
                      int(unit.x1 * width) + 1, int((1 - unit.y0) * height) + 1))
    return boxes


_MODES = {"L": "/DeviceGray", "RGB": "/DeviceRGB", "CMYK": "/DeviceCMYK"}


def paint_image(pdf: pikepdf.Pdf, table: Any, name: str, ctm: Matrix,
                rects: Sequence[Rect]) -> bool:
    """Paint black the pixels of image ``table[name]`` (drawn with ``ctm``) under ``rects``.

    The image is replaced by a new, losslessly compressed copy; True when one was painted.

    Raises:
        Unsupported: a masked image, a /Decode array, or pixels pikepdf cannot decode.
    """
    image = table[name]
    boxes = _pixel_boxes(ctm, int(image.get("/Width", 0)), int(image.get("/Height", 0)), rects)
    if not boxes:
        return False
    if any(k in image for k in ("/SMask", "/Mask", "/Decode")) or image.get("/ImageMask"):
        raise Unsupported("a masked image under a redaction")
    try:
        pixels: Image.Image = pikepdf.PdfImage(image).as_pil_image()
    except Exception as exc:
        raise Unsupported(f"an image that cannot be decoded ({type(exc).__name__})") from exc
    if pixels.mode not in _MODES:
        pixels = pixels.convert("RGB")
    draw = ImageDraw.Draw(pixels)
    for box in boxes:
        draw.rectangle(box, fill=(0,) * len(pixels.getbands()))
    stream = pdf.make_stream(zlib.compress(pixels.tobytes()))
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height = pixels.width, pixels.height
    stream.ColorSpace = pikepdf.Name(_MODES[pixels.mode])
    stream.BitsPerComponent, stream.Filter = 8, pikepdf.Name.FlateDecode
    table[name] = stream
    return True
