"""``evidencekit redact`` on PDF statements: --reviewed-pages, page regions, notes, preview."""

from __future__ import annotations

import json
from pathlib import Path

import make_pdfs
import pytest

from tests.cli.test_cli import ingest, run

pytestmark = pytest.mark.slow


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    result = run("init", tmp_path / "case", "--ref", "NH-1", "--title", "Elm Court")
    assert result.exit_code == 0, result.output
    return tmp_path / "case"


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.toml"
    path.write_text(make_pdfs.REGISTER_TOML)
    return path


def test_handwritten_page_refused_then_reviewed(case_dir: Path, key_files: dict[str, Path],
                                                people: Path, tmp_path: Path) -> None:
    assert ingest(case_dir, key_files["hg"], make_pdfs.make(tmp_path, "handwritten.pdf"))\
        .exit_code == 0
    refused = run("redact", "HG/1", "--case", case_dir, "--people", people, "--key",
                  key_files["hg"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert "Page(s) 2 could not be read reliably" in refused.output
    assert "--reviewed-pages 2" in refused.output
    done = run("redact", "HG/1", "--case", case_dir, "--people", people, "--key",
               key_files["hg"], "--reviewed-pages", "2")
    assert done.exit_code == 0, done.output
    assert "Note: page 2 is a scan" in done.output and "confirmed by the reviewer" in done.output
    bad = run("redact", "HG/1", "--case", case_dir, "--people", people, "--key",
              key_files["hg"], "--reviewed-pages", "two")
    assert bad.exit_code == 2 and "page numbers separated by commas" in bad.output


def test_pdf_regions_and_json(case_dir: Path, key_files: dict[str, Path], people: Path,
                              tmp_path: Path) -> None:
    ingest(case_dir, key_files["hg"], make_pdfs.make(tmp_path, "kerned.pdf"))
    regions = tmp_path / "r.json"
    regions.write_text('{"regions": [{"page": 1, "x": 60, "y": 70, "w": 200, "h": 20}]}')
    preview = run("redact", "HG/1", "--case", case_dir, "--people", people, "--regions",
                  regions, "--preview", tmp_path / "p.pdf")
    assert preview.exit_code == 0 and "2 name" in preview.output, preview.output
    done = run("redact", "HG/1", "--case", case_dir, "--people", people, "--regions",
               regions, "--key", key_files["hg"], "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["derived_ref"] == "HG/1-R1" and result["counts"] == {"name": 2}
    pageless = tmp_path / "pageless.json"
    pageless.write_text('{"regions": [{"x": 60, "y": 70, "w": 200, "h": 20}]}')
    refused = run("redact", "HG/1", "--case", case_dir, "--people", people, "--regions",
                  pageless, "--key", key_files["hg"])
    assert refused.exit_code != 0 and 'Region 1 has no "page"' in refused.output
