"""Exhibits as seen through the custody log: a pure view over events."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

import attrs

from evidencekit.core import filetype
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError
from evidencekit.core.frozen import freeze, thaw
from evidencekit.custody.events import Event

Kind = Literal["cctv", "bodycam", "photo", "statement", "document", "audio"]
KINDS: tuple[str, ...] = ("cctv", "bodycam", "photo", "statement", "document", "audio")
_PRODUCER = re.compile(r"[A-Z]{1,6}")
_EMPTY: Mapping[str, JsonValue] = freeze({})


def check_producer(initials: str) -> str:
    """Normalise a producer's initials (``hg`` → ``HG``).

    Raises:
        InputError: not 1 to 6 letters.
    """
    value = initials.strip().upper()
    if not _PRODUCER.fullmatch(value):
        raise InputError(
            f"Producer initials {initials!r} must be 1 to 6 letters, e.g. HG for Hana Green."
        )
    return value


@attrs.frozen
class Item:
    """One exhibit: its reference, hash and what was recorded when it was ingested.

    ``details`` and ``metadata`` are read-only mappings (lists in them are tuples).
    """

    ref: str
    sha256: str
    size: int
    kind: str
    producer: str
    description: str
    original_name: str
    media_type: str
    ingested_at: str
    ingested_by: str
    seq: int
    details: Mapping[str, JsonValue] = attrs.field(converter=freeze)

    @classmethod
    def from_event(cls, event: Event) -> Item:
        """Build the item an ``ingested`` event records."""
        d = event.details
        return cls(
            ref=event.exhibit or "?", sha256=event.sha256 or "", size=whole(d.get("size")),
            kind=str(d.get("kind", "")), producer=str(d.get("producer", "")),
            description=str(d.get("description", "")),
            original_name=str(d.get("original_name", "")),
            media_type=str(d.get("media_type", "")), ingested_at=event.time,
            ingested_by=f"{event.actor.name} ({event.actor.org})", seq=event.seq, details=d,
        )

    @property
    def metadata(self) -> Mapping[str, JsonValue]:
        """What was read from the file itself at ingest (empty when nothing could be)."""
        value = self.details.get("metadata")
        return value if isinstance(value, Mapping) else _EMPTY

    @property
    def device_time(self) -> str | None:
        """The time the recording device claims, as read from the file."""
        return _text(self.metadata, "device_time")

    @property
    def captured_at(self) -> str | None:
        """When the person ingesting it said it was recorded (UTC), if they said."""
        return _text(self.details, "captured_at")

    @property
    def source_ref(self) -> str | None:
        """For a derived item (e.g. a redacted copy), the exhibit it was made from."""
        return _text(self.details, "source_ref")

    def to_dict(self) -> dict[str, JsonValue]:
        """Stable plain-data form (``list --json`` and ``show --json``)."""
        return {
            "ref": self.ref, "sha256": self.sha256, "size": self.size, "kind": self.kind,
            "producer": self.producer, "description": self.description,
            "original_name": self.original_name, "media_type": self.media_type,
            "ingested_at": self.ingested_at, "ingested_by": self.ingested_by,
            "event_seq": self.seq, "source_ref": self.source_ref, "details": thaw(self.details),
            "captured_at": self.captured_at, "device_time": self.device_time,
        }


ITEM_ACTIONS = ("ingested", "redacted")
"""Events that bring a new item into the case: an original, or a derivative of one."""


def whole(value: object, default: int = -1) -> int:
    """An integer from a record, or ``default`` when the record holds something else.

    A stored object's recorded size that is not a number then simply fails to match.
    """
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def items_of(events: Iterable[Event]) -> list[Item]:
    """Every exhibit, original or derived, in the order of the log."""
    return [Item.from_event(e) for e in events if e.action in ITEM_ACTIONS and e.exhibit]


def history_of(events: Iterable[Event], ref: str) -> list[Event]:
    """The events that concern exhibit ``ref``, in the order of the log.

    They are its own events, those of every copy derived from it (a redacted copy
    made from a photo is part of the photo's history) and, for a copy, those of the
    exhibit it was made from (a copy's history starts with its source's ingest).
    Copies of the same source are not part of each other's history. ``ref`` is
    matched exactly (normalise it first, e.g. with :meth:`Case.item`).
    """
    log = list(events)
    source_of = {e.exhibit: e.details.get("source_ref") for e in log
                 if e.action in ITEM_ACTIONS and e.exhibit}

    def line_of(start: str) -> list[str]:
        """``start`` and the exhibits it was made from, nearest first (cycle-safe)."""
        found = [start]
        while isinstance(up := source_of.get(found[-1]), str) and up not in found:
            found.append(up)
        return found

    family = set(line_of(ref)) | {r for r in source_of if r and ref in line_of(r)}
    return [e for e in log if e.exhibit in family]


def _text(record: Mapping[str, JsonValue], key: str) -> str | None:
    """A text field of a record, or None when it is absent or not text."""
    value = record.get(key)
    return value if isinstance(value, str) else None


def ref_suggestion(ref: str, known: Iterable[str]) -> str | None:
    """The known reference meant by ``ref`` as a file name writes it (``PS-5`` for ``PS/5``).

    Package and bundle file names spell ``/`` as ``-``, so ``HG-6-R1`` is ``HG/6-R1``.
    Returns None when no single reading of the hyphens names a known exhibit.
    """
    wanted = ref.strip().upper()
    upper = {k.upper(): k for k in known}
    found = {upper[c] for i, ch in enumerate(wanted) if ch == "-"
             if (c := wanted[:i] + "/" + wanted[i + 1:]) in upper}
    return found.pop() if len(found) == 1 else None


def ref_hint(ref: str, known: Iterable[str]) -> str:
    """The hint for an unknown reference: the one meant, when it can be told."""
    if meant := ref_suggestion(ref, known):
        return f"Did you mean {meant}? (File names write / as -.)"
    return "Run 'evidencekit list' to see the references."


def ref_sort_key(ref: str) -> tuple[str, int, str]:
    """Sort ``HG/2`` before ``HG/10``, and ``HG/2-R1`` just after ``HG/2``."""
    prefix, _, rest = ref.partition("/")
    number, _, suffix = rest.partition("-")
    return prefix, int(number) if number.isdigit() else 0, suffix


def latest_bundle(events: Iterable[Event], redacted: bool) -> Event | None:
    """The newest ``bundled`` event of the given kind (redacted or not)."""
    found = [e for e in events if e.action == "bundled" and e.details.get("redacted") is redacted]
    return found[-1] if found else None


def _names_bundle(event: Event, wanted: str) -> bool:
    bundle_id = str(event.details.get("bundle_id", "")).lower()
    return (wanted.lstrip("#") == str(event.seq)
            or (len(wanted) >= 8 and (bundle_id.startswith(wanted)
                                      or (event.sha256 or "").startswith(wanted))))


def find_bundle(events: Iterable[Event], wanted: str | None, redacted: bool) -> Event | None:
    """The recorded bundle a package carries: ``wanted`` names it, ``None`` is the latest.

    ``wanted`` is a bundle id or SHA-256 (or their first 8 or more characters), a
    custody event number (``12`` or ``#12``), or ``none`` for no bundle. A draft is
    never recorded, so it is never found.

    Raises:
        InputError: no recorded bundle, or more than one, matches; or it is of the
            other kind (a redacted package carries only a redacted bundle, and the
            reverse).
    """
    log = [e for e in events if e.action == "bundled"]
    if wanted is None:
        return latest_bundle(log, redacted)
    text = wanted.strip().lower()
    if text == "none":
        return None
    found = [e for e in log if _names_bundle(e, text)]
    recorded = ", ".join(f"#{e.seq} {e.details.get('bundle_id', '?')}" for e in log[-5:])
    if len(found) != 1:
        raise InputError(f"{'No' if not found else 'More than one'} recorded bundle matches "
                         f"{wanted!r}.", hint=f"Recorded bundles: {recorded or 'none'}; "
                         "name one by its id or custody event number.")
    if found[0].details.get("redacted") is not redacted:
        kind = "redacted" if redacted else "full"
        raise InputError(f"Bundle {wanted!r} is {'not ' if redacted else ''}redacted; a "
                         f"{kind} package carries a {kind} bundle.")
    return found[0]


def readable_name(item: Item, redacted: bool = False) -> str:
    """``HG-1_statement_hana_green.txt``: the reference first, then a safe file name.

    In a redacted package only the reference and an extension for the content type
    are used: an original file name can itself name a third party. Every name ends in
    its type's extension (a derived copy, with no name of its own, is ``HG-1-R1.pdf``).
    """
    ref = item.ref.replace("/", "-")
    known = filetype.EXTENSIONS.get(item.media_type, ())
    ext = known[0] if known else ".bin"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(item.original_name).name).strip("._")
    if redacted or not stem:  # a derived copy has no name of its own: its type's extension
        return ref + ext
    stem = stem[:80]
    if known and Path(stem).suffix.lower() not in known:
        stem += ext  # so the recipient's computer knows how to open it
    return f"{ref}_{stem}"
