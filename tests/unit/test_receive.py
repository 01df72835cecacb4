"""Receiving a partner's package: round trips between organisations, refusals that add
nothing, reference collisions, and the sender's record re-checked on every verify."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import (
    AgeEncryption,
    AgeIdentity,
    Case,
    Event,
    ExportRequest,
    IngestRequest,
    InputError,
    KeyFileError,
    ReceiveError,
    Signer,
    add_derived,
    disclosure_register,
    export_package,
    ingest,
    mark_no_redaction,
    receive_package,
    set_disclosure_defaults,
    verify_case,
    verify_package,
)
from evidencekit.case.records import read_records
from evidencekit.custody.received import Record, check_received
from evidencekit.package import bagfiles

from ..conftest import FrozenClock

BAGIT_PY = str(Path(sys.executable).parent / "bagit.py")
Snapshot = dict[str, bytes | None]


def snapshot(root: Path) -> Snapshot:
    """Every file and folder under ``root``, with the files' bytes."""
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(folder, name), root) + "/"] = None
        for name in files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


@pytest.fixture
def housing(tmp_path: Path, clock: FrozenClock, hana: Signer,
            evidence: Callable[[str, bytes], Path]) -> Case:
    case = Case.init(tmp_path / "housing", ref="NH-2026-0147", title="Closure order, 14 Elm Ct",
                     clock=clock)
    ingest(case, [evidence("statement.txt", b"Statement of Hana Green\n"),
                  evidence("diary.txt", b"Noise diary, 1-14 Nov\n")], hana,
           IngestRequest("statement", "HG", "Statement of Hana Green"))
    return case


@pytest.fixture
def police(tmp_path: Path, clock: FrozenClock) -> Case:
    return Case.init(tmp_path / "police", ref="NP-ASB-55", title="Closure, Elm Court",
                     clock=clock)


@pytest.fixture
def package(housing: Case, hana: Signer, tmp_path: Path) -> Path:
    out = tmp_path / "to-police"
    export_package(housing, hana, out, ExportRequest(
        "Northside Police, ASB unit", basis="Crime and Disorder Act 1998 s.115",
        purpose="closure order application", marking="OFFICIAL-SENSITIVE"))
    return out


def test_received_exhibits_keep_bytes_hash_ref_and_metadata(
        housing: Case, police: Case, package: Path, hana: Signer, tom: Signer) -> None:
    result = receive_package(police, tom, package, [hana.public])
    assert [(i.ref, i.status) for i in result.items] == [("HG/1", "added"), ("HG/2", "added")]
    assert (result.sender_name, result.sender_org) == ("Hana Green", "Northside Housing")
    for theirs in housing.items():
        mine = police.item(theirs.ref)
        assert (mine.sha256, mine.size, mine.description, mine.original_name, mine.kind) == \
            (theirs.sha256, theirs.size, theirs.description, theirs.original_name, theirs.kind)
        assert dict(mine.metadata) == dict(theirs.metadata)
        assert police.object_path(mine.sha256).read_bytes() == \
            housing.object_path(theirs.sha256).read_bytes()
        origin = mine.origin
        assert origin is not None and origin.sender_fingerprint == hana.public.fingerprint
        assert origin.sender_case_ref == "NH-2026-0147" and origin.sender_ref == theirs.ref
        assert origin.sender_case_id == housing.info.case_id
        head = housing.read_head()
        assert head is not None and (origin.head_seq, origin.head_hash) == (head.seq, head.hash)
        assert "received from Hana Green, Northside Housing, package" in origin.describe()
    report = verify_case(police, [tom.public])
    assert report.ok, report.findings
    assert read_records(police)[result.package_id].events == \
        (package / "data/custody/events.jsonl").read_bytes()


@pytest.mark.parametrize("tamper", ["exhibit-byte", "bag-info", "extra-file", "deleted-file",
                                    "custody-event", "signature"])
