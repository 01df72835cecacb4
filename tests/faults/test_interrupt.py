"""Ctrl-C (SIGINT) sent to a real ``evidencekit ingest`` in the middle of copying a large file.

The partial copy must be gone, the case must verify without a ``tmp-leftover``, the
exhibits recorded before the interrupt must be named in the output, and running the
same command again must finish the job.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from evidencekit import Case, Signer, verify_case
from tests.conftest import PASSPHRASE
from tests.faults.conftest import ROOT

BIG = 512 << 20
"""The large file (sparse, so it costs no disk to make); copying it takes a second or more."""
STARTED = 4 << 20
"""Bytes of the large file's partial copy seen before Ctrl-C is sent: it is mid-copy."""
CLI = "from evidencekit_cli.main import main; main()"


def _start(case_dir: Path, key: Path, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "ingest", *map(str, args), "--case", str(case_dir),
         "--key", str(key), "--kind", "photo", "--producer", "HG",
         "--description", "Photos of the door"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        text=True, env={**os.environ, "EVIDENCEKIT_PASSPHRASE": PASSPHRASE})


def _wait_for_big_copy(case: Case, proc: subprocess.Popen[str]) -> int:
    """Poll ``objects/tmp`` until the large file's copy has started; return its size then."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        sizes = [p.stat().st_size for p in case.tmp_dir.glob("*.part") if p.exists()]
        if sizes and max(sizes) >= STARTED:
            return max(sizes)
        time.sleep(0.002)
    raise AssertionError(f"the large copy was never seen in progress (exit {proc.poll()})")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(1, 6):
        (folder / f"a_note_{n}.txt").write_text(f"note {n} about the door\n")
    with open(folder / "z_big.bin", "wb") as handle:
        handle.truncate(BIG)
    return folder


def test_ctrl_c_mid_copy_keeps_nothing_partial_and_reports_what_was_done(
        tmp_path: Path, key_files: dict[str, Path], hana: Signer) -> None:
    case = Case.init(tmp_path / "case", ref="INT-1", title="Interrupted")
    folder = _folder(tmp_path)
    proc = _start(case.root, key_files["hg"], folder)
    seen = _wait_for_big_copy(case, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 130, (out, err)
    assert seen < BIG
    assert list(case.tmp_dir.iterdir()) == []
    for n in range(1, 6):
        assert f"HG/{n}" in out and f"photos/a_note_{n}.txt" in out, out
    assert "5 ingested, 0 duplicates, 0 refused" in out
    assert f"interrupted while copying {folder / 'z_big.bin'}" in err
    assert "partial copy was removed" in err and "1 file(s) were not ingested" in err
    assert "Traceback" not in err
    assert [i.original_name for i in case.items()] == [f"photos/a_note_{n}.txt"
                                                       for n in range(1, 6)]
    report = verify_case(case, [hana.public])
    assert report.ok and not report.findings, report.findings
    checked = subprocess.run(
        [sys.executable, "-c", CLI, "verify", str(case.root), "--trust", str(key_files["hg.pub"]),
         "--json"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
    assert "tmp-leftover" not in checked.stdout

    again = _start(case.root, key_files["hg"], folder, "--json")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    summary = json.loads(out)[-1]
    assert summary == {"status": "summary", "ingested": 1, "duplicates": 5, "refused": 0,
                       "interrupted": False, "not_ingested": []}
    assert list(case.tmp_dir.iterdir()) == []
