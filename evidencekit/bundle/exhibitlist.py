"""The list of exhibits (CPR PD 32 references) as CSV, JSON or a printable PDF."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape

from evidencekit.bundle.spec import document_date
from evidencekit.case.folder import Case
from evidencekit.core import storage
from evidencekit.core.errors import BundleError, InputError
from evidencekit.custody.exhibits import Item, ref_sort_key
from evidencekit.redact.typeset import BOLD, FONT, drawable, fit, new_canvas

COLUMNS = ("ref", "kind", "description", "producer", "date", "media_type", "size", "sha256",
           "derived_from")


def _row(item: Item) -> dict[str, str]:
    date = document_date(item)
    return {"ref": item.ref, "kind": item.kind, "description": item.description,
            "producer": item.producer, "date": str(date)[:19], "media_type": item.media_type,
            "size": str(item.size), "sha256": item.sha256, "derived_from": item.source_ref or ""}


def _pdf(case: Case, rows: list[dict[str, str]]) -> bytes:
    buffer = io.BytesIO()
    size = landscape(A4)
    pdf = new_canvas(buffer, size)
    pdf.setTitle(f"Exhibits {case.info.ref}")
    columns = (("ref", 40, 58), ("description", 100, 316), ("producer", 420, 56),
               ("date", 480, 106), ("sha256", 590, 220))
    y = 0.0
    for n, row in enumerate(rows):
        if n % 28 == 0:
            if n:
                pdf.showPage()
            pdf.setFont(BOLD, 12)
            pdf.drawString(40, size[1] - 40, drawable(f"Exhibits: {case.info.ref}",
                                                      "The case reference", BundleError))
            y = size[1] - 70
        pdf.setFont(FONT, 8)
        for key, x, width in columns:
            text = row[key] if key != "sha256" else row[key][:32] + "..."
            pdf.drawString(x, y, fit(drawable(text, f"Exhibit {row['ref']}", BundleError),
                                     FONT, 8, width))
        y -= 17
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def exhibit_list(case: Case, fmt: str) -> bytes:
    """Every exhibit (originals and derived copies) in reference order.

    Raises:
        BundleError: an unknown format.
    """
    rows = [_row(i) for i in sorted(case.items(), key=lambda i: ref_sort_key(i.ref))]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8")
    if fmt == "pdf":
        return _pdf(case, rows)
    raise BundleError(f"Unknown format {fmt!r}; use csv, json or pdf.")


def _free_name(path: Path) -> Path:
    """``exhibits.csv`` → ``exhibits-2.csv`` (or -3 ...): a name not yet taken, to suggest."""
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    return path.with_name(f"{path.stem}-new{path.suffix}")


def write_exhibit_list(case: Case, fmt: str, out: Path, *, overwrite: bool = False) -> Path:
    """Write :func:`exhibit_list` to ``out`` atomically; an existing file only if ``overwrite``.

    Raises:
        BundleError: an unknown format.
        InputError: ``out`` exists and ``overwrite`` is false (the hint names a free name).
        StorageError: the file cannot be written.
    """
    data = exhibit_list(case, fmt)
    try:
        storage.atomic_write(out, data, overwrite=overwrite)
    except InputError as exc:
        raise InputError(f"{out} already exists; nothing was written.",
                         hint=f"Give a new name (e.g. {_free_name(out).name}), or add "
                              "--force to replace it.") from exc
    return out
