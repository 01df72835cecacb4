"""The regions file: strict parsing, and only our own errors on any input."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import InputError, Region, RegionSet, parse_regions


def test_full_example_parses() -> None:
    parsed = parse_regions(json.dumps({
        "regions": [{"x": 1, "y": 2, "w": 3, "h": 4},
                    {"x": 0, "y": 0, "w": 10, "h": 10, "start": 1, "end": 2.5,
                     "style": "pixelate", "label": "plate"}],
        "mute": [{"start": 0.5, "end": 1.5}]}))
    assert parsed.regions[0] == Region(1, 2, 3, 4)
    assert parsed.regions[1].active_at(2.0) and not parsed.regions[1].active_at(3.0)
    assert parsed.mute[0].to_record() == {"start": "0.500", "end": "1.500"}


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "not valid JSON"),
    ("[]", "must be an object"),
    ('{"regions": {}}', "must be lists"),
    ('{"regions": [{"x": 1}]}', "Region 1 y"),
    ('{"regions": [{"x": -1, "y": 0, "w": 1, "h": 1}]}', "Region 1 x"),
    ('{"regions": [{"x": 0, "y": 0, "w": 0, "h": 1}]}', "Region 1 w"),
    ('{"regions": [{"x": 0.5, "y": 0, "w": 1, "h": 1}]}', "whole number"),
    ('{"regions": [{"x": 0, "y": 0, "w": 1, "h": 1, "style": "smudge"}]}', "style"),
    ('{"regions": [{"x": 0, "y": 0, "w": 1, "h": 1, "start": 3, "end": 2}]}', "ends"),
    ('{"regions": [{"x": 0, "y": 0, "w": 1, "h": 1, "colour": "red"}]}', "unknown field"),
    ('{"mute": [{"start": 1}]}', "start and end"),
    ('{"mute": [{"start": "1", "end": 2}]}', "number of seconds"),
    ('{"mute": [{"start": 1e400, "end": 2}]}', "zero or more"),
    ('{"extra": 1}', "must be an object"),
])
def test_bad_regions_files(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_regions(text)


def test_regions_must_fit_the_picture_and_the_recording() -> None:
    regions = parse_regions('{"regions": [{"x": 600, "y": 0, "w": 50, "h": 10}]}')
    with pytest.raises(InputError, match="outside the 640x480"):
        regions.check_fits(640, 480, None)
    timed = parse_regions('{"regions": [{"x": 0, "y": 0, "w": 5, "h": 5, "start": 9}]}')
    with pytest.raises(InputError, match="past the end"):
        timed.check_fits(640, 480, 4.0)
    with pytest.raises(InputError, match="no timeline"):
        timed.check_fits(640, 480, None)
    with pytest.raises(InputError, match="not to photos"):
        parse_regions('{"mute": [{"start": 0, "end": 1}]}').check_fits(10, 10, None)
    RegionSet().check_fits(1, 1, 1.0)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(["regions", "mute", "x", "y", "w", "h", "start", "end", "style",
                         "label", "other"]), kids, max_size=6),
    max_leaves=20)


@given(json_like)
def test_any_json_gives_a_region_set_or_our_error(value: object) -> None:
    with contextlib.suppress(InputError):  # any other exception fails the test
        assert isinstance(parse_regions(json.dumps(value)), RegionSet)


@given(st.binary(max_size=200))
def test_any_bytes_give_a_region_set_or_our_error(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_regions(data)


def test_pdf_regions_name_their_page() -> None:
    parsed = parse_regions('{"regions": [{"page": 2, "x": 40, "y": 300, "w": 400, "h": 120, '
                           '"label": "note"}]}')
    assert parsed.regions == (Region(40, 300, 400, 120, label="note", page=2),)
    for bad in ('{"regions": [{"page": 0, "x": 0, "y": 0, "w": 1, "h": 1}]}',
                '{"regions": [{"page": "2", "x": 0, "y": 0, "w": 1, "h": 1}]}',
                '{"regions": [{"page": true, "x": 0, "y": 0, "w": 1, "h": 1}]}'):
        with pytest.raises(InputError, match=r"Region 1 page must be a page number \(1 is"):
            parse_regions(bad)
    with pytest.raises(InputError, match="only PDF statements have pages"):
        parsed.check_fits(1000, 1000, None)
