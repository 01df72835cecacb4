from __future__ import annotations

import json

import pytest
from hypothesis import given

from evidencekit import InputError, canonical_bytes, parse_canonical
from tests.strategies import json_values, records


def test_known_answer() -> None:
    record = {"b": [1, True, None], "a": "é", "c": {"z": 1, "y": "x"}}
    assert canonical_bytes(record) == '{"a":"é","b":[1,true,null],"c":{"y":"x","z":1}}'.encode()


def test_floats_are_refused() -> None:
    with pytest.raises(InputError, match="Floats"):
        canonical_bytes({"gps": 51.5})


@pytest.mark.parametrize("value", [{1: "x"}, {"a": object()}, {"a": b"bytes"}])
def test_foreign_values_are_refused(value: object) -> None:
    with pytest.raises(InputError):
        canonical_bytes(value)


@pytest.mark.parametrize("text", [
    b'{"b":1,"a":2}',            # unsorted keys
    b'{"a": 1}',                 # spare whitespace
    b'{"a":"\\u00e9"}',          # escaped non-ASCII
    b'{"a":1,"a":1}',            # duplicate key
    b'{"a":1.0}',                # float
    b'{"a":NaN}',                # non-standard constant
    b"[1]",                      # not an object
    b"\xff",                     # not UTF-8
])
def test_non_canonical_input_is_refused(text: bytes) -> None:
    with pytest.raises(InputError):
        parse_canonical(text)


@given(records)
def test_round_trip(record: dict[str, object]) -> None:
    data = canonical_bytes(record)
    assert parse_canonical(data) == record
    assert canonical_bytes(parse_canonical(data)) == data


@given(json_values)
def test_canonical_form_is_plain_json(value: object) -> None:
    data = canonical_bytes(value)
    assert json.loads(data) == value
    assert json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode() == data
