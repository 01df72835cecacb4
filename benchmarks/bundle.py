"""Bundle 100 source PDFs of 10 pages (1,000 pages) and compare with qpdf in the same run.

Usage: python benchmarks/bundle.py [--docs 100] [--pages 10]

Target (issue 6): <= 2 s wall and <= 250 MiB peak for our bundle (index, bookmarks,
links, page stamps, labels, custody record), reported with the ratio to
`qpdf --empty --pages ... -- out.pdf`, which only concatenates.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _util import python_peak, timed
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

SETUP = """
import sys
from pathlib import Path
from evidencekit import Case, IngestRequest, Signer, ingest
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
case = Case.init(Path(sys.argv[1]), ref="BENCH", title="Benchmark", court="Bench Court")
ingest(case, [Path(p) for p in sys.argv[2:]], signer,
       IngestRequest("statement", "BM", "benchmark statement"))
"""

BUILD = """
import sys
from pathlib import Path
from evidencekit import BundleRequest, Case, Signer, build_bundle
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
result = build_bundle(Case.open(Path(sys.argv[1])), signer, Path(sys.argv[2]), BundleRequest())
print(result.pages)
"""


def make_pdf(path: Path, pages: int, n: int) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in range(pages):
        for row in range(40):
            pdf.drawString(50, 790 - row * 18, f"Document {n}, page {page + 1}, line {row + 1}: "
                           "the witness describes what happened that night.")
        pdf.showPage()
    pdf.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ek-bench-"))
    try:
        sources = []
        for n in range(args.docs):
            path = work / f"doc{n:03d}.pdf"
            make_pdf(path, args.pages, n)
            sources.append(path)
        python_peak(SETUP, str(work / "case"), *map(str, sources))
        qpdf_s, _ = timed(["qpdf", "--empty", "--pages", *map(str, sources), "--",
                           str(work / "qpdf.pdf")])
        ours_s, peak, pages = python_peak(BUILD, str(work / "case"), str(work / "bundle.pdf"))
        print(f"input: {args.docs} PDFs x {args.pages} pages = {args.docs * args.pages} pages")
        print(f"qpdf --empty --pages (concatenation only): {qpdf_s:.2f} s")
        print(f"evidencekit bundle ({pages} pages: cover, index, links, bookmarks, stamps, "
              f"labels, custody): {ours_s:.2f} s, peak RSS {peak:.0f} MiB")
        print(f"ratio ours / qpdf: {ours_s / qpdf_s:.1f}  (targets: <= 2 s, <= 250 MiB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
