"""Ingest folders of many small files: the cost per file must stay flat as a case grows.

Usage: python benchmarks/ingest_many.py [--counts 100,1000,10000] [--dir DIR]

For each count N, a folder of N small files (4 KiB, as a phone extraction or a CCTV
export's index files) is ingested into a new case in one command, and the same files are
hashed by `sha256sum` in the same run for reference; then the whole case is verified
(every object re-hashed, every event and signature checked). Prints ms per file for both,
the ratio of ingest to sha256sum, the growth of the per-file cost against the smallest
count, and peak memory of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from _util import python_peak, timed

INGEST = """
import sys
from pathlib import Path
from evidencekit import Case, IngestRequest, Signer, ingest
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
case = Case.init(Path(sys.argv[1]), ref="BENCH", title="Benchmark")
results = ingest(case, [Path(sys.argv[2])], signer, IngestRequest("document", "BM", "many"))
print(sum(r.status == "ingested" for r in results))
"""

VERIFY = """
import sys
from pathlib import Path
from evidencekit import Case, Signer, verify_case
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
report = verify_case(Case.open(Path(sys.argv[1])), [signer.public])
print(int(report.ok))
"""


def make_folder(folder: Path, count: int) -> list[str]:
    folder.mkdir(parents=True)
    names = []
    for i in range(count):
        name = folder / f"file{i:05d}.bin"
        name.write_bytes(os.urandom(4096))
        names.append(str(name))
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", default="100,1000,10000")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ek-bench-many-", dir=args.dir))
    base = None
    try:
        print(f"{'files':>6} {'ms/file':>8} {'sha256sum ms/file':>18} {'ratio':>7} "
              f"{'growth':>7} {'peak MiB':>9} {'verify ms/file':>15} {'verify growth':>14} "
              f"{'verify MiB':>11}")
        vbase = None
        for count in (int(c) for c in args.counts.split(",")):
            folder = work / f"in{count}"
            names = make_folder(folder, count)
            ref_s, _ = timed(["sha256sum", *names])
            wall, peak, out = python_peak(INGEST, str(work / f"case{count}"), str(folder))
            assert int(out) == count, out
            per = wall / count * 1000
            base = base or per
            vwall, vpeak, ok = python_peak(VERIFY, str(work / f"case{count}"))
            assert ok == "1", ok
            vper = vwall / count * 1000
            vbase = vbase or vper
            print(f"{count:>6} {per:>8.2f} {ref_s / count * 1000:>18.3f} "
                  f"{wall / ref_s:>7.0f} {per / base:>7.2f} {peak:>9.0f} {vper:>15.2f} "
                  f"{vper / vbase:>14.2f} {vpeak:>11.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