def test_a_tampered_package_is_refused_and_nothing_is_added(
        police: Case, package: Path, hana: Signer, tom: Signer, tamper: str) -> None:
    exhibit = next((package / "data/exhibits").iterdir())
    if tamper == "exhibit-byte":
        data = bytearray(exhibit.read_bytes())
        data[0] ^= 1
        exhibit.write_bytes(bytes(data))
    elif tamper == "bag-info":
        info = package / "bag-info.txt"
        info.write_text(info.read_text().replace("Northside Police", "Someone else"))
    elif tamper == "extra-file":
        (package / "data/exhibits/HG-9_added.txt").write_text("slipped in\n")
    elif tamper == "deleted-file":
        exhibit.unlink()
    elif tamper == "custody-event":
        log = package / "data/custody/events.jsonl"
        log.write_bytes(log.read_bytes().replace(b"Statement of Hana", b"Statement of Hanz"))
    else:
        sig = package / "signature/tagmanifest-sha256.txt.sig"
        sig.write_bytes(bytes(64))
    before = snapshot(police.root)
    with pytest.raises(ReceiveError) as caught:
        receive_package(police, tom, package, [hana.public])
    assert caught.value.report is not None and not caught.value.report.ok
    assert "Nothing was added" in caught.value.user_message()
    assert snapshot(police.root) == before


def test_an_untrusted_signer_is_refused(police: Case, package: Path, hana: Signer,
                                        tom: Signer, mallory: Signer) -> None:
    before = snapshot(police.root)
    with pytest.raises(ReceiveError, match="signer-untrusted"):
        receive_package(police, tom, package, [mallory.public])
    assert snapshot(police.root) == before


def test_a_zip_package_is_received(housing: Case, police: Case, hana: Signer, tom: Signer,
                                   tmp_path: Path) -> None:
    export_package(housing, hana, tmp_path / "p", ExportRequest("Police", zip=True))
    result = receive_package(police, tom, tmp_path / "p.zip", [hana.public])
    assert len(result.items) == 2 and verify_case(police, [tom.public]).ok
    assert list(police.tmp_dir.iterdir()) == []  # the private copy is gone


def test_receiving_twice_adds_nothing(police: Case, package: Path, hana: Signer,
                                      tom: Signer) -> None:
    first = receive_package(police, tom, package, [hana.public])
    before = snapshot(police.root)
    again = receive_package(police, tom, package, [hana.public])
    assert again.already_received and again.items == () and again.event_seq == first.event_seq
    assert snapshot(police.root) == before


def test_a_taken_reference_is_refused_then_prefixed(
        police: Case, package: Path, hana: Signer, tom: Signer,
        evidence: Callable[[str, bytes], Path]) -> None:
    # the police have their own HG (Harry Grant): HG/1 is taken
    ingest(police, [evidence("pc-grant.txt", b"PC Harry Grant's notes\n")], tom,
           IngestRequest("document", "HG", "Notes of PC Harry Grant"))
    before = snapshot(police.root)
    with pytest.raises(ReceiveError, match=r"HG/1 are already used") as caught:
        receive_package(police, tom, package, [hana.public])
    assert "--prefix" in caught.value.user_message()
    assert snapshot(police.root) == before
    result = receive_package(police, tom, package, [hana.public], prefix="nh")
    assert [(i.ref, i.sender_ref) for i in result.items] == [("NH-HG/1", "HG/1"),
                                                             ("NH-HG/2", "HG/2")]
    assert police.item("HG/1").description == "Notes of PC Harry Grant"
    received = police.item("NH-HG/1")
    assert received.origin is not None and received.origin.sender_ref == "HG/1"
    assert verify_case(police, [tom.public]).ok
    with pytest.raises(InputError, match="--prefix"):
        receive_package(police, tom, package, [hana.public], prefix="no spaces")


