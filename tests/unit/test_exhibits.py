"""The exhibits view over the custody log: histories with copies, references as typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evidencekit import Event, Signer, history_of
from evidencekit.custody.events import next_event
from evidencekit.custody.exhibits import ref_hint, ref_suggestion

CASE_ID = "2f1b7f0e-0000-4000-8000-000000000002"
HANA = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing")


def log_of(*rows: tuple[str, str | None, dict[str, object]]) -> list[Event]:
    events: list[Event] = []
    start = datetime(2026, 11, 20, tzinfo=UTC)
    for n, (action, exhibit, details) in enumerate(rows):
        events.append(next_event(events[-1] if events else None, case_id=CASE_ID, signer=HANA,
                                 now=start + timedelta(seconds=n), action=action,
                                 exhibit=exhibit, sha256=f"{n:064x}",
                                 details=details))
    return events


LOG = log_of(
    ("case-created", None, {}),
    ("ingested", "HG/6", {"kind": "photo"}),
    ("ingested", "HG/7", {"kind": "photo"}),
    ("redacted", "HG/6-R1", {"source_ref": "HG/6"}),
    ("redaction-not-needed", "HG/7", {"reason": "no one in it"}),
    ("redacted", "HG/6-R2", {"source_ref": "HG/6"}),
    ("exported", None, {"items": ["HG/6-R2"]}),
    ("ingested", "HG/16", {"kind": "photo"}),
)


def seqs(events: list[Event]) -> list[int]:
    return [e.seq for e in events]


def test_an_original_shows_the_copies_made_from_it() -> None:
    assert seqs(history_of(LOG, "HG/6")) == [2, 4, 6]


def test_a_copy_starts_with_its_source_and_leaves_out_its_siblings() -> None:
    assert seqs(history_of(LOG, "HG/6-R1")) == [2, 4]
    assert seqs(history_of(LOG, "HG/6-R2")) == [2, 6]


def test_other_exhibits_and_case_events_are_left_out() -> None:
    assert seqs(history_of(LOG, "HG/7")) == [3, 5]
    assert seqs(history_of(LOG, "HG/16")) == [8]  # HG/1... prefixes are not the same exhibit
    assert history_of(LOG, "HG/99") == []


def test_a_tampered_log_whose_copies_form_a_loop_still_ends() -> None:
    looped = log_of(("redacted", "A/1-R1", {"source_ref": "A/1-R2"}),
                    ("redacted", "A/1-R2", {"source_ref": "A/1-R1"}))
    assert seqs(history_of(looped, "A/1-R1")) == [1, 2]


def test_ref_suggestion_reads_hyphens_as_file_names_write_them() -> None:
    known = ["PS/5", "HG/6", "HG/6-R1", "AB-C/1"]
    assert ref_suggestion("PS-5", known) == "PS/5"
    assert ref_suggestion("hg-6-r1", known) == "HG/6-R1"
    assert ref_suggestion("HG-6", known) == "HG/6"
    assert ref_suggestion("AB-C-1", known) == "AB-C/1"
    assert ref_suggestion("PS/5", known) is None
    assert ref_suggestion("XY-1", known) is None
    assert "Did you mean PS/5?" in ref_hint("PS-5", known)
    assert "evidencekit list" in ref_hint("ZZ-1", known)
