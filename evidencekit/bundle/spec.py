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
    exhibits = ["HG/3", "TA/2", "PS/3-PS/32"]   # a range: PS/3, PS/4 ... PS/32

    [dates]                  # optional: a document's own date, where nothing else says it
    "TA/1" = "2026-11-17"

    [producers]              # optional: who the initials stand for, on the exhibit sheets
    "TA" = "PC Tom Ashby"

An exhibit may be listed once only; a range names one producer's exhibits in numeric order.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from evidencekit.core.errors import InputError
from evidencekit.core.filetype import DOCX
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
    dates: tuple[tuple[str, str], ...] = ()
    """``(ref, YYYY-MM-DD)``: documents' own dates given in the spec."""
    producers: tuple[tuple[str, str], ...] = ()
    """``(initials, name)``: who a producer's initials stand for."""

    def date_of(self, ref: str) -> str | None:
        """The date the spec gives for ``ref``, if any."""
        return dict(self.dates).get(ref)

    @property
    def refs(self) -> tuple[str, ...]:
        """Every exhibit the spec lists, in bundle order."""
        return tuple(ref for section in self.sections for ref in section.refs)


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
    if set(data) - {"bundle", "section", "dates", "producers"}:
        raise InputError("The bundle spec takes a [bundle] table, [[section]] tables, a "
                         "[dates] table and a [producers] table.")
    head, sections = data.get("bundle", {}), data.get("section", [])
    if not isinstance(head, dict) or set(head) - {"parties", "hearing"}:
        raise InputError("[bundle] takes parties = [...] and hearing = \"...\".")
    if not isinstance(sections, list) or not sections:
        raise InputError("The bundle spec needs at least one [[section]].")
    parties = head.get("parties", [])
    if not isinstance(parties, list):
        raise InputError("parties must be a list of names.")
    parsed = tuple(_section(n, section) for n, section in enumerate(sections, start=1))
    _refuse_repeats(parsed)
    hearing = head.get("hearing")
    return BundleSpec(parsed, tuple(_line(p, "A party") for p in parties),
                      None if hearing is None else _line(hearing, "The hearing"),
                      _dates(data.get("dates", {})), _producers(data.get("producers", {})))


def _section(n: int, section: Any) -> Section:
    if not isinstance(section, dict) or set(section) != {"title", "exhibits"} or \
            not isinstance(section["exhibits"], list):
        raise InputError(f"Section {n} needs a title and an exhibits list.")
    refs = [expand_refs(_line(r, f"An exhibit in section {n}")) for r in section["exhibits"]]
    return Section(_line(section["title"], f"Section {n}'s title"),
                   tuple(ref for run in refs for ref in run))


def _refuse_repeats(sections: Sequence[Section]) -> None:
    seen: dict[str, int] = {}
    for n, section in enumerate(sections, start=1):
        for ref in section.refs:
            if ref in seen:
                where = f"section {n}" if seen[ref] == n else f"sections {seen[ref]} and {n}"
                raise InputError(f"The bundle spec lists {ref} twice ({where}); list each "
                                 "exhibit once.")
            seen[ref] = n


RANGE_LIMIT = 10_000
"""Most exhibits one range may name (a typo such as PS/3-PS/30000 is refused)."""
_RANGE = re.compile(r"([A-Z]{1,6})/(\d{1,9})-([A-Z]{1,6})/(\d{1,9})")


def expand_refs(text: str) -> tuple[str, ...]:
    """One spec entry as references: ``HG/1`` is itself; ``PS/3-PS/32`` is PS/3 … PS/32.

    A range joins two references of the same producer, the first no higher than the
    last. Anything else with a ``/`` after a ``-`` is refused as a bad range; other
    entries (``HG/1``, ``HG/1-R1``) are references as they are (upper-cased).

    Raises:
        InputError: a malformed range, different producers, a backward range, or one
            naming more than :data:`RANGE_LIMIT` exhibits.
    """
    ref = text.strip().upper()
    _head, dash, tail = ref.partition("-")
    if not dash or "/" not in tail:
        return (ref,)
    match = _RANGE.fullmatch(ref.replace(" ", ""))
    if match is None:
        raise InputError(f"{text!r} is not a range; write it as PS/3-PS/32 (one producer, "
                         "first and last reference).")
    prefix, first, other, last = match.group(1), int(match.group(2)), match.group(3), \
        int(match.group(4))
    if other != prefix:
        raise InputError(f"The range {text!r} joins two producers ({prefix} and {other}); a "
                         "range names one producer's exhibits.")
    if first > last or last - first >= RANGE_LIMIT:
        raise InputError(f"The range {text!r} must run upwards and name at most "
                         f"{RANGE_LIMIT:,} exhibits.")
    return tuple(f"{prefix}/{n}" for n in range(first, last + 1))


