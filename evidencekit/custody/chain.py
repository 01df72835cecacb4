"""Checking a custody log and its head: a pure function of bytes and keys.

The numbered steps match ``docs/formats.md`` ("Checking a case by hand").
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from evidencekit.core.canonical import canonical_bytes, parse_canonical
from evidencekit.core.errors import CustodyError, InputError
from evidencekit.core.report import Finding
from evidencekit.custody import lifecycle
from evidencekit.custody.events import GENESIS, Event, Head
from evidencekit.keys.keyring import Keyring

OMITTED_TYPE = "evidencekit.custody-omitted/1"


@attrs.frozen
class Omitted:
    """An event left out of a package's custody extract: only its number and hash."""

    seq: int
    hash: str

    @classmethod
    def from_line(cls, line: bytes) -> Omitted | None:
        """Parse a placeholder line; ``None`` when the line is not one."""
        try:
            data = parse_canonical(line)
        except InputError:
            return None
        if data.get("type") != OMITTED_TYPE or set(data) != {"type", "seq", "hash"}:
            return None
        seq, digest = data["seq"], data["hash"]
        if not isinstance(seq, int) or not isinstance(digest, str) or len(digest) != 64:
            return None
        return cls(seq, digest)


def omitted_line(event: Event) -> bytes:
    """A placeholder for an event not disclosed in an extract: its number and hash only."""
    return canonical_bytes({"type": OMITTED_TYPE, "seq": event.seq, "hash": event.hash}) + b"\n"


def split_log(raw: bytes) -> tuple[list[bytes], bool]:
    """Split log bytes into lines; the flag is True when a torn last line was dropped."""
    if not raw:
        return [], False
    lines = raw.split(b"\n")
    torn = lines[-1] != b""
    return lines[:-1], torn


def _check_event(event: Event, line_no: int, case_id: str, prev: str | None,
                 keys: Keyring) -> list[Finding]:
    subject = f"event {line_no}"
    found: list[Finding] = []
    if event.seq != line_no:
        found.append(Finding("event-seq", f"carries sequence number {event.seq}, expected "
                             f"{line_no} (events removed, inserted or reordered)", subject))
    if event.case_id != case_id:
        found.append(Finding("event-case", "belongs to another case", subject))
    if prev is not None and event.prev != prev:
        found.append(Finding("event-link", "does not link to the event before it (an event "
                             "was edited, removed, inserted or reordered)", subject))
    found += keys.check(event.actor.fingerprint, event.signed_bytes(),
                        event.signature_bytes(), subject, "The event")
    return found


def check_events(lines: list[bytes], case_id: str, keys: Keyring, *,
                 allow_omitted: bool = False) -> tuple[list[Event | Omitted | None],
                                                      list[Finding]]:
    """Steps 1–4: parse, number, link and signature of every event.

    With ``allow_omitted`` (a package's extract), placeholder lines stand for
    undisclosed events: their hash carries the chain on.
    """
    events: list[Event | Omitted | None] = []
    found: list[Finding] = []
    prev: str | None = GENESIS
    for line_no, line in enumerate(lines, start=1):
        stub = Omitted.from_line(line) if allow_omitted else None
        if stub is not None:
            if stub.seq != line_no:
                found.append(Finding("event-seq", f"placeholder carries sequence number "
                                     f"{stub.seq}, expected {line_no}", f"event {line_no}"))
            events.append(stub)
            prev = stub.hash
            continue
        try:
            event = Event.from_line(line)
        except CustodyError as exc:
            found.append(Finding("event-unreadable", exc.message, f"event {line_no}"))
            events.append(None)
            prev = None
            continue
        found += _check_event(event, line_no, case_id, prev, keys)
        events.append(event)
        prev = event.hash
    return events, found


