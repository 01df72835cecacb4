"""Ctrl-C (SIGINT) sent to a real ``evidencekit verify PACKAGE.zip.age`` while it decrypts.

Nothing decrypted may be left: the private temporary folder must be gone and the exit
code must say "interrupted".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from evidencekit import AgeEncryption, AgeRecipient, encrypt_file
from tests.age_tools import keygen
from tests.faults.conftest import ROOT

BIG = 256 << 20
"""The plaintext (sparse, so it costs no disk to make); decrypting it takes a second or more."""
STARTED = 4 << 20
"""Bytes decrypted into the private folder before Ctrl-C is sent: it is mid-decryption."""
CLI = "from evidencekit_cli.main import main; main()"


def _decrypting(work: Path, proc: subprocess.Popen[str]) -> int:
    """Poll the temporary folder until decryption is well under way; return the size then."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        sizes = [p.stat().st_size for p in work.glob("evidencekit-decrypted-*/*")
                 if p.exists()]
        if sizes and max(sizes) >= STARTED:
            return max(sizes)
        time.sleep(0.002)
    raise AssertionError(f"decryption was never seen in progress (exit {proc.poll()})")


def test_ctrl_c_while_decrypting_leaves_nothing_decrypted(tmp_path: Path) -> None:
    key = tmp_path / "key.txt"
    recipient = AgeRecipient.parse(keygen(key))
    plain = tmp_path / "big.zip"
    with open(plain, "wb") as handle:
        handle.truncate(BIG)
    sealed = tmp_path / "big.zip.age"
    encrypt_file(plain, sealed, AgeEncryption((recipient,)))
    plain.unlink()
    work = tmp_path / "tmp"
    work.mkdir()

    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "verify", str(sealed), "--identity", str(key)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        text=True, env={**os.environ, "TMPDIR": str(work)})
    seen = _decrypting(work, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 130, (out, err)
    assert seen < BIG
    assert list(work.iterdir()) == []
    assert "interrupted" in err and "Traceback" not in err
