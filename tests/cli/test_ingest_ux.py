"""Ingest as a newcomer meets it: a summary line, details from a CSV, a list to tell apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import ingest, run


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    result = run("init", tmp_path / "case", "--ref", "NH-1", "--title", "Elm Court")
    assert result.exit_code == 0, result.output
    return tmp_path / "case"


def test_every_ingest_ends_with_a_summary_line(case_dir: Path, key_files: dict[str, Path],
                                               tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    first = ingest(case_dir, key_files["hg"], tmp_path / "a.txt")
    assert first.exit_code == 0
    assert first.output.splitlines()[-1] == "1 ingested, 0 duplicates, 0 refused"
    mixed = ingest(case_dir, key_files["hg"], tmp_path / "a.txt", tmp_path / "b.txt",
                   tmp_path / "missing.txt")
    assert mixed.exit_code == 3
    assert "1 ingested, 1 duplicates, 1 refused" in mixed.output.splitlines()


def test_ingest_json_keeps_one_object_per_file_and_ends_with_the_summary(
        case_dir: Path, key_files: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    result = run("ingest", tmp_path / "a.txt", tmp_path / "a.txt", "--case", case_dir, "--key",
                 key_files["hg"], "--kind", "document", "--producer", "HG", "--description",
                 "x", "--json")
    assert result.exit_code == 0, result.output
    *files, summary = json.loads(result.output)
    assert [f["status"] for f in files] == ["ingested", "duplicate"]
    assert set(files[0]) == {"path", "status", "ref", "sha256", "size", "media_type",
                             "warnings"}
    assert summary == {"status": "summary", "ingested": 1, "duplicates": 1, "refused": 0,
                       "interrupted": False, "not_ingested": []}


def test_list_shows_original_name_and_capture_time(case_dir: Path, key_files: dict[str, Path],
                                                   sample_dir: Path, tmp_path: Path) -> None:
    assert ingest(case_dir, key_files["hg"], sample_dir / "photo_front_door.jpg",
                  kind="photo").exit_code == 0
    (tmp_path / "note.txt").write_text("a note\n")
    stated = run("ingest", tmp_path / "note.txt", "--case", case_dir, "--key", key_files["hg"],
                 "--kind", "document", "--producer", "HG", "--description", "A note",
                 "--captured-at", "2026-11-20T22:15")
    assert stated.exit_code == 0, stated.output
    lines = run("list", "--case", case_dir).output.splitlines()
    photo = next(line for line in lines if line.startswith("HG/1 "))
    note = next(line for line in lines if line.startswith("HG/2 "))
    assert "photo_front_door.jpg" in photo and "2026-11-14 23:42 device" in photo
    assert "note.txt" in note and "2026-11-20 22:15 stated" in note
    items = json.loads(run("list", "--case", case_dir, "--json").output)["items"]
    assert items[0]["device_time"] == "2026-11-14T23:42:10+00:00"
    assert items[0]["captured_at"] is None
    assert items[1]["captured_at"] == "2026-11-20T22:15:00.000000Z"
    assert items[1]["device_time"] is None
    assert {"ref", "sha256", "size", "kind", "producer", "description", "original_name",
            "media_type", "ingested_at", "ingested_by", "event_seq", "source_ref",
            "details"} < set(items[0])


def test_details_csv_for_a_folder_of_photos(case_dir: Path, key_files: dict[str, Path],
                                            tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(1, 31):
        (folder / f"IMG_{n:04}.txt").write_text(f"photo {n}\n")
    rows = [f"IMG_{n:04}.txt,Photo {n} of the door,2026-11-14T23:{n:02}" for n in range(1, 31)]
    csv_file = tmp_path / "details.csv"
    csv_file.write_text("file,description,captured_at\n" + "\n".join(rows) + "\n")
    args = ("ingest", folder, "--case", case_dir, "--key", key_files["hg"], "--kind", "photo",
            "--producer", "HG", "--description", "Photo", "--details", csv_file)
    done = run(*args)
    assert done.exit_code == 0, done.output
    assert "30 ingested, 0 duplicates, 0 refused" in done.output
    items = json.loads(run("list", "--case", case_dir, "--json").output)["items"]
    assert items[6]["description"] == "Photo 7 of the door"
    assert items[6]["details"]["captured_at_stated"] == "2026-11-14T23:07"
    listing = run("list", "--case", case_dir).output
    assert "2026-11-14 23:07 stated" in listing and "IMG_0007.txt" in listing

    csv_file.write_text("file,description,colour\nIMG_0001.txt,x,red\n")
    bad = run(*args)
    assert bad.exit_code == 3 and bad.output.count("\n") == 1
    assert "unknown column 'colour'" in bad.output and "Traceback" not in bad.output
    csv_file.write_text("file,description\nIMG_0099.txt,x\n")
    missing = run(*args)
    assert missing.exit_code == 3 and "not among the files being ingested" in missing.output
    assert len(json.loads(run("list", "--case", case_dir, "--json").output)["items"]) == 30
