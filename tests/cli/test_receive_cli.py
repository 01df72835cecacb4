"""``receive``, ``disclosures`` and ``disclosure-defaults`` through the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner, Result
from evidencekit_cli.exit_codes import EXIT_ERROR, EXIT_FAILED_CHECK, EXIT_OK
from evidencekit_cli.main import cli

from tests.conftest import PASSPHRASE

ENV = {"EVIDENCEKIT_PASSPHRASE": PASSPHRASE}


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=ENV)


def make_case(root: Path, ref: str) -> Path:
    assert run("init", root, "--ref", ref, "--title", "Elm Court").exit_code == 0
    return root


def test_receive_show_list_disclosures(tmp_path: Path, key_files: dict[str, Path]) -> None:
    housing, police = make_case(tmp_path / "h", "NH-1"), make_case(tmp_path / "p", "NP-2")
    (tmp_path / "s.txt").write_text("Statement of Hana Green\n")
    assert run("ingest", tmp_path / "s.txt", "--case", housing, "--key", key_files["hg"],
               "--kind", "statement", "--producer", "HG", "--description", "Statement"
               ).exit_code == 0
    defaults = run("disclosure-defaults", "--case", housing, "--key", key_files["hg"],
                   "--basis", "Crime and Disorder Act 1998 s.115")
    assert defaults.exit_code == 0, defaults.output
    pkg = tmp_path / "pkg"
    made = run("export", "--case", housing, "--key", key_files["hg"], "--out", pkg,
               "--recipient", "Northside Police", "--purpose", "closure order", "--marking",
               "official-sensitive", "--zip")
    assert made.exit_code == 0, made.output
    zipped = tmp_path / "pkg.zip"

    refused = run("receive", zipped, "--case", police, "--key", key_files["ta"], "--trust",
                  key_files["ta.pub"])
    assert refused.exit_code == EXIT_ERROR
    assert refused.output.count("\n") == 1 and "Traceback" not in refused.output
    assert "signer-untrusted" in refused.output and "Nothing was added" in refused.output

    got = run("receive", zipped, "--case", police, "--key", key_files["ta"], "--trust",
              key_files["hg.pub"], "--json")
    assert got.exit_code == EXIT_OK, got.output
    data = json.loads(got.output)
    assert data["items"][0]["ref"] == "HG/1" and data["sender"]["org"] == "Northside Housing"
    again = run("receive", zipped, "--case", police, "--key", key_files["ta"], "--trust",
                key_files["hg.pub"])
    assert again.exit_code == EXIT_OK and "already received" in again.output

    listed = run("list", "--case", police).output
    assert f"received from Hana Green, Northside Housing, package {data['package_id']}, " \
        "their case NH-1" in listed
    shown = run("show", "HG/1", "--case", police).output
    assert "Received:" in shown and "their case NH-1" in shown
    item = json.loads(run("show", "HG/1", "--case", police, "--json").output)["item"]
    assert item["received_from"]["sender_ref"] == "HG/1"

    register = json.loads(run("disclosures", "--case", police, "--json").output)["entries"]
    assert register[0]["direction"] == "received"
    assert register[0]["basis"] == "Crime and Disorder Act 1998 s.115"
    assert register[0]["marking"] == "OFFICIAL-SENSITIVE"
    rows = list(csv.DictReader(io.StringIO(run("disclosures", "--case", housing,
                                                 "--csv").output)))
    assert rows[0]["purpose"] == "closure order" and rows[0]["exhibits"] == "HG/1"
    text = run("disclosures", "--case", housing).output
    assert "SENT to Northside Police" in text and "basis: Crime and Disorder Act" in text

    onward = tmp_path / "onward"
    assert run("export", "--case", police, "--key", key_files["ta"], "--out", onward,
               "--recipient", "Court").exit_code == 0
    assert run("verify", onward, "--trust", key_files["ta.pub"]).exit_code == EXIT_OK
    assert run("verify", police, "--trust", key_files["ta.pub"]).exit_code == EXIT_OK
    record = next((police / "received").iterdir()) / "head.json"
    record.chmod(0o644)
    record.write_bytes(record.read_bytes().replace(b'"seq":', b'"seq": '))
    failed = run("verify", police, "--trust", key_files["ta.pub"])
    assert failed.exit_code == EXIT_FAILED_CHECK and "received-record-altered" in failed.output