@pytest.mark.parametrize("part", ["events.jsonl", "head.json", "keys"])
def test_an_altered_stored_sender_record_fails_verify(
        police: Case, package: Path, hana: Signer, tom: Signer, part: str) -> None:
    result = receive_package(police, tom, package, [hana.public])
    folder = police.root / "received" / result.package_id
    target = folder / part
    if part == "keys":
        for key in target.iterdir():
            key.chmod(0o644)
            key.unlink()
    else:
        target.chmod(0o644)
        target.write_bytes(target.read_bytes().replace(b"Hana Green", b"Hana Grean"))
    report = verify_case(police, [tom.public])
    codes = {f.code for f in report.errors}
    assert codes & {"received-record-altered", "received-key-missing"}, report.findings
    shutil.rmtree(folder)
    assert "received-record-missing" in {f.code for f in verify_case(police, [tom.public]).errors}


def test_a_redacted_package_arrives_as_redacted_copies(
        housing: Case, police: Case, hana: Signer, tom: Signer, tmp_path: Path,
        evidence: Callable[[str, bytes], Path]) -> None:
    original = housing.item("HG/1")
    add_derived(housing, hana, "HG/1", evidence("r.txt", b"Statement of [REDACTED]\n"),
                description="Statement, names removed")
    mark_no_redaction(housing, hana, "HG/2", "names no one")
    export_package(housing, hana, tmp_path / "red", ExportRequest("Police", redacted=True))
    receive_package(police, tom, tmp_path / "red", [hana.public])
    copy = police.item("HG/1-R1")
    assert copy.source_ref == "HG/1" and copy.details["source_sha256"] == original.sha256
    assert copy.origin is not None and copy.origin.redacted
    assert [i.ref for i in police.items()] == ["HG/1-R1", "HG/2"]
    assert verify_case(police, [tom.public]).ok


def test_round_trip_housing_police_housing_and_onward(
        housing: Case, police: Case, package: Path, hana: Signer, tom: Signer,
        tmp_path: Path, clock: FrozenClock, evidence: Callable[[str, bytes], Path]) -> None:
    receive_package(police, tom, package, [hana.public])
    ingest(police, [evidence("ta1.txt", b"Statement of PC Tom Ashby\n")], tom,
           IngestRequest("statement", "TA", "Statement of PC Ashby"))
    back = tmp_path / "to-housing"
    export_package(police, tom, back, ExportRequest("Northside Housing"))
    onward = verify_package(back, [tom.public])
    assert onward.ok, onward.findings
    assert (back / "data/custody/received").is_dir()
    home = receive_package(housing, hana, back, [tom.public])
    assert {(i.ref, i.status) for i in home.items} == {
        ("HG/1", "already held"), ("HG/2", "already held"), ("TA/1", "added")}
    assert verify_case(housing, [hana.public]).ok
    # a third party gets the police's package: the chain goes back to Hana's ingest
    council = Case.init(tmp_path / "council", ref="CC-1", title="Council copy", clock=clock)
    receive_package(council, hana, back, [tom.public])
    records = read_records(council)
    assert len(records) == 1 and len(next(iter(records.values())).upstream) == 1
    assert verify_case(council, [hana.public]).ok
    third = tmp_path / "to-court"
    export_package(council, hana, third, ExportRequest("Court", refs=("HG/1",)))
    assert verify_package(third, [hana.public]).ok
    assert len(list((third / "data/custody/received").iterdir())) == 2
    # the carried records are cut down: the police's TA/1 is not disclosed to the court
    carried = b"".join(p.read_bytes() for p in (third / "data/custody/received").rglob(
        "events.jsonl"))
    assert b"Statement of PC Ashby" not in carried and b"Statement of Hana Green" in carried


def test_onward_package_passes_bagit_and_openssl(police: Case, package: Path, hana: Signer,
                                                 tom: Signer, tmp_path: Path) -> None:
    receive_package(police, tom, package, [hana.public])
    out = tmp_path / "onward"
    export_package(police, tom, out, ExportRequest("Court"))
    assert subprocess.run([BAGIT_PY, "--validate", "."], cwd=out, check=False,
                          capture_output=True).returncode == 0
    checked = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "signature/signer.pem", "-rawin",
         "-in", "tagmanifest-sha256.txt", "-sigfile", "signature/tagmanifest-sha256.txt.sig"],
        cwd=out, check=False, capture_output=True, text=True)
    assert "Signature Verified Successfully" in checked.stdout


