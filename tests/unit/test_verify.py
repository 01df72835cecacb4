"""Tampering with a case folder is found, named, and every problem is reported."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from evidencekit import Case, IngestRequest, IntegrityError, Signer, ingest, verify_case

Write = Callable[[str, bytes], Path]


@pytest.fixture
def filled(case: Case, hana: Signer, tom: Signer, evidence: Write) -> Case:
    ingest(case, [evidence("a.txt", b"alpha"), evidence("b.txt", b"bravo")], hana,
           IngestRequest("statement", "HG", "Two statements"))
    ingest(case, [evidence("c.txt", b"charlie")], tom, IngestRequest("document", "TA", "Note"))
    return case


def codes(case: Case, *signers: Signer) -> dict[str, str]:
    report = verify_case(Case.open(case.root), [s.public for s in signers])
    return {f.code: f.subject for f in report.findings if f.severity == "error"}


def writable(path: Path) -> Path:
    path.chmod(0o644)
    return path


def test_intact_case_passes(filled: Case, hana: Signer, tom: Signer) -> None:
    report = verify_case(filled, [hana.public, tom.public])
    assert report.ok and not report.findings
    report.raise_for_failure()
    assert report.to_dict()["checked"] == {"events": 4, "items": 3, "bytes": 17, "signers": 2}


def test_every_problem_is_reported_not_just_the_first(filled: Case, hana: Signer) -> None:
    items = filled.items()
    writable(filled.object_path(items[0].sha256)).write_bytes(b"ALPHA")
    filled.object_path(items[1].sha256).unlink()
    found = codes(filled, hana)  # Tom is not trusted this time
    assert found == {"object-altered": "HG/1", "object-missing": "HG/2",
                     "signer-untrusted": "event 4, head"}
    with pytest.raises(IntegrityError, match="HG/1"):
        verify_case(filled, [hana.public]).raise_for_failure()


def test_same_size_byte_flip_is_detected(filled: Case, hana: Signer, tom: Signer) -> None:
    path = writable(filled.object_path(filled.item("TA/1").sha256))
    data = bytearray(path.read_bytes())
    data[3] ^= 1
    path.write_bytes(bytes(data))
    assert codes(filled, hana, tom) == {"object-altered": "TA/1"}


def test_edited_case_record_is_detected(filled: Case, hana: Signer, tom: Signer) -> None:
    record = json.loads((filled.root / "case.json").read_text())
    record["title"] = "Something else"
    (filled.root / "case.json").write_text(json.dumps(record))
    assert codes(filled, hana, tom) == {"case-record-mismatch": "case.json"}


def test_truncated_log_and_deleted_head(filled: Case, hana: Signer, tom: Signer) -> None:
    lines = filled.log_path.read_bytes().splitlines(keepends=True)
    filled.log_path.write_bytes(b"".join(lines[:-1]))
    assert codes(filled, hana, tom) == {"log-truncated": "head"}
    filled.head_path.unlink()
    assert codes(filled, hana, tom) == {"head-missing": "head"}
    filled.head_path.write_text("{not a head")
    assert codes(filled, hana, tom) == {"head-unreadable": "head"}


def test_edited_description_breaks_the_signature(filled: Case, hana: Signer,
                                                 tom: Signer) -> None:
    raw = filled.log_path.read_bytes().replace(b"Two statements", b"Two statement5", 1)
    filled.log_path.write_bytes(raw)
    found = codes(filled, hana, tom)
    assert found["bad-signature"] == "event 2"
    assert found["event-link"] == "event 3"


def test_stray_files_are_warnings(filled: Case, hana: Signer, tom: Signer) -> None:
    (filled.tmp_dir / "ingest-abc.part").write_bytes(b"partial")
    stray = filled.object_path("ab" * 32)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"x")
    report = verify_case(filled, [hana.public, tom.public])
    assert report.ok
    assert {f.code for f in report.warnings} == {"tmp-leftover", "object-unrecorded"}


def test_events_view_follows_appends_and_rewrites(filled: Case, hana: Signer) -> None:
    view = Case.open(filled.root)
    before = view.events()
    ingest(filled, [filled.root.parent / "evidence" / "a.txt"], hana,
           IngestRequest("statement", "HG", "again"))  # appended through another Case
    assert len(view.events()) == len(before) + 1
    lines = filled.log_path.read_bytes().splitlines(keepends=True)
    filled.log_path.write_bytes(b"".join(lines[:2]))  # cut: the view reads it all again
    assert [e.seq for e in view.events()] == [1, 2]


def test_a_malformed_size_in_a_record_fails_verification_not_the_program(
        filled: Case, hana: Signer, tom: Signer) -> None:
    raw = filled.log_path.read_bytes().replace(b'"size":5,', b'"size":"five",', 1)
    filled.log_path.write_bytes(raw)
    assert filled.items()[0].size == -1
    found = codes(filled, hana, tom)
    assert found["object-altered"] == "HG/1" and found["bad-signature"] == "event 2"
