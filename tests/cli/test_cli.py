"""The command line, run in-process: messages, exit codes, JSON, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from evidencekit_cli.main import cli

from tests.conftest import PASSPHRASE

ENV = {"EVIDENCEKIT_PASSPHRASE": PASSPHRASE}


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env or ENV)


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    result = run("init", tmp_path / "case", "--ref", "NH-1", "--title", "Elm Court")
    assert result.exit_code == 0, result.output
    return tmp_path / "case"


def ingest(case_dir: Path, key: Path, *files: Path, producer: str = "HG",
           kind: str = "statement") -> Result:
    return run("ingest", *files, "--case", case_dir, "--key", key, "--kind", kind,
               "--producer", producer, "--description", "A statement")


def test_full_path_through_the_cli(case_dir: Path, key_files: dict[str, Path],
                                   sample_dir: Path) -> None:
    result = ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt",
                    sample_dir / "cctv_export")
    assert result.exit_code == 0, result.output
    assert "HG/1" in result.output and "HG/3" in result.output
    result = ingest(case_dir, key_files["ta"], sample_dir / "bodycam_ashby.mp4",
                    producer="TA", kind="bodycam")
    assert result.exit_code == 0

    listing = json.loads(run("list", "--case", case_dir, "--json").output)
    assert [i["ref"] for i in listing["items"]] == ["HG/1", "HG/2", "HG/3", "TA/1"]
    assert all(len(i["sha256"]) == 64 for i in listing["items"])
    assert listing["case"]["ref"] == "NH-1"

    shown = run("show", "ta/1", "--case", case_dir)
    assert shown.exit_code == 0 and "480x270" in shown.output
    shown_json = json.loads(run("show", "TA/1", "--case", case_dir, "--json").output)
    assert shown_json["item"]["ref"] == "TA/1" and shown_json["events"][0]["action"] == "ingested"

    log = json.loads(run("log", "--case", case_dir, "--json").output)
    assert [e["seq"] for e in log] == [1, 2, 3, 4, 5]
    assert run("log", "HG/2", "--case", case_dir).output.count("\n") == 1

    ok = run("verify", case_dir, "--trust", key_files["hg.pub"], "--trust", key_files["ta.pub"])
    assert ok.exit_code == 0 and ok.output.startswith("OK: 4 exhibits, 5 custody events")
    untrusted = run("verify", case_dir, "--trust", key_files["hg.pub"], "--json")
    assert untrusted.exit_code == 1
    report = json.loads(untrusted.output)
    assert report["ok"] is False and report["findings"][0]["code"] == "signer-untrusted"
    assert set(report) == {"target", "ok", "checked", "errors", "warnings", "findings"}


def test_case_is_found_from_the_current_folder(case_dir: Path, key_files: dict[str, Path],
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (case_dir / "notes").mkdir()
    (tmp_path / "a.txt").write_text("a")
    monkeypatch.chdir(case_dir / "notes")
    result = run("ingest", tmp_path / "a.txt", "--key", key_files["hg"], "--kind", "document",
                 "--producer", "HG", "--description", "x")
    assert result.exit_code == 0, result.output
    assert "HG/1" in run("list").output


@pytest.mark.parametrize(("args", "message"), [
    (("list", "--case", "/nonexistent/case"), "is not an evidencekit case"),
    (("show", "ZZ/9"), "There is no exhibit ZZ/9"),
    (("keys", "show", "/nonexistent.pub"), "does not exist"),
])
def test_errors_are_one_line_without_traceback(case_dir: Path, args: tuple[str, ...],
                                               message: str) -> None:
    if args[0] == "show":
        args = (*args, "--case", str(case_dir))
    result = run(*args)
    assert result.exit_code == 3
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1


def test_wrong_passphrase(case_dir: Path, key_files: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    result = run("ingest", tmp_path / "a.txt", "--case", case_dir, "--key", key_files["hg"],
                 "--kind", "document", "--producer", "HG", "--description", "x",
                 env={"EVIDENCEKIT_PASSPHRASE": "not the passphrase"})
    assert result.exit_code == 3
    assert result.output.startswith("error: Wrong passphrase for ")
    assert "Traceback" not in result.output


def test_no_passphrase_and_no_terminal(key_files: dict[str, Path], case_dir: Path,
                                       tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "a.txt"), "--case", str(case_dir),
                                      "--key", str(key_files["hg"]), "--kind", "document",
                                      "--producer", "HG", "--description", "x"], env={})
    assert result.exit_code == 3 and "EVIDENCEKIT_PASSPHRASE" in result.output


def test_refused_files_give_exit_3_and_keep_the_rest(case_dir: Path, key_files: dict[str, Path],
                                                     tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    result = ingest(case_dir, key_files["hg"], tmp_path / "missing.txt", tmp_path / "a.txt")
    assert result.exit_code == 3
    assert "REFUSED" in result.output and "HG/1" in result.output


def test_usage_errors_exit_2(case_dir: Path) -> None:
    result = run("ingest", "x", "--case", case_dir, "--kind", "video")
    assert result.exit_code == 2


def test_keys_create_and_show(tmp_path: Path) -> None:
    result = run("keys", "create", "--name", "Hana Green", "--org", "Northside Housing",
                 "--out", tmp_path / "hg")
    assert result.exit_code == 0, result.output
    fingerprint = result.output.split("fingerprint: ")[1].strip()
    shown = json.loads(run("keys", "show", tmp_path / "hg.pub", "--json").output)
    assert shown == {"name": "Hana Green", "org": "Northside Housing",
                     "fingerprint": fingerprint,
                     "short_fingerprint": " ".join(fingerprint[i:i + 4].upper()
                                                   for i in range(0, 16, 4))}
    assert "Organisation: Northside Housing" in run("keys", "show", tmp_path / "hg.pub").output


def test_init_refuses_an_existing_case(case_dir: Path) -> None:
    result = run("init", case_dir, "--ref", "X", "--title", "Y")
    assert result.exit_code == 3 and "already holds a case" in result.output


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("--debug", "list", "--case", tmp_path)
    assert result.exit_code == 1 and result.exception is not None


def test_export_and_verify_a_package(case_dir: Path, key_files: dict[str, Path],
                                     sample_dir: Path, tmp_path: Path) -> None:
    assert ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt").exit_code == 0
    result = run("export", "--case", case_dir, "--key", key_files["hg"], "--out",
                 tmp_path / "pkg", "--recipient", "Northside Police", "--zip")
    assert result.exit_code == 0, result.output
    assert "pkg.zip" in result.output
    ok = run("verify", tmp_path / "pkg.zip", "--trust", key_files["hg.pub"])
    assert ok.exit_code == 0 and ok.output.startswith("OK: 6 files")
    report = json.loads(run("verify", tmp_path / "pkg.zip", "--json").output)
    assert report["ok"] is False
    assert {f["code"] for f in report["findings"]} == {"signer-untrusted"}


def test_redacted_export_refusal_and_marking(case_dir: Path, key_files: dict[str, Path],
                                             sample_dir: Path, tmp_path: Path) -> None:
    ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt")
    args = ("export", "--case", case_dir, "--key", key_files["hg"], "--out", tmp_path / "pkg",
            "--recipient", "Defence", "--redacted")
    refused = run(*args)
    assert refused.exit_code == 3 and "No redacted version of HG/1" in refused.output
    assert "redaction-not-needed" in refused.output
    marked = run("redaction-not-needed", "HG/1", "--case", case_dir, "--key", key_files["hg"],
                 "--reason", "names only the parties")
    assert marked.exit_code == 0, marked.output
    assert run(*args).exit_code == 0
    assert (tmp_path / "pkg" / "data" / "exhibits" / "HG-1.txt").is_file()


def test_verify_something_that_is_not_a_package(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    result = run("verify", tmp_path / "x.txt")
    assert result.exit_code == 3 and "neither a package folder nor a zip" in result.output


def test_redact_statement_and_photo(case_dir: Path, key_files: dict[str, Path],
                                    sample_dir: Path, tmp_path: Path) -> None:
    ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt")
    ingest(case_dir, key_files["hg"], sample_dir / "photo_front_door.jpg", kind="photo")
    people = tmp_path / "people.toml"
    people.write_text('[[person]]\nname = "Joan Whitfield"\nrole = "third-party"\n')
    preview = run("redact", "HG/1", "--case", case_dir, "--people", people, "--preview",
                  tmp_path / "p.pdf")
    assert preview.exit_code == 0 and "1 name" in preview.output, preview.output
    done = run("redact", "HG/1", "--case", case_dir, "--people", people, "--key",
               key_files["hg"], "--skip-detector", "postcode", "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["derived_ref"] == "HG/1-R1" and "postcode" not in result["counts"]
    regions = tmp_path / "r.json"
    regions.write_text('{"regions": [{"x": 0, "y": 0, "w": 10, "h": 10}]}')
    photo = run("redact", "HG/2", "--case", case_dir, "--regions", regions, "--key",
                key_files["hg"])
    assert photo.exit_code == 0 and "HG/2-R1" in photo.output
    no_key = run("redact", "HG/2", "--case", case_dir, "--regions", regions)
    assert no_key.exit_code == 3 and "--key" in no_key.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"regions": [{"x": 0}]}')
    refused = run("redact", "HG/2", "--case", case_dir, "--regions", bad, "--key",
                  key_files["hg"])
    assert refused.exit_code == 3 and "Region 1 y" in refused.output


def test_bundle_and_exhibits(case_dir: Path, key_files: dict[str, Path], sample_dir: Path,
                             tmp_path: Path) -> None:
    ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt")
    ingest(case_dir, key_files["hg"], sample_dir / "photo_front_door.jpg", kind="photo")
    spec = tmp_path / "spec.toml"
    spec.write_text('[[section]]\ntitle = "All"\nexhibits = ["HG/2", "HG/1"]\n')
    done = run("bundle", "--case", case_dir, "--key", key_files["hg"], "--out",
               tmp_path / "b.pdf", "--spec", spec, "--numbering", "sections", "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert [d["first_label"] for d in result["documents"]] == ["B1", "B2"]
    listing = run("exhibits", "--case", case_dir, "--format", "csv")
    assert listing.exit_code == 0 and listing.output.startswith("ref,kind")
    assert run("exhibits", "--case", case_dir, "--format", "pdf").exit_code == 2
    pdf = run("exhibits", "--case", case_dir, "--format", "pdf", "--out", tmp_path / "x.pdf")
    assert pdf.exit_code == 0 and (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
