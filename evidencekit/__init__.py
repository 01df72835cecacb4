"""evidencekit: preserve, redact, bundle and share ASB evidence with a signed chain of custody.

The stable public API is the list in ``__all__``; a test pins it and checks that
docs/library.md documents every name. The implementation lives in seven rooms, each
importing only from those below it (a test checks that too)::

    core < keys < custody < case < redact | package < bundle

Errors (all from :class:`EvidenceKitError`, each with a ``hint``)::

    EvidenceKitError
    ├── InputError            bad arguments or unreadable input files
    │   ├── RedactionError    an exhibit cannot be redacted as asked
    │   ├── BundleError       a court bundle cannot be built as asked
    │   └── ReceiveError      a partner's package was refused; nothing was added
    ├── KeyFileError          wrong passphrase, damaged or missing key
    ├── IntegrityError        a hash, signature, chain or manifest does not hold
    │   └── SignatureError    a signature is invalid, or its signer not trusted
    ├── CustodyError          the custody log cannot be read or appended to
    ├── CaseError             no case here, or the case folder is malformed
    └── StorageError          the file system refused a read or write
"""

from __future__ import annotations

from evidencekit.bundle.assemble import BundleRequest, BundleResult, build_bundle
from evidencekit.bundle.exhibitlist import exhibit_list, write_exhibit_list
from evidencekit.bundle.spec import BundleSpec, load_spec, parse_spec
from evidencekit.case.derived import add_derived, mark_no_redaction
from evidencekit.case.details import load_details, parse_details
from evidencekit.case.disclosures import (
    MARKINGS,
    Disclosure,
    DisclosureDefaults,
    DisclosureRegister,
    disclosure_register,
    set_disclosure_defaults,
)
from evidencekit.case.folder import Case, CaseInfo, CaseWriter, utc_now
from evidencekit.case.ingest import IngestInterrupted, IngestRequest, IngestResult, ingest
from evidencekit.case.keychanges import revoke_key, rotate_key
from evidencekit.case.verify import verify_case
from evidencekit.core.canonical import canonical_bytes, parse_canonical
from evidencekit.core.errors import (
    BundleError,
    CaseError,
    CustodyError,
    EvidenceKitError,
    InputError,
    IntegrityError,
    KeyFileError,
    ReceiveError,
    RedactionError,
    SignatureError,
    StorageError,
)
from evidencekit.core.hashing import Digest, hash_file
from evidencekit.core.limits import LimitInForce, limits_in_force
from evidencekit.core.progress import Progress
from evidencekit.core.report import Finding, SkippedCheck, VerificationReport
from evidencekit.core.version import __version__
from evidencekit.custody.chain import check_log
from evidencekit.custody.events import Actor, Event, Head
from evidencekit.custody.exhibits import KINDS, Item, history_of
from evidencekit.custody.lifecycle import KeyStatus, key_states
from evidencekit.custody.origin import Origin
from evidencekit.keys.agekey import (
    AgeIdentity,
    AgeRecipient,
    create_age_identity,
    load_age_identities,
    load_age_recipients,
    load_passphrase_file,
)
from evidencekit.keys.diceware import generate_passphrase
from evidencekit.keys.keyfile import (
    FAST_KDF,
    MIN_PASSPHRASE,
    STRONG_KDF,
    PublicKey,
    Signer,
    check_passphrase,
    create_key,
    key_paths,
    load_public_key,
    load_signer,
    parse_public_key,
    short_fingerprint,
)
from evidencekit.keys.keyring import Keyring
from evidencekit.package.decrypt import decrypt_file, decrypted_package
from evidencekit.package.encrypt import AgeEncryption, encrypt_file
from evidencekit.package.export import export_package
from evidencekit.package.layout import ExportRequest, ExportResult
from evidencekit.package.plan import ReceivedItem
from evidencekit.package.receive import ReceiveResult, receive_package
from evidencekit.package.verify import verify_package
from evidencekit.package.verify_path import verify_path
from evidencekit.redact.detectors import DETECTORS, Span, find_spans
from evidencekit.redact.faces import FaceSearch, FaceTrack
from evidencekit.redact.item import RedactionOutcome, RedactionRequest, redact_item
from evidencekit.redact.media import (
    MediaPreview,
    MediaRedactionResult,
    find_face_tracks,
    preview_media_item,
    redact_media_item,
)
from evidencekit.redact.people import PeopleRegister, Person, parse_people
from evidencekit.redact.proposals import Proposal
from evidencekit.redact.regions import Region, RegionSet, parse_regions
from evidencekit.redact.review import add_person, statement_proposals
from evidencekit.redact.statements import (
    StatementRedactionResult,
    load_register,
    redact_statement,
)
from evidencekit.redact.stills import write_still
from evidencekit.redact.suggest import Suggestion

__all__ = [
    "DETECTORS",
    "FAST_KDF",
    "KINDS",
    "MARKINGS",
    "MIN_PASSPHRASE",
    "STRONG_KDF",
    "Actor",
    "AgeEncryption",
    "AgeIdentity",
    "AgeRecipient",
    "BundleError",
    "BundleRequest",
    "BundleResult",
    "BundleSpec",
    "Case",
    "CaseError",
    "CaseInfo",
    "CaseWriter",
    "CustodyError",
    "Digest",
    "Disclosure",
    "DisclosureDefaults",
    "DisclosureRegister",
    "Event",
    "EvidenceKitError",
    "ExportRequest",
    "ExportResult",
    "FaceSearch",
    "FaceTrack",
    "Finding",
    "Head",
    "IngestInterrupted",
    "IngestRequest",
    "IngestResult",
    "InputError",
    "IntegrityError",
    "Item",
    "KeyFileError",
    "KeyStatus",
    "Keyring",
    "LimitInForce",
    "MediaPreview",
    "MediaRedactionResult",
    "Origin",
    "PeopleRegister",
    "Person",
    "Progress",
    "Proposal",
    "PublicKey",
    "ReceiveError",
    "ReceiveResult",
    "ReceivedItem",
    "RedactionError",
    "RedactionOutcome",
    "RedactionRequest",
    "Region",
    "RegionSet",
    "SignatureError",
    "Signer",
    "SkippedCheck",
    "Span",
    "StatementRedactionResult",
    "StorageError",
    "Suggestion",
    "VerificationReport",
    "__version__",
    "add_derived",
    "add_person",
    "build_bundle",
    "canonical_bytes",
    "check_log",
    "check_passphrase",
    "create_age_identity",
    "create_key",
    "decrypt_file",
    "decrypted_package",
    "disclosure_register",
    "encrypt_file",
    "exhibit_list",
    "export_package",
    "find_face_tracks",
    "find_spans",
    "generate_passphrase",
    "hash_file",
    "history_of",
    "ingest",
    "key_paths",
    "key_states",
    "limits_in_force",
    "load_age_identities",
    "load_age_recipients",
    "load_details",
    "load_passphrase_file",
    "load_public_key",
    "load_register",
    "load_signer",
    "load_spec",
    "mark_no_redaction",
    "parse_canonical",
    "parse_details",
    "parse_people",
    "parse_public_key",
    "parse_regions",
    "parse_spec",
    "preview_media_item",
    "receive_package",
    "redact_item",
    "redact_media_item",
    "redact_statement",
    "revoke_key",
    "rotate_key",
    "set_disclosure_defaults",
    "short_fingerprint",
    "statement_proposals",
    "utc_now",
    "verify_case",
    "verify_package",
    "verify_path",
    "write_exhibit_list",
    "write_still",
]
