"""Pages per second for redacting PDF statements in place, and seconds per scanned page.

Usage: python benchmarks/redact.py [--pages 50] [--scans 4]

1. A witness statement of ``--pages`` pages as a statement is written (a heading, 40
   lines of prose a page, about 9 details a page: names, a phone, an address, a
   postcode, a plate; "Page N of M" and a signature line) redacted in place with
   ``redact_statement`` (read by PDFium and poppler, plan, edit the content streams,
   paint, verify with both readers and qpdf, store, sign). Target: 20 pages/s.
2. The same for dense pages (45 lines, 5 details a line: 225 a page), the worst case.
3. A scanned PDF of ``--scans`` A4 pages at 300 dpi (render, tesseract, paint, rebuild,
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


PROSE = [
    "I have lived at this address for six years and I know the people on the landing well.",
    "On {d} November at about 11pm I heard loud music coming from the flat below mine.",
    "My neighbour Mrs Joan Whitfield came to my door and said she could not sleep again.",
    "The noise went on for about three hours and I could feel the bass through the floor.",
    "I saw a silver car, registration AB12 CDE, parked across the entrance to the block.",
    "I called the housing office the next morning and spoke to an officer about it.",
    "Joan gave me her number, 07700 900{n:03d}, so that we could keep a log between us.",
    "Several men I did not know were going in and out of the flat during the evening.",
    "One of them shouted at me on the stairs when I asked them to turn the music down.",
    "I have kept a diary of the dates and times since the start of October this year.",
    "Mr Darren Cole, the tenant of the flat, was standing on the balcony at the time.",
    "I am frightened to go out in the evenings and my children have stopped playing out.",
    "Joan Whitfield lives at 12 Elm Court, NS4 7QT, on the floor above the flat.",
    "I am willing to attend court and give evidence about what I have seen and heard.",
    "The police attended at about 1am and the music stopped for a short while after that.",
]


def make_statement_pdf(path: Path, pages: int) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in range(pages):
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(56, 790, "WITNESS STATEMENT (CJ Act 1967, s.9; MC Act 1980, s.5B)")
        pdf.setFont("Helvetica", 11)
        for row in range(40):
            line = PROSE[(page * 7 + row) % len(PROSE)]
            pdf.drawString(56, 760 - row * 17, line.format(d=1 + row % 28, n=page + row))
        pdf.setFont("Helvetica", 9)
        pdf.drawString(56, 60, "Signature: ............................    Witnessed by: "
                       "PC 1234 Ashby")
        pdf.drawString(480, 40, f"Page {page + 1} of {pages}")
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
        statement, text, scans = work / "statement.pdf", work / "text.pdf", work / "scanned.pdf"
        make_statement_pdf(statement, args.pages)
        _run(work, statement, args.pages, "witness statement, in place (target >= 20 pages/s)")
        make_text_pdf(text, args.pages)
        _run(work, text, args.pages, "dense text PDF, in place (worst case)")
        if args.scans:
            make_scanned_pdf(scans, args.scans)
            _run(work, scans, args.scans, "scanned PDF, OCR (target <= 4 s/page)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
