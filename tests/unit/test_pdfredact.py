"""In-place PDF redaction (redact_pdf) on every leak class, judged by tools we did not write.

Each fixture (fixtures/make_pdfs.py) carries one way a PDF gives a detail away; the output
is read back with pdftotext (plain and -bbox), pdfplumber, pypdfium2, qpdf --qdf,
tesseract on the rendered pages and exiftool. Fidelity: same pages, same sizes, images
kept, every word away from a box within 1 pt of where it was.
"""

from __future__ import annotations

from pathlib import Path

import make_pdfs
import pikepdf
import pytest

from evidencekit import RedactionError
from evidencekit.redact.detectors import DETECTORS
from evidencekit.redact.pdfredact import PdfRedaction, redact_pdf
from evidencekit.redact.pdfwords import Rect
from evidencekit.redact.people import parse_people
from tests import pdfjudge

REGISTER = parse_people(make_pdfs.REGISTER_TOML)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdfs")


def _redact(pdfs: Path, name: str, tmp_path: Path, **options: object) -> tuple[Path, Path,
                                                                               PdfRedaction]:
    source = make_pdfs.make(pdfs, name)
    result = redact_pdf(source, REGISTER, DETECTORS, **options)  # type: ignore[arg-type]
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / f"redacted-{name}"
    out.write_bytes(result.data)
    return source, out, result


def _clean(out: Path, ocr: bool = True) -> str:
    text = pdfjudge.everything(out, ocr=ocr)
    assert pdfjudge.leaks(text, make_pdfs.SECRETS) == []
    return text


def _leaky(source: Path) -> list[str]:
    """What the original gives away (the fixture really carries the leak)."""
    return pdfjudge.leaks(pdfjudge.everything(source, ocr=False, output=False),
                          make_pdfs.SECRETS)


def _touches(word: dict[str, object], boxes: list[Rect], height: float) -> bool:
    rect = Rect(float(word["x0"]), height - float(word["bottom"]),  # type: ignore[arg-type]
                float(word["x1"]), height - float(word["top"]))  # type: ignore[arg-type]
    return any(rect.overlap(b.pad(1)) > 0 for b in boxes)


def _assert_faithful(source: Path, out: Path, result: PdfRedaction) -> None:
    before, after = pdfjudge.layout(source), pdfjudge.layout(out)
    assert [p[:2] for p in before] == [p[:2] for p in after]
    assert [p[2] for p in before] == [p[2] for p in after], "images lost"
    for page, old, new, (_w, height, _n) in zip(result.pages, pdfjudge.words(source),
                                                pdfjudge.words(out), before, strict=True):
        boxes = [rect for rect, _label in page.boxes]
        kept = [w for w in old if not _touches(w, boxes, height)]
        assert kept, "nothing to compare"
        for word in kept:
            assert any(w["text"] == word["text"] and abs(w["x0"] - word["x0"]) <= 1
                       and abs(w["top"] - word["top"]) <= 1 for w in new), word


def test_letterhead_and_table_redacted_in_place(pdfs: Path, tmp_path: Path) -> None:
    source, out, result = _redact(pdfs, "letterhead.pdf", tmp_path)
    assert _leaky(source)
    text = _clean(out)
    for kept in (*make_pdfs.KEPT, "Northside Housing", "Telephone", "x4411"):
        assert kept in text, kept
    assert [p.method for p in result.pages] == ["in-place"]
    assert {s.category for s in result.spans} >= {"name", "phone", "string"}
    _assert_faithful(source, out, result)


def test_name_in_three_operators_and_kerned_tj(pdfs: Path, tmp_path: Path) -> None:
    source, out, result = _redact(pdfs, "kerned.pdf", tmp_path)
    raw = pdfjudge.qdf_text(source)
    assert "(Jo) Tj" in raw or "(an Whit)" in raw  # really drawn in pieces
    text = _clean(out)
    assert "was there with Mr Darren Cole" in text and "saw it too." in text
    assert len(result.spans) == 2
    _assert_faithful(source, out, result)


def test_mg11_form_fields_flattened_and_redacted(pdfs: Path, tmp_path: Path) -> None:
    source, out, result = _redact(pdfs, "mg11.pdf", tmp_path)
    with pikepdf.open(source) as original:
        assert "/AcroForm" in original.Root
    text = _clean(out)
    assert "Statement of" in text and "retired" in text and "Darren Cole" in text
    assert "/AcroForm" not in pdfjudge.qdf_text(out) and "/Widget" not in pdfjudge.qdf_text(out)
    assert [p.method for p in result.pages] == ["in-place"]
    assert pdfjudge.layout(out)[0][2] == pdfjudge.layout(source)[0][2], "signature lost"


