"""Pages per second for redacting a 50-page text PDF statement.

Usage: python benchmarks/redact.py [--pages 50]

Prints our rate and, from the same run, the rate of `pdftotext` reading the same PDF
(a floor: reading the text is one step of ours), and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from evidencekit import Case, IngestRequest, Signer, ingest
from evidencekit.redact.people import parse_people
from evidencekit.redact.statements import redact_statement

LINE = ("On {d} November Mrs Joan Whitfield (07700 900{n:03d}) of 12 Elm Court, NS4 7QT, "
        "saw Mr Darren Cole's car AB12 CDE.")
REGISTER = parse_people('[[person]]\nname = "Joan Whitfield"\nrole = "third-party"\n'
                        '[[person]]\nname = "Darren Cole"\nrole = "party"\n'
                        '[redact]\nstrings = ["12 Elm Court"]\n')


def make_pdf(path: Path, pages: int) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in range(pages):
        for row in range(45):
            pdf.drawString(40, 800 - row * 17, LINE.format(d=1 + row % 28, n=page + row))
        pdf.showPage()
    pdf.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ek-bench-"))
    try:
        source = work / "statement.pdf"
        make_pdf(source, args.pages)
        signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
        case = Case.init(work / "case", ref="BENCH", title="Benchmark")
        ingest(case, [source], signer, IngestRequest("statement", "BM", "bench"))
        start = time.perf_counter()
        result = redact_statement(case, signer, "BM/1", REGISTER)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(["pdftotext", str(source), str(work / "out.txt")], check=True)
        reference = time.perf_counter() - start
        total = sum(result.counts.values())
        print(f"statement: {args.pages} pages, {total} redactions ({result.counts})")
        print(f"evidencekit redact: {ours:.2f} s = {args.pages / ours:.0f} pages/s "
              "(read, detect, typeset, store, sign)")
        print(f"pdftotext alone: {reference:.2f} s = {args.pages / reference:.0f} pages/s")
        print(f"ratio ours / pdftotext: {ours / reference:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
