"""Packages: valid bags that standard tools accept, and every tamper class caught."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from evidencekit import (
    Case,
    ExportRequest,
    IngestRequest,
    InputError,
    IntegrityError,
    Signer,
    add_derived,
    export_package,
    ingest,
    mark_no_redaction,
    verify_package,
)
from evidencekit.core.hashing import hash_file
from evidencekit.package import bagfiles as bagit_format

BAGIT_PY = str(Path(sys.executable).parent / "bagit.py")


@pytest.fixture
def filled(case: Case, hana: Signer, tom: Signer, sample_dir: Path) -> Case:
    ingest(case, [sample_dir / "statement_hana_green.txt", sample_dir / "photo_front_door.jpg"],
           hana, IngestRequest("statement", "HG", "Statement of Hana Green"))
    ingest(case, [sample_dir / "bodycam_ashby.mp4"], tom,
           IngestRequest("bodycam", "TA", "Body-worn video, PC Ashby"))
    return case


@pytest.fixture
def package(filled: Case, hana: Signer, tmp_path: Path) -> Path:
    out = tmp_path / "pkg"
    export_package(filled, hana, out, ExportRequest("Northside Police"))
    return out


def errors(path: Path, *trusted: Signer) -> dict[str, str]:
    report = verify_package(path, [s.public for s in trusted])
    return {f.code: f.subject for f in report.errors}


def run(*cmd: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def test_package_passes_standard_tools(package: Path, hana: Signer) -> None:
    assert run(BAGIT_PY, "--validate", ".", cwd=package).returncode == 0
    assert run("sha256sum", "-c", "manifest-sha256.txt", cwd=package).returncode == 0
    assert run("sha512sum", "-c", "manifest-sha512.txt", cwd=package).returncode == 0
    assert run("sha256sum", "-c", "tagmanifest-sha256.txt", cwd=package).returncode == 0
    openssl = run("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "signature/signer.pem",
                  "-rawin", "-in", "tagmanifest-sha256.txt", "-sigfile",
                  "signature/tagmanifest-sha256.txt.sig", cwd=package)
    assert openssl.returncode == 0 and "Signature Verified Successfully" in openssl.stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", "signature/signer.pem",
                          "-outform", "DER"], cwd=package, capture_output=True, check=True).stdout
    assert hashlib.sha256(der).hexdigest() == hana.public.fingerprint
    verify_txt = (package / "VERIFY.txt").read_text()
    assert hana.public.fingerprint in verify_txt and "PowerShell" in verify_txt
    assert (package / "bagit.txt").read_bytes() == bagit_format.BAGIT_TXT


def test_package_contents(package: Path, hana: Signer, tom: Signer, filled: Case) -> None:
    info = bagit_format.parse_bag_info((package / "bag-info.txt").read_bytes())
    assert info["External-Identifier"] == "NH-TEST-1"
    assert info["Signer-Fingerprint"] == hana.public.fingerprint
    assert info["Recipient"] == "Northside Police"
    assert info["Payload-Oxum"].endswith(".9")  # 3 exhibits, 2 index files, events, head, 2 keys
    names = sorted(p.name for p in (package / "data" / "exhibits").iterdir())
    assert names == ["HG-1_statement_hana_green.txt", "HG-2_photo_front_door.jpg",
                     "TA-1_bodycam_ashby.mp4"]
    csv_text = (package / "data" / "index" / "exhibits.csv").read_text()
    assert csv_text.splitlines()[0].startswith("ref,kind,description")
    report = verify_package(package, [hana.public, tom.public])
    assert report.ok and not report.findings, report.findings
    export_event = filled.events()[-1]
    assert export_event.action == "exported"
    assert export_event.details["package_id"] == info["Package-Identifier"]
    assert {i["sha256"] for i in export_event.details["items"]} == {
        i.sha256 for i in filled.items()}


def test_zip_package(filled: Case, hana: Signer, tmp_path: Path) -> None:
    result = export_package(filled, hana, tmp_path / "out", ExportRequest("Court", zip=True))
    assert result.path.endswith("out.zip")
    assert verify_package(Path(result.path), [hana.public]).ok
    with zipfile.ZipFile(result.path) as archive:
        assert all(n.startswith("out/") for n in archive.namelist())
        archive.extractall(tmp_path / "unzipped")
    assert run(BAGIT_PY, "--validate", "out", cwd=tmp_path / "unzipped").returncode == 0


def test_subset_discloses_only_its_own_events(filled: Case, hana: Signer, tom: Signer,
                                              tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    export_package(filled, tom, out, ExportRequest("Court", refs=("ta/1",)))
    events = (out / "data" / "custody" / "events.jsonl").read_text()
    assert "Statement of Hana Green" not in events
    assert events.count("custody-omitted") == 2
    assert [p.name for p in (out / "data" / "exhibits").iterdir()] == ["TA-1_bodycam_ashby.mp4"]
    report = verify_package(out, [tom.public])
    assert report.ok, report.findings
    assert [f.code for f in report.warnings] == ["signer-vouched"]


def _rewrite(path: Path, data: bytes) -> None:
    path.chmod(0o644)
    path.write_bytes(data)


def rebuild_and_sign(pkg: Path, signer: Signer) -> None:
    """What a tamperer would do: fresh manifests and a fresh signature."""
    files = sorted(p for p in (pkg / "data").rglob("*") if p.is_file())
    digests = {p.relative_to(pkg).as_posix(): hash_file(p, sha512=True) for p in files}
    (pkg / "manifest-sha256.txt").write_bytes(
        bagit_format.format_manifest({k: d.sha256 for k, d in digests.items()}))
    (pkg / "manifest-sha512.txt").write_bytes(
        bagit_format.format_manifest({k: d.sha512 or "" for k, d in digests.items()}))
    info = bagit_format.parse_bag_info((pkg / "bag-info.txt").read_bytes())
    info["Payload-Oxum"] = bagit_format.payload_oxum(d.size for d in digests.values())
    info["Signer-Fingerprint"] = signer.public.fingerprint
    (pkg / "bag-info.txt").write_bytes(bagit_format.format_bag_info(info.items()))
    (pkg / "signature" / "signer.pem").write_text(signer.public.to_pem())
    tags = {n: hash_file(pkg / n, sha512=True) for n in (
        "VERIFY.txt", "bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sha512.txt",
        "signature/signer.pem")}
    (pkg / "tagmanifest-sha512.txt").write_bytes(
        bagit_format.format_manifest({k: d.sha512 or "" for k, d in tags.items()}))
    (pkg / "tagmanifest-sha256.txt").write_bytes(
        bagit_format.format_manifest({k: d.sha256 for k, d in tags.items()}))
    (pkg / "signature" / "tagmanifest-sha256.txt.sig").write_bytes(
        signer.sign((pkg / "tagmanifest-sha256.txt").read_bytes()))


def test_flipped_byte_in_video(package: Path, hana: Signer, tom: Signer) -> None:
    video = package / "data" / "exhibits" / "TA-1_bodycam_ashby.mp4"
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0x01
    _rewrite(video, bytes(data))
    assert errors(package, hana, tom) == {"file-altered": "data/exhibits/TA-1_bodycam_ashby.mp4"}


def test_deleted_and_added_files(package: Path, hana: Signer, tom: Signer) -> None:
    (package / "data" / "exhibits" / "HG-1_statement_hana_green.txt").unlink()
    (package / "data" / "exhibits" / "extra.txt").write_text("planted")
    found = errors(package, hana, tom)
    assert found["file-missing"] == "data/exhibits/HG-1_statement_hana_green.txt"
    assert found["file-extra"] == "data/exhibits/extra.txt"
    assert "oxum-mismatch" in found


def test_edited_bag_info(package: Path, hana: Signer, tom: Signer) -> None:
    info = package / "bag-info.txt"
    info.write_text(info.read_text().replace("Northside Police", "Someone Else"))
    assert errors(package, hana, tom) == {"tag-altered": "bag-info.txt"}


def test_rebuilt_and_resigned_by_another_key(package: Path, hana: Signer, tom: Signer,
                                             mallory: Signer) -> None:
    (package / "data" / "exhibits" / "extra.txt").write_text("planted")
    rebuild_and_sign(package, mallory)
    found = errors(package, hana, tom)
    assert found["signer-untrusted"] == "signature/tagmanifest-sha256.txt.sig"
    assert found["export-event-mismatch"] == "data/exhibits/extra.txt"
    assert run(BAGIT_PY, "--validate", ".", cwd=package).returncode == 0  # bagit alone is fooled


def _custody_lines(pkg: Path) -> list[bytes]:
    return (pkg / "data" / "custody" / "events.jsonl").read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize(("tamper", "expected"), [
    ("edit", "bad-signature"),
    ("delete", "event-seq"),
    ("reorder", "event-seq"),
    ("truncate", "log-truncated"),
])
def test_custody_tampering_survives_a_valid_package_signature(
        package: Path, hana: Signer, tom: Signer, tamper: str, expected: str) -> None:
    lines = _custody_lines(package)
    if tamper == "edit":
        lines[1] = lines[1].replace(b"Statement of Hana Green", b"Statement of Someone")
    elif tamper == "delete":
        del lines[2]
    elif tamper == "reorder":
        lines[1], lines[2] = lines[2], lines[1]
    else:
        del lines[-1]
    _rewrite(package / "data" / "custody" / "events.jsonl", b"".join(lines))
    rebuild_and_sign(package, hana)  # even the real signer's key cannot hide it
    found = errors(package, hana, tom)
    assert expected in found, found
    assert set(found) - {expected} <= {"event-link", "event-seq", "head-mismatch",
                                       "export-event-missing", "log-truncated",
                                       "custody-mismatch", "bad-signature"}


def test_unsafe_paths_are_refused(package: Path, hana: Signer, tom: Signer,
                                  tmp_path: Path) -> None:
    (package / "data" / "link").symlink_to("/etc/hostname")
    assert errors(package, hana, tom)["path-unsafe"] == "data/link"
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        for path in sorted(package.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.write(path, path.relative_to(package).as_posix())
        archive.writestr("../../escape.txt", b"zip slip")
        link = zipfile.ZipInfo("data/evil-link")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
    report = verify_package(evil, [hana.public, tom.public])
    unsafe = {f.subject for f in report.errors if f.code == "path-unsafe"}
    assert unsafe == {"../../escape.txt", "data/evil-link"}
    assert not (tmp_path.parent / "escape.txt").exists()


def test_manifest_with_traversal_is_refused(package: Path, hana: Signer) -> None:
    manifest = package / "manifest-sha256.txt"
    manifest.write_text(manifest.read_text() + f"{'0' * 64}  data/../../etc/passwd\n")
    assert "manifest-invalid" in errors(package, hana)


def test_export_refuses_existing_output_and_altered_objects(filled: Case, hana: Signer,
                                                            tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(InputError, match="already exists"):
        export_package(filled, hana, tmp_path / "taken", ExportRequest("X"))
    stored = filled.object_path(filled.item("HG/1").sha256)
    _rewrite(stored, b"altered")
    before = filled.events()
    with pytest.raises(IntegrityError, match="HG/1"):
        export_package(filled, hana, tmp_path / "pkg", ExportRequest("X"))
    assert not (tmp_path / "pkg").exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    assert filled.events() == before  # no export event for a package never made


def test_unknown_items_are_refused(filled: Case, hana: Signer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ZZ/1"):
        export_package(filled, hana, tmp_path / "pkg", ExportRequest("X", refs=("ZZ/1",)))


def test_redacted_export(filled: Case, hana: Signer, tom: Signer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="HG/1, HG/2, TA/1"):
        export_package(filled, hana, tmp_path / "p1", ExportRequest("Defence", redacted=True))
    clean = tmp_path / "clean.txt"
    clean.write_text("Statement with [THIRD PARTY] removed.\n")
    add_derived(filled, hana, "HG/1", clean, description="Statement, redacted copy")
    image = tmp_path / "clean.jpg"
    shutil.copy(filled.object_path(filled.item("HG/2").sha256), image)
    image.write_bytes(image.read_bytes()[:2] + b"\xff\xd9")  # stand-in for a stripped copy
    add_derived(filled, hana, "HG/2", image, description="Photo, redacted copy")
    mark_no_redaction(filled, tom, "TA/1", "shows only the tenant and officers")
    out = tmp_path / "redacted"
    export_package(filled, hana, out, ExportRequest("Defence", redacted=True))
    report = verify_package(out, [hana.public, tom.public])
    assert report.ok, report.findings
    names = sorted(p.name for p in (out / "data" / "exhibits").iterdir())
    assert names == ["HG-1-R1.txt", "HG-2-R1.jpg", "TA-1.mp4"]
    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for secret in (b"statement_hana_green", b"photo_front_door", b"Statement of Hana Green",
                   b"SN-0042-7781", b"51.503472", b"Test case", b"SampleCam"):
        assert secret not in everything, secret


def test_damaged_zip_entry_is_a_finding_not_a_crash(filled: Case, hana: Signer, tom: Signer,
                                                    tmp_path: Path) -> None:
    result = export_package(filled, hana, tmp_path / "pkg", ExportRequest("Court", zip=True))
    path = Path(result.path)
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(".mp4"))
    data = bytearray(path.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 500] ^= 0xFF
    path.write_bytes(bytes(data))
    found = errors(path, hana, tom)
    assert found == {"file-unreadable": "data/exhibits/TA-1_bodycam_ashby.mp4"}
