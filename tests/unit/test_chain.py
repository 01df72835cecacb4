"""Any single edit, deletion, insertion, reordering or truncation of the log is detected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import Event, Head, Keyring, Signer, check_log
from evidencekit.custody.events import head_for, next_event

CASE_ID = "2f1b7f0e-0000-4000-8000-000000000001"
HANA = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing")
MALLORY = Signer.from_seed(bytes([7]) * 32, "Mallory", "Nobody")
KEYS = Keyring.of([HANA.public])


def build(n: int, signer: Signer = HANA) -> tuple[list[bytes], Head]:
    events: list[Event] = []
    start = datetime(2026, 11, 20, tzinfo=UTC)
    for i in range(n):
        events.append(next_event(events[-1] if events else None, case_id=CASE_ID,
                                 signer=signer, now=start + timedelta(seconds=i),
                                 action="ingested", exhibit=f"HG/{i + 1}",
                                 sha256=f"{i:064x}", details={"n": i, "note": "é"}))
    head = head_for(events[-1] if events else None, case_id=CASE_ID, signer=signer,
                    now=start + timedelta(hours=1))
    return [e.to_line()[:-1] for e in events], head


def errors(lines: list[bytes], head: Head | None, keys: Keyring = KEYS) -> list[str]:
    raw = b"".join(line + b"\n" for line in lines)
    _events, found = check_log(raw, head, CASE_ID, keys)
    return [f.code for f in found if f.severity == "error"]


LINES, HEAD = build(6)


def test_intact_log_passes() -> None:
    assert errors(LINES, HEAD) == []


def test_untrusted_and_unknown_signers_fail() -> None:
    assert errors(LINES, HEAD, Keyring.of([], [HANA.public])) == ["signer-untrusted"]
    assert errors(LINES, HEAD, Keyring()) == ["signer-unknown"]


@given(st.data())
def test_any_single_byte_edit_is_detected(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(LINES) - 1))
    line = LINES[index]
    pos = data.draw(st.integers(0, len(line) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b not in (line[pos], 10)))
    edited = list(LINES)
    edited[index] = line[:pos] + bytes([byte]) + line[pos + 1:]
    assert errors(edited, HEAD)


@given(st.integers(0, len(LINES) - 1))
def test_any_deletion_is_detected(index: int) -> None:
    assert errors(LINES[:index] + LINES[index + 1:], HEAD)


@given(st.integers(0, len(LINES) - 1), st.integers(0, len(LINES) - 1))
def test_any_reordering_is_detected(i: int, j: int) -> None:
    if LINES[i] == LINES[j]:
        return
    swapped = list(LINES)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert errors(swapped, HEAD)


@given(st.integers(0, len(LINES)), st.sampled_from(["copy", "forged"]))
def test_any_insertion_is_detected(index: int, how: str) -> None:
    if how == "copy":
        extra = LINES[min(index, len(LINES) - 1)]
    else:  # a well-formed event signed by someone else, linked correctly
        prev = Event.from_line(LINES[index - 1]) if index else None
        extra = next_event(prev, case_id=CASE_ID, signer=MALLORY,
                           now=datetime(2026, 11, 21, tzinfo=UTC), action="ingested",
                           exhibit="XX/1", sha256="f" * 64).to_line()[:-1]
    assert errors([*LINES[:index], extra, *LINES[index:]], HEAD)


@given(st.integers(1, len(LINES)))
def test_any_truncation_is_detected(cut: int) -> None:
    assert "log-truncated" in errors(LINES[:-cut], HEAD)


def test_rewritten_log_with_own_head_but_no_trusted_key_fails() -> None:
    lines, head = build(3, MALLORY)
    assert errors(lines, head, Keyring.of([HANA.public], [MALLORY.public])) == [
        "signer-untrusted"]


def test_head_problems() -> None:
    assert errors(LINES, None) == ["head-missing"]
    other_lines, other_head = build(6)
    forged_head = Head(CASE_ID, HEAD.seq, "a" * 64, HEAD.time, HEAD.actor).signed_by(HANA)
    assert "head-mismatch" in errors(LINES, forged_head)
    bad_sig = Head(CASE_ID, HEAD.seq, HEAD.hash, HEAD.time, HEAD.actor, HEAD.signature[:-4]
                   + "AAA=")
    assert "bad-signature" in errors(LINES, bad_sig)
    assert other_lines == LINES and other_head.hash == HEAD.hash  # deterministic build


def test_interrupted_writes_are_warnings_not_failures() -> None:
    raw = b"".join(line + b"\n" for line in LINES) + LINES[0][:40]  # torn last line
    events, found = check_log(raw, HEAD, CASE_ID, KEYS)
    assert [f.code for f in found] == ["torn-tail"] and len(events) == len(LINES)
    older_head = build(5)[1]  # head written before the last event's head update
    _events, found = check_log(raw, older_head, CASE_ID, KEYS)
    assert {f.code: f.severity for f in found} == {"torn-tail": "warning",
                                                   "head-behind": "warning"}


@pytest.mark.parametrize("line", [b"{}", b"garbage", b'{"type":"evidencekit.custody-event/1"}'])
def test_unreadable_events_are_reported(line: bytes) -> None:
    assert "event-unreadable" in errors([*LINES[:2], line, *LINES[3:]], HEAD)


def test_event_from_another_case_is_detected() -> None:
    other = next_event(None, case_id="another-case", signer=HANA,
                       now=datetime(2026, 11, 20, tzinfo=UTC), action="ingested",
                       exhibit="HG/1", sha256="0" * 64, details={"n": 0, "note": "é"})
    assert "event-case" in errors([other.to_line()[:-1], *LINES[1:]], HEAD)
