"""The court bundle: numbers, index links, bookmarks and labels agree; nothing leaks."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from evidencekit import (
    BundleRequest,
    Case,
    ExportRequest,
    IngestRequest,
    InputError,
    Signer,
    build_bundle,
    exhibit_list,
    export_package,
    ingest,
    parse_regions,
    parse_spec,
    redact_media_item,
    verify_case,
    verify_package,
)
from evidencekit.redact.people import parse_people
from evidencekit.redact.statements import redact_statement


@pytest.fixture
def filled(case: Case, hana: Signer, tom: Signer, sample_dir: Path) -> Case:
    def add(path: Path, kind: str, producer: str, signer: Signer, text: str,
            when: str | None = None) -> None:
        ingest(case, [path], signer, IngestRequest(kind, producer, text, captured_at=when))
    add(sample_dir / "statement_hana_green.txt", "statement", "HG", hana,
        "Statement of Hana Green", "2026-11-18T10:00")
    add(sample_dir / "statement_neighbour.docx", "statement", "HG", hana,
        "Statement of a neighbour", "2026-11-16T10:00")
    add(sample_dir / "statement_pc_ashby.pdf", "statement", "TA", tom,
        "Statement of PC Ashby", "2026-11-17T10:00")
    add(sample_dir / "photo_front_door.jpg", "photo", "HG", hana, "Front door")
    add(sample_dir / "bodycam_ashby.mp4", "bodycam", "TA", tom, "Body-worn video")
    return case


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout


def link_targets(reader: pypdf.PdfReader) -> list[int]:
    targets = []
    for page in reader.pages[1:3]:
        for annot in page.get("/Annots") or []:
            dest = annot.get_object()["/Dest"]
            targets.append(reader.get_page_number(dest[0].get_object()))
    return targets


def outline_targets(reader: pypdf.PdfReader) -> dict[str, int]:
    found: dict[str, int] = {}

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found[item.title] = reader.get_destination_page_number(item)
    walk(reader.outline)
    return found


def test_numbers_links_bookmarks_and_labels_agree(filled: Case, hana: Signer,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "bundle.pdf"
    result = build_bundle(filled, hana, out, BundleRequest())
    subprocess.run(["qpdf", "--check", str(out)], check=True, capture_output=True)
    reader = pypdf.PdfReader(out)
    pages = len(reader.pages)
    assert result.pages == pages
    assert reader.page_labels == [str(n) for n in range(1, pages + 1)]
    for n in range(1, pages + 1):  # every page shows its own number, bottom right
        lines = [line for line in page_text(out, n).splitlines() if line.strip()]
        assert lines[-1].strip().endswith(str(n)), (n, lines[-1])
    order = [d.ref for d in result.documents]
    assert order == ["HG/2", "TA/1", "HG/1", "HG/3", "TA/2"]  # statements by date first
    targets = link_targets(reader)  # two section headings and five documents
    assert targets[0] == result.documents[0].first and len(targets) == 7
    targets = [t for n, t in enumerate(targets) if n not in (0, 4)]
    bookmarks = outline_targets(reader)
    index = page_text(out, 2)
    for doc, target in zip(result.documents, targets, strict=True):
        assert target == doc.first
        title = next(t for t in bookmarks if t.startswith(doc.ref + " "))
        assert bookmarks[title] == doc.first
        assert title.endswith(f"(p. {doc.first_label})")
        row = next(line for line in index.splitlines() if line.strip().startswith(doc.ref))
        assert row.split()[-1].split("-")[0] == doc.first_label == str(doc.first + 1)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "loud music and shouting" in text and "silver car" in text and "PC Rees" in text
    open_action = reader.trailer["/Root"]["/OpenAction"]
    assert float(open_action[4]) == 1.0
    assert "SN-0042-7781" not in out.read_text("latin-1")  # no EXIF carried with the photo


def test_sections_numbering(filled: Case, hana: Signer, tmp_path: Path) -> None:
    spec = parse_spec('[bundle]\nparties = ["Northside Housing", "Darren Cole"]\n'
                      '[[section]]\ntitle = "Statements"\nexhibits = ["hg/1", "TA/1"]\n'
                      '[[section]]\ntitle = "Media"\nexhibits = ["TA/2", "HG/3"]\n')
    out = tmp_path / "b.pdf"
    result = build_bundle(filled, hana, out, BundleRequest(spec, numbering="sections"))
    reader = pypdf.PdfReader(out)
    labels = reader.page_labels
    assert labels[:2] == ["A1", "A2"] and labels[2] == "B1"
    assert labels[-2:] == ["C1", "C2"]
    for n, label in enumerate(labels, start=1):
        assert page_text(out, n).split()[-1] == label
    assert [d.first_label for d in result.documents] == ["B1", "B2", "C1", "C2"]
    assert "Darren Cole" in page_text(out, 1)


def test_custody_sidecar_verify_and_export(filled: Case, hana: Signer, tom: Signer,
                                           tmp_path: Path) -> None:
    out = tmp_path / "bundle.pdf"
    result = build_bundle(filled, hana, out, BundleRequest())
    event = filled.events()[-1]
    assert event.action == "bundled" and event.sha256 == result.sha256
    sidecar = json.loads(Path(result.sidecar).read_text())
    assert sidecar["documents"] == event.details["documents"]
    assert {d["ref"] for d in sidecar["documents"]} == {i.ref for i in filled.items()}
    assert verify_case(filled, [hana.public, tom.public]).ok
    export_package(filled, hana, tmp_path / "pkg", ExportRequest("Court"))
    assert (tmp_path / "pkg" / "data" / "bundle" / "hearing-bundle.pdf").read_bytes() == \
        out.read_bytes()
    stored = filled.object_path(result.sha256)
    stored.chmod(0o644)
    stored.write_bytes(b"altered")
    report = verify_case(filled, [hana.public, tom.public])
    assert any(f.code == "object-altered" and f.subject.startswith("bundle")
               for f in report.errors)


def test_package_bundle_is_checked(filled: Case, hana: Signer, tom: Signer,
                                   tmp_path: Path) -> None:
    build_bundle(filled, hana, tmp_path / "bundle.pdf", BundleRequest())
    export_package(filled, hana, tmp_path / "pkg", ExportRequest("Court"))
    assert verify_package(tmp_path / "pkg", [hana.public, tom.public]).ok


def test_redacted_bundle_leaks_nothing(filled: Case, hana: Signer, tom: Signer,
                                       tmp_path: Path) -> None:
    people = parse_people('[[person]]\nname = "Joan Whitfield"\nrole = "third-party"\n'
                          '[[person]]\nname = "Liam"\nrole = "anonymous-witness"\n'
                          'pseudonym = "Child A"\n[redact]\nstrings = ["12 Elm Court"]\n')
    for ref in ("HG/1", "HG/2", "TA/1"):
        redact_statement(filled, hana, ref, people)
    redact_media_item(filled, hana, "HG/3", parse_regions(
        '{"regions": [{"x": 0, "y": 0, "w": 10, "h": 10}]}'))
    redact_media_item(filled, tom, "TA/2", parse_regions('{"mute": [{"start": 0, "end": 1}]}'))
    out = tmp_path / "redacted.pdf"
    build_bundle(filled, hana, out, BundleRequest(redacted=True))
    qdf = tmp_path / "qdf.pdf"
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(out), str(qdf)],
                   check=True)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    meta = subprocess.run(["exiftool", "-a", "-G1", str(out)], capture_output=True, text=True,
                          check=True).stdout
    everything = "\n".join([text, meta, qdf.read_bytes().decode("latin-1")])
    for secret in ("Whitfield", "07700", "Liam", "12 Elm Court", "SN-0042", "51.503",
                   "SampleCam", "statement_neighbour", "bodycam_ashby.mp4",
                   "Closure order, 14 Elm Court"):
        assert secret not in everything, secret
    assert "[Child A]" in text and "HG/1-R1" in text


def test_spec_errors(filled: Case, hana: Signer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ZZ/9"):
        build_bundle(filled, hana, tmp_path / "b.pdf", BundleRequest(
            parse_spec('[[section]]\ntitle = "X"\nexhibits = ["ZZ/9"]\n')))
    for bad in ("not toml [", '[[section]]\ntitle = "X"\n', "[bundle]\nhearing = 3\n",
                '[other]\nx = 1\n'):
        with pytest.raises(InputError):
            parse_spec(bad)
    with pytest.raises(InputError, match="No redacted version"):
        build_bundle(filled, hana, tmp_path / "r.pdf", BundleRequest(redacted=True))
    (tmp_path / "taken.pdf").write_text("x")
    with pytest.raises(InputError, match="already exists"):
        build_bundle(filled, hana, tmp_path / "taken.pdf", BundleRequest())


@given(st.text(max_size=200))
def test_spec_parser_raises_only_our_errors(text: str) -> None:
    try:
        parse_spec(text)
    except InputError:
        return


def test_exhibit_list_formats(filled: Case, tmp_path: Path) -> None:
    rows = json.loads(exhibit_list(filled, "json"))
    assert [r["ref"] for r in rows] == ["HG/1", "HG/2", "HG/3", "TA/1", "TA/2"]
    csv_text = exhibit_list(filled, "csv").decode()
    assert csv_text.startswith("ref,kind,description")
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(exhibit_list(filled, "pdf"))
    assert re.search(r"HG/3", page_text(pdf, 1))


def test_supplement_appends_without_renumbering(filled: Case, hana: Signer, tmp_path: Path,
                                                sample_dir: Path) -> None:
    first = build_bundle(filled, hana, tmp_path / "b1.pdf", BundleRequest())
    with pytest.raises(InputError, match="already in the latest bundle"):
        build_bundle(filled, hana, tmp_path / "x.pdf", BundleRequest(supplement=True))
    ingest(filled, [sample_dir / "cctv_export"], hana,
           IngestRequest("cctv", "HG", "CCTV found later"))
    later = build_bundle(filled, hana, tmp_path / "b2.pdf", BundleRequest(supplement=True))
    old = pypdf.PdfReader(tmp_path / "b1.pdf")
    new = pypdf.PdfReader(tmp_path / "b2.pdf")
    for n in range(len(old.pages)):  # existing pages unchanged, same numbers
        assert new.pages[n].extract_text() == old.pages[n].extract_text()
        assert page_text(tmp_path / "b2.pdf", n + 1) == page_text(tmp_path / "b1.pdf", n + 1)
    assert new.page_labels == [str(n) for n in range(1, len(new.pages) + 1)]
    assert [d.ref for d in later.documents] == ["HG/4", "HG/5"]
    assert later.documents[0].first == first.pages + 1  # after the supplementary index
    assert "SUPPLEMENTARY INDEX" in page_text(tmp_path / "b2.pdf", first.pages + 1)
    event = filled.events()[-1]
    assert event.details["supplement_of"] == first.sha256
    assert len(event.details["documents"]) == 7
    bookmarks = outline_targets(new)
    assert bookmarks[f"Supplement (p. {first.pages + 1})"] == first.pages
    subprocess.run(["qpdf", "--check", str(tmp_path / "b2.pdf")], check=True,
                   capture_output=True)


def test_scanned_pages_get_an_ocr_text_layer(case: Case, hana: Signer, tmp_path: Path) -> None:
    image = Image.new("RGB", (1700, 2200), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=60)
    draw.text((150, 300), "STATEMENT OF WITNESS", fill="black", font=font)
    draw.text((150, 450), "The music was very loud", fill="black", font=font)
    scan = tmp_path / "scan.pdf"
    image.save(scan, resolution=200.0)
    ingest(case, [scan], hana, IngestRequest("statement", "HG", "Scanned statement"))
    assert "music" not in subprocess.run(["pdftotext", str(scan), "-"], capture_output=True,
                                         text=True, check=True).stdout
    result = build_bundle(case, hana, tmp_path / "b.pdf", BundleRequest())
    assert any("OCR" in note for note in result.notes)
    text = page_text(tmp_path / "b.pdf", result.documents[0].first + 1)
    assert "music" in text.lower() and "loud" in text.lower()


def test_photos_are_downsampled_to_300_dpi(case: Case, hana: Signer, tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    Image.new("RGB", (6000, 4000), (120, 90, 60)).save(big, quality=70)
    ingest(case, [big], hana, IngestRequest("photo", "HG", "A large photo"))
    result = build_bundle(case, hana, tmp_path / "b.pdf", BundleRequest())
    page = pypdf.PdfReader(tmp_path / "b.pdf").pages[result.documents[0].first]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape, unrotated
    assert page.get("/Rotate", 0) == 0
    [picture] = page.images
    placed_inches = (float(page.mediabox.width) - 96) / 72
    assert picture.image.width / placed_inches <= 301


def test_unreadable_exhibits_get_a_sheet_not_a_crash(case: Case, hana: Signer,
                                                     tmp_path: Path) -> None:
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes(b"%PDF-1.7\n1 0 obj <<\n%%EOF\n")
    broken_jpg = tmp_path / "broken.jpg"
    broken_jpg.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    ingest(case, [broken_pdf], hana, IngestRequest("statement", "HG", "Damaged statement"))
    ingest(case, [broken_jpg], hana, IngestRequest("photo", "HG", "Damaged photo"))
    result = build_bundle(case, hana, tmp_path / "b.pdf", BundleRequest())
    assert len(result.notes) == 2 and all("could not be shown" in n for n in result.notes)
    text = subprocess.run(["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Native file: data/exhibits/HG-1_broken.pdf" in text
    subprocess.run(["qpdf", "--check", str(tmp_path / "b.pdf")], check=True,
                   capture_output=True)