def check_head(head: Head | None, events: Sequence[Event | Omitted | None], case_id: str,
               keys: Keyring) -> list[Finding]:
    """Step 5: the signed head anchors the last event (truncation is caught here)."""
    if head is None:
        return [Finding("head-missing", "the case has no signed head", "head")] if events else []
    found = keys.check(head.actor.fingerprint, head.signed_bytes(), head.signature_bytes(),
                       "head", "The head")
    if head.case_id != case_id:
        found.append(Finding("head-case", "belongs to another case", "head"))
    count = len(events)
    if head.seq > count:
        found.append(Finding("log-truncated", f"the head anchors {head.seq} events but the "
                             f"log holds {count}: events were removed from the end", "head"))
        return found
    anchored = events[head.seq - 1] if head.seq else None
    anchored_hash = anchored.hash if anchored else (GENESIS if head.seq == 0 else None)
    if anchored_hash != head.hash:
        found.append(Finding("head-mismatch", f"event {head.seq} is not the one the head "
                             "anchors (the log was rewritten)", "head"))
    elif head.seq < count:
        found.append(Finding("head-behind", f"events {head.seq + 1}–{count} are signed and "
                             "linked but not yet anchored by the head (an interrupted write; "
                             "the next command re-anchors them)", "head", "warning"))
    return found


def with_rotations(lines: list[bytes], keys: Keyring) -> Keyring:
    """The keyring plus keys handed on by signed rotation records (see ``lifecycle``)."""
    rotations = []
    for line in lines:
        if b'"key-rotated"' in line:
            try:
                rotations.append(Event.from_line(line))
            except CustodyError:
                continue
    return lifecycle.extend_keyring(rotations, keys) if rotations else keys


def _check(raw: bytes, head: Head | None, case_id: str, keys: Keyring,
           extract: bool) -> tuple[list[Event], list[Finding]]:

    lines, torn = split_log(raw)
    keys = with_rotations(lines, keys)
    found: list[Finding] = []
    if torn and extract:  # a package is written whole: a torn line is damage
        found.append(Finding("event-unreadable", "the custody extract ends in an incomplete "
                             "line", "custody"))
    elif torn:
        found.append(Finding("torn-tail", "the log ends in an incomplete line (an interrupted "
                             "write); it is ignored and removed by the next command", "log",
                             "warning"))
    events, event_findings = check_events(lines, case_id, keys, allow_omitted=extract)
    found += event_findings
    found += check_head(head, events, case_id, keys)
    if extract and head is not None and head.seq < len(events):
        found.append(Finding("extract-beyond-head", f"the extract holds {len(events)} events "
                             f"but its head anchors only {head.seq}", "head"))
    readable = [e for e in events if isinstance(e, Event)]
    found += lifecycle.check_lifecycle(readable, keys, head)
    return readable, merge_signer_findings(found)


def check_log(raw: bytes, head: Head | None, case_id: str,
              keys: Keyring) -> tuple[list[Event], list[Finding]]:
    """Check a whole custody log; return its readable events and every finding."""
    return _check(raw, head, case_id, keys, extract=False)


def check_extract(raw: bytes, head: Head | None, case_id: str,
                  keys: Keyring) -> tuple[list[Event], list[Finding]]:
    """Check a package's custody extract: disclosed events, placeholders and the head."""
    return _check(raw, head, case_id, keys, extract=True)


def merge_signer_findings(found: list[Finding]) -> list[Finding]:
    """One finding per untrusted or unknown signer, naming everything it signed."""
    merged: dict[tuple[str, str], list[str]] = {}
    kept: list[Finding] = []
    for finding in found:
        if finding.code in ("signer-untrusted", "signer-unknown"):
            merged.setdefault((finding.code, finding.message), []).append(finding.subject)
        else:
            kept.append(finding)
    for (code, message), subjects in merged.items():
        kept.append(Finding(code, f"{len(subjects)} record(s) {message}", _span(subjects)))
    return kept


def _span(subjects: list[str]) -> str:
    numbers = sorted(int(s.split()[1]) for s in subjects if s.startswith("event "))
    others = [s for s in subjects if not s.startswith("event ")]
    if not numbers:
        return ", ".join(others)
    contiguous = numbers == list(range(numbers[0], numbers[-1] + 1))
    if len(numbers) == 1:
        listed = f"event {numbers[0]}"
    elif contiguous:
        listed = f"events {numbers[0]}–{numbers[-1]}"
    elif len(numbers) <= 6:
        listed = "events " + ", ".join(map(str, numbers))
    else:
        listed = f"{len(numbers)} events from {numbers[0]} to {numbers[-1]}"
    return ", ".join([listed, *others])
