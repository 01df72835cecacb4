"""What readers nobody here wrote found in packages (issue 12): bagit.py and RFC 8493's rules."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import bagit

from evidencekit import (
    Case,
    ExportRequest,
    IngestRequest,
    Signer,
    export_package,
    ingest,
    verify_package,
)
from evidencekit.redact.people import PeopleRegister
from evidencekit.redact.statements import redact_statement

BAGIT_PY = str(Path(sys.executable).parent / "bagit.py")


def _filled(case: Case, hana: Signer, tmp_path: Path) -> None:
    source = tmp_path / "w.txt"
    source.write_bytes(b"I live at NE1 4XF and saw it.\n")
    ingest(case, [source], hana, IngestRequest("statement", "HG", "Statement"))
    noname = tmp_path / "notes"
    noname.write_bytes(b"%PDF-1.4\n")  # named without an extension at ingest
    ingest(case, [noname], hana, IngestRequest("document", "HG", "Notes"))
    redact_statement(case, hana, "HG/1", PeopleRegister(), detectors=["postcode"])


def test_every_exhibit_file_in_a_full_package_has_its_types_extension(
        case: Case, hana: Signer, tmp_path: Path) -> None:
    _filled(case, hana, tmp_path)
    export_package(case, hana, tmp_path / "pkg", ExportRequest("Court"))
    with open(tmp_path / "pkg" / "data" / "index" / "exhibits.csv", newline="") as handle:
        files = {row["ref"]: row["file"] for row in csv.DictReader(handle)}
    assert files["HG/1"] == "data/exhibits/HG-1_w.txt"
    assert files["HG/1-R1"] == "data/exhibits/HG-1-R1.pdf"
    assert files["HG/2"].endswith(".pdf"), files
    names = sorted(p.name for p in (tmp_path / "pkg" / "data" / "exhibits").iterdir())
    assert all(Path(n).suffix in (".txt", ".pdf") for n in names), names
    subprocess.run([BAGIT_PY, "--validate", str(tmp_path / "pkg")], check=True,
                   capture_output=True)


def test_strict_bagit_rules_of_rfc_8493_hold(case: Case, hana: Signer, tmp_path: Path) -> None:
    """As bagit-utils applies them: every tag file in every tag manifest, tag manifests in
    the payload manifests' algorithms, bag-info lines of at most 79 characters."""
    _filled(case, hana, tmp_path)
    recipient = "Northside Magistrates' Court, for the attention of the legal adviser " * 2
    export_package(case, hana, tmp_path / "pkg", ExportRequest(recipient.strip()))
    pkg = tmp_path / "pkg"
    tag_files = {p.relative_to(pkg).as_posix() for p in pkg.rglob("*") if p.is_file()
                 and not p.relative_to(pkg).as_posix().startswith(("data/", "tagmanifest-"))}
    assert (pkg / "manifest-sha512.txt").exists() and (pkg / "tagmanifest-sha512.txt").exists()
    for algorithm in ("sha256", "sha512"):
        listed = subprocess.run([f"{algorithm}sum", "-c", f"tagmanifest-{algorithm}.txt"],
                                cwd=pkg, capture_output=True, text=True, check=True).stdout
        paths = {line.rsplit(": ", 1)[0] for line in listed.splitlines()}
        # the signature alone cannot be listed: it is over tagmanifest-sha256.txt itself
        assert paths == tag_files - {"signature/tagmanifest-sha256.txt.sig"}, algorithm
        assert "signature/signer.pem" in paths
    lines = (pkg / "bag-info.txt").read_text().splitlines()
    assert max(len(line) for line in lines) <= 79
    assert all(":" in line or line[:1] in (" ", "\t") for line in lines)
    assert any(line[:1] == " " for line in lines)  # the long recipient was folded
    bag = bagit.Bag(str(pkg))
    bag.validate()
    assert " ".join(bag.info["Recipient"].split()) == recipient.strip()
    assert bag.info["Signer-Fingerprint"] == hana.public.fingerprint


def test_manifests_in_other_algorithms_are_checked_for_path_safety(
        case: Case, hana: Signer, tmp_path: Path) -> None:
    _filled(case, hana, tmp_path)
    pkg = tmp_path / "pkg"
    export_package(case, hana, pkg, ExportRequest("Court"))
    (pkg / "manifest-md5.txt").write_text("d41d8cd98f00b204e9800998ecf8427e  ../../etc/passwd\n")
    (pkg / "tagmanifest-sha1.txt").write_text(
        "da39a3ee5e6b4b0d3255bfef95601890afd80709  /etc/shadow\n")
    flagged = subprocess.run([BAGIT_PY, "--validate", str(pkg)], check=False,
                             capture_output=True)
    assert flagged.returncode != 0  # bagit.py flags it too
    report = verify_package(pkg, [hana.public])
    invalid = {f.subject: f.message for f in report.errors if f.code == "manifest-invalid"}
    assert "'..'" in invalid["manifest-md5.txt"]
    assert "absolute path" in invalid["tagmanifest-sha1.txt"]
    (pkg / "manifest-md5.txt").write_text("d41d8cd98f00b204e9800998ecf8427e  data/gone.txt\n")
    report = verify_package(pkg, [hana.public])
    assert any(f.code == "file-missing" and f.subject == "data/gone.txt" for f in report.errors)
