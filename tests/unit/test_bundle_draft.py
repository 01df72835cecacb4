"""Draft bundles stay out of the case; a package names the bundle it carries (item 13).

Judged with pdftotext (the draft's cover) and bagit-python (the package with its bundle).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from evidencekit import (
    BundleRequest,
    Case,
    ExportRequest,
    IngestRequest,
    InputError,
    Signer,
    build_bundle,
    export_package,
    ingest,
    verify_package,
)
from evidencekit.core.hashing import hash_file
from evidencekit.custody.exhibits import find_bundle


@pytest.fixture
def small(case: Case, hana: Signer, sample_dir: Path) -> Case:
    ingest(case, [sample_dir / "statement_hana_green.txt"], hana,
           IngestRequest("statement", "HG", "Statement of Hana Green"))
    ingest(case, [sample_dir / "photo_front_door.jpg"], hana,
           IngestRequest("photo", "HG", "Front door"))
    return case


def bag_info(pkg: Path) -> dict[str, str]:
    lines = (pkg / "bag-info.txt").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def test_a_draft_is_written_but_never_carried(small: Case, hana: Signer,
                                              tmp_path: Path) -> None:
    real = build_bundle(small, hana, tmp_path / "real.pdf", BundleRequest())
    events = len(list(small.events()))
    draft = build_bundle(small, hana, tmp_path / "draft.pdf", BundleRequest(draft=True))
    assert draft.draft and draft.event_seq is None
    assert len(list(small.events())) == events, "a draft is not a state change of the case"
    assert not small.object_path(draft.sha256).exists()
    assert hash_file(tmp_path / "draft.pdf").sha256 == draft.sha256
    sidecar = json.loads((tmp_path / "draft.json").read_text())
    assert sidecar["draft"] is True and "custody_event" not in sidecar
    cover = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "draft.pdf"),
                            "-"], capture_output=True, text=True, check=True).stdout
    assert "DRAFT: not recorded as the case's bundle" in cover
    info = subprocess.run(["pdfinfo", str(tmp_path / "draft.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert "Draft hearing bundle" in info

    result = export_package(small, hana, tmp_path / "pkg", ExportRequest("Court"))
    assert result.bundle_id == real.bundle_id
    pdf = tmp_path / "pkg" / "data" / "bundle" / "hearing-bundle.pdf"
    assert hash_file(pdf).sha256 == real.sha256
    info = bag_info(tmp_path / "pkg")
    assert info["Bundle-Identifier"] == real.bundle_id
    assert info["Bundle-Custody-Event"] == str(real.event_seq)
    assert info["Bundle-SHA256"] == real.sha256
    verify = (tmp_path / "pkg" / "VERIFY.txt").read_text()
    assert f"Bundle:      data/bundle/hearing-bundle.pdf: bundle {real.bundle_id}" in verify
    assert f"custody event #{real.event_seq}" in result.bundle
    subprocess.run([str(Path(".venv/bin/bagit.py").resolve()), "--validate",
                    str(tmp_path / "pkg")], check=True, capture_output=True)
    assert verify_package(tmp_path / "pkg", [hana.public]).ok


def test_export_carries_the_bundle_it_is_told_to(small: Case, hana: Signer,
                                                  tmp_path: Path) -> None:
    first = build_bundle(small, hana, tmp_path / "one.pdf", BundleRequest())
    build_bundle(small, hana, tmp_path / "two.pdf", BundleRequest(numbering="sections"))
    for name in (first.bundle_id or "", (first.bundle_id or "")[:8], f"#{first.event_seq}",
                 first.sha256[:12]):
        out = tmp_path / f"pkg-{len(list(tmp_path.iterdir()))}"
        result = export_package(small, hana, out, ExportRequest("Court", bundle=name))
        assert result.bundle_id == first.bundle_id, name
        assert bag_info(out)["Bundle-SHA256"] == first.sha256
    none = export_package(small, hana, tmp_path / "bare", ExportRequest("Court", bundle="none"))
    assert none.bundle == "no hearing bundle" and none.bundle_id is None
    assert bag_info(tmp_path / "bare")["Bundle-Identifier"] == "none"
    assert not (tmp_path / "bare" / "data" / "bundle").exists()
    with pytest.raises(InputError, match="No recorded bundle matches 'deadbeef'") as caught:
        export_package(small, hana, tmp_path / "x", ExportRequest("Court", bundle="deadbeef"))
    assert first.bundle_id in (caught.value.hint or "")
    with pytest.raises(InputError, match="is not redacted; a redacted package carries a "
                                         "redacted bundle"):
        find_bundle(small.events(), f"#{first.event_seq}", redacted=True)
    assert not (tmp_path / "x").exists()


def test_a_draft_supplement_says_so_and_leaves_the_case_alone(
        small: Case, hana: Signer, tmp_path: Path, sample_dir: Path) -> None:
    build_bundle(small, hana, tmp_path / "real.pdf", BundleRequest())
    ingest(small, [sample_dir / "statement_pc_ashby.pdf"], hana,
           IngestRequest("statement", "HG", "Late statement"))
    events = len(list(small.events()))
    draft = build_bundle(small, hana, tmp_path / "late.pdf",
                         BundleRequest(supplement=True, draft=True))
    assert len(list(small.events())) == events and draft.event_seq is None
    text = subprocess.run(["pdftotext", str(tmp_path / "late.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "SUPPLEMENTARY INDEX (DRAFT: not recorded)" in text
    recorded = build_bundle(small, hana, tmp_path / "late2.pdf", BundleRequest(supplement=True))
    assert recorded.event_seq == events + 1  # the real supplement still builds on the real one
