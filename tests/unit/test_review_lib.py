"""The library calls the review app stands on: proposals as data, keeping, the register."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import PIL.Image
import PIL.ImageChops
import pytest
from click.testing import CliRunner
from evidencekit_cli.main import cli
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import (
    Case,
    IngestRequest,
    Person,
    RedactionError,
    RedactionRequest,
    Region,
    RegionSet,
    Signer,
    StatementRedactionResult,
    add_person,
    ingest,
    load_register,
    parse_people,
    preview_media_item,
    redact_item,
    statement_proposals,
    write_still,
)
from evidencekit.redact.grid import grid_step, ruled
from evidencekit.redact.media import sample_times
from evidencekit.redact.proposals import text_key

TEXT = ("Statement of Hana Green.\nMrs Joan Whitfield, phone 07700 900123, lives at NS4 7QT.\n"
        "Call 07700 900123 again, or the office at NS1 1AA.\n")


@pytest.fixture
def statement(case: Case, hana: Signer, tmp_path: Path) -> str:
    path = tmp_path / "statement.txt"
    path.write_text(TEXT, "utf-8")
    ingest(case, [path], hana, IngestRequest(kind="statement", producer="HG",
                                             description="Statement"))
    return "HG/1"


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_proposals_are_every_distinct_text_with_its_reason(case: Case, statement: str) -> None:
    add_person(case, Person("Joan Whitfield", "third-party", aliases=("Mrs Joan Whitfield",)))
    found = {p.text: p for p in statement_proposals(case, statement)}
    assert set(found) == {"Mrs Joan Whitfield", "07700 900123", "NS4 7QT", "NS1 1AA"}
    phone = found["07700 900123"]
    assert phone.category == "phone" and phone.count == 2 and "[07700 900123]" in phone.context
    assert found["Mrs Joan Whitfield"].rule.startswith("register:")
    assert found["NS1 1AA"].to_dict()["category"] == "postcode"
    assert "NS4 7QT" not in {p.text for p in statement_proposals(
        case, statement, skip_detectors=["postcode"])} - {"NS1 1AA"}


def test_kept_texts_stay_and_the_event_counts_them(case: Case, statement: str, hana: Signer,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "copy.pdf"
    result = redact_item(case, statement, RedactionRequest(keep=("ns1  1aa",), out=out), hana)
    assert isinstance(result, StatementRedactionResult)
    text = pdf_text(out)
    assert "NS1 1AA" in text  # rejected: kept, whatever its spacing and case
    assert "NS4 7QT" not in text and "07700 900123" not in text
    event = case.events()[-1]
    assert event.action == "redacted" and event.details["kept_proposals"] == 1
    assert "NS1" not in str(dict(event.details))  # counts, never the text
    assert result.counts["postcode"] == 1


def test_without_keep_nothing_changes_in_the_record(case: Case, statement: str,
                                                    hana: Signer) -> None:
    redact_item(case, statement, RedactionRequest(), hana)
    assert "kept_proposals" not in case.events()[-1].details


def test_proposals_refuse_what_is_not_a_statement(case: Case, hana: Signer,
                                                  tmp_path: Path) -> None:
    photo = tmp_path / "x.png"
    PIL.Image.new("RGB", (4, 4)).save(photo)
    ingest(case, [photo], hana, IngestRequest(kind="photo", producer="HG", description="x"))
    with pytest.raises(RedactionError, match="not a statement"):
        statement_proposals(case, "HG/1")


def test_add_person_keeps_what_was_there_and_refuses_a_repeat(case: Case) -> None:
    (case.root / "people.toml").write_text('[redact]\nstrings = ["12 Elm Court"]\n', "utf-8")
    register = add_person(case, Person("Liam Whitfield", "anonymous-witness",
                                       pseudonym="Witness A"))
    assert register.strings == ("12 Elm Court",)
    assert load_register(case, None)[0] == register
    with pytest.raises(RedactionError, match="already"):
        add_person(case, Person("liam whitfield", "party"))
    assert load_register(case, None)[0] == register


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                max_size=40).filter(lambda s: s.strip() == s and s)


@given(name=names, alias=names)
def test_any_name_round_trips_through_the_register(tmp_path_factory: pytest.TempPathFactory,
                                                   name: str, alias: str) -> None:
    case = Case.init(tmp_path_factory.mktemp("c") / "case", ref="R", title="T")
    person = Person(name, "third-party", aliases=(alias,))
    register = add_person(case, person)
    assert register.people == (person,)
    text = (case.root / "people.toml").read_text("utf-8")
    assert parse_people(text) == register and tomllib.loads(text)["person"][0]["name"] == name


def test_text_key_folds_spacing_and_case() -> None:
    assert text_key(" NS1\n 1aa ") == text_key("ns1 1AA") == "ns1 1aa"


@pytest.fixture
def clip(case: Case, hana: Signer, sample_dir: Path) -> str:
    ingest(case, [sample_dir / "bodycam_ashby.mp4"], hana,
           IngestRequest(kind="bodycam", producer="HG", description="Clip"))
    return "HG/1"


def test_still_is_the_full_size_frame_ffmpeg_decodes(case: Case, clip: str,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "frame.png"
    size = write_still(case, clip, 1.5, out)
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0",
                            str(case.object_path(case.item(clip).sha256))],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert size == tuple(int(v) for v in probe.split(","))
    judge = tmp_path / "judge.png"
    subprocess.run(["ffmpeg", "-v", "error", "-ss", "1.5", "-i",
                    str(case.object_path(case.item(clip).sha256)), "-frames:v", "1",
                    str(judge)], check=True)
    ours, theirs = PIL.Image.open(out).convert("RGB"), PIL.Image.open(judge).convert("RGB")
    assert ours.size == theirs.size
    diff = PIL.ImageChops.difference(ours, theirs)
    assert max(hi for _lo, hi in diff.getextrema()) <= 8
    assert "exif" not in PIL.Image.open(out).info


@pytest.mark.parametrize(("at", "words"), [(9999.0, "lasts"), (-1.0, "zero or more"),
                                           (float("nan"), "zero or more")])
def test_still_refuses_a_time_outside_the_clip(case: Case, clip: str, tmp_path: Path,
                                               at: float, words: str) -> None:
    with pytest.raises(RedactionError, match=words):
        write_still(case, clip, at, tmp_path / "f.png")
    assert not (tmp_path / "f.png").exists()


def test_still_refuses_an_existing_file_and_a_photo(case: Case, clip: str, hana: Signer,
                                                    tmp_path: Path) -> None:
    taken = tmp_path / "taken.png"
    taken.write_bytes(b"mine")
    with pytest.raises(RedactionError, match="already exists"):
        write_still(case, clip, 0.5, taken)
    assert taken.read_bytes() == b"mine"
    photo = tmp_path / "p.png"
    PIL.Image.new("RGB", (4, 4)).save(photo)
    ingest(case, [photo], hana, IngestRequest(kind="photo", producer="HG", description="x"))
    with pytest.raises(RedactionError, match="needs footage"):
        write_still(case, "HG/2", 0.5, tmp_path / "f.png")


def test_still_command(case: Case, clip: str, tmp_path: Path) -> None:
    out = tmp_path / "frame.png"
    result = CliRunner().invoke(cli, ["still", clip, "--at", "12.5", "--out", str(out),
                                      "--case", str(case.root)])
    assert result.exit_code == 3 and result.output.startswith("error: HG/1 lasts")
    result = CliRunner().invoke(cli, ["still", clip, "--at", "0.5", "--out", str(out),
                                      "--case", str(case.root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Frame at 0.50 s written to {out} (")
    assert PIL.Image.open(out).format == "PNG"


@pytest.mark.parametrize(("size", "step"), [(100, 10), (320, 50), (1920, 200), (4000, 500),
                                            (99999, 5000)])
def test_grid_step_is_round_and_about_ten_lines(size: int, step: int) -> None:
    assert grid_step(size) == step


def test_ruled_preview_labels_original_pixels(tmp_path: Path) -> None:
    image = PIL.Image.new("RGB", (640, 480), (40, 40, 40))
    out = ruled(image)
    left, top = out.width - 640, out.height - 480
    assert left > 20 and top >= 24  # room for readable labels (12 px or more)
    assert out.getpixel((left + 10, top + 10)) == (40, 40, 40)  # the picture, unscaled
    assert out.getpixel((left + 100, top + 10)) != (40, 40, 40)  # a grid line at x = 100
    path = tmp_path / "ruled.png"
    out.save(path)
    words = subprocess.run(["tesseract", str(path), "-", "--psm", "11"], capture_output=True,
                           text=True, check=True).stdout.split()
    assert {"100", "200", "300"} <= set(words)  # an OCR engine reads the rulers


def test_photo_preview_has_rulers(case: Case, hana: Signer, tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    PIL.Image.new("RGB", (300, 200), (90, 90, 90)).save(photo)
    ingest(case, [photo], hana, IngestRequest(kind="photo", producer="HG", description="x"))
    preview_media_item(case, "HG/1", RegionSet(), tmp_path / "look.png")
    look = PIL.Image.open(tmp_path / "look.png")
    assert look.width > 300 and look.height > 200


def test_contact_sheet_times_show_a_timed_region_at_start_middle_and_end() -> None:
    region = Region(x=0, y=0, w=5, h=5, start=2.0, end=4.0)
    times = sample_times(10.0, (region,))
    assert {2.0, 3.0, 3.96} <= set(times)
    assert all(region.active_at(t) for t in (2.0, 3.0, 3.96))
    clipped = sample_times(3.0, (Region(x=0, y=0, w=5, h=5, start=1.0),))
    assert 1.0 in clipped and max(clipped) < 3.0  # an open end stops inside the clip
    assert max(clipped) == 2.96 and 2.0 in clipped  # its end 0.04 s inside; its middle
    assert len(sample_times(10.0, tuple(Region(x=0, y=0, w=5, h=5, start=float(i), end=i + .5)
                                        for i in range(9)))) == 16
