"""The detectors reviewers expect, and hypothesis: any formatting of a number is found."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidencekit.redact.detectors import apply, find_spans
from evidencekit.redact.people import PeopleRegister, parse_people
from evidencekit.redact.suggest import first_names, suggest_names

REGISTER = parse_people("""
[[person]]
name = "Joan O'Brien"
role = "third-party"

[[person]]
name = "Darren Cole"
role = "party"
""")


@pytest.mark.parametrize("text", [
    "JOAN O'BRIEN", "Joan O’Brien’s", "Joan O'Bri-\nen", "Jo-\nan O'Brien", "joan o'brien",
])
def test_names_in_every_form(text: str) -> None:
    out = apply(f"I saw {text} there.", find_spans(f"I saw {text} there.", REGISTER))
    assert out == "I saw [third party] there."


@pytest.mark.parametrize(("text", "category"), [
    ("+44 (0)7700 900123", "phone"), ("+44 (0) 20 7946 0958", "phone"),
    ("07700.900.123", "phone"), ("07700-900-123", "phone"), ("020-7946-0958", "phone"),
    ("QQ 12 34 56 C", "NI number"), ("qq123456c", "NI number"), ("GB123456A", "NI number"),
    ("QQ123456C", "NI number"),
    ("DOB 14.02.1979", "date of birth"), ("born 14/02/79", "date of birth"),
    ("date of birth is\n14/02/1979", "date of birth"),
    ("born 14 February 1979", "date of birth"),
    ("born on the 14th of February 1979", "date of birth"), ("ns4 7qt", "postcode"),
    ("SK54MPK", "vehicle"), ("sk54 mpk", "vehicle"),
])
def test_detectors_reviewers_expect(text: str, category: str) -> None:
    spans = find_spans(f"Note: {text}, end.", PeopleRegister())
    assert [s.category for s in spans] == [category], spans
    out = apply(text, find_spans(text, PeopleRegister()))
    assert out.endswith(f"[{category}]") and not any(ch.isdigit() for ch in out), out


@pytest.mark.parametrize("text", ["On 14.02.2024 at 22.10 I", "at 14:30 on 02/03/2015",
                                  "Mr Darren Cole"])
def test_incident_dates_times_and_parties_kept(text: str) -> None:
    assert find_spans(text, REGISTER) == []


SUBSCRIBERS = st.sampled_from(["7700900", "2079460", "1134960", "1614960"])
GROUPINGS = {"7": (4, 6), "2": (2, 4, 4), "1": (3, 3, 4)}


@st.composite
def phone_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A UK number (Ofcom's drama ranges) in any reviewer-seen formatting, and its digits."""
    digits = draw(SUBSCRIBERS) + draw(st.from_regex(r"\d{3}", fullmatch=True))
    sep = draw(st.sampled_from([" ", "-", ".", ""]))
    sizes, groups, at = GROUPINGS[digits[0]], [], 0
    for size in sizes:
        groups.append(digits[at:at + size])
        at += size
    if draw(st.booleans()) and len(groups) > 1:
        groups[0] = f"(0{groups[0]})"
        prefix = ""
    else:
        prefix = draw(st.sampled_from(["0", "+44 ", "+44 (0)", "+44 (0) ", "0044 ", "+44-",
                                       "+44"]))
    return prefix + sep.join(groups), digits


@settings(max_examples=300)
@given(phone_numbers(), st.sampled_from(["Call ", "tel: ", "(", "on\n"]))
def test_any_formatting_of_a_phone_is_found(number: tuple[str, str], before: str) -> None:
    written, digits = number
    text = f"{before}{written} today"
    out = apply(text, find_spans(text, PeopleRegister()))
    assert digits[-6:] not in "".join(ch for ch in out if ch.isdigit()), (text, out)
    assert "[phone]" in out


@settings(max_examples=200)
@given(st.from_regex(r"[A-Z]{2}", fullmatch=True), st.from_regex(r"\d{6}", fullmatch=True),
       st.sampled_from(["", " "]), st.booleans())
def test_any_ni_number_shape_is_found(prefix: str, digits: str, sep: str, lower: bool) -> None:
    number = sep.join([prefix, digits[:2], digits[2:4], digits[4:], "C"])
    number = number.lower() if lower else number
    assert apply(f"NI {number}.", find_spans(f"NI {number}.", PeopleRegister())) == \
        "NI [NI number]."


def test_suggestions_flag_names_not_in_the_register() -> None:
    text = ("I saw Kevin Moss and JOAN O'BRIEN with Mr Darren Cole. Will you help? "
            "Then Kevin Moss left in June.")
    found = suggest_names(text, REGISTER)
    assert [(s.text, s.count) for s in found] == [("Kevin Moss", 2)]
    assert len(first_names()) > 5000 and "LIAM" in first_names()
