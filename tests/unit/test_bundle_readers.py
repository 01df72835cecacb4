"""What readers nobody here wrote found in bundles (issue 12), judged by poppler and qpdf."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from evidencekit import (
    BundleError,
    BundleRequest,
    Case,
    IngestRequest,
    RedactionError,
    Signer,
    build_bundle,
    exhibit_list,
    ingest,
    parse_spec,
)
from evidencekit.bundle.spec import stated_date
from evidencekit.redact.people import PeopleRegister
from evidencekit.redact.statements import redact_statement

NAMES = "Łukasz Wróbel of Ōmura Street, Ștefan Țurcanu, Çağrı Şahin, Žemaitė Ąžuolė"
GREEK = "Η μάρτυς Ελένη Παπαδοπούλου"
CYRILLIC = "Свидетель Ольга Іваненко"
Write = Callable[[str, bytes], Path]


def pdftotext(pdf: Path, *pages: int) -> str:
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run(["pdftotext", *span, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdffonts(pdf: Path) -> list[list[str]]:
    """pdffonts' table rows: name, type, encoding, emb, sub, uni, object, id."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def add(case: Case, signer: Signer, path: Path, kind: str, description: str,
        **extra: str) -> str:
    result = ingest(case, [path], signer, IngestRequest(kind, "HG", description, **extra))
    assert result[0].ref is not None, result
    return result[0].ref


def test_latin_greek_and_cyrillic_are_drawn_in_an_embedded_font(
        case: Case, hana: Signer, evidence: Write, tmp_path: Path) -> None:
    statement = evidence("witness.txt", f"{NAMES}.\n{GREEK}.\n{CYRILLIC}.\n".encode())
    add(case, hana, statement, "statement", f"Statement of {NAMES[:13]}")
    out = tmp_path / "bundle.pdf"
    build_bundle(case, hana, out, BundleRequest())
    subprocess.run(["qpdf", "--check", str(out)], check=True, capture_output=True)
    text = " ".join(pdftotext(out).split())
    for words in (NAMES, GREEK, CYRILLIC):
        assert words in text
    assert "Łukasz Wróbel" in " ".join(pdftotext(out, 2).split())  # the index
    assert "■" not in text
    fonts = pdffonts(out)
    assert any(row[0].endswith("+DejaVuSans") and row[-5:-3] == ["yes", "yes"]
               for row in fonts), fonts
    # the page-number stamp (digits only) is the one base-14 font left
    assert {row[0] for row in fonts if row[-5] == "no"} <= {"Helvetica"}, fonts


@pytest.mark.parametrize("text,script", [
    ("شاهد: محمد علی", "Arabic"), ("گواہ: محمد علی", "Arabic"),
    ("সাক্ষী: রহিম", "Indic"), ("证人：王伟", "no glyph")])
def test_scripts_that_need_shaping_stop_the_bundle_naming_the_exhibit(
        case: Case, hana: Signer, evidence: Write, tmp_path: Path, text: str,
        script: str) -> None:
    add(case, hana, evidence("w.txt", f"Statement.\n{text}\n".encode()),
        "statement", "Statement")
    events = len(case.events())
    with pytest.raises(BundleError, match=rf"Exhibit HG/1 contains .*U\+.*{script}"):
        build_bundle(case, hana, tmp_path / "b.pdf", BundleRequest())
    assert len(case.events()) == events and not (tmp_path / "b.pdf").exists()


def test_a_description_in_arabic_stops_the_bundle(case: Case, hana: Signer, evidence: Write,
                                                 tmp_path: Path) -> None:
    add(case, hana, evidence("n.bin", b"\x00\x01binary"), "document",
        "وثيقة")
    with pytest.raises(BundleError, match="HG/1"):
        build_bundle(case, hana, tmp_path / "b.pdf", BundleRequest())


