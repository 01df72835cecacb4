"""verify names each problem once, at its cause, and says which checks it skipped (issue 12.6)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from evidencekit_cli.main import cli
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evidencekit import (
    Case,
    ExportRequest,
    IngestRequest,
    Signer,
    VerificationReport,
    export_package,
    ingest,
    verify_package,
    verify_path,
)

BAGIT_PY = str(Path(sys.executable).parent / "bagit.py")
EXHIBIT = "data/exhibits/HG-1_statement.txt"


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, hana: Signer, tom: Signer) -> Path:
    """One signed package of four small exhibits by two signers, made once."""
    root = tmp_path_factory.mktemp("causes")
    case = Case.init(root / "case", ref="NH-CAUSE-1", title="Causes", court="Court",
                     clock=_Clock())
    files = []
    for name, text in (("statement.txt", "Statement of Hana Green.\n"),
                       ("note.txt", "A note.\n"), ("diary.txt", "A diary.\n")):
        (root / name).write_text(text)
        files.append(root / name)
    ingest(case, files, hana, IngestRequest("statement", "HG", "Statements"))
    (root / "log.txt").write_text("Patrol log.\n")
    ingest(case, [root / "log.txt"], tom, IngestRequest("document", "TA", "Log"))
    export_package(case, hana, root / "pkg", ExportRequest("Northside Police"))
    return root / "pkg"


@pytest.fixture
def package(built: Path, tmp_path: Path) -> Path:
    out = tmp_path / "pkg"
    shutil.copytree(built, out)
    for path in out.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return out


def report_of(pkg: Path, hana: Signer, tom: Signer) -> VerificationReport:
    return verify_package(pkg, [hana.public, tom.public])


def error_codes(report: VerificationReport) -> list[tuple[str, str]]:
    return sorted((f.code, f.subject) for f in report.errors)


def bagit_validates(pkg: Path) -> bool:
    return subprocess.run([BAGIT_PY, "--validate", "."], cwd=pkg, capture_output=True,
                          check=False).returncode == 0


def test_intact_package_passes(package: Path, hana: Signer, tom: Signer) -> None:
    report = report_of(package, hana, tom)
    assert report.ok and not report.findings and not report.skipped
    assert bagit_validates(package)


def test_one_edited_manifest_hash_blames_the_manifest(package: Path, hana: Signer,
                                                      tom: Signer) -> None:
    manifest = package / "manifest-sha256.txt"
    lines = manifest.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.endswith(f"  {EXHIBIT}\n"))
    lines[index] = ("0" if lines[index][0] != "0" else "1") + lines[index][1:]
    manifest.write_text("".join(lines))
    report = report_of(package, hana, tom)
    assert error_codes(report) == [("manifest-entry-altered", "manifest-sha256.txt"),
                                   ("tag-altered", "manifest-sha256.txt")]
    entry = next(f for f in report.errors if f.code == "manifest-entry-altered")
    assert EXHIBIT in entry.message and "changed after it was sent" not in entry.message
    assert not bagit_validates(package)  # bagit-python sees the mismatch too


def test_a_damaged_manifest_line_is_one_problem(package: Path, hana: Signer,
                                                tom: Signer) -> None:
    manifest = package / "manifest-sha256.txt"
    lines = manifest.read_text().splitlines(keepends=True)
    lines[2] = "not a manifest line\n"
    manifest.write_text("".join(lines))
    report = report_of(package, hana, tom)
    assert error_codes(report) == [("manifest-invalid", "manifest-sha256.txt"),
                                   ("tag-altered", "manifest-sha256.txt")]
    assert "line 3" in report.errors[0].message


def test_missing_bag_info_is_reported_once(package: Path, hana: Signer, tom: Signer) -> None:
    (package / "bag-info.txt").unlink()
    report = report_of(package, hana, tom)
    assert error_codes(report) == [("tag-missing", "bag-info.txt")]
    text = " ".join(f.message for f in report.findings)
    assert "None" not in text and "another signer" not in text
    assert any("bag-info.txt" in s.reason for s in report.skipped)
    assert not bagit_validates(package)


def test_no_payload_oxum_says_so(package: Path, hana: Signer, tom: Signer) -> None:
    info = package / "bag-info.txt"
    info.write_text("".join(line for line in info.read_text().splitlines(keepends=True)
                            if not line.startswith("Payload-Oxum")))
    report = report_of(package, hana, tom)
    assert error_codes(report) == [("tag-altered", "bag-info.txt")]
    assert "None" not in " ".join(f.message for f in report.findings)


@pytest.mark.parametrize("where", ["data/exhibits/planted.txt", "planted.txt"])
def test_one_extra_file_is_reported_once(package: Path, hana: Signer, tom: Signer,
                                         where: str) -> None:
    (package / where).write_text("planted")
    report = report_of(package, hana, tom)
    found = error_codes(report)
    assert [subject for _code, subject in found].count(where) == 1, found
    assert ("file-extra", where) in found


def test_edited_exhibit_is_blamed_on_the_file_once(package: Path, hana: Signer,
                                                   tom: Signer) -> None:
    (package / EXHIBIT).write_text("Statement of someone else.\n")
    report = report_of(package, hana, tom)
    assert error_codes(report) == [("file-altered", EXHIBIT)]


def test_missing_path_exits_1(tmp_path: Path, hana: Signer) -> None:
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "nothing-here")])
    assert result.exit_code == 1, result.output
    assert "nothing-here" in result.output and "Traceback" not in result.output
    report = verify_path(tmp_path / "nothing-here", [hana.public])
    assert [f.code for f in report.errors] == ["target-missing"]


CAUSES = frozenset({"file-altered", "file-missing", "file-extra", "tag-altered", "tag-missing",
                    "manifest-entry-altered", "manifest-invalid", "manifest-missing",
                    "bad-signature", "signature-missing"})
"""Cause-level codes: what was changed. Consequences (custody-mismatch, signer-*) never appear."""


def _tamper(pkg: Path, rel: str, kind: str, where: int) -> None:
    path = pkg / rel
    if kind == "delete":
        path.unlink()
    elif kind == "append":
        path.write_bytes(path.read_bytes() + b"x")
    elif kind == "extra":
        (path.parent / "planted.txt").write_bytes(b"planted")
    else:
        data = bytearray(path.read_bytes())
        data[where % len(data)] ^= 1 << (where % 8)
        path.write_bytes(bytes(data))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pick=st.integers(0, 10_000), kind=st.sampled_from(["flip", "delete", "append", "extra"]),
       where=st.integers(0, 1 << 20), both=st.booleans())
def test_any_single_tamper_is_found_once_at_its_cause(
        built: Path, tmp_path_factory: pytest.TempPathFactory, hana: Signer, tom: Signer,
        pick: int, kind: str, where: int, both: bool) -> None:
    files = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    rel = files[pick % len(files)]
    # the SHA-512 tag manifest is an unsigned convenience copy: removing it changes nothing
    assume(not (kind == "delete" and rel == "tagmanifest-sha512.txt"))
    pkg = tmp_path_factory.mktemp("tamper") / "pkg"
    shutil.copytree(built, pkg)
    for path in pkg.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    _tamper(pkg, rel, kind, where)
    subject = str(Path(rel).parent / "planted.txt") if kind == "extra" else rel
    subject = subject.removeprefix("./")
    report = verify_package(pkg, [hana.public, tom.public] if both else [hana.public])
    assert not report.ok
    codes = {f.code for f in report.errors}
    companions = {"oxum-mismatch"} | ({"tag-altered"} if rel.startswith("manifest-") else set())
    causes = codes - companions or codes
    assert len(causes) == 1 and causes <= CAUSES, report.errors
    assert all(f.subject in (subject, "bag-info.txt", "signature/", "signature/"
                             "tagmanifest-sha256.txt.sig") for f in report.errors), report.errors


def test_cli_lists_the_skipped_checks(package: Path, hana: Signer, tmp_path: Path) -> None:
    (package / "bag-info.txt").unlink()
    pub = tmp_path / "hana.pub"
    pub.write_text(hana.public.to_pub_file())
    result = CliRunner().invoke(cli, ["verify", str(package), "--trust", str(pub)])
    assert result.exit_code == 1
    assert "FAIL bag-info.txt: tag file is missing [tag-missing]" in result.output
    assert "skipped Payload-Oxum, Signer-Fingerprint and Package-Identifier: bag-info.txt " \
        "is missing" in result.output
    assert "another signer" not in result.output


def test_json_lists_skipped_checks_only_when_there_are_some(package: Path, hana: Signer,
                                                          tom: Signer) -> None:
    assert "skipped" not in report_of(package, hana, tom).to_dict()
    (package / "bag-info.txt").unlink()
    data = report_of(package, hana, tom).to_dict()
    assert data["skipped"] == [{"check": "Payload-Oxum, Signer-Fingerprint and "
                                "Package-Identifier", "reason": "bag-info.txt is missing"}]
