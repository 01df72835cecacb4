"""Faithful DOCX/ODT/RTF redaction, judged by pdftotext, pdfinfo and a zip read of the parts."""

from __future__ import annotations

import copy
import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from evidencekit import Case, IngestRequest, InputError, RedactionError, Signer, ingest
from evidencekit.redact import office
from evidencekit.redact.detectors import find_spans
from evidencekit.redact.docx_file import read_parts, redact_docx
from evidencekit.redact.people import parse_people
from evidencekit.redact.statements import redact_statement
from fixtures.make_pdfs import REGISTER_TOML

REGISTER = parse_people(REGISTER_TOML)  # the register the PDF fixtures are made for
SECRETS = ["Joan", "Whitfield", "Liam", "Elm Court", "07700", "900123", "NS4 7QT",
           "QQ 12 34 56 C", "14/02/1979"]
TEXTBOX = (f'<w:r {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml"><w:pict>'
           '<v:shape style="width:200pt;height:40pt">'
           '<v:textbox><w:txbxContent><w:p><w:r><w:t>Box: Liam Whitfield</w:t></w:r></w:p>'
           "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>")


def _letterhead(document: docx.document.Document) -> None:
    section = document.sections[0]
    section.header.paragraphs[0].text = "Joan Whitfield Lettings, 12 Elm Court, NS4 7QT"
    section.footer.paragraphs[0].text = "Statement of JOAN WHITFIELD - page 1"


def _tracked_deletion(paragraph: docx.text.paragraph.Paragraph) -> None:
    removed = copy.deepcopy(paragraph.runs[0]._r)
    for node in removed.iter(qn("w:t")):
        node.tag = qn("w:delText")
        node.text = "She lives at 12 Elm Court."
    deletion = paragraph._p.makeelement(qn("w:del"), {qn("w:id"): "1", qn("w:author"): "x"})
    deletion.append(removed)
    paragraph._p.append(deletion)


def _footnote(document: docx.document.Document, path: Path) -> None:
    """python-docx writes no footnotes: add the part and a reference by hand."""
    document.save(str(path))
    parts = read_parts(path)
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    parts["word/footnotes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {w}>'
        '<w:footnote w:id="1"><w:p><w:r><w:t>Her DOB 14/02/1979, NI QQ 12 34 56 C.</w:t>'
        "</w:r></w:p></w:footnote></w:footnotes>").encode()
    body = parts["word/document.xml"].decode()
    body = body.replace(
        "<w:sectPr", '<w:p><w:r><w:t>See note</w:t></w:r><w:r><w:footnoteReference w:id="1"/>'
        "</w:r></w:p><w:sectPr", 1)
    parts["word/document.xml"] = body.encode()
    rels = parts["word/_rels/document.xml.rels"].decode().replace(
        "</Relationships>", '<Relationship Id="rIdFn" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
    parts["word/_rels/document.xml.rels"] = rels.encode()
    types = parts["[Content_Types].xml"].decode().replace(
        "</Types>", '<Override PartName="/word/footnotes.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>')
    parts["[Content_Types].xml"] = types.encode()
    from evidencekit.redact.docx_file import write_parts  # noqa: PLC0415
    path.write_bytes(write_parts(parts))


def make_statement(path: Path) -> None:
    """A realistic DOCX statement carrying every place text lives."""
    document = docx.Document()
    document.core_properties.author = "Joan Whitfield"
    document.core_properties.title = "Statement about Liam Whitfield"
    _letterhead(document)
    paragraph = document.add_paragraph("On 14 November at 22:10 I saw Mr Darren Cole with Mrs Jo")
    paragraph.add_run("an Whit").bold = True
    paragraph.add_run("field's grandson.")
    _tracked_deletion(paragraph)
    table = document.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    table.cell(0, 0).text, table.cell(0, 1).text = "Telephone", "07700 900123"
    table.cell(1, 0).text, table.cell(1, 1).text = "Witness", "Liam Whitfield"
    box = document.add_paragraph("Sketch:")
    box._p.append(parse_xml(TEXTBOX))
    signed = document.add_paragraph("Signed: ")
    run = signed.add_run("D. Smith")
    document.add_comment([run], text="Check with Joan Whitfield on 07700 900123",
                         author="Joan Whitfield")
    _footnote(document, path)


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


def _ingest(case: Case, signer: Signer, path: Path) -> str:
    [result] = ingest(case, [path], signer, IngestRequest("statement", "HG", "statement"))
    return str(result.ref)


def test_docx_redacted_everywhere_and_rendered(case: Case, hana: Signer,
                                               tmp_path: Path) -> None:
    source = tmp_path / "statement.docx"
    make_statement(source)
    before = _pdftotext(office.convert(source, "pdf", tmp_path))
    assert "Joan" in before and "07700 900123" in before and "QQ 12 34 56 C" in before
    original_pages = _pages(tmp_path / "out-pdf" / "statement.pdf")
    out = tmp_path / "out.pdf"
    result = redact_statement(case, hana, _ingest(case, hana, source), REGISTER, out=out)
    text = _pdftotext(out)
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret
    assert "Darren Cole" in text and "22:10" in text and "14 November" in text
    assert "[third party]" in text and "[Witness A]" in text and "Telephone" in text
    assert "[third party] Lettings" in text  # header kept, name gone
    assert "Signed: D. Smith" in text  # the comment went, its anchor text stayed
    assert "Box: [Witness A]" in text and "[date of birth]" in text  # text box, footnote
    assert _pages(out) == original_pages
    meta = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True,
                          check=True).stdout
    assert "Whitfield" not in meta and "python-docx" not in meta
    assert result.counts["name"] >= 5 and result.counts["NI number"] == 1
    line = case.log_path.read_text().splitlines()[-1]
    assert "statement-faithful" in line and "Whitfield" not in line


