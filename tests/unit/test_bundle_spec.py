"""Bundle specs: ranges, an exhibit listed twice, [producers] (issue 12, item 12)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import InputError, parse_spec
from evidencekit.bundle.spec import RANGE_LIMIT, expand_refs

PREFIXES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6)


def spec(*entries: str) -> str:
    listed = ", ".join(f'"{e}"' for e in entries)
    return f'[[section]]\ntitle = "All"\nexhibits = [{listed}]\n'


def test_a_range_names_each_exhibit_in_numeric_order() -> None:
    parsed = parse_spec(spec("HG/1", "ps/3-ps/12", "TA/2-R1"))
    assert parsed.refs == ("HG/1", *(f"PS/{n}" for n in range(3, 13)), "TA/2-R1")


@pytest.mark.parametrize(("entry", "message"), [
    ("PS/3-TA/9", "joins two producers"), ("PS/9-PS/3", "must run upwards"),
    ("PS/1-PS/99999", "at most"), ("PS/3-PS/x", "not a range"), ("PS/-PS/3", "not a range"),
])
def test_a_bad_range_is_refused_clearly(entry: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_spec(spec(entry))
    assert "\n" not in caught.value.message


def test_an_exhibit_listed_twice_is_refused_by_name() -> None:
    with pytest.raises(InputError, match=r"lists PS/4 twice \(section 1\)"):
        parse_spec(spec("PS/1-PS/5", "PS/4"))
    two = spec("HG/1") + '[[section]]\ntitle = "B"\nexhibits = ["HG/2", "hg/1"]\n'
    with pytest.raises(InputError, match=r"lists HG/1 twice \(sections 1 and 2\)"):
        parse_spec(two)


def test_producers_table() -> None:
    parsed = parse_spec(spec("HG/1") + '[producers]\n"ta" = "PC Tom Ashby"\n')
    assert parsed.producers == (("TA", "PC Tom Ashby"),)
    with pytest.raises(InputError):
        parse_spec(spec("HG/1") + "producers = 3\n")


@given(PREFIXES, st.integers(0, 10**6), st.integers(0, RANGE_LIMIT - 1))
def test_range_round_trip(prefix: str, first: int, extra: int) -> None:
    refs = expand_refs(f"{prefix}/{first}-{prefix.lower()}/{first + extra}")
    assert refs == tuple(f"{prefix}/{n}" for n in range(first, first + extra + 1))


@given(PREFIXES, PREFIXES, st.integers(0, 999), st.integers(0, 999))
def test_other_ranges_are_refused_not_guessed(one: str, two: str, a: int, b: int) -> None:
    if one == two and a <= b:
        assert len(expand_refs(f"{one}/{a}-{two}/{b}")) == b - a + 1
    else:
        with pytest.raises(InputError):
            expand_refs(f"{one}/{a}-{two}/{b}")


@given(st.text(max_size=40))
def test_expand_raises_only_our_errors(text: str) -> None:
    try:
        refs = expand_refs(text)
    except InputError:
        return
    assert refs and all(r == r.upper() for r in refs)
