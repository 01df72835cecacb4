"""``redact --faces`` through the CLI: tracks, detector, the fallback note, rejection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencekit.redact import facedetect
from tests.cli.test_cli import case_dir, ingest, run

__all__ = ["case_dir"]  # the fixture, shared with test_cli.py

FACE = Path(__file__).resolve().parents[2] / "fixtures" / "faces" / "astronaut_256.jpg"


def test_faces_preview_then_reject_through_the_cli(case_dir: Path, key_files: dict[str, Path],
                                                   tmp_path: Path) -> None:
    ingest(case_dir, key_files["hg"], FACE, kind="photo")
    preview = run("redact", "HG/1", "--case", case_dir, "--faces", "--preview",
                  tmp_path / "p.png")
    assert preview.exit_code == 0, preview.output
    assert "1 face track(s) found by centerface" in preview.output
    regions = tmp_path / "r.json"
    regions.write_text(json.dumps({"reject_faces": {"detector": "centerface", "tracks": [1]}}))
    done = run("redact", "HG/1", "--case", case_dir, "--faces", "--regions", regions,
               "--key", key_files["hg"], "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert (result["face_tracks"], result["faces_rejected"], result["regions"]) == (1, 1, 0)
    wrong = tmp_path / "w.json"
    wrong.write_text(json.dumps({"reject_faces": {"detector": "centerface", "tracks": [4]}}))
    refused = run("redact", "HG/1", "--case", case_dir, "--faces", "--regions", wrong,
                  "--key", key_files["hg"])
    assert refused.exit_code != 0 and "track(s) 4" in refused.output
    assert "Traceback" not in refused.output


def test_the_fallback_note_is_printed(case_dir: Path, key_files: dict[str, Path],
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facedetect, "model_path", lambda: tmp_path / "gone.onnx")
    ingest(case_dir, key_files["hg"], FACE, kind="photo")
    done = run("redact", "HG/1", "--case", case_dir, "--faces", "--key", key_files["hg"])
    assert done.exit_code == 0, done.output
    assert "found by haar" in done.output and "Note: The CenterFace model" in done.output
