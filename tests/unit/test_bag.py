"""BagIt text formats: round trips, and only our own errors on any input."""

from __future__ import annotations

import contextlib
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import InputError
from evidencekit.package import bagfiles

safe_segments = st.text(st.characters(blacklist_characters="/\\\x00",
                                      blacklist_categories=("Cs",)), min_size=1, max_size=12)
paths = st.lists(safe_segments, min_size=1, max_size=4).map("/".join).filter(
    lambda p: bagfiles.unsafe_reason(p) is None)


@given(paths)
def test_path_encoding_round_trips(path: str) -> None:
    encoded = bagfiles.encode_path(path)
    assert "\n" not in encoded and "\r" not in encoded
    assert bagfiles.decode_path(encoded) == path


@given(st.dictionaries(paths, st.text("0123456789abcdef", min_size=64, max_size=64),
                       max_size=8))
def test_manifest_round_trips(entries: dict[str, str]) -> None:
    if len({unicodedata.normalize("NFC", p) for p in entries}) != len(entries):
        return  # names that collide after NFC are refused by design (tested below)
    assert bagfiles.parse_manifest(bagfiles.format_manifest(entries), "sha256") == entries


@given(st.binary(max_size=300))
def test_manifest_parser_raises_only_our_errors(data: bytes) -> None:
    with contextlib.suppress(InputError):  # any other exception fails the test
        bagfiles.parse_manifest(data, "sha512")


@given(st.binary(max_size=300))
def test_bag_info_parser_raises_only_our_errors(data: bytes) -> None:
    with contextlib.suppress(InputError):  # any other exception fails the test
        bagfiles.parse_bag_info(data)


@pytest.mark.parametrize("path", [
    "../../../secrets.json", "data/../../x", "/dev/null", "~/.ssh/id_rsa", "C:\\win32\\cmd.exe",
    "\\\\?\\C:\\", "data/COM1", "data/nul.txt", "data//x", "data/./x", "", "a\x00b",
])
def test_dangerous_paths(path: str) -> None:
    assert bagfiles.unsafe_reason(path) is not None


def test_nfc_collisions_and_repeats_are_refused() -> None:
    digest = "0" * 64
    nfc, nfd = "data/caf\u00e9.txt", "data/cafe\u0301.txt"
    with pytest.raises(InputError, match="repeats"):
        bagfiles.parse_manifest(f"{digest}  {nfc}\n{digest}  {nfd}\n".encode(), "sha256")


def test_bag_info_continuation_and_labels() -> None:
    info = bagfiles.parse_bag_info(b"Source-Organization: Northside\n  Housing\nRecipient: A: B\n")
    assert info == {"Source-Organization": "Northside Housing", "Recipient": "A: B"}
    with pytest.raises(InputError):
        bagfiles.format_bag_info([("bad label", "x")])
    assert bagfiles.format_bag_info([("Recipient", "two\nlines")]) == b"Recipient: two lines\n"
