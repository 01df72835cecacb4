"""The ``received_from`` record: a parser of signed-but-untrusted data, round trips."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import InputError, Origin
from evidencekit.core.canonical import canonical_bytes, parse_canonical

HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
TEXT = st.text(min_size=1, max_size=40)

origins = st.builds(Origin, package_id=TEXT, sender_name=TEXT, sender_org=TEXT,
                    sender_fingerprint=HEX, sender_case_ref=TEXT, sender_case_id=TEXT,
                    sender_ref=TEXT, head_seq=st.integers(1, 10**9), head_hash=HEX,
                    events_sha256=HEX, head_sha256=HEX, redacted=st.booleans())


@given(origins)
def test_round_trip_through_the_canonical_form(origin: Origin) -> None:
    again = Origin.from_dict(parse_canonical(canonical_bytes(origin.to_dict())))
    assert again == origin
    assert origin.package_id in origin.describe() and origin.sender_ref in origin.describe()


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                           max_leaves=12)


@given(json_values)
def test_anything_else_is_an_input_error_never_a_crash(value: object) -> None:
    with contextlib.suppress(InputError):
        Origin.from_dict(value)


@given(origins, st.sampled_from(["package_id", "sender", "sender_case", "sender_ref",
                                 "sender_head", "record"]))
def test_a_missing_part_is_refused(origin: Origin, part: str) -> None:
    data = origin.to_dict()
    del data[part]
    with pytest.raises(InputError):
        Origin.from_dict(data)
