"""Every parser of untrusted data, fed anything: only our own errors, never a crash.

Run longer with ``HYPOTHESIS_PROFILE=fuzz`` (10,000 examples a test); CI uses the
default profile. docs/threat-model.md records the counts of the last long run.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekit import (
    CaseError,
    CustodyError,
    EvidenceKitError,
    InputError,
    KeyFileError,
    Keyring,
    Signer,
    canonical_bytes,
    check_log,
    parse_public_key,
    verify_package,
)
from evidencekit.case.folder import CaseInfo
from evidencekit.case.metadata import extract
from evidencekit.case.probe import media_metadata
from evidencekit.core import limits
from evidencekit.core.filetype import detect
from evidencekit.custody.chain import Omitted
from evidencekit.custody.events import Event, Head, next_event
from evidencekit.custody.lifecycle import check_lifecycle, key_states, new_key_of
from evidencekit.keys.keyfile import decrypt_private_key
from evidencekit.package.bagfiles import decode_path, unsafe_reason
from tests.strategies import json_values

SIGNER = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing")
TMP = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

json_objects = st.dictionaries(st.text(max_size=12), json_values, max_size=8)
# ffprobe's JSON has floats and deep nesting too; our summary must never pass a float on
ffprobe_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)),
    lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(max_size=15), c, max_size=5),
    max_leaves=30)
ffprobe_like = st.fixed_dictionaries({}, optional={
    "format": st.dictionaries(st.sampled_from(["format_name", "duration", "tags", "bit_rate",
                                               "x"]), ffprobe_values, max_size=5),
    "streams": st.lists(st.dictionaries(st.sampled_from(
        ["codec_type", "codec_name", "width", "height", "r_frame_rate", "avg_frame_rate",
         "sample_rate", "channels", "tags", "duration"]), ffprobe_values, max_size=8),
        max_size=4) | ffprobe_values,
})


# -- custody log lines, heads, placeholders ------------------------------------------------
@given(st.binary(max_size=600))
def test_event_lines_raise_only_custody_errors(line: bytes) -> None:
    with contextlib.suppress(CustodyError):
        Event.from_line(line)
    Omitted.from_line(line)  # never raises


@given(json_objects)
def test_event_shaped_json_raises_only_custody_errors(record: dict[str, object]) -> None:
    base = json.loads(next_event(None, case_id="c", signer=SIGNER, now=_now(),
                                 action="case-created").to_line())
    base.update(record)
    with contextlib.suppress(CustodyError):
        Event.from_line(canonical_bytes(base))
    with contextlib.suppress(CustodyError):
        Head.from_bytes(canonical_bytes(base))


@given(st.lists(st.binary(max_size=200), max_size=8), st.booleans())
def test_whole_logs_give_findings_never_exceptions(lines: list[bytes], torn: bool) -> None:
    raw = b"\n".join(lines) + (b"" if torn else b"\n")
    events, findings = check_log(raw, None, "c", Keyring.of([SIGNER.public]))
    assert len(events) <= len(lines)
    assert all(f.code for f in findings)


@given(json_objects, st.sampled_from(["key-rotated", "key-revoked", "ingested"]))
def test_key_records_with_any_details(details: dict[str, object], action: str) -> None:
    event = next_event(None, case_id="c", signer=SIGNER, now=_now(), action=action,
                       details=details)  # type: ignore[arg-type]
    assert new_key_of(event) is None  # no proof can be made up at random
    key_states([event])
    check_lifecycle([event], Keyring.of([SIGNER.public]))


# -- manifests, bag-info, package paths and zip entries -------------------------------------
@given(st.text(max_size=80))
def test_path_checks_never_raise(path: str) -> None:
    reason = unsafe_reason(path)
    if reason is None:
        assert ".." not in path.split("/") and not path.startswith("/")
    decode_path(path)


names = st.text(alphabet=st.sampled_from(list("ab./\\:é\u0301 -%\n")), min_size=1,
                max_size=12)


@TMP
@given(st.lists(st.tuples(names, st.binary(max_size=20)), max_size=6), st.booleans())
def test_any_zip_entries_give_a_report_or_our_error(tmp_path: Path,
                                                     entries: list[tuple[str, bytes]],
                                                     with_top: bool) -> None:
    path = tmp_path / "fuzz.zip"
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are part of the point
        for name, data in entries:
            archive.writestr(("pkg/" if with_top else "") + name, data)
    try:
        report = verify_package(path, [SIGNER.public])
    except InputError:
        return
    assert not report.ok  # nothing made at random is a valid signed package
    for finding in report.findings:
        if finding.code == "path-unsafe":
            continue
        assert ".." not in finding.subject.split("/"), finding


# -- keys ------------------------------------------------------------------------------------
@given(st.text(max_size=400))
def test_public_key_text_raises_only_key_errors(text: str) -> None:
    with contextlib.suppress(KeyFileError, InputError):
        parse_public_key(text)


@given(json_objects)
def test_private_key_records_raise_only_key_errors(record: dict[str, object]) -> None:
    data = {"format": "evidencekit-private-key/1", "kdf": {
        "name": "argon2id", "opslimit": 2**40, "memlimit": 2**50,
        "salt": base64.b64encode(b"0" * 16).decode()}, "box": "AAAA", **record}
    with pytest.raises(KeyFileError):  # never a stall on huge Argon2id settings
        decrypt_private_key(json.dumps(data).encode(), "a passphrase")


@given(st.binary(max_size=300))
def test_private_key_bytes_raise_only_key_errors(data: bytes) -> None:
    with pytest.raises(KeyFileError):
        decrypt_private_key(data, "a passphrase")


# -- case record, limits -----------------------------------------------------------------
@given(json_values)
def test_case_records_raise_only_case_errors(value: object) -> None:
    record = {"format": "evidencekit-case/1", **value} if isinstance(value, dict) else value
    with contextlib.suppress(CaseError):
        CaseInfo.from_dict(record)


@given(st.text(max_size=30))
def test_limit_settings_raise_only_input_errors(raw: str) -> None:
    os.environ["EVIDENCEKIT_LIMIT_PDF_PAGES"] = raw.replace("\x00", "")
    try:
        limits.value("pdf-pages")
    except InputError:
        pass
    finally:
        del os.environ["EVIDENCEKIT_LIMIT_PDF_PAGES"]


# -- EXIF and ffprobe output handling -------------------------------------------------------
@given(ffprobe_like)
def test_ffprobe_output_of_any_shape_is_summarised_canonically(probe: dict[str, object]) -> None:
    summary = media_metadata(probe)  # type: ignore[arg-type]
    canonical_bytes(summary)  # custody records refuse floats: the summary must be clean


def _jpeg_with_exif() -> bytes:
    from PIL import Image  # noqa: PLC0415

    image = Image.new("RGB", (16, 16), (10, 20, 30))
    exif = Image.Exif()
    exif[0x010F] = "Make"
    exif[0x0110] = "Model"
    exif[0x0132] = "2026:11:20 10:00:00"
    gps = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 1.25)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


JPEG = _jpeg_with_exif()


@TMP
@given(st.lists(st.tuples(st.integers(2, 400), st.integers(0, 255)), min_size=1, max_size=12))
def test_damaged_exif_gives_metadata_or_a_warning(tmp_path: Path,
                                                  edits: list[tuple[int, int]]) -> None:
    data = bytearray(JPEG)
    for at, value in edits:  # the EXIF segment sits in the first few hundred bytes
        data[at % len(data)] = value
    path = tmp_path / "photo.jpg"
    path.write_bytes(bytes(data))
    result = extract(path, "image/jpeg")
    canonical_bytes(result.metadata)


@TMP
@given(st.binary(max_size=512))
def test_file_type_sniffing_takes_any_bytes(tmp_path: Path, head: bytes) -> None:
    path = tmp_path / "x"
    path.write_bytes(head)
    assert "/" in detect(path, head)


def _now() -> object:
    from datetime import UTC, datetime  # noqa: PLC0415

    return datetime(2026, 11, 20, tzinfo=UTC)


def test_our_errors_share_one_base() -> None:
    for error in (CaseError, CustodyError, InputError, KeyFileError):
        assert issubclass(error, EvidenceKitError)
