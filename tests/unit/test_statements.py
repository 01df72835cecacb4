"""Statement redaction: every leak class, judged with pdftotext, qpdf, exiftool and raw bytes."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import subprocess
import zipfile
from pathlib import Path

import docx
import make_pdfs
import pikepdf
import pypdf
import pytest
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf.annotations import Text
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from evidencekit import (
    BundleRequest,
    Case,
    ExportRequest,
    IngestRequest,
    InputError,
    RedactionError,
    Signer,
    build_bundle,
    export_package,
    ingest,
)
from evidencekit.redact.detectors import apply, find_spans
from evidencekit.redact.people import PeopleRegister, parse_people
from evidencekit.redact.regions import parse_regions
from evidencekit.redact.statements import redact_statement

REGISTER = parse_people(make_pdfs.REGISTER_TOML)  # the register the PDF fixtures are made for
SECRETS = ["Joan", "Whitfield", "Joanie", "Liam", "Elm Court", "07700", "900123", "NS4",
           "AB12", "joan.w@example.org", "02/03/2015"]


def judge(pdf: Path, tmp_path: Path) -> str:
    """Everything a recipient could get out of the PDF, with tools we did not write."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    qdf = tmp_path / "qdf.pdf"
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(pdf), str(qdf)],
                   check=True)
    meta = subprocess.run(["exiftool", "-a", "-G1", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    raw = pdf.read_bytes()
    assert raw.count(b"%%EOF") == 1, "more than one revision"
    subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, check=True)
    everything = "\n".join([text, qdf.read_bytes().decode("latin-1"), meta,
                            raw.decode("latin-1")])
    for marker in ("/Annots", "/AcroForm", "/JavaScript", "/EmbeddedFiles", "/OCProperties",
                   "/Metadata"):
        assert marker not in everything, marker
    return everything


def _check_clean(everything: str) -> None:
    for secret in SECRETS:
        assert secret.lower() not in everything.lower(), secret


def _ingest(case: Case, signer: Signer, path: Path) -> str:
    [result] = ingest(case, [path], signer, IngestRequest("statement", "HG", "statement"))
    return str(result.ref)


STATEMENT = ("On 14 November I met Mr Darren Cole. Mrs Joan\n  Whitfield's grandson Liam "
             "Whitfield (DOB 02/03/2015) lives at 12 Elm Court, NS4 7QT. Call her on "
             "07700 900123 or 07700900123, e-mail joan.w@example.org. Car AB12 CDE. "
             "NI QQ 12 34 56 C is not valid but JG 10 37 58 B is. Joanie agreed.\n")


def test_text_statement(case: Case, hana: Signer, tmp_path: Path) -> None:
    source = tmp_path / "statement.txt"
    source.write_text(STATEMENT)
    ref = _ingest(case, hana, source)
    out = tmp_path / "out.pdf"
    result = redact_statement(case, hana, ref, REGISTER, out=out)
    everything = judge(out, tmp_path)
    _check_clean(everything)
    assert "JG 10 37 58 B" not in everything
    assert "Darren Cole" in everything and "[Witness A]" in everything
    assert result.counts == {"date of birth": 1, "email": 1, "name": 3, "NI number": 2,
                             "phone": 2, "postcode": 1, "string": 1, "vehicle": 1}
    line = case.log_path.read_text().splitlines()[-1]
    for secret in SECRETS:
        assert secret not in line
    assert '"counts"' in line and "register:third-party" in line


def _hostile_pdf(path: Path) -> None:
    """Name split across text operators, text under a painted box, an annotation, Info and
    XMP metadata, and an earlier revision kept by an incremental update."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setAuthor("Joan Whitfield")
    text = pdf.beginText(60, 780)
    text.textOut("Statement: Mrs Jo")
    text.textOut("an Whit")
    text.textOut("field was there.")
    pdf.drawText(text)
    pdf.drawString(60, 760, "Her phone is 07700 900123.")
    pdf.drawString(60, 740, "Neighbour: Joanie, 12 Elm Court")  # "redacted" by painting:
    pdf.rect(120, 736, 200, 14, stroke=0, fill=1)                # the text is still there
    pdf.showPage()
    pdf.save()
    writer = pypdf.PdfWriter(clone_from=str(path))
    writer.add_annotation(0, Text(
        rect=(50, 550, 200, 650), text="Joanie on 07700 900123"))
    writer.add_metadata({"/Title": "Statement of Joan Whitfield"})
    with open(path, "wb") as handle:
        writer.write(handle)
    appended = pypdf.PdfWriter(str(path), incremental=True)
    appended.add_metadata({"/Subject": "12 Elm Court"})
    with open(path, "ab") as handle:
        appended.write(handle)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Creator=Joanie Whitfield",
                    str(path)], check=True)  # XMP, written by exiftool as another revision


def _redacted_and_judged(case: Case, hana: Signer, source: Path, tmp_path: Path) -> str:
    """Ingest, redact with the register, judge the output; fail if a detail survives."""
    out = tmp_path / "out.pdf"
    redact_statement(case, hana, _ingest(case, hana, source), REGISTER, out=out)
    everything = judge(out, tmp_path)
    _check_clean(everything)
    return everything


def test_hostile_pdf(case: Case, hana: Signer, tmp_path: Path) -> None:
    source = tmp_path / "hostile.pdf"
    _hostile_pdf(source)
    raw = source.read_bytes()
    assert raw.count(b"%%EOF") >= 2 and b"/Annots" in raw and b"x:xmpmeta" in raw  # hostile
    everything = _redacted_and_judged(case, hana, source, tmp_path)
    assert "was there" in everything


def _docx_with_history(path: Path) -> None:
    document = docx.Document()
    document.core_properties.author = "Joan Whitfield"
    document.core_properties.comments = "Joanie 07700 900123"
    paragraph = document.add_paragraph("I saw Mr Darren Cole shouting. ")
    removed = copy.deepcopy(paragraph.runs[0]._r)
    for node in removed.iter(qn("w:t")):
        node.tag = qn("w:delText")
        node.text = "Joan Whitfield 07700 900123 told me first."
    deletion = paragraph._p.makeelement(qn("w:del"), {qn("w:id"): "1", qn("w:author"): "x"})
    deletion.append(removed)
    paragraph._p.append(deletion)
    run = paragraph.add_run("Nobody else was there.")
    document.add_comment([run], text="Ask Joanie at 12 Elm Court", author="Joan Whitfield")
    table = document.add_table(rows=1, cols=1)
    table.cell(0, 0).text = "Vehicle: AB12 CDE"
    document.save(str(path))


def test_docx_history_never_reaches_the_output(case: Case, hana: Signer,
                                               tmp_path: Path) -> None:
    source = tmp_path / "statement.docx"
    _docx_with_history(source)
    with zipfile.ZipFile(source) as archive:
        unzipped = b"".join(archive.read(n) for n in archive.namelist())
    assert b"Joan Whitfield 07700" in unzipped and b"Ask Joanie" in unzipped
    everything = _redacted_and_judged(case, hana, source, tmp_path)
    assert "Nobody else was there." in everything
    assert "Darren Cole" in everything and "[vehicle]" in everything


def test_scanned_pages_are_redacted(case: Case, hana: Signer, tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    Image.new("RGB", (600, 800), "white").save(scan)
    ref = _ingest(case, hana, scan)
    result = redact_statement(case, hana, ref, REGISTER)
    assert result.derived_ref == f"{ref}-R1" and result.counts == {}
    assert result.notes == ("page 1 is a scan: read by OCR (confidence 100)",)
    event = json.loads(case.log_path.read_text().splitlines()[-1])
    details = event["details"]
    assert details["method"] == "statement-pdf"
    assert details["page_methods"] == [{"page": 1, "method": "scanned+OCR", "boxes": 0,
                                        "reason": "no text layer (a scan)",
                                        "ocr_confidence": 100}]
    assert details["notes"] == list(result.notes)


def test_handwritten_scan_refused_unless_reviewed(case: Case, hana: Signer,
                                                  tmp_path: Path) -> None:
    scan = make_pdfs.make(tmp_path, "handwritten.pdf")
    ref = _ingest(case, hana, scan)
    with pytest.raises(RedactionError, match=r"Page\(s\) 2 could not be read reliably"):
        redact_statement(case, hana, ref, REGISTER)
    assert len(case.items()) == 1
    result = redact_statement(case, hana, ref, REGISTER, reviewed_pages=[2])
    assert "page 2 is a scan" in result.notes[1] and "confirmed by the reviewer" in \
        result.notes[1]
    details = json.loads(case.log_path.read_text().splitlines()[-1])["details"]
    assert [p["method"] for p in details["page_methods"]] == ["scanned+OCR"] * 2
    assert details["page_methods"][1]["reviewed"] is True
    boxed = redact_statement(case, hana, ref, REGISTER, regions=parse_regions(
        '{"regions": [{"page": 2, "x": 0, "y": 0, "w": 595, "h": 842, "label": "note"}]}'))
    assert boxed.derived_ref == f"{ref}-R2"


def test_regions_are_for_pdf_pages(case: Case, hana: Signer, tmp_path: Path) -> None:
    source = tmp_path / "statement.txt"
    source.write_text(STATEMENT)
    ref = _ingest(case, hana, source)
    with pytest.raises(RedactionError, match="PDF statements only"):
        redact_statement(case, hana, ref, REGISTER, reviewed_pages=[1])
    pdf = _ingest(case, hana, make_pdfs.make(tmp_path, "kerned.pdf"))
    for regions, message in [('{"regions": [{"x": 0, "y": 0, "w": 9, "h": 9}]}', "no \"page\""),
                             ('{"regions": [{"page": 2, "x": 0, "y": 0, "w": 9, "h": 9}]}',
                              "page 2, but the PDF has 1"),
                             ('{"mute": [{"start": 0, "end": 1}]}', "Mute ranges")]:
        with pytest.raises(InputError, match=message):
            redact_statement(case, hana, pdf, REGISTER, regions=parse_regions(regions))


def test_pdf_statement_redacted_in_place(case: Case, hana: Signer, tmp_path: Path) -> None:
    source = make_pdfs.make(tmp_path, "letterhead.pdf")
    ref = _ingest(case, hana, source)
    out = tmp_path / "out.pdf"
    result = redact_statement(case, hana, ref, REGISTER, out=out, regions=parse_regions(
        '{"regions": [{"page": 1, "x": 40, "y": 30, "w": 60, "h": 60, "label": "logo"}]}'))
    everything = judge(out, tmp_path)
    _check_clean(everything)
    assert "Northside Housing" in everything and "Darren Cole" in everything
    assert result.counts == {"name": 2, "phone": 2, "string": 1}
    details = json.loads(case.log_path.read_text().splitlines()[-1])["details"]
    assert details["page_methods"] == [{"page": 1, "method": "in-place", "boxes": 7}]
    with pypdf.PdfReader(out) as reader, pypdf.PdfReader(source) as original:
        assert len(reader.pages) == len(original.pages)
        assert reader.pages[0].mediabox == original.pages[0].mediabox


def test_a_kept_proposal_stays_in_a_pdf_redacted_in_place(case: Case, hana: Signer,
                                                         tmp_path: Path) -> None:
    """A text the reviewer rejected stays wherever it is; the rest goes and is checked."""
    ref = _ingest(case, hana, make_pdfs.make(tmp_path, "letterhead.pdf"))
    out, shown = tmp_path / "out.pdf", tmp_path / "preview.pdf"
    redact_statement(case, None, ref, REGISTER, preview=shown, keep=["07700  900123"])
    assert "detector:phone" not in _outlined(shown)  # not proposed in the preview either
    assert "register:" in _outlined(shown)
    result = redact_statement(case, hana, ref, REGISTER, out=out, keep=["07700  900123"])
    everything = judge(out, tmp_path)
    assert everything.count("07700 900123") >= 2  # both occurrences, spacing folded
    for secret in ("Joan", "Whitfield", "Elm Court"):
        assert secret not in everything, secret
    assert "phone" not in result.counts and result.counts["name"] == 2
    assert case.events()[-1].details["kept_proposals"] == 1


def _outlined(preview: Path) -> str:
    """The labels the preview draws next to its proposed boxes."""
    with pikepdf.open(preview) as pdf:
        return pdf.pages[0].obj.Contents.read_bytes().decode("latin-1")


def test_preview_shows_and_changes_nothing(case: Case, hana: Signer, tmp_path: Path) -> None:
    source = tmp_path / "statement.txt"
    source.write_text(STATEMENT)
    ref = _ingest(case, hana, source)
    events = len(case.events())
    result = redact_statement(case, None, ref, REGISTER, preview=tmp_path / "preview.pdf")
    assert result.derived_ref is None and len(case.events()) == events
    text = subprocess.run(["pdftotext", str(tmp_path / "preview.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Joan" in text and "register:third-party" in text and "NOT FOR DISCLOSURE" in text


def test_detectors_can_be_switched_off(case: Case, hana: Signer, tmp_path: Path) -> None:
    source = tmp_path / "s.txt"
    source.write_text("Call 07700 900123 about NS4 7QT.\n")
    ref = _ingest(case, hana, source)
    result = redact_statement(case, hana, ref, PeopleRegister(), detectors=["postcode"])
    assert result.counts == {"postcode": 1}
    with pytest.raises(InputError, match="Unknown detector"):
        redact_statement(case, hana, ref, PeopleRegister(), detectors=["horoscope"])


@pytest.mark.parametrize(("text", "category"), [
    ("07700 900123", "phone"), ("07700900123", "phone"), ("+44 7700 900123", "phone"),
    ("020 7946 0958", "phone"), ("01632 960123", "phone"), ("(0117) 496 0123", "phone"),
    ("jo.b+x@mail.example.co.uk", "email"), ("SW1A 2AA", "postcode"), ("ls1 4ap", "postcode"),
    ("AB123456C", "NI number"), ("ab 12 34 56 c", "NI number"), ("QQ123456C", "NI number"),
    ("GB123456A", "NI number"),
    ("SK54 MPK", "vehicle"), ("X666 EON", "vehicle"), ("BRA 75T", "vehicle"),
    ("reg ABC 123", "vehicle"), ("born 1st February 1980", "date of birth"),
    ("D.O.B. 01/02/80", "date of birth"), ("date of birth: 3 Mar 2001", "date of birth"),
])
def test_detectors_catch(text: str, category: str) -> None:
    spans = find_spans(f"Note: {text}, end.", PeopleRegister())
    assert [s.category for s in spans] == [category], spans


@pytest.mark.parametrize("text", [
    "12345678", "AB1234561", "on 02/03/2015 we met",
    "AB1 2CD", "I saw 3 cars",
])
def test_detectors_leave_alone(text: str) -> None:
    assert find_spans(text, PeopleRegister()) == []


FILLER = st.sampled_from(["I saw", "the door", "at night", "and then", "he said", "loudly",
                          "Darren Cole", "Mr Darren Cole", "outside", "on Tuesday"])
SENSITIVE = st.sampled_from(["Joan Whitfield", "Mrs Joan Whitfield", "JOAN WHITFIELD",
                             "Joan\n Whitfield", "Joan Whitfield's", "Joanie", "Dr Joanie",
                             "Liam Whitfield", "12 Elm Court", "12  ELM\ncourt",
                             "07700 900123", "07700900123", "NS4 7QT", "joan@example.org",
                             "AB12 CDE", "JG 10 37 58 B", "DOB 02/03/2015"])


@settings(max_examples=150)
@given(st.lists(st.one_of(FILLER, SENSITIVE), min_size=1, max_size=25))
def test_no_register_name_or_pattern_survives(parts: list[str]) -> None:
    text = " ".join(parts) + "."
    out = apply(text, find_spans(text, REGISTER))
    flat = re.sub(r"\s+", " ", out).lower()
    for secret in ("joan", "whitfield", "liam", "elm court", "07700", "900123", "ns4 7qt",
                   "example.org", "ab12", "jg 10", "02/03/2015"):
        assert secret not in flat, (text, out)
    assert flat.count("darren cole") == " ".join(parts).lower().count("darren cole")


@given(st.text(max_size=300))
def test_people_register_parser_raises_only_our_errors(text: str) -> None:
    with contextlib.suppress(InputError):  # any other exception fails the test
        parse_people(text)


@pytest.mark.parametrize(("text", "message"), [
    ('[[person]]\nname = "A"\nrole = "enemy"\n', "role"),
    ('[[person]]\nname = "A"\nrole = "anonymous-witness"\n', "pseudonym"),
    ('[[person]]\nname = "A"\nrole = "party"\nage = 3\n', "unknown field"),
    ('[redact]\nstrings = "x"\n', "strings"),
    ('[[person]]\nname = ""\nrole = "party"\n', "name"),
    ("[other]\n", "unknown section"),
])
def test_bad_people_registers(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_people(text)


def test_pdf_preview_outlines_the_original(case: Case, hana: Signer, tmp_path: Path) -> None:
    ref = _ingest(case, hana, make_pdfs.make(tmp_path, "letterhead.pdf"))
    events = len(case.events())
    preview = tmp_path / "preview.pdf"
    result = redact_statement(case, None, ref, REGISTER, preview=preview)
    assert result.derived_ref is None and len(case.events()) == events
    assert result.counts == {"name": 2, "phone": 2, "string": 1}
    text = subprocess.run(["pdftotext", str(preview), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Joan" in text and "register:third-party" in text and "NOT FOR DISCLOSURE" in text
    assert "detector:phone" in text
    with pypdf.PdfReader(preview) as reader:
        assert len(reader.pages) == 1


def test_pdf_preview_of_a_scan(case: Case, hana: Signer, tmp_path: Path) -> None:
    ref = _ingest(case, hana, make_pdfs.make(tmp_path, "scanned.pdf"))
    preview = tmp_path / "preview.pdf"
    result = redact_statement(case, None, ref, REGISTER, preview=preview)
    assert result.counts == {"name": 1, "phone": 1, "string": 1}
    assert result.notes == ("page 1: no text layer (a scan); it would be rasterised and read "
                            "by OCR (boxes marked OCR)",)
    with pypdf.PdfReader(preview) as reader:
        assert len(reader.pages) == 1 and "/EKScan" in reader.pages[0]["/Resources"]["/XObject"]


def test_case_with_a_scanned_statement_bundles_and_exports_redacted(
        case: Case, hana: Signer, tmp_path: Path) -> None:
    ref = _ingest(case, hana, make_pdfs.make(tmp_path, "scanned.pdf"))
    redact_statement(case, hana, ref, REGISTER)
    bundle = tmp_path / "bundle.pdf"
    build_bundle(case, hana, bundle, BundleRequest(redacted=True))
    text = subprocess.run(["pdftotext", str(bundle), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"{ref}-R1" in text and "Darren Cole" in text
    assert "Whitfield" not in text and "07700" not in text
    export_package(case, hana, tmp_path / "pkg", ExportRequest("Defence", redacted=True))
    sent = sorted(p.name for p in (tmp_path / "pkg").rglob("*.pdf"))
    assert sent == ["HG-1-R1.pdf", "hearing-bundle.pdf"]  # the redacted copy, not the scan
