"""Encrypt and decrypt a large file with evidencekit and with age itself, in the same run.

Usage: python benchmarks/encrypt.py [--mib 1024] [--dir DIR] [--runs 3]

Targets (issue 17): memory flat (peak RSS <= 128 MiB whatever the size), throughput
against `age -r` / `age -d -i` on the same file from a warm page cache. Each side's
output is also opened by the other (age decrypts ours, we decrypt age's), so the
figures are for interoperable files. Both wall time and CPU time (user + system, from
wait4) are shown: on a shared machine the CPU time is the steadier comparison. Our
encryption fsyncs its output (as export does) and age's does not; our decryption is
run as verify runs it (into a copy that is checked and removed, so no fsync). X25519
recipients only: a passphrase adds one scrypt run (logN 18: about 256 MiB for a
second, in age too), whatever the size. Starting Python and importing evidencekit
(about 1 s of CPU and 55 MiB, measured in the same run as "import evidencekit") is
shown apart: the "net" ratios leave it out.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from _util import make_file

ENCRYPT = """
import sys
from pathlib import Path
from evidencekit import AgeEncryption, AgeRecipient, encrypt_file
encrypt_file(Path(sys.argv[1]), Path(sys.argv[2]),
             AgeEncryption((AgeRecipient.parse(sys.argv[3]),)))
"""

DECRYPT = """
import sys
from pathlib import Path
from evidencekit import decrypt_file, load_age_identities
print(decrypt_file(Path(sys.argv[1]), Path(sys.argv[2]), load_age_identities(Path(sys.argv[3])),
                   durable=False))
"""


def _run(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; return its wall seconds, CPU seconds and peak RSS in MiB (wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _fresh(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _round(work: Path, plain: Path, recipient: str,
           key: Path) -> dict[str, tuple[float, float, float]]:
    ours, theirs = work / "ours.age", work / "age.age"
    back_ours, back_age = work / "ours.out", work / "age.out"
    _fresh(ours, theirs, back_ours, back_age)
    python = [sys.executable, "-c"]
    return {
        "import evidencekit": _run([*python, "import evidencekit"]),
        "encrypt evidencekit": _run([*python, ENCRYPT, str(plain), str(ours), recipient]),
        "encrypt age": _run(["age", "-r", recipient, "-o", str(theirs), str(plain)]),
        "decrypt evidencekit": _run([*python, DECRYPT, str(theirs), str(back_ours), str(key)]),
        "decrypt age": _run(["age", "-d", "-i", str(key), "-o", str(back_age), str(ours)]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ek-bench-age-", dir=args.dir))
    key = work / "key.txt"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True,
                               capture_output=True, text=True).stdout.strip()
    plain = make_file(work / "plain.bin", args.mib)
    _sha256(plain)  # warm the page cache
    runs = [_round(work, plain, recipient, key) for _ in range(args.runs)]
    expected = _sha256(plain)
    for out in ("ours.out", "age.out"):
        assert _sha256(work / out) == expected, f"{out} differs from the plaintext"
    size = args.mib / 1024
    print(f"{args.mib} MiB, {args.runs} runs (median times, peak RSS of the worst run)")
    for name in runs[0]:
        wall = median(r[name][0] for r in runs)
        cpu = median(r[name][1] for r in runs)
        rss = max(r[name][2] for r in runs)
        print(f"  {name:20s} wall {wall:6.2f} s ({size / wall * 1024:5.0f} MiB/s)  "
              f"cpu {cpu:6.2f} s ({size / cpu * 1024:5.0f} MiB/s)  peak {rss:5.1f} MiB")
    for step in ("encrypt", "decrypt"):
        ours = [median(r[f"{step} evidencekit"][i] for r in runs) for i in (0, 1)]
        start = [median(r["import evidencekit"][i] for r in runs) for i in (0, 1)]
        age = [median(r[f"{step} age"][i] for r in runs) for i in (0, 1)]
        print(f"  {step}: evidencekit / age = {ours[0] / age[0]:.2f} wall, "
              f"{ours[1] / age[1]:.2f} cpu; net of the import "
              f"{(ours[0] - start[0]) / age[0]:.2f} wall, {(ours[1] - start[1]) / age[1]:.2f} cpu")
    for path in work.iterdir():
        path.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
