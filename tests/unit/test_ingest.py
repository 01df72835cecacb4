from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from evidencekit import Case, IngestRequest, InputError, Signer, ingest, verify_case
from evidencekit.case.ingest import parse_stated_time

Req = Callable[..., IngestRequest]
Write = Callable[[str, bytes], Path]


def only(results: list) -> object:  # type: ignore[type-arg]
    assert len(results) == 1, results
    return results[0]


def test_original_is_preserved_byte_for_byte(case: Case, hana: Signer, request_for: Req,
                                             sample_dir: Path) -> None:
    source = sample_dir / "bodycam_ashby.mp4"
    before = source.read_bytes()
    mtime = source.stat().st_mtime_ns
    result = only(ingest(case, [source], hana, request_for("bodycam", "TA")))
    stored = case.object_path(result.sha256)
    assert stored.read_bytes() == before == source.read_bytes()
    assert result.sha256 == hashlib.sha256(before).hexdigest()
    assert source.stat().st_mtime_ns == mtime
    assert stat.S_IMODE(stored.stat().st_mode) == 0o444
    assert result.ref == "TA/1" and result.status == "ingested"


def test_video_metadata_from_ffprobe(case: Case, hana: Signer, request_for: Req,
                                     sample_dir: Path) -> None:
    ingest(case, [sample_dir / "bodycam_ashby.mp4"], hana, request_for("bodycam", "TA"))
    meta = case.item("TA/1").details["metadata"]
    assert meta["resolution"] == "480x270"
    assert meta["frame_rate"] == "30.000"
    assert float(meta["duration_seconds"]) == pytest.approx(4.0, abs=0.1)
    assert {s["codec"] for s in meta["streams"]} == {"h264", "aac"}
    assert meta["device_time"].startswith("2026-11-15T00:15:00")
    assert meta["device_tags"]["location"] == "+51.5035-000.1276/"


def test_photo_metadata_from_exif(case: Case, hana: Signer, request_for: Req,
                                  sample_dir: Path) -> None:
    ingest(case, [sample_dir / "photo_front_door.jpg"], hana,
           request_for("photo", captured_at="2026-11-14T23:42"))
    details = case.item("HG/1").details
    meta = details["metadata"]
    assert meta["device_time"] == "2026-11-14T23:42:10+00:00"
    assert meta["gps"] == {"latitude": "51.503472", "longitude": "-0.127500"}
    assert meta["camera_make"] == "SampleCam" and meta["serial"] == "SN-0042-7781"
    assert meta["resolution"] == "640x480"
    # the stated time (UK time in winter = UTC) is kept apart from the device's claim
    assert details["captured_at"] == "2026-11-14T23:42:00.000000Z"
    assert details["captured_at_stated"] == "2026-11-14T23:42"
    assert case.item("HG/1").ingested_at != details["captured_at"]


def test_document_metadata(case: Case, hana: Signer, request_for: Req,
                           sample_dir: Path) -> None:
    ingest(case, [sample_dir / "statement_pc_ashby.pdf", sample_dir / "statement_neighbour.docx",
                  sample_dir / "statement_hana_green.txt"], hana, request_for("statement"))
    pdf, docx, txt = case.items()
    assert pdf.details["metadata"]["pages"] == 2
    assert pdf.details["metadata"]["author"] == "Northside Police"
    assert docx.media_type.endswith("wordprocessingml.document")
    assert docx.details["metadata"]["author"] == "Northside Housing ASB Team"
    assert txt.media_type == "text/plain"


def test_folder_is_ingested_recursively_in_stable_order(case: Case, hana: Signer,
                                                        request_for: Req, evidence: Write) -> None:
    for name in ("cam2/b.txt", "cam1/z.txt", "cam1/a.txt", "top.txt"):
        evidence(f"export/{name}", name.encode())
    results = ingest(case, [evidence("x", b"") .parent / "export"], hana, request_for("cctv"))
    assert [r.path.split("export/")[1] for r in results] == [
        "cam1/a.txt", "cam1/z.txt", "cam2/b.txt", "top.txt"]
    assert [r.ref for r in results] == ["HG/1", "HG/2", "HG/3", "HG/4"]
    assert case.item("HG/1").original_name == "export/cam1/a.txt"


def test_refs_run_per_producer(case: Case, hana: Signer, tom: Signer, request_for: Req,
                               evidence: Write) -> None:
    ingest(case, [evidence("1", b"1")], hana, request_for(producer="HG"))
    ingest(case, [evidence("2", b"2")], tom, request_for(producer="ta"))
    ingest(case, [evidence("3", b"3")], hana, request_for(producer="HG"))
    assert [i.ref for i in case.items()] == ["HG/1", "TA/1", "HG/2"]


def test_duplicate_content_is_not_stored_twice(case: Case, hana: Signer, request_for: Req,
                                               evidence: Write) -> None:
    ingest(case, [evidence("a.txt", b"same")], hana, request_for())
    result = only(ingest(case, [evidence("b.txt", b"same")], hana, request_for(producer="TA")))
    assert result.status == "duplicate" and result.ref == "HG/1"
    assert "HG/1" in result.warnings[0]
    assert len(case.items()) == 1
    assert case.events()[-1].action == "duplicate-received"