def test_screenshot_pixels_painted(pdfs: Path, tmp_path: Path) -> None:
    source, out, result = _redact(pdfs, "screenshot.pdf", tmp_path)
    assert "Whitfield" in pdfjudge.ocr_text(source)  # the picture shows the name
    text = _clean(out)
    assert "outside again" in text and "Messages" in text
    assert any("pictures on page 1 read by OCR" in note for note in result.notes)
    _assert_faithful(source, out, result)


def test_scanned_page_redacted_with_ocr_layer(pdfs: Path, tmp_path: Path) -> None:
    source, out, result = _redact(pdfs, "scanned.pdf", tmp_path)
    assert "Whitfield" in pdfjudge.ocr_text(source)
    text = _clean(out)
    assert "Darren Cole" in pdfjudge.library_text(out)  # the new OCR text layer
    [page] = result.pages
    assert page.method == "scanned+OCR" and page.confidence is not None
    assert pdfjudge.layout(out)[0][:2] == pdfjudge.layout(source)[0][:2]
    assert "WITNESS STATEMENT" in text


def test_handwriting_refused_for_a_named_reason(pdfs: Path, tmp_path: Path) -> None:
    source = make_pdfs.make(pdfs, "handwritten.pdf")
    with pytest.raises(RedactionError, match=r"Page\(s\) 2 could not be read reliably") as exc:
        redact_pdf(source, REGISTER, DETECTORS)
    assert "--reviewed-pages 2" in (exc.value.hint or "")


def test_handwriting_reviewed_or_boxed(pdfs: Path, tmp_path: Path) -> None:
    _source, out, result = _redact(pdfs, "handwritten.pdf", tmp_path, reviewed=[2])
    assert [p.method for p in result.pages] == ["scanned+OCR"] * 2
    assert result.pages[1].reviewed
    assert any("confirmed by the reviewer" in note for note in result.notes)
    _clean(out, ocr=False)
    box = (Rect(0, 400, 595, 842), "note")  # from the top: the lower part of the page
    _s, out2, boxed = _redact(pdfs, "handwritten.pdf", tmp_path / "b", regions={2: [box]})
    rect, label = boxed.pages[1].boxes[-1]
    assert label == "note" and rect.y1 == pytest.approx(841.92 - 400) and rect.y0 < 0.01
    assert "rang" not in pdfjudge.ocr_text(out2)


def test_earlier_revision_and_metadata_dropped(pdfs: Path, tmp_path: Path) -> None:
    for name in ("incremental.pdf", "metadata.pdf"):
        source, out, _result = _redact(pdfs, name, tmp_path)
        assert _leaky(source)
        assert "Statement about Mr Darren Cole." in _clean(out, ocr=False)


def test_annotations_dropped_clean_link_kept(pdfs: Path, tmp_path: Path) -> None:
    _source, out, result = _redact(pdfs, "annotations.pdf", tmp_path)
    _clean(out)
    with pikepdf.open(out) as pdf:
        [link] = pdf.pages[0].Annots
        assert link.A.URI == "https://example.org/asb"
    assert result.notes[0] == "3 annotation(s) removed (3 held a detail)"


def test_form_xobject_shared_by_two_pages(pdfs: Path, tmp_path: Path) -> None:
    source, out, result = _redact(pdfs, "form_xobject.pdf", tmp_path)
    text = _clean(out)
    assert "Page 2: Mr Darren Cole" in text and "continued" in text
    _assert_faithful(source, out, result)


@pytest.mark.parametrize(("name", "method", "reason"), [
    ("actual_text.pdf", "in-place", None),
    ("invisible_text.pdf", "rasterised+OCR", "invisible text (Tr 3) holding a detail"),
    ("hidden_layer.pdf", "rasterised+OCR", "hidden optional content"),
    ("inline_image.pdf", "rasterised+OCR", "an inline image"),
    ("rotated.pdf", "rasterised+OCR", "a rotated, cropped or offset page"),
])
def test_what_the_editor_cannot_change_is_rasterised(pdfs: Path, tmp_path: Path, name: str,
                                                     method: str, reason: str | None) -> None:
    source, out, result = _redact(pdfs, name, tmp_path)
    assert _leaky(source) or name == "hidden_layer.pdf"  # pdftotext shows no hidden layer
    with pikepdf.open(source) as original:
        assert original.pages[0].obj.Contents.read_bytes()  # the detail is in the file
    text = _clean(out, ocr=method != "in-place")
    assert "Darren Cole" in text
    [page] = result.pages
    assert (page.method, page.reason) == (method, reason)
    if method != "in-place":
        assert result.notes == (f"page 1 rasterised with a new OCR text layer: {reason}",)
    assert pdfjudge.layout(out)[0][:2] == pdfjudge.layout(source)[0][:2]
