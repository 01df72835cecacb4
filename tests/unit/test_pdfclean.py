"""pdfclean: pages kept with their appearance, everything active left behind."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pypdf
import pytest

from evidencekit import InputError
from evidencekit.bundle.pdfclean import clean_pdf

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "hostile"))
from make_hostile import _TEXT, _raw_pdf, _stream, _text_page

ANNOTS = [
    # a filled-in form field: its value shows through its appearance stream (object 9)
    b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (PC 4521) /Rect [72 600 300 620] "
    b"/AP << /N 9 0 R >> /AA << /K 10 0 R >> /A 10 0 R >>",
    b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS << /F (x.exe) >> >>",
    b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://x) >> >>",
    b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /Launch /F (cmd.exe) >> >>",
]


def _pdf_with_annotations() -> bytes:
    page = _text_page(2, 4)[:-2] + b" /AA << /O 10 0 R >> /Annots [5 0 R 6 0 R 7 0 R 8 0 R] >>"
    return _raw_pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction 10 0 R >>",
                     b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, _stream(_TEXT),
                     *ANNOTS, _stream(b"BT /F1 10 Tf 2 2 Td (PC 4521) Tj ET",
                                      b"/Type /XObject /Subtype /Form /BBox [0 0 228 20] "),
                     b"<< /S /JavaScript /JS (app.alert(1)) >>"])


def test_actions_go_and_appearances_stay() -> None:
    cleaned, removed = clean_pdf(_pdf_with_annotations())
    reader = pypdf.PdfReader(io.BytesIO(cleaned))
    page = reader.pages[0]
    assert "/AA" not in page and "/OpenAction" not in reader.trailer["/Root"]
    annots = [a.get_object() for a in page["/Annots"]]
    kinds = [a["/Subtype"] for a in annots]
    assert kinds == ["/Widget", "/Link", "/Link"]
    widget = annots[0]
    assert "/AP" in widget and "/A" not in widget and "/AA" not in widget
    assert annots[1]["/A"]["/S"] == "/URI" and "/A" not in annots[2]
    assert removed == 5  # page /AA, widget /AA and /A, the attachment, the launch action
    assert b"JavaScript" not in cleaned and b"Launch" not in cleaned and b"x.exe" not in cleaned
    assert "Statement" in page.extract_text()


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\n", b"not a pdf at all"])
def test_unreadable_pdfs_are_input_errors(data: bytes) -> None:
    with pytest.raises(InputError):
        clean_pdf(data)
