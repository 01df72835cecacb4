"""What goes in a court bundle, in what order: the spec file, or a sensible default.

TOML, documented in ``docs/bundles.md``::

    [bundle]
    parties = ["Northside Housing (applicant)", "Darren Cole (respondent)"]
    hearing = "24 November 2026, 10:00"

    [[section]]
    title = "Statements"
    exhibits = ["HG/1", "TA/1"]

    [[section]]
    title = "Photographs and footage"
    exhibits = ["HG/3", "TA/2"]
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from evidencekit.core.errors import InputError
from evidencekit.core.storage import read_small_text
from evidencekit.custody.exhibits import Item, ref_sort_key

STATEMENT_KINDS = ("statement",)


@attrs.frozen
class Section:
    """A titled run of documents."""

    title: str
    refs: tuple[str, ...]


@attrs.frozen
class BundleSpec:
    """Sections in order, and what the cover page says beyond the case record."""

    sections: tuple[Section, ...]
    parties: tuple[str, ...] = ()
    hearing: str | None = None


def _line(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 300 or "\n" in value:
        raise InputError(f"{what} must be one line of 1 to 300 characters.")
    return value.strip()


SPEC_LIMIT = 1 << 20


def load_spec(path: Path) -> BundleSpec:
    """Read and parse a bundle spec file (TOML, at most 1 MiB).

    Raises:
        InputError: unreadable, too large, not UTF-8, or not a valid spec.
    """
    return parse_spec(read_small_text(path, limit=SPEC_LIMIT, what="bundle spec"))


def parse_spec(text: str) -> BundleSpec:
    """Parse a bundle spec.

    Raises:
        InputError: not TOML, unknown keys, or malformed sections.
    """
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InputError(f"The bundle spec is not valid TOML: {exc}.") from exc
    if set(data) - {"bundle", "section"}:
        raise InputError("The bundle spec takes a [bundle] table and [[section]] tables.")
    head, sections = data.get("bundle", {}), data.get("section", [])
    if not isinstance(head, dict) or set(head) - {"parties", "hearing"}:
        raise InputError("[bundle] takes parties = [...] and hearing = \"...\".")
    if not isinstance(sections, list) or not sections:
        raise InputError("The bundle spec needs at least one [[section]].")
    parties = head.get("parties", [])
    if not isinstance(parties, list):
        raise InputError("parties must be a list of names.")
    parsed = []
    for n, section in enumerate(sections, start=1):
        if not isinstance(section, dict) or set(section) != {"title", "exhibits"} or \
                not isinstance(section["exhibits"], list):
            raise InputError(f"Section {n} needs a title and an exhibits list.")
        parsed.append(Section(_line(section["title"], f"Section {n}'s title"),
                              tuple(_line(r, f"An exhibit in section {n}").upper()
                                    for r in section["exhibits"])))
    hearing = head.get("hearing")
    return BundleSpec(tuple(parsed), tuple(_line(p, "A party") for p in parties),
                      None if hearing is None else _line(hearing, "The hearing"))


def document_date(item: Item) -> str:
    """The date shown and sorted on.

    For statements the date stated at ingest (a document's own creation date is often
    a template's), for media the device's clock, else the ingest time.
    """
    device = item.device_time
    if item.kind in STATEMENT_KINDS or (device or "").startswith("D:"):
        device = None
    return str(item.details.get("captured_at") or device or item.ingested_at)


def default_spec(items: Sequence[Item]) -> BundleSpec:
    """Statements by date, then every other exhibit by reference."""
    statements = sorted((i for i in items if i.kind in STATEMENT_KINDS),
                        key=lambda i: (document_date(i), ref_sort_key(i.ref)))
    others = sorted((i for i in items if i.kind not in STATEMENT_KINDS),
                    key=lambda i: ref_sort_key(i.ref))
    sections = [Section(title, tuple(i.ref for i in group))
                for title, group in (("Statements", statements), ("Exhibits", others)) if group]
    if not sections:
        raise InputError("There is nothing to bundle: the case has no exhibits yet.")
    return BundleSpec(tuple(sections))