def test_carried_record_tampering_is_caught_even_if_repackaged(
        police: Case, package: Path, hana: Signer, tom: Signer, tmp_path: Path) -> None:
    result = receive_package(police, tom, package, [hana.public])
    record = read_records(police)[result.package_id]
    events = list(police.events())
    assert check_received(events, {record.package_id: record}, pinned=False) == []
    forged = Record(record.package_id,
                    record.events.replace(b"Statement of Hana", b"Statement of Hanz"),
                    record.head, record.keys)
    found = check_received(events, {record.package_id: forged}, pinned=False)
    assert found and all(f.severity == "error" for f in found)


@given(st.data())
def test_any_single_byte_change_in_a_record_is_detected(
        received_record: tuple[list[Event], Record], data: st.DataObject) -> None:
    events, record = received_record
    raw = bytearray(record.events)
    at = data.draw(st.integers(0, len(raw) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[at]))
    raw[at] = new
    forged = Record(record.package_id, bytes(raw), record.head, record.keys)
    assert check_received(events, {record.package_id: forged}, pinned=False)


@pytest.fixture(scope="module")
def received_record(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Event], Record]:
    hana = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing")
    tom = Signer.from_seed(bytes(range(32, 64)), "Tom Ashby", "Northside Police")
    root = tmp_path_factory.mktemp("record")
    (root / "s.txt").write_bytes(b"Statement\n")
    housing = Case.init(root / "h", ref="NH-1", title="H")
    ingest(housing, [root / "s.txt"], hana, IngestRequest("statement", "HG", "Statement"))
    export_package(housing, hana, root / "pkg", ExportRequest("Police"))
    police = Case.init(root / "p", ref="NP-1", title="P")
    result = receive_package(police, tom, root / "pkg", [hana.public])
    return list(police.events()), read_records(police)[result.package_id]


def test_the_register_lists_what_was_sent_and_received(
        housing: Case, police: Case, package: Path, hana: Signer, tom: Signer,
        tmp_path: Path) -> None:
    info = bagfiles.parse_bag_info((package / "bag-info.txt").read_bytes())
    assert info["Disclosure-Basis"] == "Crime and Disorder Act 1998 s.115"
    assert info["Disclosure-Purpose"] == "closure order application"
    assert info["Security-Marking"] == "OFFICIAL-SENSITIVE"
    verify_txt = (package / "VERIFY.txt").read_text()
    assert verify_txt.startswith("OFFICIAL-SENSITIVE\n")
    assert "Basis:       Crime and Disorder Act 1998 s.115" in verify_txt
    exported = [e for e in housing.events() if e.action == "exported"][-1]
    assert exported.details["basis"] == "Crime and Disorder Act 1998 s.115"
    receive_package(police, tom, package, [hana.public])
    set_disclosure_defaults(police, tom, basis="Data Protection Act 2018 Sch. 2 para 2",
                            marking="official")
    export_package(police, tom, tmp_path / "court", ExportRequest("Court", refs=("HG/1",)))
    sent, = disclosure_register(housing).sent
    assert (sent.recipient, sent.exhibits, sent.redacted, sent.marking) == (
        "Northside Police, ASB unit", ("HG/1", "HG/2"), False, "OFFICIAL-SENSITIVE")
    register = disclosure_register(police)
    got, = register.received
    assert (got.sender, got.their_case, got.basis, got.package_id) == (
        "Hana Green, Northside Housing", "NH-2026-0147", "Crime and Disorder Act 1998 s.115",
        sent.package_id)
    onward, = register.sent
    assert (onward.basis, onward.marking, onward.purpose) == (
        "Data Protection Act 2018 Sch. 2 para 2", "OFFICIAL", None)
    rows = list(csv.DictReader(io.StringIO(register.to_csv())))
    assert [r["direction"] for r in rows] == ["received", "sent"]
    with pytest.raises(InputError, match="--marking"):
        ExportRequest("Court", marking="SECRET")


