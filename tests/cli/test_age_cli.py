"""Encrypted packages on the command line: export, keys age-create and verify, with real age."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import Result

from tests.age_tools import age, age_on_terminal, keygen
from tests.cli.test_cli import ingest, run


@pytest.fixture
def filled(tmp_path: Path, key_files: dict[str, Path], sample_dir: Path) -> Path:
    case_dir = tmp_path / "case"
    assert run("init", case_dir, "--ref", "NH-1", "--title", "Elm Court").exit_code == 0
    result = ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt")
    assert result.exit_code == 0, result.output
    return case_dir


@pytest.fixture
def court(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "court.txt"
    return path, keygen(path)


def _export(case_dir: Path, key: Path, out: Path, *options: object) -> Result:
    return run("export", "--case", case_dir, "--key", key, "--out", out, "--recipient",
               "Northside Magistrates", *options)


def _one_error_line(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_age_create_writes_an_identity_age_reads(tmp_path: Path) -> None:
    out = tmp_path / "key.txt"
    result = run("keys", "age-create", "--out", out)
    assert result.exit_code == 0, result.output
    recipient = result.output.split("Public key (give it to whoever sends you packages): ")[1]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "AGE-SECRET-KEY" not in result.output  # the secret goes only into the file
    assert subprocess.run(["age-keygen", "-y", str(out)], capture_output=True, text=True,
                          check=True).stdout == recipient
    again = run("keys", "age-create", "--out", out)
    assert again.exit_code == 3 and "already exists" in _one_error_line(again)


def test_export_to_recipients_then_verify(filled: Path, key_files: dict[str, Path],
                                          tmp_path: Path, court: tuple[Path, str]) -> None:
    solicitor = tmp_path / "solicitor.txt"
    listing = tmp_path / "recipients.txt"
    listing.write_text(f"# Solicitor, as age-keygen printed it\n{keygen(solicitor)}\n")
    result = _export(filled, key_files["hg"], tmp_path / "pkg", "--encrypt-to", court[1],
                     "--encrypt-to", listing)
    assert result.exit_code == 0, result.output
    sealed = tmp_path / "pkg.zip.age"
    assert f"written to {sealed}" in result.output and court[1] in result.output
    assert (tmp_path / "pkg.READ-ME-FIRST.txt").is_file()

    for key in (court[0], solicitor):
        ok = run("verify", sealed, "--identity", key, "--trust", key_files["hg.pub"])
        assert ok.exit_code == 0 and ok.output.startswith("OK: "), ok.output
    age("-d", "-i", solicitor, "-o", tmp_path / "pkg.zip", sealed)
    assert run("verify", tmp_path / "pkg.zip", "--trust", key_files["hg.pub"]).exit_code == 0

    log = json.loads(run("log", "--case", filled, "--json").output)
    assert log[-1]["details"]["encryption"]["recipients"] == [court[1], listing.read_text()
                                                              .splitlines()[1]]


def test_wrong_identity_and_damage_are_one_line(filled: Path, key_files: dict[str, Path],
                                                tmp_path: Path, court: tuple[Path, str]) -> None:
    assert _export(filled, key_files["hg"], tmp_path / "pkg", "--encrypt-to",
                   court[1]).exit_code == 0
    sealed = tmp_path / "pkg.zip.age"
    stranger = tmp_path / "stranger.txt"
    keygen(stranger)
    wrong = run("verify", sealed, "--identity", stranger, "--trust", key_files["hg.pub"])
    assert wrong.exit_code == 3
    assert "not encrypted to the age identity given" in _one_error_line(wrong)
    missing = run("verify", sealed, "--trust", key_files["hg.pub"])
    assert missing.exit_code == 3 and "--identity" in _one_error_line(missing)

    raw = bytearray(sealed.read_bytes())
    raw[len(raw) // 2] ^= 0x10
    sealed.write_bytes(bytes(raw))
    damaged = run("verify", sealed, "--identity", court[0], "--trust", key_files["hg.pub"])
    assert damaged.exit_code == 1
    assert "damaged" in _one_error_line(damaged)


def test_export_with_passphrase_at_ages_work_factor(filled: Path, key_files: dict[str, Path],
                                                    tmp_path: Path) -> None:
    result = _export(filled, key_files["hg"], tmp_path / "pkg.zip", "--passphrase")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    secret = lines[lines.index(next(x for x in lines if x.strip().startswith("Passphrase"))) + 1]
    secret = secret.strip()
    assert result.output.count(secret) == 1 and len(secret.split("-")) >= 6
    sealed = tmp_path / "pkg.zip.age"
    assert b"-> scrypt " in sealed.read_bytes()[:60]
    assert sealed.read_bytes().split(b"\n")[1].endswith(b" 18")  # what age -d expects

    code, _ = age_on_terminal("-d", "-o", tmp_path / "pkg.zip", sealed, passphrase=secret,
                              prompts=1)
    assert code == 0
    file = tmp_path / "pass.txt"
    file.write_text(secret + "\n")
    ok = run("verify", sealed, "--passphrase-file", file, "--trust", key_files["hg.pub"])
    assert ok.exit_code == 0, ok.output
    asked = run("verify", sealed, "--trust", key_files["hg.pub"])  # no terminal to ask on
    assert asked.exit_code == 3 and "--passphrase-file" in _one_error_line(asked)


def test_both_encryptions_at_once_are_refused(filled: Path, key_files: dict[str, Path],
                                              tmp_path: Path, court: tuple[Path, str]) -> None:
    result = _export(filled, key_files["hg"], tmp_path / "pkg", "--encrypt-to", court[1],
                     "--passphrase")
    assert result.exit_code == 3 and "not both" in _one_error_line(result)
    bad = _export(filled, key_files["hg"], tmp_path / "pkg", "--encrypt-to", "age1nonsense")
    assert bad.exit_code == 3 and "is not an age recipient" in _one_error_line(bad)
    assert list(tmp_path.glob("pkg*")) == []
