"""Encrypted export: a ``….zip.age`` that ``age`` opens into the package, checked as before."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from evidencekit import (
    AgeEncryption,
    AgeRecipient,
    Case,
    ExportRequest,
    ExportResult,
    IngestRequest,
    InputError,
    Signer,
    export_package,
    ingest,
    load_age_identities,
    verify_package,
    verify_path,
)
from evidencekit.keys import diceware
from evidencekit.package import export as export_module
from tests.age_tools import age, age_on_terminal, keygen

FAST = 10  # scrypt work factor for tests; the CLI test runs age's 18


@pytest.fixture
def filled(case: Case, hana: Signer, sample_dir: Path) -> Case:
    ingest(case, [sample_dir / "statement_hana_green.txt", sample_dir / "photo_front_door.jpg"],
           hana, IngestRequest("statement", "HG", "Statement of Hana Green"))
    return case


@pytest.fixture
def court(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "court-key.txt"
    return path, keygen(path)


def _export(case: Case, signer: Signer, out: Path, encryption: AgeEncryption) -> ExportResult:
    return export_package(case, signer, out, ExportRequest("Court", encryption=encryption))


def test_encrypted_export_opens_with_age_and_verifies(filled: Case, hana: Signer,
                                                      tmp_path: Path,
                                                      court: tuple[Path, str]) -> None:
    encryption = AgeEncryption((AgeRecipient.parse(court[1]),))
    result = _export(filled, hana, tmp_path / "out" / "pkg", encryption)
    sealed = Path(result.path)
    assert sealed.name == "pkg.zip.age" and result.passphrase is None
    assert sorted(p.name for p in sealed.parent.iterdir()) == ["pkg.READ-ME-FIRST.txt",
                                                               "pkg.zip.age"]
    read_me = Path(str(result.read_me)).read_text()
    assert "age -d -i key.txt -o pkg.zip pkg.zip.age" in read_me
    assert result.package_id in read_me and court[1] in read_me
    for content in ("Hana Green", "Statement of Hana Green", "statement_hana_green", "NH-TEST-1",
                    "Test case"):
        assert content not in read_me  # never any content, not even the case

    age("-d", "-i", court[0], "-o", tmp_path / "pkg.zip", sealed)
    report = verify_package(tmp_path / "pkg.zip", [hana.public])
    assert report.ok and not report.errors, report.findings
    with zipfile.ZipFile(tmp_path / "pkg.zip") as archive:
        verify_text = archive.read("pkg/VERIFY.txt").decode()
        events = archive.read("pkg/data/custody/events.jsonl").decode().splitlines()
    assert "THIS PACKAGE TRAVELLED ENCRYPTED" in verify_text and court[1] in verify_text
    exported = json.loads(events[-1])
    assert exported["action"] == "exported"
    assert exported["details"]["encryption"] == {"format": "age-v1", "recipients": [court[1]]}
    assert filled.events()[-1].details["encryption"] == exported["details"]["encryption"]

    direct = verify_path(sealed, [hana.public], identities=load_age_identities(court[0]))
    assert direct.ok, direct.findings


def test_passphrase_export_records_no_passphrase(filled: Case, hana: Signer,
                                                 tmp_path: Path) -> None:
    result = _export(filled, hana, tmp_path / "pkg.zip",
                     AgeEncryption(passphrase=True, work_factor=FAST))
    secret = str(result.passphrase)
    words = secret.split("-")
    assert len(words) >= 6 and set(words) <= set(diceware.word_list()) | {
        part for w in diceware.word_list() if "-" in w for part in w.split("-")}
    assert secret not in repr(result)
    assert filled.events()[-1].details["encryption"] == {"format": "age-v1", "passphrase": True}
    for path in [*filled.root.rglob("*"), *tmp_path.glob("*.txt")]:
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    assert "the sender gives it to you separately" in Path(str(result.read_me)).read_text()

    code, _ = age_on_terminal("-d", "-o", tmp_path / "back.zip", result.path,
                              passphrase=secret, prompts=1)
    assert code == 0
    assert verify_package(tmp_path / "back.zip", [hana.public]).ok
    assert verify_path(Path(result.path), [hana.public], passphrase=lambda: secret).ok


def test_existing_read_me_or_package_is_refused(filled: Case, hana: Signer, tmp_path: Path,
                                                court: tuple[Path, str]) -> None:
    encryption = AgeEncryption((AgeRecipient.parse(court[1]),))
    (tmp_path / "pkg.READ-ME-FIRST.txt").write_text("someone else's")
    events = len(filled.events())
    with pytest.raises(InputError, match="already exists"):
        _export(filled, hana, tmp_path / "pkg", encryption)
    assert len(filled.events()) == events
    assert not (tmp_path / "pkg.zip.age").exists()


def test_failed_encryption_leaves_nothing(filled: Case, hana: Signer, tmp_path: Path,
                                          court: tuple[Path, str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module, "_zip_into", broken)
    with pytest.raises(Exception, match="No space left"):
        _export(filled, hana, tmp_path / "pkg", AgeEncryption((AgeRecipient.parse(court[1]),)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "court-key.txt"]
