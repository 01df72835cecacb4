"""What a court archive checks in a bundle (issue 12.8), judged by qpdf and pikepdf.

A trailer /ID, no /Trans on any page, one copy of each font however many pages, and
JPEG pictures stored as DCT only (no ASCII85 layer on top).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from evidencekit import BundleRequest, Case, IngestRequest, Signer, build_bundle, ingest


def _bundle(case: Case, hana: Signer, folder: Path, photos: int) -> Path:
    folder.mkdir()
    for n in range(photos):
        Image.new("RGB", (640, 480), (n * 37 % 256, 90, 160)).save(folder / f"p{n}.jpg",
                                                                   quality=85)
    ingest(case, sorted(folder.glob("*.jpg")), hana, IngestRequest("photo", "HG", "Front door"))
    (folder / "s.txt").write_text("Statement of Łucja Żółć, Pavel Dvořák and Şükrü.\n"
                                  + "A line of the statement.\n" * 120)
    ingest(case, [folder / "s.txt"], hana, IngestRequest("statement", "HG", "Statement"))
    out = folder / "bundle.pdf"
    build_bundle(case, hana, out, BundleRequest())
    return out


def qpdf(*args: str) -> str:
    return subprocess.run(["qpdf", *args], capture_output=True, text=True, check=True).stdout


def font_objects(pdf: pikepdf.Pdf) -> list[str]:
    return [str(obj.get("/BaseFont")) for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"]


@pytest.mark.parametrize("photos", [2, 7])
def test_bundle_has_id_no_trans_shared_fonts_dct_pictures(case: Case, hana: Signer,
                                                          tmp_path: Path, photos: int) -> None:
    out = _bundle(case, hana, tmp_path / "in", photos)
    qpdf("--check", str(out))
    pages = int(qpdf("--show-npages", str(out)))
    assert pages >= photos + 4
    trailer = next(v for k, v in json.loads(qpdf("--json", str(out)))["qpdf"][1].items()
                   if k == "trailer")["value"]
    assert len(trailer["/ID"]) == 2
    with pikepdf.open(out) as pdf:
        assert not [n for n, page in enumerate(pdf.pages) if "/Trans" in page.obj]
        fonts = font_objects(pdf)
        # DejaVu Sans and Sans Bold (typeset pages) and Helvetica (the page stamps), once
        # each: not one set per photo page
        assert sorted(fonts) == ["/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold",
                                 "/Helvetica"], fonts
        filters = [[str(f) for f in obj.get("/Filter").wrap_in_array()] for obj in pdf.objects
                   if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"]
        assert filters == [["/DCTDecode"]] * photos, filters
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Łucja Żółć, Pavel Dvořák and Şükrü" in text  # the shared subset draws them


def test_same_inputs_same_id_and_a_supplement_keeps_the_first_part(
        case: Case, hana: Signer, tmp_path: Path) -> None:
    out = _bundle(case, hana, tmp_path / "in", 1)
    again = tmp_path / "again.pdf"
    build_bundle(case, hana, again, BundleRequest())
    with pikepdf.open(out) as first, pikepdf.open(again) as second:
        assert bytes(first.trailer.ID[0]) == bytes(second.trailer.ID[0])
        original = bytes(first.trailer.ID[0])
    (tmp_path / "late.txt").write_text("A late statement.\n")
    ingest(case, [tmp_path / "late.txt"], hana, IngestRequest("statement", "HG", "Late"))
    later = tmp_path / "later.pdf"
    build_bundle(case, hana, later, BundleRequest(supplement=True))
    qpdf("--check", str(later))
    with pikepdf.open(later) as pdf:
        assert bytes(pdf.trailer.ID[0]) == original
        assert bytes(pdf.trailer.ID[1]) != original
        assert not [p for p in pdf.pages if "/Trans" in p.obj]
