"""The check a redacted PDF passes before it is recorded, and the readers it relies on."""

from __future__ import annotations

import io

import attrs
import pikepdf
import pypdfium2
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from evidencekit.redact import pdfplan
from evidencekit.redact.detectors import DETECTORS, Finder, keeping
from evidencekit.redact.pdfcheck import verify
from evidencekit.redact.pdfplan import plan_pages
from evidencekit.redact.pdfpoppler import poppler_pages, poppler_texts
from evidencekit.redact.pdfwords import PageText, Rect, lines_near, pdfium_text
from evidencekit.redact.people import parse_people

REGISTER = parse_people('[[person]]\nname = "Joan Whitfield"\nrole = "third-party"\n')
FIND = keeping(REGISTER, DETECTORS)
WIDTH, HEIGHT = A4


@attrs.frozen
class Outcome:
    number: int
    method: str
    boxes: tuple[tuple[Rect, str], ...]


def _pdf(*lines: tuple[float, float, str]) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("Helvetica", 11)
    for x, y, text in lines:
        pdf.drawString(x, y, text)
    pdf.showPage()
    pdf.save()
    with pikepdf.open(io.BytesIO(out.getvalue())) as clean:  # a redacted copy has no Info
        del clean.trailer["/Info"]
        bare = io.BytesIO()
        clean.save(bare)
    return bare.getvalue()


def _check(data: bytes, boxes: tuple[tuple[Rect, str], ...] = (),
           find: Finder = FIND) -> list[str]:
    return verify(data, [(WIDTH, HEIGHT)], [Outcome(1, "in-place", boxes)], find)


def test_a_clean_page_passes() -> None:
    assert _check(_pdf((56, 700, "The music went on until 2am."))) == []


def test_a_name_left_is_found_by_both_readers() -> None:
    problems = _check(_pdf((56, 700, "I saw Joan Whitfield at the door.")))
    assert "page 1: a name still readable (pypdfium2)" in problems
    assert "page 1: a name still readable (pdftotext)" in problems


def test_a_kept_text_is_not_counted() -> None:
    data = _pdf((56, 700, "I saw Joan Whitfield at the door."))
    assert _check(data, find=keeping(REGISTER, DETECTORS, ["joan  whitfield"])) == []


def test_a_glyph_under_a_box_is_found_only_on_the_line_it_is_on() -> None:
    data = _pdf((56, 700, "Nothing here."), (56, 400, "The flat below mine."))
    # a box over "flat" (x 76..95 at 11 pt), its label "[x]"
    box = ((Rect(75, 396, 96, 410), "[x]"),)
    assert _check(data, box) == ["page 1: a glyph remains under a box"]
    assert _check(data, ((Rect(300, 396, 340, 410), "[x]"),)) == []  # over nothing
    with pypdfium2.PdfDocument(data) as document:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        near = lines_near(textpage, text, [box[0][0]])
        assert [text[a:b].strip() for a, b in near] == ["The flat below mine."]
        read = pdfium_text(textpage, near)
        assert read.boxes[text.index("flat")] is not None
        assert read.boxes[text.index("Nothing")] is None


def test_pdfium_and_poppler_boxes_agree_on_a_word() -> None:
    data = _pdf((56, 400, "The flat below mine."))
    [poppler] = poppler_pages(data, 1)
    with pypdfium2.PdfDocument(data) as document:
        read = pdfium_text(document[0].get_textpage())
    a = read.boxes[read.text.index("flat")]
    b = poppler.boxes[poppler.text.index("flat")]
    assert a is not None and b is not None
    assert abs(a.x0 - b.x0) < 1 and abs(a.y0 - b.y0) < 3 and abs(a.y1 - b.y1) < 3
    assert poppler_texts(data, 1)[0].strip() == "The flat below mine."


def test_text_one_reader_misses_is_read_a_third_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name run off the page's edge: poppler clips it, PDFium does not; pdfplumber
    then reads the page a third time, and the name is removed where it is drawn."""
    data = _pdf((56, 700, "An ordinary line."),
                (520, 400, "Her neighbour is Joan Whitfield from the flat above."))
    [poppler] = poppler_pages(data, 1)
    assert "Whitfield" not in poppler.text
    read: list[int] = []
    third = pdfplan._Plumber.text

    def counted(self: pdfplan._Plumber, index: int) -> PageText:
        read.append(index)
        return third(self, index)

    monkeypatch.setattr(pdfplan._Plumber, "text", counted)
    [plan] = plan_pages(data, FIND)
    assert read == [0]
    [mark] = plan.marks
    assert mark.span.category == "name" and min(r.x0 for r in mark.rects) > WIDTH


def test_pages_the_readers_agree_on_are_read_twice_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdfplan._Plumber, "text", lambda self, index: pytest.fail("read"))
    [plan] = plan_pages(_pdf((56, 700, "I saw Joan Whitfield at the door.")), FIND)
    assert [m.span.category for m in plan.marks] == ["name"]
