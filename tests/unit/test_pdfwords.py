"""The page-text helpers: the rectangle index and the linear-time glyph dedupe."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evidencekit.redact.pdfwords import Rect, RectIndex, dedupe

coords = st.floats(min_value=-50, max_value=900, allow_nan=False)
rects = st.builds(lambda x, y, w, h: Rect(x, y, x + w, y + h), coords, coords,
                  st.floats(0.1, 300), st.floats(0.1, 300))


@given(st.lists(rects, max_size=40), rects)
def test_index_finds_every_overlapping_rectangle(filed: list[Rect], box: Rect) -> None:
    near = RectIndex(filed).near(box)
    assert [r for r in filed if r.overlap(box) > 0 and r not in near] == []


def _char(text: str, x: float, top: float, font: str = "F") -> dict[str, object]:
    return {"text": text, "x0": x, "top": top, "fontname": font, "size": 12.0}


def test_dedupe_drops_fake_bold_copies_only() -> None:
    chars = [_char("J", 10, 20), _char("J", 10.4, 20.3), _char("o", 17, 20),
             _char("o", 17.5, 20), _char("J", 13, 20), _char("J", 10, 20, font="G")]
    assert dedupe(chars) == [chars[0], chars[2], chars[4], chars[5]]
