"""What a photo page, a footage sheet or an index entry says about a recording: pure.

A redacted copy's file has lost its metadata (that is the point of it), but the facts
that are not personal data - when it was taken, how long it runs, its resolution - are
in the custody record of the original, and are taken from there. Nothing else is: no
GPS position, camera serial or original file name reaches a redacted copy's page.

Times are shown as a person reads them: UK local time (Europe/London, GMT or BST), to
the second. A camera clock that recorded no zone is shown as it reads, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from evidencekit.custody.exhibits import Item

UK = ZoneInfo("Europe/London")
NO_ZONE = "no time zone recorded"


@attrs.frozen
class Facts:
    """The facts one page or sheet shows about a recording (``None``: not known)."""

    device_time: str | None
    resolution: str | None
    duration: float | None
    stated_time: str | None
    source: str | None
    captured_by: str | None
    producer: str


def _text(record: Mapping[str, object], key: str) -> str | None:
    value = record.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _seconds(value: object) -> float | None:
    try:
        return float(value) if isinstance(value, (str, int, float)) else None
    except ValueError:
        return None


def producer_name(item: Item, names: Mapping[str, str]) -> str:
    """``Tom Ashby (TA)``: the producer by name, from ``names`` or the ingesting person.

    The person who ingested the exhibit is its producer when their initials are the
    producer's (``Tom Ashby`` for ``TA``); otherwise only the initials are known.
    """
    initials = item.producer
    name = names.get(initials)
    if name is None:
        person = item.ingested_by.split(" (")[0]
        if "".join(word[0] for word in person.split() if word).upper() == initials:
            name = person
    return f"{name} ({initials})" if name else initials


def facts_of(item: Item, original: Item | None, names: Mapping[str, str]) -> Facts:
    """The facts for ``item``; for a redacted copy, times and sizes from its ``original``.

    The copy's own record wins where it has a value; the original fills only capture
    time, resolution, duration and the time stated at ingest. Source and captured-by,
    free text that may name a person or a house, stay with the original's pages.
    """
    own, first = item.metadata, (original.metadata if original else {})
    said = original.details if original else item.details
    return Facts(
        device_time=_text(own, "device_time") or _text(first, "device_time"),
        resolution=_text(own, "resolution") or _text(first, "resolution"),
        duration=_seconds(own.get("duration_seconds")) or _seconds(
            first.get("duration_seconds")),
        stated_time=_text(said, "captured_at"), source=_text(item.details, "source"),
        captured_by=_text(item.details, "captured_by"),
        producer=producer_name(original or item, names),
    )


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def local_day(text: str) -> str:
    """A device time's day in the UK (``2026-07-21`` for ``2026-07-20T23:30:00Z``, 00:30 BST).

    A zoneless clock, or text that is not a time, is left as it is.
    """
    moment = _moment(text)
    if moment is None or moment.tzinfo is None:
        return text
    return moment.astimezone(UK).date().isoformat()


def readable_time(text: str | None, missing: str = "not recorded in the file") -> str:
    """``20 November 2026, 22:15:03 GMT`` (UK time); a zoneless clock as it reads, said so."""
    if not text:
        return missing
    moment = _moment(text)
    if moment is None:
        return text[:60]
    if moment.tzinfo is None:
        return f"{moment:%d %B %Y, %H:%M:%S} ({NO_ZONE})"
    local = moment.astimezone(UK)
    return f"{local:%d %B %Y, %H:%M:%S} {local.tzname()}"


def clock_at(start: str | None, offset: float) -> str | None:
    """The clock time ``offset`` seconds after ``start`` (``22:15:05 GMT``), if it can be read."""
    moment = _moment(start) if start else None
    if moment is None:
        return None
    later = moment + timedelta(seconds=offset)
    if later.tzinfo is None:
        return f"{later:%H:%M:%S}"
    local = later.astimezone(UK)
    return f"{local:%H:%M:%S} {local.tzname()}"


def taken(facts: Facts, date_shown: str) -> str:
    """The capture time for an index entry: the clock time, with the day if not ``date_shown``."""
    moment = _moment(facts.device_time) if facts.device_time else None
    if moment is None:
        return ""
    local = moment.astimezone(UK) if moment.tzinfo else moment
    day = local.date().isoformat()
    return f"taken {local:%H:%M:%S}" if day == date_shown[:10] else f"taken {day} {local:%H:%M:%S}"
