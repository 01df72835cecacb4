"""HEIC photos (the iPhone default), made by libheif's heif-enc and judged with exiftool,
pdftotext and pdfimages: read at ingest, redacted to a metadata-free JPEG, shown in bundles."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import PIL.Image
import PIL.ImageStat
import pytest

from evidencekit import (
    BundleRequest,
    Case,
    IngestRequest,
    Signer,
    build_bundle,
    ingest,
    parse_regions,
    redact_media_item,
    verify_case,
)
from fixtures import make_sample


@pytest.fixture(scope="module")
def heic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample photo (EXIF time, camera, serial, GPS) encoded as HEIC by heif-enc."""
    if shutil.which("heif-enc") is None:
        pytest.fail("heif-enc (Debian libheif-examples) is required: run scripts/setup.sh")
    folder = tmp_path_factory.mktemp("heic")
    make_sample.make_photo(folder)
    out = folder / "IMG_4512.HEIC"
    subprocess.run(["heif-enc", "-q", "90", "-o", str(out), str(folder / "photo_front_door.jpg")],
                   check=True, capture_output=True)
    assert out.read_bytes()[4:12] == b"ftypheic"
    return out


def exiftool(path: Path) -> str:
    return subprocess.run(["exiftool", "-a", "-G1", "-ee", "-u", str(path)],
                          capture_output=True, text=True, check=True).stdout


def _ingest(case: Case, hana: Signer, path: Path) -> str:
    [result] = ingest(case, [path], hana, IngestRequest("photo", "HG", "Front door, resident"))
    assert result.status == "ingested", result
    assert not result.warnings, result.warnings  # no false "name says .HEIC" alarm
    return str(result.ref)


def test_heic_metadata_is_read_at_ingest(case: Case, hana: Signer, heic: Path) -> None:
    item = case.item(_ingest(case, hana, heic))
    assert item.media_type == "image/heic"
    meta = item.metadata
    assert meta["device_time"] == "2026-11-14T23:42:10+00:00"
    assert meta["camera_make"] == "SampleCam" and meta["camera_model"] == "Model 7"
    assert meta["serial"] == "SN-0042-7781" and meta["resolution"] == "640x480"
    assert meta["gps"] == {"latitude": "51.503472", "longitude": "-0.127500"}
    assert meta["orientation"] == "Horizontal (normal)"  # as exifread names it for JPEG
    assert case.object_path(item.sha256).read_bytes() == heic.read_bytes()


def test_heic_is_redacted_to_a_clean_jpeg(case: Case, hana: Signer, heic: Path,
                                          tmp_path: Path) -> None:
    ref = _ingest(case, hana, heic)
    assert "GPS" in exiftool(heic)  # the original carries what must not leak
    result = redact_media_item(case, hana, ref, parse_regions(
        '{"regions": [{"x": 0, "y": 0, "w": 200, "h": 120}]}'), out=tmp_path / "copy.jpg")
    copy = tmp_path / "copy.jpg"
    tags = exiftool(copy)
    for leak in ("GPS", "Serial", "SampleCam", "Model 7", "2026:11:14", "HEIC", "Thumbnail"):
        assert leak not in tags, leak
    derived = case.item(result.derived_ref)
    assert derived.media_type == "image/jpeg" and derived.source_ref == ref
    image = PIL.Image.open(copy)
    assert image.format == "JPEG" and image.size == (640, 480)
    assert sum(PIL.ImageStat.Stat(image.convert("RGB").crop((4, 4, 196, 116))).mean) / 3 < 8
    assert verify_case(case, [hana.public]).ok


def test_heic_photo_gets_a_picture_page_in_the_bundle(case: Case, hana: Signer, heic: Path,
                                                      tmp_path: Path) -> None:
    ref = _ingest(case, hana, heic)
    out = tmp_path / "bundle.pdf"
    build_bundle(case, hana, out, BundleRequest())
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert any(line.split()[3:5] in (["640", "480"], ["1280", "960"]) for line in images), images
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert ref in text and "Front door, resident" in text
    assert "not recorded in the file" not in text  # the camera clock was read from the HEIC