def test_received_exhibits_can_be_redacted_and_sent_on_redacted(
        housing: Case, police: Case, package: Path, hana: Signer, tom: Signer,
        tmp_path: Path, evidence: Callable[[str, bytes], Path]) -> None:
    receive_package(police, tom, package, [hana.public])
    copy = add_derived(police, tom, "HG/1", evidence("r.txt", b"Statement of [REDACTED]\n"),
                       description="Statement, names removed by the police")
    assert copy.ref == "HG/1-R1" and copy.details["source_sha256"] == police.item("HG/1").sha256
    mark_no_redaction(police, tom, "HG/2", "a noise diary naming no one")
    out = tmp_path / "defence"
    export_package(police, tom, out, ExportRequest("Defence", redacted=True))
    report = verify_package(out, [tom.public])
    assert report.ok, report.findings
    # Hana's package was not redacted: its export event names the original files, so
    # its record stays with the police (a warning), and no original name goes out
    assert {f.code for f in report.warnings} == {"received-record-withheld"}
    assert not (out / "data/custody/received").exists()
    assert not [p for p in out.rglob("*") if p.is_file() and b"statement.txt" in p.read_bytes()]
    home = receive_package(housing, hana, out, [tom.public])
    assert {(i.ref, i.status) for i in home.items} == {("HG/1-R1", "added"),
                                                       ("HG/2", "already held")}
    back = housing.item("HG/1-R1")
    assert back.source_ref == "HG/1" and back.details["source_sha256"] == \
        housing.item("HG/1").sha256
    assert verify_case(housing, [hana.public]).ok


def test_a_record_is_checked_and_reported_once(housing: Case, police: Case, hana: Signer,
                                               tom: Signer, tmp_path: Path,
                                               evidence: Callable[[str, bytes], Path]) -> None:
    # a colleague of another organisation signed in the sender's case: vouched, once
    ingest(housing, [evidence("bwv.txt", b"Body-worn video note\n")], tom,
           IngestRequest("document", "TA", "Note of PC Ashby"))
    export_package(housing, hana, tmp_path / "p", ExportRequest("Police"))
    officer = Signer.from_seed(bytes([5]) * 32, "Ria Shah", "Northside Police")
    receive_package(police, officer, tmp_path / "p", [hana.public])
    report = verify_case(police, [officer.public])
    assert report.ok
    assert [f.code for f in report.warnings] == ["signer-vouched"]
    assert report.warnings[0].subject.startswith("sender's record ")


def test_an_encrypted_package_is_received_with_the_right_identity(
        housing: Case, police: Case, hana: Signer, tom: Signer, tmp_path: Path) -> None:
    police_age, stranger = AgeIdentity.generate(), AgeIdentity.generate()
    sealed = export_package(housing, hana, tmp_path / "sealed", ExportRequest(
        "Police", encryption=AgeEncryption((police_age.recipient,))))
    before = snapshot(police.root)
    with pytest.raises(KeyFileError):
        receive_package(police, tom, Path(sealed.path), [hana.public], identities=[stranger])
    assert snapshot(police.root) == before
    damaged = tmp_path / "damaged.zip.age"
    data = bytearray(Path(sealed.path).read_bytes())
    data[-100] ^= 1
    damaged.write_bytes(bytes(data))
    with pytest.raises(ReceiveError, match="refused"):
        receive_package(police, tom, damaged, [hana.public], identities=[police_age])
    assert snapshot(police.root) == before
    got = receive_package(police, tom, Path(sealed.path), [hana.public],
                          identities=[police_age])
    assert [i.ref for i in got.items] == ["HG/1", "HG/2"]
    assert verify_case(police, [tom.public]).ok
    received, = disclosure_register(police).received
    assert received.encryption is not None and received.encryption["format"] == "age-v1"
