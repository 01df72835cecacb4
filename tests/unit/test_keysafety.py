"""Key safety: never unencrypted, never logged, modes checked; rotation and revocation."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from evidencekit import (
    FAST_KDF,
    Case,
    ExportRequest,
    IngestRequest,
    InputError,
    KeyFileError,
    Signer,
    export_package,
    ingest,
    key_states,
    load_signer,
    revoke_key,
    rotate_key,
    verify_case,
    verify_package,
)
from evidencekit.core.storage import append_line
from evidencekit.custody.events import next_event
from evidencekit.custody.lifecycle import rotation_details
from evidencekit.keys.keyfile import create_key
from tests.conftest import PASSPHRASE

NEW_SEED = bytes(range(100, 132))


@pytest.fixture
def hana2() -> Signer:
    return Signer.from_seed(NEW_SEED, "Hana Green", "Northside Housing")


def _one(case: Case, signer: Signer, name: str, data: bytes, folder: Path) -> None:
    path = folder / name
    path.write_bytes(data)
    ingest(case, [path], signer, IngestRequest("document", "HG", name))


def _forge(case: Case, signer: Signer, action: str = "note") -> None:
    """Append an event the way a hostile program with the key would (no writer checks)."""
    last = case.events()[-1]
    event = next_event(last, case_id=case.info.case_id, signer=signer, now=case.clock(),
                       action=action, details={"text": "forged"})
    append_line(case.log_path, event.to_line())


def _codes(report: object) -> list[str]:
    return [f.code for f in report.findings]  # type: ignore[attr-defined]


# -- the private key on disk -------------------------------------------------------------
def _secret_forms(seed: bytes) -> list[bytes]:
    return [seed, seed.hex().encode(), seed.hex().upper().encode(),
            base64.b64encode(seed), base64.b64encode(seed).rstrip(b"=")]


def test_the_key_file_never_holds_the_seed_in_any_common_encoding(tmp_path: Path) -> None:
    public = create_key(tmp_path / "me", "Me", "Org", "a long passphrase", kdf=FAST_KDF)
    signer = load_signer(tmp_path / "me.key", "a long passphrase")
    assert signer.public == public
    seed = signer._signing_key.encode()
    data = (tmp_path / "me.key").read_bytes()
    assert not any(form in data for form in _secret_forms(seed))
    assert b"a long passphrase" not in data
    assert (tmp_path / "me.key").stat().st_mode & 0o777 == 0o600
    assert "Me" in repr(signer) and seed.hex() not in repr(signer)


def test_a_key_file_others_can_read_is_refused_with_the_fix(key_files: dict[str, Path],
                                                            tmp_path: Path) -> None:
    loose = tmp_path / "loose.key"
    loose.write_bytes(key_files["hg"].read_bytes())
    for mode in (0o644, 0o640, 0o604):
        loose.chmod(mode)
        with pytest.raises(KeyFileError) as err:
            load_signer(loose, PASSPHRASE)
        assert f"{mode:04o}" in err.value.message and "chmod 600" in (err.value.hint or "")
    loose.chmod(0o600)
    assert load_signer(loose, PASSPHRASE).public.name == "Hana Green"


def test_no_command_output_or_case_file_carries_the_secret(tmp_path: Path,
                                                           sample_dir: Path) -> None:
    """The whole path through the CLI, with --debug, and a wrong passphrase on the way."""
    env = {"EVIDENCEKIT_PASSPHRASE": "correct horse battery"}
    run = CliRunner().invoke
    outputs = []

    def go(*args: object, extra: dict[str, str] | None = None, code: int = 0) -> None:
        result = run(cli, ["--debug", *map(str, args)], env={**env, **(extra or {})})
        outputs.append((result.output or "").encode() + repr(result.exception).encode())
        assert (result.exit_code == 0) == (code == 0), result.output

    go("keys", "create", "--name", "Hana Green", "--org", "NH", "--out", tmp_path / "hg")
    go("init", tmp_path / "case", "--ref", "R-1", "--title", "T")
    go("ingest", sample_dir / "statement_hana_green.txt", "--case", tmp_path / "case", "--key",
       tmp_path / "hg.key", "--kind", "statement", "--producer", "HG", "--description", "s")
    go("ingest", sample_dir / "photo_front_door.jpg", "--case", tmp_path / "case", "--key",
       tmp_path / "hg.key", "--kind", "photo", "--producer", "HG", "--description", "p",
       extra={"EVIDENCEKIT_PASSPHRASE": "wrong guess"}, code=3)
    go("export", "--case", tmp_path / "case", "--key", tmp_path / "hg.key", "--out",
       tmp_path / "pkg", "--recipient", "Court")
    seed = load_signer(tmp_path / "hg.key", env["EVIDENCEKIT_PASSPHRASE"])._signing_key.encode()
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "hg.key"]
    assert len(files) > 10
    haystacks = [p.read_bytes() for p in files] + outputs
    for forms in (_secret_forms(seed), [b"correct horse battery", b"wrong guess"]):
        for form in forms:
            assert not any(form in hay for hay in haystacks), form


# -- rotation ----------------------------------------------------------------------------
def test_rotation_hands_trust_to_the_new_key_and_retires_the_old(
        case: Case, hana: Signer, hana2: Signer, tmp_path: Path) -> None:
    _one(case, hana, "a.txt", b"before the rotation", tmp_path)
    event = rotate_key(case, hana, hana2)
    assert event.actor.fingerprint == hana.public.fingerprint
    assert (case.root / "keys" / f"{hana2.public.fingerprint}.pub").is_file()
    _one(case, hana2, "b.txt", b"after the rotation", tmp_path)
    report = verify_case(Case.open(case.root), [hana.public])  # only the OLD key is trusted
    assert report.ok and not report.findings, report.findings
    with pytest.raises(KeyFileError, match="replaced by key"):
        _one(case, hana, "c.txt", b"old key after rotation", tmp_path)
    assert key_states(case.events())[hana.public.fingerprint].successor == \
        hana2.public.fingerprint


def test_the_retired_key_signing_later_fails_verification(case: Case, hana: Signer,
                                                          hana2: Signer, tmp_path: Path) -> None:
    _one(case, hana, "a.txt", b"one", tmp_path)
    rotate_key(case, hana, hana2)
    _forge(case, hana)
    report = verify_case(Case.open(case.root), [hana.public])
    assert "signer-retired" in _codes(report) and not report.ok


def test_a_rotation_without_the_new_keys_agreement_hands_nothing_on(
        case: Case, hana: Signer, hana2: Signer, mallory: Signer, tmp_path: Path) -> None:
    """Mallory cannot get trusted by pointing a rotation at her key with a made-up proof."""
    _one(case, hana, "a.txt", b"one", tmp_path)
    rotate_key(case, hana, hana2)
    raw = case.log_path.read_bytes().replace(hana2.public.fingerprint.encode(),
                                             mallory.public.fingerprint.encode())
    case.log_path.write_bytes(raw)
    report = verify_case(Case.open(case.root), [hana.public])
    assert {"bad-signature", "rotation-invalid"} <= set(_codes(report))


def test_a_retired_key_cannot_hand_trust_on_a_second_time(
        case: Case, hana: Signer, hana2: Signer, mallory: Signer, tmp_path: Path) -> None:
    """A thief holding the old key after the rotation cannot rotate it to her own key."""
    _one(case, hana, "a.txt", b"one", tmp_path)
    rotate_key(case, hana, hana2)
    last = case.events()[-1]
    details = rotation_details(case.info.case_id, hana, mallory)
    event = next_event(last, case_id=case.info.case_id, signer=hana, now=case.clock(),
                       action="key-rotated", details=details)
    append_line(case.log_path, event.to_line())
    _forge(case, mallory)
    report = verify_case(Case.open(case.root), [hana.public])
    codes = _codes(report)
    assert "signer-retired" in codes and not report.ok
    # event 4 is the thief's second hand-over, event 5 her own record: it gains no trust
    assert any(f.code == "signer-unknown" and f.subject == "event 5" for f in report.findings)


def test_rotation_to_the_same_key_is_refused(case: Case, hana: Signer) -> None:
    with pytest.raises(InputError, match="same as the old"):
        rotate_key(case, hana, hana)


# -- revocation --------------------------------------------------------------------------
def test_revocation_flags_later_and_suspect_signatures(case: Case, hana: Signer, tom: Signer,
                                                       tmp_path: Path) -> None:
    _one(case, hana, "a.txt", b"hana's", tmp_path)
    _one(case, tom, "b.txt", b"tom before the theft", tmp_path)
    theft = case.clock().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    _one(case, tom, "c.txt", b"tom after the theft", tmp_path)
    revoke_key(case, hana, tom.public, "laptop stolen", since=theft)
    with pytest.raises(KeyFileError, match="revoked in custody event"):
        _one(case, tom, "d.txt", b"tom after revocation", tmp_path)
    report = verify_case(Case.open(case.root), [hana.public, tom.public])
    assert report.ok, report.findings
    suspect = [f for f in report.findings if f.code == "signed-while-compromised"]
    assert len(suspect) == 1 and suspect[0].severity == "warning"
    _forge(case, tom)
    report = verify_case(Case.open(case.root), [hana.public, tom.public])
    assert "signer-revoked" in _codes(report) and not report.ok
    with pytest.raises(InputError, match="already revoked"):
        revoke_key(case, hana, tom.public, "again")


def test_key_records_are_always_in_a_package_and_trust_flows_through(
        case: Case, hana: Signer, hana2: Signer, tom: Signer, tmp_path: Path) -> None:
    _one(case, hana, "a.txt", b"one", tmp_path)
    rotate_key(case, hana, hana2)
    revoke_key(case, hana2, tom.public, "left the force")
    _one(case, hana2, "b.txt", b"two", tmp_path)
    result = export_package(case, hana2, tmp_path / "pkg",
                            ExportRequest(recipient="Court", refs=("HG/2",)))
    extract = (Path(result.path) / "data" / "custody" / "events.jsonl").read_text()
    assert '"key-rotated"' in extract and '"key-revoked"' in extract
    report = verify_package(Path(result.path), [hana.public])  # the recipient knows the old key
    assert report.ok and not report.findings, report.findings


def test_cli_rotate_and_revoke(tmp_path: Path, key_files: dict[str, Path]) -> None:
    env = {"EVIDENCEKIT_PASSPHRASE": PASSPHRASE, "EVIDENCEKIT_NEW_PASSPHRASE": "a new passphrase"}
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path / "c"), "--ref", "R", "--title", "T"]
                         ).exit_code == 0
    made = runner.invoke(cli, ["keys", "create", "--name", "Hana Green", "--org", "NH",
                               "--out", str(tmp_path / "new")], env={
                                   "EVIDENCEKIT_PASSPHRASE": "a new passphrase"})
    assert made.exit_code == 0, made.output
    rotated = runner.invoke(cli, ["keys", "rotate", "--case", str(tmp_path / "c"), "--key",
                                  str(key_files["hg"]), "--new-key", str(tmp_path / "new.key")],
                            env=env)
    assert rotated.exit_code == 0 and "retired" in rotated.output, rotated.output
    revoked = runner.invoke(cli, ["keys", "revoke", str(key_files["ta.pub"]), "--case",
                                  str(tmp_path / "c"), "--key", str(tmp_path / "new.key"),
                                  "--reason", "phone lost", "--since", "2026-11-20T18:00Z"],
                            env={"EVIDENCEKIT_PASSPHRASE": "a new passphrase"})
    assert revoked.exit_code == 0, revoked.output
    again = runner.invoke(cli, ["keys", "rotate", "--case", str(tmp_path / "c"), "--key",
                                str(key_files["hg"]), "--new-key", str(tmp_path / "new.key")],
                          env=env)
    assert again.exit_code == 3 and again.output.count("\n") == 1
    assert "replaced by key" in again.output
    bad_since = runner.invoke(cli, ["keys", "revoke", "0" * 64, "--case", str(tmp_path / "c"),
                                    "--key", str(tmp_path / "new.key"), "--reason", "x",
                                    "--since", "yesterday"], env={
                                        "EVIDENCEKIT_PASSPHRASE": "a new passphrase"})
    assert bad_since.exit_code == 3 and "not a time" in bad_since.output


def test_a_loose_key_file_exits_3_with_one_line(case: Case, tmp_path: Path,
                                                key_files: dict[str, Path]) -> None:
    loose = tmp_path / "loose.key"
    loose.write_bytes(key_files["hg"].read_bytes())
    loose.chmod(0o644)
    env = {**os.environ, "EVIDENCEKIT_PASSPHRASE": PASSPHRASE}
    done = subprocess.run([sys.executable, "-c", "from evidencekit_cli.main import main; main()",
                           "keys", "rotate", "--case", str(case.root), "--key", str(loose),
                           "--new-key", str(loose)],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and "chmod 600" in done.stderr
