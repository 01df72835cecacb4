"""The library calls the review app stands on: proposals as data, keeping, the register."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import PIL.Image
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import (
    Case,
    IngestRequest,
    Person,
    RedactionError,
    RedactionRequest,
    Signer,
    StatementRedactionResult,
    add_person,
    ingest,
    load_register,
    parse_people,
    redact_item,
    statement_proposals,
)
from evidencekit.redact.proposals import text_key

TEXT = ("Statement of Hana Green.\nMrs Joan Whitfield, phone 07700 900123, lives at NS4 7QT.\n"
        "Call 07700 900123 again, or the office at NS1 1AA.\n")


@pytest.fixture
def statement(case: Case, hana: Signer, tmp_path: Path) -> str:
    path = tmp_path / "statement.txt"
    path.write_text(TEXT, "utf-8")
    ingest(case, [path], hana, IngestRequest(kind="statement", producer="HG",
                                             description="Statement"))
    return "HG/1"


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_proposals_are_every_distinct_text_with_its_reason(case: Case, statement: str) -> None:
    add_person(case, Person("Joan Whitfield", "third-party", aliases=("Mrs Joan Whitfield",)))
    found = {p.text: p for p in statement_proposals(case, statement)}
    assert set(found) == {"Mrs Joan Whitfield", "07700 900123", "NS4 7QT", "NS1 1AA"}
    phone = found["07700 900123"]
    assert phone.category == "phone" and phone.count == 2 and "[07700 900123]" in phone.context
    assert found["Mrs Joan Whitfield"].rule.startswith("register:")
    assert found["NS1 1AA"].to_dict()["category"] == "postcode"
    assert "NS4 7QT" not in {p.text for p in statement_proposals(
        case, statement, skip_detectors=["postcode"])} - {"NS1 1AA"}


def test_kept_texts_stay_and_the_event_counts_them(case: Case, statement: str, hana: Signer,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "copy.pdf"
    result = redact_item(case, statement, RedactionRequest(keep=("ns1  1aa",), out=out), hana)
    assert isinstance(result, StatementRedactionResult)
    text = pdf_text(out)
    assert "NS1 1AA" in text  # rejected: kept, whatever its spacing and case
    assert "NS4 7QT" not in text and "07700 900123" not in text
    event = case.events()[-1]
    assert event.action == "redacted" and event.details["kept_proposals"] == 1
    assert "NS1" not in str(dict(event.details))  # counts, never the text
    assert result.counts["postcode"] == 1


def test_without_keep_nothing_changes_in_the_record(case: Case, statement: str,
                                                    hana: Signer) -> None:
    redact_item(case, statement, RedactionRequest(), hana)
    assert "kept_proposals" not in case.events()[-1].details


def test_proposals_refuse_what_is_not_a_statement(case: Case, hana: Signer,
                                                  tmp_path: Path) -> None:
    photo = tmp_path / "x.png"
    PIL.Image.new("RGB", (4, 4)).save(photo)
    ingest(case, [photo], hana, IngestRequest(kind="photo", producer="HG", description="x"))
    with pytest.raises(RedactionError, match="not a statement"):
        statement_proposals(case, "HG/1")


def test_add_person_keeps_what_was_there_and_refuses_a_repeat(case: Case) -> None:
    (case.root / "people.toml").write_text('[redact]\nstrings = ["12 Elm Court"]\n', "utf-8")
    register = add_person(case, Person("Liam Whitfield", "anonymous-witness",
                                       pseudonym="Witness A"))
    assert register.strings == ("12 Elm Court",)
    assert load_register(case, None)[0] == register
    with pytest.raises(RedactionError, match="already"):
        add_person(case, Person("liam whitfield", "party"))
    assert load_register(case, None)[0] == register


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                max_size=40).filter(lambda s: s.strip() == s and s)


@given(name=names, alias=names)
def test_any_name_round_trips_through_the_register(tmp_path_factory: pytest.TempPathFactory,
                                                   name: str, alias: str) -> None:
    case = Case.init(tmp_path_factory.mktemp("c") / "case", ref="R", title="T")
    person = Person(name, "third-party", aliases=(alias,))
    register = add_person(case, person)
    assert register.people == (person,)
    text = (case.root / "people.toml").read_text("utf-8")
    assert parse_people(text) == register and tomllib.loads(text)["person"][0]["name"] == name


def test_text_key_folds_spacing_and_case() -> None:
    assert text_key(" NS1\n 1aa ") == text_key("ns1 1AA") == "ns1 1aa"
