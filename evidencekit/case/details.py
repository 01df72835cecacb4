"""Per-file details for a batch ingest, read from a CSV: text in, a read-only mapping out.

The header names the columns: ``file`` (required) and any of ``description``,
``captured_at``, ``source`` and ``captured_by``. Each row's non-empty cells override
what was given for the whole batch, for that one file. Pure: no file access but
:func:`load_details`, which reads the file and parses it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path, PurePath
from types import MappingProxyType

from evidencekit.core.errors import InputError
from evidencekit.core.storage import read_small_text

FIELDS = ("description", "captured_at", "source", "captured_by")
LIMIT = 4 << 20
"""Largest details file read (bytes): thousands of rows."""

Details = Mapping[str, Mapping[str, str]]


def _header(row: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in row]
    unknown = [c for c in columns if c != "file" and c not in FIELDS]
    if unknown:
        raise InputError(f"The details file has an unknown column {unknown[0]!r}; the columns "
                         f"are file, {', '.join(FIELDS)}.")
    if "file" not in columns:
        raise InputError("The details file's first line must name its columns, "
                         "including 'file'.")
    if len(set(columns)) != len(columns):
        raise InputError("The details file names a column twice.")
    return columns


def _rows(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise InputError(f"The details file is not a well-formed CSV ({exc}).") from exc


def parse_details(text: str) -> Details:
    """Parse a details CSV into ``{file: {column: value}}`` (read-only; empty cells left out).

    Raises:
        InputError: no header or no ``file`` column, an unknown or repeated column, a row
            with the wrong number of cells or no file, a file named twice, a malformed CSV.
    """
    rows = _rows(text.removeprefix("\ufeff"))  # a BOM, as spreadsheets write
    if not rows:
        raise InputError("The details file is empty; its first line must name its columns.")
    columns = _header(rows[0])
    found: dict[str, Mapping[str, str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise InputError(f"Line {line} of the details file has {len(row)} cells; the "
                             f"header has {len(columns)}.")
        cells = dict(zip(columns, (cell.strip() for cell in row), strict=True))
        name = cells.pop("file")
        if not name:
            raise InputError(f"Line {line} of the details file names no file.")
        key = str(PurePath(name))
        if key in found:
            raise InputError(f"The details file names {name!r} twice.")
        found[key] = MappingProxyType({k: v for k, v in cells.items() if v})
    return MappingProxyType(found)


def load_details(path: Path) -> Details:
    """Read and parse a details CSV (UTF-8).

    Raises:
        InputError: unreadable, too large, not UTF-8, or as :func:`parse_details`.
    """
    return parse_details(read_small_text(path, limit=LIMIT, what="details file"))
