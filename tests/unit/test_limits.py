"""Resource limits: each refusal names the limit and the variable that raises it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit import (
    BundleRequest,
    Case,
    IngestRequest,
    InputError,
    Signer,
    build_bundle,
    ingest,
    parse_regions,
    redact_media_item,
)
from evidencekit.core import limits
from evidencekit.redact.people import parse_people
from evidencekit.redact.statements import redact_statement

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BOX = parse_regions('{"regions": [{"x": 1, "y": 1, "w": 10, "h": 10}]}')


def _ingest(case: Case, signer: Signer, path: Path, kind: str) -> str:
    return ingest(case, [path], signer, IngestRequest(kind, "HG", path.name))[0].ref


def _limit_error(exc: pytest.ExceptionInfo[InputError], name: str) -> None:
    text = exc.value.user_message()
    assert f"the {name} limit is" in text, text
    assert limits.LIMITS[name].env in text, text


@pytest.mark.parametrize(("name", "value"), [("photo-pixels", "1000")])
def test_photo_over_the_pixel_limit(case: Case, hana: Signer, sample_dir: Path,
                                    monkeypatch: pytest.MonkeyPatch, name: str,
                                    value: str) -> None:
    ref = _ingest(case, hana, sample_dir / "photo_front_door.jpg", "photo")
    monkeypatch.setenv(limits.LIMITS[name].env, value)
    with pytest.raises(InputError) as exc:
        redact_media_item(case, hana, ref, BOX)
    _limit_error(exc, name)
    monkeypatch.delenv(limits.LIMITS[name].env)
    assert redact_media_item(case, hana, ref, BOX).derived_ref == f"{ref}-R1"


def test_pdf_over_the_page_limit(case: Case, hana: Signer, sample_dir: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ref = _ingest(case, hana, sample_dir / "statement_pc_ashby.pdf", "statement")
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_PDF_PAGES", "1")
    register = parse_people((FIXTURES / "people.toml").read_text())
    with pytest.raises(InputError) as exc:
        redact_statement(case, hana, ref, register)
    _limit_error(exc, "pdf-pages")
    result = build_bundle(case, hana, case.root.parent / "b.pdf", BundleRequest())
    assert any("pdf-pages limit" in note for note in result.notes)


@pytest.mark.parametrize("name", ["ffmpeg-seconds-base", "ffprobe-seconds"])
def test_ffmpeg_and_ffprobe_are_stopped_at_their_time_limit(
        case: Case, hana: Signer, sample_dir: Path, monkeypatch: pytest.MonkeyPatch,
        name: str) -> None:
    ref = _ingest(case, hana, sample_dir / "bodycam_ashby.mp4", "bodycam")
    monkeypatch.setenv(limits.LIMITS[name].env, "0.001")
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_FFMPEG_SECONDS_PER_SECOND", "0.00001")
    with pytest.raises(InputError) as exc:
        redact_media_item(case, hana, ref, BOX)
    _limit_error(exc, name)
    assert not list(case.tmp_dir.glob("*")), "a stopped ffmpeg left a file behind"


def test_face_detection_is_stopped_at_its_time_limit(
        case: Case, hana: Signer, sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = _ingest(case, hana, sample_dir / "bodycam_ashby.mp4", "bodycam")
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_FACES_SECONDS", "0.001")
    with pytest.raises(InputError) as exc:  # never a copy with only part of the faces found
        redact_media_item(case, hana, ref, BOX, find_faces=True)
    _limit_error(exc, "faces-seconds")
    assert not [i for i in case.items() if i.source_ref == ref]


def test_stills_and_bundles_respect_the_still_time_limit(
        case: Case, hana: Signer, sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _ingest(case, hana, sample_dir / "bodycam_ashby.mp4", "bodycam")
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_STILL_SECONDS", "0.001")
    result = build_bundle(case, hana, case.root.parent / "b.pdf", BundleRequest())
    assert any("still-seconds limit" in note for note in result.notes), result.notes


def test_bad_limit_values_are_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw in ("abc", "-5", "0", "nan", "inf"):
        monkeypatch.setenv("EVIDENCEKIT_LIMIT_PDF_PAGES", raw)
        with pytest.raises(InputError, match="EVIDENCEKIT_LIMIT_PDF_PAGES"):
            limits.value("pdf-pages")
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_PDF_PAGES", "12_000")
    assert limits.whole("pdf-pages") == 12_000


def test_limits_command_lists_every_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_OCR_SECONDS", "30")
    result = CliRunner().invoke(cli, ["limits"])
    assert result.exit_code == 0
    for limit in limits.LIMITS.values():
        assert limit.name in result.output and limit.env in result.output
    assert "30" in result.output.split("ocr-seconds", 1)[1].splitlines()[0]
