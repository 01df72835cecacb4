"""The public API is deliberate: this list changes only on purpose."""

from __future__ import annotations

import re
from pathlib import Path

import evidencekit

PINNED = [
    "AgeEncryption", "AgeIdentity", "AgeRecipient", "create_age_identity", "decrypt_file",
    "decrypted_package", "encrypt_file", "generate_passphrase", "load_age_identities",
    "load_age_recipients", "load_passphrase_file",
    "FAST_KDF", "KINDS", "STRONG_KDF", "Actor", "Case", "CaseError", "CaseInfo", "CaseWriter",
    "CustodyError", "Digest", "Event", "EvidenceKitError", "Finding", "Head", "IngestRequest",
    "IngestResult", "InputError", "IntegrityError", "Item", "KeyFileError", "Keyring",
    "PublicKey", "Signer", "StorageError", "VerificationReport", "__version__",
    "canonical_bytes", "check_log", "create_key", "hash_file", "ingest", "load_public_key",
    "load_signer", "parse_canonical", "parse_public_key", "utc_now", "verify_case",
    "ExportRequest", "ExportResult", "export_package", "verify_package", "add_derived",
    "mark_no_redaction", "MediaRedactionResult", "Region", "RegionSet", "parse_regions",
    "preview_media_item", "redact_media_item", "BundleRequest", "BundleResult", "BundleSpec",
    "build_bundle", "exhibit_list", "parse_spec", "KeyStatus", "key_states", "revoke_key",
    "rotate_key",
    # structure issue: one call per command, statements, errors that can be told apart
    "BundleError", "RedactionError", "SignatureError", "DETECTORS", "Span", "find_spans",
    "PeopleRegister", "Person", "parse_people", "load_register", "redact_statement",
    "StatementRedactionResult", "RedactionRequest", "RedactionOutcome", "MediaPreview",
    "redact_item", "verify_path", "load_spec", "LimitInForce", "limits_in_force", "Progress",
    # issue 11 defects: an exhibit's history with its copies
    "history_of", "write_exhibit_list", "MIN_PASSPHRASE", "check_passphrase", "key_paths",
    "short_fingerprint",
    # issue 13: suggestions, not decisions
    "Suggestion",
    # ingest as a newcomer meets it: Ctrl-C reports what was done
    "IngestInterrupted", "parse_details", "load_details",
    # issue 15: receiving a partner's package; the disclosure register
    "receive_package", "ReceiveResult", "ReceivedItem", "ReceiveError", "Origin",
    "Disclosure", "DisclosureDefaults", "DisclosureRegister", "disclosure_register",
    "set_disclosure_defaults", "MARKINGS",
    # issue 12.6: each problem once, at its cause; the checks that would repeat it skipped
    "SkippedCheck",
    # issue 16: the review app accepts and rejects proposals, adds people
    "Proposal", "statement_proposals", "add_person", "write_still",
    # issue 16: face tracks one by one in the browser
    "find_face_tracks", "FaceSearch", "FaceTrack",
]


def test_exported_names_are_pinned() -> None:
    assert sorted(evidencekit.__all__) == sorted(PINNED)
    for name in PINNED:
        assert hasattr(evidencekit, name)


def test_every_error_is_an_evidencekit_error() -> None:
    for name in ("CaseError", "CustodyError", "InputError", "IntegrityError", "KeyFileError",
                 "StorageError", "RedactionError", "BundleError", "SignatureError",
                 "ReceiveError"):
        assert issubclass(getattr(evidencekit, name), evidencekit.EvidenceKitError)


def test_errors_a_caller_tells_apart_carry_their_own_hint() -> None:
    assert issubclass(evidencekit.RedactionError, evidencekit.InputError)
    assert issubclass(evidencekit.BundleError, evidencekit.InputError)
    assert issubclass(evidencekit.SignatureError, evidencekit.IntegrityError)
    for kind in (evidencekit.RedactionError, evidencekit.BundleError,
                 evidencekit.SignatureError):
        err = kind("It went wrong.")
        assert err.hint and err.user_message().startswith("It went wrong. ")
        assert kind("x", hint="Do this.").hint == "Do this."


def test_every_public_name_is_documented_in_the_library_guide() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "library.md").read_text()
    mentioned = set(re.findall(r"`([^`\n]+)`", guide))
    words = {word for text in mentioned for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)}
    missing = [name for name in evidencekit.__all__ if name not in words]
    assert missing == [], f"docs/library.md does not mention {missing}"
