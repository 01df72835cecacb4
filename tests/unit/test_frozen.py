"""Signed and reported values are read-only all the way down."""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given

import evidencekit
from evidencekit import (
    BundleResult,
    Case,
    Event,
    ExportResult,
    Finding,
    IngestRequest,
    IngestResult,
    Keyring,
    Signer,
    StatementRedactionResult,
    VerificationReport,
    canonical_bytes,
    ingest,
)
from evidencekit.core.frozen import FrozenDict, freeze, thaw
from evidencekit.custody.events import head_for, next_event
from tests.strategies import json_values, records

HANA = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing")
CASE_ID = "2f1b7f0e-0000-4000-8000-000000000001"
NOW = datetime(2026, 11, 20, tzinfo=UTC)
MUTATIONS: list[Callable[[Any], object]] = [
    lambda m: m.__setitem__("x", 1), lambda m: m.__delitem__("a"), lambda m: m.update(x=1),
    lambda m: m.pop("a"), lambda m: m.clear(), lambda m: m.setdefault("x", 1),
]


def _event(details: dict[str, object]) -> Event:
    return next_event(None, case_id=CASE_ID, signer=HANA, now=NOW, action="ingested",
                      exhibit="HG/1", sha256="0" * 64, details=details)


@given(json_values)
def test_freezing_then_canonicalising_equals_canonicalising_the_plain_value(
        value: object) -> None:
    frozen = freeze(value)
    assert canonical_bytes(frozen) == canonical_bytes(value)
    assert thaw(frozen) == value and frozen == value
    assert json.loads(canonical_bytes(frozen)) == thaw(frozen)


@given(records)
def test_frozen_records_are_hashable_and_refuse_change(record: dict[str, object]) -> None:
    frozen = freeze(record)
    assert hash(frozen) == hash(freeze(record))
    for mutate in MUTATIONS:
        with pytest.raises((TypeError, AttributeError)):
            mutate(frozen)


def test_event_details_cannot_be_changed_in_place() -> None:
    plain = {"a": 1, "tags": ["x", "y"], "gps": {"lat": "51.5"}}
    event = _event(plain)
    line, digest = event.to_line(), event.hash
    plain["a"] = 2
    typing.cast(list[str], plain["tags"]).append("z")  # the caller's own copy, not the event's
    assert event.details["a"] == 1 and event.details["tags"] == ["x", "y"]
    for mutate in MUTATIONS:
        with pytest.raises((TypeError, AttributeError)):
            mutate(event.details)
    with pytest.raises((TypeError, AttributeError)):
        event.details["tags"].append("z")  # type: ignore[attr-defined]
    with pytest.raises((TypeError, AttributeError)):
        event.details["gps"]["lat"] = "0"  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.details = {}  # type: ignore[misc]
    assert event.to_line() == line and event.hash == digest


def test_event_hash_is_computed_once_and_matches_its_bytes() -> None:
    event = _event({"n": 1, "list": [1, 2]})
    assert event.hash is event.hash
    assert event.hash == hashlib.sha256(event.to_line()[:-1]).hexdigest()
    assert event.signed_bytes() == canonical_bytes(event.body())
    assert event.to_line() == canonical_bytes({**event.body(),
                                               "signature": event.signature}) + b"\n"
    assert HANA.public.verify(event.signed_bytes(), event.signature_bytes())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event._hash = "0" * 64  # type: ignore[misc]


def test_a_read_event_gives_back_its_exact_line_and_plain_body() -> None:
    event = _event({"items": [{"ref": "HG/1"}], "n": 3})
    again = Event.from_line(event.to_line()[:-1])
    assert again == event and again.hash == event.hash
    body = again.body()
    assert type(body["details"]) is dict and type(body["details"]["items"]) is list
    assert type(body["details"]["items"][0]) is dict
    json.dumps(body)  # plain JSON for --json


def test_head_bytes_are_fixed_when_built() -> None:
    event = _event({})
    head = head_for(event, case_id=CASE_ID, signer=HANA, now=NOW)
    assert head.to_bytes() == canonical_bytes({**head.body(),
                                               "signature": head.signature}) + b"\n"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        head.seq = 5  # type: ignore[misc]


def test_reports_and_results_are_read_only() -> None:
    report = VerificationReport("x", [Finding("a", "b")], {"events": 1})  # type: ignore[arg-type]
    assert isinstance(report.findings, tuple)
    with pytest.raises(TypeError):
        report.checked["events"] = 2  # type: ignore[index]
    assert report.to_dict()["checked"] == {"events": 1}
    json.dumps(report.to_dict())
    keys = Keyring.of([HANA.public])
    with pytest.raises(TypeError):
        keys.trusted["x"] = HANA.public  # type: ignore[index]
    result = IngestResult("p", "ingested", warnings=["w"])  # type: ignore[arg-type]
    assert isinstance(result.warnings, tuple) and result.to_dict()["warnings"] == ["w"]
    statement = StatementRedactionResult("HG/1", None, None, {"name": 2}, {"register": 2}, 1)
    with pytest.raises(TypeError):
        statement.counts["name"] = 0  # type: ignore[index]
    assert json.loads(json.dumps(statement.to_dict()))["counts"] == {"name": 2}
    assert type(statement.to_dict()["counts"]) is dict
    exported = ExportResult("p", "id", [], 1, "f")  # type: ignore[arg-type]
    bundled = BundleResult("p", "0" * 64, 1, 1, [], ["n"], 1, "s")  # type: ignore[arg-type]
    assert isinstance(exported.files, tuple) and isinstance(bundled.notes, tuple)
    assert bundled.to_dict()["notes"] == ["n"]


def test_item_details_and_metadata_are_read_only(tmp_path: Path) -> None:
    case = Case.init(tmp_path / "case", ref="NH-1", title="Test")
    photo = tmp_path / "note.txt"
    photo.write_text("hello\n")
    ingest(case, [photo], HANA, IngestRequest(kind="document", producer="HG",
                                              description="A note"))
    item = case.item("HG/1")
    for mutate in MUTATIONS:
        with pytest.raises((TypeError, AttributeError)):
            mutate(item.details)
    with pytest.raises((TypeError, AttributeError)):
        item.metadata["x"] = 1  # type: ignore[index]
    plain = item.to_dict()
    assert type(plain["details"]) is dict
    assert json.loads(json.dumps(plain))["details"] == thaw(item.details)


def _mutable(tp: object) -> bool:
    origin = typing.get_origin(tp) or tp
    if origin in (dict, list, set):
        return True
    return any(_mutable(arg) for arg in typing.get_args(tp))


def test_no_public_value_class_declares_a_mutable_field() -> None:
    found = []
    for name in evidencekit.__all__:
        obj = getattr(evidencekit, name)
        if isinstance(obj, type) and attrs.has(obj):
            hints = typing.get_type_hints(obj)
            found += [f"{name}.{field}" for field, tp in hints.items() if _mutable(tp)]
    assert found == []


def test_frozen_dict_equals_plain_data_but_not_other_data() -> None:
    frozen = FrozenDict({"a": [1, {"b": [2]}]})
    assert frozen == {"a": [1, {"b": [2]}]}
    assert frozen != {"a": [1, {"b": [3]}]}
    assert frozen["a"] != [1, {"b": [3]}] and frozen["a"] == [1, {"b": [2]}]
    assert freeze(frozen) is frozen