def test_redacted_docx_parts(tmp_path: Path) -> None:
    source = tmp_path / "statement.docx"
    make_statement(source)
    redaction = redact_docx(read_parts(source), lambda t: find_spans(t, REGISTER))
    (tmp_path / "r.docx").write_bytes(redaction.data)
    with zipfile.ZipFile(tmp_path / "r.docx") as archive:
        names = archive.namelist()
        everything = b"".join(archive.read(n) for n in names).decode("utf-8")
    assert not [n for n in names if n.startswith("docProps/") or "comments" in n]
    for secret in SECRETS:
        assert secret not in everything, secret
    assert "w:del " not in everything and "<w:del>" not in everything
    assert 'w:fill="000000"' in everything and "Witness A" in everything
    assert "comments" not in archive.namelist() and "Darren Cole" in everything


def test_pictures_refused_unless_reviewed(case: Case, hana: Signer, tmp_path: Path) -> None:
    from PIL import Image  # noqa: PLC0415

    Image.new("RGB", (40, 20), "white").save(tmp_path / "logo.png")
    document = docx.Document()
    document.add_picture(str(tmp_path / "logo.png"))
    document.add_paragraph("Mrs Joan Whitfield was there.")
    source = tmp_path / "pic.docx"
    document.save(str(source))
    ref = _ingest(case, hana, source)
    with pytest.raises(RedactionError, match="picture"):
        redact_statement(case, hana, ref, REGISTER)
    result = redact_statement(case, hana, ref, REGISTER, pictures_reviewed=True)
    assert result.derived_ref is not None
    assert '"pictures_reviewed":true' in case.log_path.read_text().splitlines()[-1]


@pytest.mark.parametrize("target", ["odt", "rtf"])
def test_odt_and_rtf_go_the_docx_way(case: Case, hana: Signer, tmp_path: Path,
                                     target: str) -> None:
    document = docx.Document()
    _letterhead(document)
    document.add_paragraph("Mrs Joan Whitfield called from 07700 900123. Mr Darren Cole left.")
    document.save(str(tmp_path / "s.docx"))
    converted = office.convert(tmp_path / "s.docx", target, tmp_path)
    ref = _ingest(case, hana, converted)
    assert case.item(ref).media_type == {"odt": office.ODT, "rtf": office.RTF}[target]
    out = tmp_path / "out.pdf"
    result = redact_statement(case, hana, ref, REGISTER, out=out)
    text = _pdftotext(out)
    assert "Whitfield" not in text and "07700" not in text and "\\rtf" not in text
    assert "Darren Cole" in text and "Lettings" in text and result.pages == 1


def test_preview_highlights_and_suggests(case: Case, hana: Signer, tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Mrs Joan Whitfield and her friend Kevin Moss saw Mr Darren Cole.")
    source = tmp_path / "s.docx"
    document.save(str(source))
    ref = _ingest(case, hana, source)
    preview = tmp_path / "preview.pdf"
    result = redact_statement(case, None, ref, REGISTER, preview=preview)
    text = _pdftotext(preview)
    assert "Joan Whitfield" in text and "register:third-party" in text
    assert [s.text for s in result.suggestions] == ["Kevin Moss"]
    assert result.derived_ref is None


def test_bundle_prints_docx_statements_in_their_layout(case: Case, hana: Signer,
                                                       tmp_path: Path) -> None:
    from evidencekit.bundle.render import statement_pages  # noqa: PLC0415

    source = tmp_path / "statement.docx"
    make_statement(source)
    ref = _ingest(case, hana, source)
    (tmp_path / "b.pdf").write_bytes(statement_pages(case, case.item(ref)).pdf)
    text = _pdftotext(tmp_path / "b.pdf")
    assert "Joan Whitfield Lettings" in text and "Telephone" in text  # header, table
    assert "Box: Liam Whitfield" in text and "Signed: D. Smith" in text
    assert "Check with Joan" not in text and "She lives at" not in text  # comment, deletion
    original = office.convert(source, "pdf", tmp_path)
    assert _pages(tmp_path / "b.pdf") == _pages(original)


def test_check_after_rendering_refuses_what_is_still_findable(tmp_path: Path) -> None:
    from evidencekit.redact.faithful import check_rendered  # noqa: PLC0415

    document = docx.Document()
    document.add_paragraph("Call Joan Whitfield on 07700 900123.")
    document.save(str(tmp_path / "s.docx"))
    pdf = office.convert(tmp_path / "s.docx", "pdf", tmp_path)  # not redacted
    with pytest.raises(RedactionError, match=r"still shows 2 detail\(s\).*1 name, 1 phone"):
        check_rendered(pdf, lambda t: find_spans(t, REGISTER))
    assert check_rendered(pdf, lambda t: []) == 1


def test_libreoffice_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = docx.Document()
    document.add_paragraph("Hello.")
    document.save(str(tmp_path / "s.docx"))
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_OFFICE_SECONDS", "0.05")
    with pytest.raises(InputError, match="office-seconds limit"):
        office.convert(tmp_path / "s.docx", "pdf", tmp_path)