def _producers(table: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(table, dict):
        raise InputError('[producers] maps initials to names: "HG" = "Hana Green".')
    return tuple(sorted((_line(k, "Initials in [producers]").upper(),
                         _line(v, f"[producers] {k}")) for k, v in table.items()))


def _dates(table: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(table, dict):
        raise InputError('[dates] maps exhibit references to dates: "HG/1" = "2026-11-18".')
    out = []
    for ref, value in table.items():
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError as exc:
            raise InputError(f"[dates] {ref}: {value!r} is not a date (YYYY-MM-DD).") from exc
        out.append((_line(ref, "A reference in [dates]").upper(), day.isoformat()[:10]))
    return tuple(sorted(out))


_DATE_LINE = re.compile(r"(?im)^[ \t]*(?:date[d]?|date of (?:this )?statement)[ \t]*[:.][ \t]*"
                        r"(.{6,40}?)[ \t.]*$")
_FORMATS = ("%d %B %Y", "%d %b %Y", "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d.%m.%Y",
            "%d-%m-%Y", "%B %d %Y")


def stated_date(text: str) -> str | None:
    """The date a statement gives itself on a ``Date:`` line (YYYY-MM-DD), if it can be read.

    Only the first lines are searched (a date further down is about the events).
    """
    head = "\n".join(text.splitlines()[:40])
    for match in _DATE_LINE.finditer(head):
        words = re.sub(r"(?i)\b(\d{1,2})(st|nd|rd|th)\b", r"\1", match.group(1))
        words = re.sub(r"(?i)^(mon|tues|wednes|thurs|fri|satur|sun)day,?\s+", "", words)
        words = " ".join(words.replace(",", " ").split())
        for fmt in _FORMATS:
            try:
                return datetime.strptime(words, fmt).date().isoformat()
            except ValueError:
                continue
    return None


def document_date(item: Item, spec: BundleSpec | None = None, stated: str | None = None) -> str:
    """The document's own date (YYYY-MM-DD first), shown and sorted on; ``""`` when unknown.

    In order: the spec's ``[dates]``, the time given at ingest (``--captured-at``, as the
    person stated it), the statement's own ``Date:`` line (``stated``), and for media the
    device's clock. Never the ingest date; never a statement file's creation date (often
    a template's).
    """
    given = item.details.get("captured_at_stated") or item.details.get("captured_at")
    device = item.device_time
    if item.kind in STATEMENT_KINDS or (device or "").startswith("D:") or \
            item.media_type in _DOCUMENT_TYPES:
        device = None
    found = (spec.date_of(item.ref) if spec else None) or given or stated or device
    return str(found or "")


_DOCUMENT_TYPES = ("application/pdf", "text/plain", DOCX)


def default_spec(items: Sequence[Item]) -> BundleSpec:
    """Statements by date, then every other exhibit by reference."""
    statements = sorted((i for i in items if i.kind in STATEMENT_KINDS),
                        key=lambda i: (not document_date(i), document_date(i),
                                       ref_sort_key(i.ref)))
    others = sorted((i for i in items if i.kind not in STATEMENT_KINDS),
                    key=lambda i: ref_sort_key(i.ref))
    sections = [Section(title, tuple(i.ref for i in group))
                for title, group in (("Statements", statements), ("Exhibits", others)) if group]
    if not sections:
        raise InputError("There is nothing to bundle: the case has no exhibits yet.")
    return BundleSpec(tuple(sections))