def test_redacted_statements_and_the_exhibit_list_embed_the_font(
        case: Case, hana: Signer, evidence: Write, tmp_path: Path) -> None:
    ref = add(case, hana, evidence("w.txt", f"{NAMES}. {GREEK}.\n".encode()),
              "statement", GREEK)
    out = tmp_path / "red.pdf"
    redact_statement(case, hana, ref, PeopleRegister(), detectors=["postcode"], out=out)
    assert NAMES in " ".join(pdftotext(out).split())
    assert all(row[-5] == "yes" for row in pdffonts(out))
    listing = tmp_path / "list.pdf"
    listing.write_bytes(exhibit_list(case, "pdf"))
    assert GREEK in " ".join(pdftotext(listing).split())
    assert all(row[-5] == "yes" for row in pdffonts(listing))
    arabic = add(case, hana, evidence("a.txt", "شاهد محمد\n".encode()), "statement",
                 "x")
    with pytest.raises(RedactionError, match=f"Exhibit {arabic}"):
        redact_statement(case, hana, arabic, PeopleRegister(), detectors=["postcode"],
                         out=tmp_path / "red2.pdf")


def _index_dates(pdf: Path) -> dict[str, str]:
    """Ref -> what the index's date column says (pdftotext -layout of page 2)."""
    out = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-layout", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        words = line.split()
        if words and "/" in words[0]:
            dates = [w for w in words if len(w) == 10 and w[4] == "-" and w[7] == "-"]
            rows[words[0]] = dates[0] if dates else ""
    return rows


def test_the_index_dates_documents_by_their_own_date_never_the_ingest_date(
        case: Case, hana: Signer, evidence: Write, tmp_path: Path) -> None:
    add(case, hana, evidence("a.txt", b"WITNESS STATEMENT\nDate: 3rd November 2026\n\nText.\n"),
        "statement", "Dated in its text")
    add(case, hana, evidence("b.txt", b"WITNESS STATEMENT\n\nNo date at all.\n"),
        "statement", "Undated")
    add(case, hana, evidence("c.txt", b"Date: 01/10/2026\nStated at ingest too.\n"),
        "statement", "Dated at ingest", captured_at="2026-10-05T09:00")
    add(case, hana, evidence("d.txt", b"Undated, but the spec gives it.\n"), "statement",
        "Dated in the spec")
    spec = parse_spec('[[section]]\ntitle = "S"\nexhibits = ["HG/1", "HG/2", "HG/3", "HG/4"]\n'
                      '[dates]\n"hg/4" = "2026-09-30"\n')
    out = tmp_path / "bundle.pdf"
    build_bundle(case, hana, out, BundleRequest(spec))
    ingest_day = case.items()[0].ingested_at[:10]
    assert _index_dates(out) == {"HG/1": "2026-11-03", "HG/2": "", "HG/3": "2026-10-05",
                                 "HG/4": "2026-09-30"}
    assert ingest_day not in _index_dates(out).values()


def test_stated_dates_in_the_forms_people_write() -> None:
    for line, expected in (("Date: 18 November 2026", "2026-11-18"),
                           ("Dated: Monday, 2nd March 2026.", "2026-03-02"),
                           ("DATE: 18/11/2026", "2026-11-18"), ("Date: 2026-11-18", "2026-11-18"),
                           ("Date of statement: 18 Nov 2026", "2026-11-18"),
                           ("Date: next Tuesday", None), ("Update: 18 November 2026", None)):
        assert stated_date(f"STATEMENT\n{line}\nbody") == expected, line


def test_every_page_of_a_kept_pdf_carries_its_exhibit_reference(
        case: Case, hana: Signer, sample_dir: Path, tmp_path: Path) -> None:
    ref = add(case, hana, sample_dir / "statement_pc_ashby.pdf", "statement", "PC Ashby")
    photo = add(case, hana, sample_dir / "photo_front_door.jpg", "photo", "Front door")
    out = tmp_path / "bundle.pdf"
    result = build_bundle(case, hana, out, BundleRequest())
    for doc in result.documents:
        for page in range(doc.first + 1, doc.last + 2):
            last = [line for line in page_layout(out, page).splitlines() if line.strip()][-1]
            assert last.split()[-3:] == ["Exhibit", doc.ref, str(page)], (page, last)
    assert {d.ref for d in result.documents} == {ref, photo}
    assert "Exhibit" not in page_layout(out, 1).splitlines()[-1]  # the cover: number only
    subprocess.run(["qpdf", "--check", str(out)], check=True, capture_output=True)


def page_layout(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout
