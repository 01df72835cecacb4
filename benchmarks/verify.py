"""Verify a package of 8 x 256 MiB and compare with sha256sum -c and bagit.py --validate.

Usage: python benchmarks/verify.py [--files 8] [--mib 256] [--dir DIR]

Targets (issue 3): <= 1.1 x `bagit.py --validate --processes 2` while also checking
signatures and custody, <= 0.15 x `sha256sum -c manifest-sha256.txt`, memory flat.
All three read the same package from a warm page cache. The package carries SHA-256
and SHA-512 manifests; evidencekit and bagit.py check both, sha256sum only one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from _util import make_file, python_peak, timed

BUILD = """
import sys
from pathlib import Path
from evidencekit import Case, ExportRequest, IngestRequest, Signer, export_package, ingest
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
case = Case.init(Path(sys.argv[1]), ref="BENCH", title="Benchmark")
ingest(case, [Path(p) for p in sys.argv[3:]], signer, IngestRequest("cctv", "BM", "bench"))
export_package(case, signer, Path(sys.argv[2] + "-both"), ExportRequest("Benchmark"))
export_package(case, signer, Path(sys.argv[2] + "-sha256"),
               ExportRequest("Benchmark", sha512=False))
"""

VERIFY = """
import sys
from pathlib import Path
from evidencekit import Signer, verify_package
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
report = verify_package(Path(sys.argv[1]), [signer.public], jobs=2)
assert report.ok, report.findings
print(report.checked["bytes"])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ek-bench-", dir=args.dir))
    bagit = str(Path(sys.executable).parent / "bagit.py")
    try:
        sources = [make_file(work / f"clip{i}.bin", args.mib) for i in range(args.files)]
        for i, src in enumerate(sources):  # make each file's content distinct
            with open(src, "r+b") as handle:
                handle.write(bytes([i]) * 16)
        python_peak(BUILD, str(work / "case"), str(work / "pkg"), *map(str, sources))
        shutil.rmtree(work / "case")
        for src in sources:
            src.unlink()
        total = args.files * args.mib
        print(f"package: {args.files} x {args.mib} MiB = {total} MiB; median of {args.runs}")
        for variant in ("sha256", "both"):
            _compare(work / f"pkg-{variant}", variant, args.runs, bagit)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _compare(pkg: Path, variant: str, runs: int, bagit: str) -> None:
    ours, peaks, sums, bags = [], [], [], []
    for _ in range(runs):
        wall, peak, _out = python_peak(VERIFY, str(pkg))
        ours.append(wall)
        peaks.append(peak)
        sums.append(_in(pkg, ["sha256sum", "--quiet", "-c", "manifest-sha256.txt"]))
        bags.append(timed([bagit, "--validate", "--processes", "2", "--quiet", str(pkg)])[0])
    o, s, b = median(ours), median(sums), median(bags)
    label = "SHA-256 manifest only" if variant == "sha256" else "SHA-256 and SHA-512 manifests"
    print(f"\n{label}:")
    print(f"  evidencekit verify (all manifests, signature, custody): {o:.2f} s, "
          f"peak RSS {max(peaks):.1f} MiB")
    print(f"  sha256sum -c manifest-sha256.txt: {s:.2f} s")
    print(f"  bagit.py --validate --processes 2 (all manifests): {b:.2f} s")
    print(f"  ratio ours / bagit: {o / b:.2f}  (target <= 1.10)")
    print(f"  ratio ours / sha256sum: {o / s:.2f}  (target <= 0.15)")


def _in(folder: Path, cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=folder, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "LC_ALL": "C"})
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
