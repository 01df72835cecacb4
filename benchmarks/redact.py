"""Pages per second for redacting PDF statements in place, and seconds per scanned page.

Usage: python benchmarks/redact.py [--pages 50] [--scans 4]

1. A text PDF of ``--pages`` dense pages (45 lines each, 4 details a line) redacted in
   place with ``redact_statement`` (read twice, plan, edit the content streams, paint,
   verify with pdfplumber, pypdfium2 and qpdf, store, sign). Target: 20 pages/s.
2. A scanned PDF of ``--scans`` A4 pages at 300 dpi (render, tesseract, paint, rebuild,
   OCR again to check). Target: 4 s a page on 2 cores.

Each is run in a child process (for its peak memory) and compared with ``pdftotext``
reading the same PDF in the same run (a floor: reading the text is one step of ours).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from _util import python_peak, timed
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

LINE = ("On {d} November Mrs Joan Whitfield (07700 900{n:03d}) of 12 Elm Court, NS4 7QT, "
        "saw Mr Darren Cole's car AB12 CDE.")
SCAN_LINES = ["On 14 November 2026 I saw Mr Darren Cole outside 14 Elm Road.",
              "My neighbour Joan Whitfield of 12 Elm Court called me",
              "on 07700 900123 about the music. It went on until 2am."]
CHILD = """
import sys, time
from pathlib import Path
from evidencekit import Case, IngestRequest, Signer, ingest
from evidencekit.redact.people import parse_people
from evidencekit.redact.statements import redact_statement
work, source = Path(sys.argv[1]), Path(sys.argv[2])
register = parse_people('[[person]]\\nname = "Joan Whitfield"\\nrole = "third-party"\\n'
                        '[[person]]\\nname = "Darren Cole"\\nrole = "party"\\n'
                        '[redact]\\nstrings = ["12 Elm Court"]\\n')
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
case = Case.init(work / ("case-" + source.stem), ref="BENCH", title="Benchmark")
ingest(case, [source], signer, IngestRequest("statement", "BM", "bench"))
start = time.perf_counter()
result = redact_statement(case, signer, "BM/1", register)
print(f"{time.perf_counter() - start:.3f} {sum(result.counts.values())}")
"""


def make_text_pdf(path: Path, pages: int) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in range(pages):
        pdf.setFont("Helvetica", 10)  # every line ends inside the page
        for row in range(45):
            pdf.drawString(40, 800 - row * 17, LINE.format(d=1 + row % 28, n=page + row))
        pdf.showPage()
    pdf.save()


def make_scanned_pdf(path: Path, pages: int) -> None:
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    images = []
    for page in range(pages):
        image = Image.new("L", (2480, 3508), 250)
        draw = ImageDraw.Draw(image)
        for row in range(30):
            draw.text((200, 250 + row * 100), SCAN_LINES[(row + page) % 3], fill=20, font=font)
        images.append(image)
    images[0].save(path, resolution=300.0, save_all=True, append_images=images[1:])


def _run(work: Path, source: Path, pages: int, what: str) -> None:
    wall, peak, out = python_peak(CHILD, str(work), str(source))
    ours, redactions = out.split()
    seconds = float(ours)
    reference, _text = timed(["pdftotext", str(source), str(work / f"{source.stem}.txt")])
    print(f"{what}: {pages} pages, {redactions} redactions")
    print(f"  evidencekit redact: {seconds:.2f} s = {pages / seconds:.1f} pages/s = "
          f"{seconds / pages:.2f} s/page (child: {wall:.1f} s wall, peak {peak:.0f} MiB)")
    print(f"  pdftotext alone: {reference:.3f} s = {pages / reference:.0f} pages/s")
    print(f"  ratio ours / pdftotext: {seconds / reference:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--scans", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ek-bench-"))
    try:
        text, scans = work / "text.pdf", work / "scanned.pdf"
        make_text_pdf(text, args.pages)
        _run(work, text, args.pages, "text PDF, in place (target >= 20 pages/s)")
        if args.scans:
            make_scanned_pdf(scans, args.scans)
            _run(work, scans, args.scans, "scanned PDF, OCR (target <= 4 s/page)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