@pytest.mark.parametrize(("name", "data", "warning"), [
    ("empty.pdf", b"", "empty"),
    ("photo.jpg", b"%PDF-1.4\n%%EOF\n", "content is application/pdf"),
    ("truncated.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "metadata could not be read"),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj <<\n", "metadata could not be read"),
    ("broken.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, "metadata could not be read"),
    ("broken.docx", b"PK\x03\x04garbage", "content is application/zip"),
    ("noise.jpg", os.urandom(300), "content is application/octet-stream"),
])
def test_odd_files_are_kept_and_warned(case: Case, hana: Signer, request_for: Req,
                                       evidence: Write, name: str, data: bytes,
                                       warning: str) -> None:
    if name == "noise.jpg":
        data = b"\x01" + data  # never a known magic number
    result = only(ingest(case, [evidence(name, data)], hana, request_for()))
    assert result.status == "ingested"
    assert any(warning in w for w in result.warnings), result.warnings
    assert case.object_path(result.sha256).read_bytes() == data
    assert case.item("HG/1").details["warnings"] == list(result.warnings)


def _zip_with(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "old Word"),
    ("sheet.xlsx", _zip_with("xl/workbook.xml"), "a spreadsheet"),
    ("slides.pptx", _zip_with("ppt/presentation.xml"), "a presentation"),
    ("letter.pages", _zip_with("Index/Document.iwa"), "Apple Pages"),
])
def test_types_that_cannot_be_worked_on_are_kept_with_advice(
        case: Case, hana: Signer, request_for: Req, evidence: Write, name: str, data: bytes,
        kind: str) -> None:
    result = only(ingest(case, [evidence(name, data)], hana, request_for()))
    assert result.status == "ingested"
    advice = [w for w in result.warnings if "save it as DOCX or PDF" in w]
    assert len(advice) == 1 and kind in advice[0], result.warnings
    assert not any("the name says" in w for w in result.warnings), result.warnings
    assert case.object_path(result.sha256).read_bytes() == data


def test_symlinks_and_missing_files_are_refused(case: Case, hana: Signer, request_for: Req,
                                                evidence: Write, tmp_path: Path) -> None:
    real = evidence("real.txt", b"real")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    folder = tmp_path / "withlink"
    folder.mkdir()
    (folder / "inner").symlink_to(real)
    results = ingest(case, [link, tmp_path / "missing.txt", folder, real], hana, request_for())
    by_status = {r.path: r.status for r in results}
    assert by_status[str(real)] == "ingested"
    refused = [r for r in results if r.status == "refused"]
    assert len(refused) == 3
    assert all("symbolic link" in r.warnings[0] or "does not exist" in r.warnings[0]
               for r in refused)


def test_file_names_starting_with_dash(case: Case, hana: Signer, request_for: Req,
                                       sample_dir: Path, tmp_path: Path) -> None:
    odd = tmp_path / "-i clip.mp4"
    odd.write_bytes((sample_dir / "cctv_export" / "cam1_2340.mp4").read_bytes())
    result = only(ingest(case, [odd], hana, request_for("cctv")))
    assert result.status == "ingested" and not result.warnings
    assert case.item("HG/1").details["metadata"]["resolution"] == "320x240"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body)))


def _png_header(width: int, height: int) -> bytes:
    """A tiny PNG file that claims a huge size (its pixel data is a few bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _chunk(b"IEND", b""))


def test_decompression_bomb_is_stored_but_never_decoded(case: Case, hana: Signer,
                                                        request_for: Req, evidence: Write) -> None:
    result = only(ingest(case, [evidence("bomb.png", _png_header(100_000, 100_000))], hana,
                         request_for("photo")))
    assert result.status == "ingested"
    assert any("decompression bomb" in w for w in result.warnings)


def test_request_validation() -> None:
    with pytest.raises(InputError, match="kind"):
        IngestRequest("video", "HG", "x")
    with pytest.raises(InputError, match="initials"):
        IngestRequest("cctv", "H1", "x")
    with pytest.raises(InputError, match="description"):
        IngestRequest("cctv", "HG", "  ")
    with pytest.raises(InputError, match="ISO 8601"):
        IngestRequest("cctv", "HG", "x", captured_at="last Tuesday").details()


def test_stated_times() -> None:
    assert parse_stated_time("2026-07-01T12:00") == ("2026-07-01T11:00:00.000000Z",
                                                     "Europe/London")
    assert parse_stated_time("2026-07-01T12:00:00Z") == ("2026-07-01T12:00:00.000000Z", None)


def test_ingested_case_verifies(case: Case, hana: Signer, tom: Signer, request_for: Req,
                                sample_dir: Path) -> None:
    ingest(case, [sample_dir], hana, request_for())
    report = verify_case(case, [hana.public, tom.public])
    assert report.ok, report.findings
    assert report.checked["items"] == 7 and report.checked["events"] == 8
