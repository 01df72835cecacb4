"""Per-file details from a CSV: parsing (pure, only InputError) and use at ingest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import Case, IngestRequest, InputError, Signer, ingest, parse_details

Req = Callable[..., IngestRequest]
Write = Callable[[str, bytes], Path]

cells = st.text(alphabet=st.sampled_from('ab,"\n\r \x00file_descriptonurcgy'), max_size=60)


@given(cells)
def test_parse_details_raises_only_input_error(text: str) -> None:
    try:
        parsed = parse_details(text)
    except InputError:
        return
    for values in parsed.values():
        assert set(values) <= {"description", "captured_at", "source", "captured_by"}


plain = st.text(alphabet=st.characters(blacklist_characters=',"\r\n\x1c\x1d\x1e\x85\u2028\u2029'),
                max_size=12)


@given(st.lists(plain | st.sampled_from(["file", "description", "source"]), max_size=4),
       st.text(max_size=40))
def test_parse_details_any_header_and_body(header: list[str], body: str) -> None:
    try:
        parsed = parse_details(",".join(header) + "\n" + body)
    except InputError as exc:
        assert exc.message.startswith(("The details file", "Line "))
        return
    assert "file" in [h.strip().lower() for h in header]
    assert all(name for name in parsed)


def test_rows_are_read_only_and_empty_cells_left_out() -> None:
    parsed = parse_details("\ufefffile,Description,captured_at\n./a.jpg,The door,\n"
                           'b.jpg,"The gate, at night",2026-11-14T23:40\n\n')
    assert dict(parsed["a.jpg"]) == {"description": "The door"}
    assert parsed["b.jpg"]["captured_at"] == "2026-11-14T23:40"
    with pytest.raises(TypeError):
        parsed["a.jpg"]["description"] = "changed"  # type: ignore[index]


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("description\nx\n", "'file'"),
    ("file,colour\na.jpg,red\n", "unknown column 'colour'"),
    ("file,source,source\na.jpg,x,y\n", "twice"),
    ("file,description\na.jpg\n", "Line 2 of the details file has 1 cells"),
    ("file,description\na.jpg,x\na.jpg,y\n", "'a.jpg' twice"),
    ('file,description\na.jpg,"unclosed\n', "not a well-formed CSV"),
    ("file,description\n,x\n", "names no file"),
])
def test_malformed_details_are_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_details(text)


def test_rows_override_the_request_for_their_file(case: Case, hana: Signer, request_for: Req,
                                                  evidence: Write) -> None:
    folder = evidence("photos/p1.jpg", b"one").parent
    evidence("photos/p2.jpg", b"two")
    single = evidence("extra.txt", b"three")
    details = parse_details("file,description,captured_at,source\n"
                            "p1.jpg,Front door,2026-11-14T23:40,\n"
                            f"{single},Note,,Letterbox\n")
    ingest(case, [folder, single], hana, request_for("photo", source="Phone"),
           details=details)
    one, two, three = case.items()
    assert (one.original_name, one.description) == ("photos/p1.jpg", "Front door")
    assert one.details["captured_at_stated"] == "2026-11-14T23:40"
    assert one.details["source"] == "Phone"
    assert (two.description, two.details["source"]) == ("Test exhibit", "Phone")
    assert (three.description, three.details["source"]) == ("Note", "Letterbox")


@pytest.mark.parametrize(("text", "message"), [
    ("file,description\nnot-here.jpg,x\n", "not among the files being ingested"),
    ("file,captured_at\np1.jpg,yesterday\n", "for photos/p1.jpg: 'yesterday' is not"),
    ("file,source\np1.jpg,\"two\nlines\"\n", "for photos/p1.jpg: --source must be one line"),
    ("file\np.jpg\n", "matches 2 of them"),
])
def test_bad_details_stop_everything_before_any_copy(case: Case, hana: Signer,
                                                     request_for: Req, evidence: Write,
                                                     text: str, message: str) -> None:
    folder = evidence("photos/p1.jpg", b"one").parent
    other = evidence("more/p.jpg", b"two").parent
    evidence("photos/p.jpg", b"three")
    with pytest.raises(InputError, match=message):
        ingest(case, [folder, other], hana, request_for("photo"), details=parse_details(text))
    assert case.items() == [] and list(case.tmp_dir.iterdir()) == []
