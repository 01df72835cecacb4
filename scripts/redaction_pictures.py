"""Render the before/after pictures of docs/redacting-statements.md (pypdfium2).

Usage: python scripts/redaction_pictures.py

Makes fixtures/make_pdfs.py's real-looking statement page, redacts it in place with the
fixture register, and writes the top part of the original, the preview and the redacted
copy as PNG into docs/images/.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pypdfium2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))

import make_pdfs  # noqa: E402

from evidencekit.redact.detectors import DETECTORS  # noqa: E402
from evidencekit.redact.pdfredact import redact_pdf  # noqa: E402
from evidencekit.redact.pdfstatement import preview_pdf  # noqa: E402
from evidencekit.redact.people import parse_people  # noqa: E402

IMAGES = ROOT / "docs" / "images"


def _png(pdf: Path | bytes, out: Path) -> None:
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=1.5).to_pil()
    document.close()
    image.crop((0, 0, image.width, int(image.height * 0.52))).save(out, optimize=True)
    print(out)


def main() -> None:
    """Write the three pictures."""
    register = parse_people(make_pdfs.REGISTER_TOML)
    with tempfile.TemporaryDirectory() as work:
        source = make_pdfs.make(Path(work), "realistic.pdf")
        _png(source, IMAGES / "statement-before.png")
        preview_pdf(source, Path(work) / "preview.pdf", register, DETECTORS)
        _png(Path(work) / "preview.pdf", IMAGES / "statement-preview.png")
        _png(redact_pdf(source, register, DETECTORS).data, IMAGES / "statement-after.png")


if __name__ == "__main__":
    main()
