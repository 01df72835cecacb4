"""What the bundle's index, photo pages and footage sheets say (issue 12, items 9-12).

Judged on the real bundle with pdftotext and pdfplumber; fixtures are made here: photos
with EXIF DateTimeOriginal written by Pillow (checked with exiftool), clips by ffmpeg.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from evidencekit import (
    BundleRequest,
    Case,
    IngestRequest,
    Signer,
    build_bundle,
    ingest,
    parse_regions,
    parse_spec,
    redact_media_item,
)
from evidencekit.bundle import paging, strip
from evidencekit.bundle.entries import index_detail
from evidencekit.bundle.facts import facts_of
from evidencekit.custody.exhibits import Item

PHOTOS = 33


def layout_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout


def make_photo(path: Path, when: str) -> Path:
    image = Image.new("RGB", (160, 120), (90, 110, 140))
    exif = image.getexif()
    exif.get_ifd(0x8769)[0x9003] = when  # DateTimeOriginal, no zone: a camera clock
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    image.save(path, exif=exif, quality=80)
    return path


def make_clip(path: Path, created: str) -> Path:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=320x240:rate=10:duration=4", "-c:v", "libx264", "-preset",
                    "veryfast", "-pix_fmt", "yuv420p", "-metadata", f"creation_time={created}",
                    str(path)], check=True)
    return path


@pytest.fixture
def photos(case: Case, hana: Signer, tmp_path: Path, sample_dir: Path) -> Case:
    folder = tmp_path / "photos"
    folder.mkdir()
    paths = [make_photo(folder / f"IMG_{n:04d}.jpg", f"2026:11:14 23:42:{n:02d}")
             for n in range(1, PHOTOS + 1)]
    told = subprocess.run(["exiftool", "-s3", "-DateTimeOriginal", str(paths[2])],
                          capture_output=True, text=True, check=True).stdout
    assert told.strip() == "2026:11:14 23:42:03"  # the fixture is what we think it is
    ingest(case, paths, hana, IngestRequest("photo", "PS", "Damage to the front door"))
    ingest(case, [sample_dir / "statement_hana_green.txt"], hana,
           IngestRequest("statement", "HG", "Statement of Hana Green"))
    return case


def test_index_tells_photos_apart_and_keeps_headings_with_entries(
        photos: Case, hana: Signer, tmp_path: Path) -> None:
    by_name = {i.original_name: i.ref for i in photos.items()}
    assert by_name["IMG_0003.jpg"] == "PS/3"
    spec = parse_spec('[[section]]\ntitle = "Photographs"\nexhibits = ["PS/1-PS/32"]\n'
                      '[[section]]\ntitle = "Statements"\nexhibits = ["HG/1"]\n')
    out = tmp_path / "bundle.pdf"
    result = build_bundle(photos, hana, out, BundleRequest(spec))
    assert result.warnings == ("PS/33 (Damage to the front door) is in the case but not in "
                               "the bundle spec; it is left out",)
    first, second = layout_text(out, 2), layout_text(out, 3)
    row = re.search(r"PS/3\s+Damage to the front door \(taken 23:42:03, IMG_0003\.jpg\)\s+"
                    r"2026-11-14\s+\d+", first)
    assert row, first
    for n in range(1, 33):
        assert f"(taken 23:42:{n:02d}, IMG_{n:04d}.jpg)" in first
    # 34 rows fit a page: the heading of "Statements" would be the last; it moves over
    assert "STATEMENTS" not in first
    lines = [line.split() for line in second.splitlines() if line.strip()]
    heading = next(n for n, words in enumerate(lines) if words[0] == "STATEMENTS")
    assert lines[heading + 1][0] == "HG/1"


@pytest.mark.parametrize("rows", [[True, *([False] * 32), True, False],
                                  [True] * 40, [True, False] * 50, []])
def test_index_layout_never_strands_a_heading(rows: list[bool]) -> None:
    pages = paging.index_layout(rows)
    assert [n for page in pages for n in page] == list(range(len(rows)))
    for page in pages:
        assert len(page) <= paging.ROWS_PER_INDEX_PAGE
        if page and page.stop < len(rows) and len(page) > 1:
            assert not rows[page.stop - 1]


def photo_item(name: str, device_time: str | None = "2026-11-14T23:42:10+00:00") -> Item:
    return Item("PS/1", "0" * 64, 1, "photo", "PS", "Door", name, "image/jpeg",
                "2026-11-20T09:00:00.000000Z", "Pat Smith (Northside)", 1,
                {"metadata": {"device_time": device_time} if device_time else {}})


@pytest.mark.parametrize(("name", "shown"), [
    ("IMG_0003.jpg", "taken 23:42:10, IMG_0003.jpg"),
    ("Łąka ogród.jpg", "taken 23:42:10, Łąka ogród.jpg"),     # the font has these letters
    ("门 2.jpg", "taken 23:42:10, _ 2.jpg"),                  # it has not this one: ASCII
    ("line\nbreak\t.jpg", "taken 23:42:10, line break .jpg"),  # one line, always
    ("/evil/../IMG_1.jpg", "taken 23:42:10, IMG_1.jpg"),
])
def test_index_detail_never_stops_the_bundle_on_a_file_name(name: str, shown: str) -> None:
    item = photo_item(name)
    assert index_detail(item, facts_of(item, None, {}), "2026-11-14", True) == shown


def test_index_detail_day_and_missing_time() -> None:
    item = photo_item("a.jpg")
    facts = facts_of(item, None, {})
    assert index_detail(item, facts, "2026-11-20", False) == "taken 2026-11-14 23:42:10"
    bare = photo_item("a.jpg", None)
    assert index_detail(bare, facts_of(bare, None, {}), "", False) == ""
    assert facts.producer == "Pat Smith (PS)"


@given(st.integers(1, 8), st.floats(0.2, 3.0), st.floats(120, 540))
def test_stills_stay_on_the_page_under_the_facts(count: int, aspect: float, top: float) -> None:
    width = 842 - 2 * strip.MARGIN
    cells = strip.layout(count, aspect, width, top)
    assert len(cells) == count
    for cell in cells:
        assert cell.x >= strip.MARGIN - 0.01 and cell.x + cell.width <= strip.MARGIN + width
        assert cell.y - strip.LABEL >= strip.MARGIN - 0.01 and cell.y + cell.height <= top
        assert abs(cell.height / cell.width - aspect) < 1e-6


def test_index_dates_a_late_evening_clip_by_its_uk_day(case: Case, tom: Signer,
                                                      tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "late.mp4", "2026-07-20T23:30:00Z")  # 00:30 BST on the 21st
    ingest(case, [clip], tom, IngestRequest("cctv", "TA", "CCTV after midnight"))
    out = tmp_path / "bundle.pdf"
    build_bundle(case, tom, out, BundleRequest())
    assert re.search(r"TA/1\s+CCTV after midnight\s+2026-07-21\s", layout_text(out, 2))
    assert "Recorded (device clock): 21 July 2026, 00:30:00 BST" in layout_text(out, 3)


def footage(case: Case, tom: Signer, tmp_path: Path) -> Case:
    clip = make_clip(tmp_path / "stairwell.mp4", "2026-07-20T21:15:03.250000Z")
    ingest(case, [clip], tom, IngestRequest(
        "cctv", "TA", "CCTV, stairwell", source="Stairwell camera 2, Elm Court",
        captured_by="Caretaker on duty", captured_at="2026-07-20T22:15"))
    return case


def sheet(pdf: Path) -> tuple[str, list[dict[str, float]], list[dict[str, float]]]:
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[-1]
        return page.extract_text(), page.images, page.extract_words()


def test_footage_sheet_reads_like_a_person_wrote_it(case: Case, tom: Signer,
                                                    tmp_path: Path) -> None:
    footage(case, tom, tmp_path)
    out = tmp_path / "bundle.pdf"
    build_bundle(case, tom, out, BundleRequest())
    text, images, words = sheet(out)
    assert "Produced by: Tom Ashby (TA)" in text
    assert "Recorded (device clock): 20 July 2026, 22:15:03 BST" in text
    assert "Time stated at ingest: 20 July 2026, 22:15:00 BST" in text
    assert "Source: Stairwell camera 2, Elm Court" in text
    assert "Captured by: Caretaker on duty" in text
    assert "320x240" in text and "duration 4.0 s" in text
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", text), "no microseconds"
    for label in ("22:15:03 BST (at 0.5 s)", "22:15:04 BST (at 1.5 s)",
                  "22:15:05 BST (at 2.5 s)", "22:15:06 BST (at 3.5 s)"):
        assert label in text
    assert len(images) == 4
    facts_bottom = max(w["bottom"] for w in words if w["text"] == "Native")
    gap = min(i["top"] for i in images) - facts_bottom
    assert 0 < gap < 40, gap  # the stills sit under the facts
    page_height = 595.3
    assert page_height - max(i["bottom"] for i in images) < 100  # and fill the page


def test_redacted_copies_keep_times_and_sizes_from_the_original(
        case: Case, tom: Signer, hana: Signer, tmp_path: Path) -> None:
    footage(case, tom, tmp_path)
    make_photo(tmp_path / "door.jpg", "2026:11:14 23:42:10")
    ingest(case, [tmp_path / "door.jpg"], hana, IngestRequest("photo", "HG", "Front door"))
    redact_media_item(case, tom, "TA/1", parse_regions('{"mute": [{"start": 0, "end": 1}]}'))
    redact_media_item(case, hana, "HG/1", parse_regions(
        '{"regions": [{"x": 0, "y": 0, "w": 10, "h": 10}]}'))
    out = tmp_path / "redacted.pdf"
    build_bundle(case, hana, out, BundleRequest(redacted=True))
    full = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Taken (camera clock): 14 November 2026, 23:42:10 (no time zone recorded)" in full
    assert "not recorded in the file" not in full
    assert "video/mp4, 320x240, duration 4.0 s" in full and "no picture" not in full
    assert "Recorded (device clock): 20 July 2026, 22:15:03 BST" in full
    assert "22:15:03 BST (at 0.5 s)" in full
    for withheld in ("51.5", "Elm Court", "Caretaker", "stairwell.mp4", "door.jpg"):
        assert withheld not in full, withheld
