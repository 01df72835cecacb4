"""Two and four different commands writing to one case at the same moment."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidencekit import Case, Signer, verify_case
from tests.faults.conftest import ROOT, WORKER

ROUNDS = 3


def _start(op: str, case_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), op, str(case_dir), "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


@pytest.mark.parametrize("ops", [("ingest", "redact"), ("ingest", "redact", "bundle", "export")])
def test_concurrent_commands_keep_one_chain(ops: tuple[str, ...], base_case: Path,
                                            tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    shutil.copytree(base_case, case_dir)
    before = Case.open(case_dir).events()
    regions = str(base_case.parent / "regions.json")
    for round_no in range(ROUNDS):
        procs = []
        for n, op in enumerate(ops):
            out = tmp_path / f"out-{round_no}-{n}"
            out.mkdir()
            evidence = out / f"note-{round_no}-{n}.txt"
            evidence.write_text(f"round {round_no} writer {n}\n")
            args = {"ingest": [str(evidence)], "redact": ["HG/1", regions],
                    "bundle": [str(out / "bundle.pdf")],
                    "export": [str(out / "package.zip")]}[op]
            procs.append(_start(op, case_dir, *args))
        for proc in procs:
            _out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
    public = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing").public
    case = Case.open(case_dir)
    report = verify_case(case, [public])
    assert report.ok and not report.findings, report.findings
    new = [e.action for e in case.events()[len(before):]]
    expected = {"ingest": "ingested", "redact": "redacted", "bundle": "bundled",
                "export": "exported"}
    for op in ops:
        assert new.count(expected[op]) == ROUNDS, (op, new)
    assert len(new) == ROUNDS * len(ops)
