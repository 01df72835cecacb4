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
