"""The disclosure register as a pure view of signed events (encryption shown when recorded)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from evidencekit import Event, InputError, Signer
from evidencekit.case.disclosures import check_marking, defaults_of, register_of
from evidencekit.custody.events import next_event

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _log(hana: Signer, *specs: tuple[str, dict[str, object]]) -> list[Event]:
    events: list[Event] = []
    for action, details in specs:
        events.append(next_event(events[-1] if events else None, case_id="c1", signer=hana,
                                 now=NOW, action=action, details=details))  # type: ignore[arg-type]
    return events


def test_sent_packages_show_basis_marking_and_encryption(hana: Signer) -> None:
    events = _log(hana, ("case-created", {}), ("exported", {
        "package_id": "p-1", "recipient": "Defence", "redacted": True,
        "items": [{"ref": "HG/1-R1", "sha256": "0" * 64, "path": "x"},
                  {"ref": "bundle", "sha256": "1" * 64, "path": "y"}],
        "basis": "CPR 31", "purpose": "disclosure", "marking": "OFFICIAL",
        "encryption": {"tool": "age", "recipients": 1}}))
    register = register_of(events, "NH-1")
    sent, = register.sent
    assert (sent.exhibits, sent.redacted, sent.basis, sent.marking) == (
        ("HG/1-R1",), True, "CPR 31", "OFFICIAL")
    assert dict(sent.encryption or {}) == {"tool": "age", "recipients": 1}
    assert sent.to_dict()["encryption"] == {"tool": "age", "recipients": 1}
    row, = csv.DictReader(io.StringIO(register.to_csv()))
    assert row["encryption"] == "recipients=1, tool=age" and row["redacted"] == "yes"


def test_an_export_without_a_basis_says_so(hana: Signer) -> None:
    events = _log(hana, ("exported", {"package_id": "p", "recipient": "Court",
                                      "redacted": False, "items": []}))
    sent, = register_of(events, "NH-1").entries
    assert (sent.basis, sent.purpose, sent.marking, sent.encryption) == (None, None, None, None)


def test_defaults_are_the_newest_event(hana: Signer) -> None:
    events = _log(hana, ("disclosure-defaults", {"basis": "A"}),
                  ("disclosure-defaults", {"basis": "B", "marking": "OFFICIAL"}))
    assert (defaults_of(events).basis, defaults_of(events).marking) == ("B", "OFFICIAL")
    assert defaults_of([]).basis is None


@pytest.mark.parametrize("given", ["official", "Official Sensitive", " OFFICIAL-SENSITIVE "])
def test_markings_are_normalised(given: str) -> None:
    assert check_marking(given) in ("OFFICIAL", "OFFICIAL-SENSITIVE")


def test_other_markings_are_refused() -> None:
    with pytest.raises(InputError):
        check_marking("TOP SECRET")
