"""Damaged and hostile PDFs given to the in-place redactor: refused with one clear error,
before anything large is inflated (the hostile corpus's flate bomb and truncated PDF)."""

from __future__ import annotations

import tracemalloc
import zlib
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from evidencekit import EvidenceKitError, InputError, parse_people
from evidencekit.redact.pdfplan import _inflated_size
from evidencekit.redact.pdfredact import redact_pdf
from fixtures.hostile import make_hostile

REGISTER = parse_people('[[person]]\nname = "Joan Whitfield"\nrole = "third-party"\n')


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile-pdfs")
    make_hostile.make_pdfs(out)
    return out


def test_a_flate_bomb_is_refused_before_it_is_inflated(pdfs: Path) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="pdf-content-bytes") as caught:
            redact_pdf(pdfs / "flate-bomb.pdf", REGISTER, ["phone"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, peak  # a MiB at a time, never the 400 MiB it inflates to
    assert "EVIDENCEKIT_LIMIT_PDF_CONTENT_BYTES" in caught.value.user_message()


def test_a_truncated_pdf_is_refused_with_a_clear_error(pdfs: Path) -> None:
    with pytest.raises(EvidenceKitError) as caught:
        redact_pdf(pdfs / "truncated.pdf", REGISTER, ["phone"])
    assert "damaged" in caught.value.user_message() or "cannot be read" in \
        caught.value.user_message()


def test_the_limit_is_the_one_in_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "page.pdf"
    pdf = canvas.Canvas(str(page), pagesize=A4)
    for line in range(40):
        pdf.drawString(72, 800 - 18 * line, f"Line {line}: the witness saw the car leave.")
    pdf.save()
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_PDF_CONTENT_BYTES", "200")
    with pytest.raises(InputError, match="pdf-content-bytes"):  # an ordinary page, now
        redact_pdf(page, REGISTER, ["phone"])


def test_a_damaged_content_stream_is_no_internal_error(pdfs: Path) -> None:
    try:
        redact_pdf(pdfs / "corrupt.pdf", REGISTER, ["phone"])
    except EvidenceKitError as exc:  # refused with a message, or redacted: never zlib.error
        assert exc.user_message()


def test_inflating_damaged_data_gives_its_size_not_an_error() -> None:
    import pikepdf  # noqa: PLC0415
    pdf = pikepdf.new()
    bad = zlib.compress(b"q 1 0 0 1 0 0 cm Q\n" * 1000)[:2] + b"\xff" * 64
    with pytest.raises(zlib.error):  # what zlib itself says of these bytes
        zlib.decompressobj().decompress(bad)
    stream = pikepdf.Stream(pdf, bad)
    stream.Filter = pikepdf.Name.FlateDecode
    assert _inflated_size(stream, 1 << 20) == 0
