"""evidencekit: preserve, redact, bundle and share ASB evidence with a signed chain of custody.

The stable public API is the list in ``__all__``; a test pins it.
"""

from __future__ import annotations

from .bundle import BundleRequest, BundleResult, build_bundle
from .bundlespec import BundleSpec, parse_spec
from .canonical import canonical_bytes, parse_canonical
from .case import Case, CaseInfo, CaseWriter, utc_now
from .chain import Keyring, check_log
from .custody import Actor, Event, Head
from .derived import add_derived, mark_no_redaction
from .errors import (
    CaseError,
    CustodyError,
    EvidenceKitError,
    InputError,
    IntegrityError,
    KeyFileError,
    StorageError,
)
from .exhibitlist import exhibit_list
from .export import ExportRequest, ExportResult, export_package
from .hashing import Digest, hash_file
from .ingest import IngestRequest, IngestResult, ingest
from .items import KINDS, Item
from .keylife import KeyStatus, key_states
from .keyops import revoke_key, rotate_key
from .keys import (
    FAST_KDF,
    STRONG_KDF,
    PublicKey,
    Signer,
    create_key,
    load_public_key,
    load_signer,
    parse_public_key,
)
from .mediaredact import MediaRedactionResult, preview_media_item, redact_media_item
from .pkgverify import verify_package
from .regions import Region, RegionSet, parse_regions
from .report import Finding, VerificationReport
from .verify import verify_case

__version__ = "0.1.0"

__all__ = [
    "FAST_KDF",
    "KINDS",
    "STRONG_KDF",
    "Actor",
    "BundleRequest",
    "BundleResult",
    "BundleSpec",
    "Case",
    "CaseError",
    "CaseInfo",
    "CaseWriter",
    "CustodyError",
    "Digest",
    "Event",
    "EvidenceKitError",
    "ExportRequest",
    "ExportResult",
    "Finding",
    "Head",
    "IngestRequest",
    "IngestResult",
    "InputError",
    "IntegrityError",
    "Item",
    "KeyFileError",
    "KeyStatus",
    "Keyring",
    "MediaRedactionResult",
    "PublicKey",
    "Region",
    "RegionSet",
    "Signer",
    "StorageError",
    "VerificationReport",
    "__version__",
    "add_derived",
    "build_bundle",
    "canonical_bytes",
    "check_log",
    "create_key",
    "exhibit_list",
    "export_package",
    "hash_file",
    "ingest",
    "key_states",
    "load_public_key",
    "load_signer",
    "mark_no_redaction",
    "parse_canonical",
    "parse_public_key",
    "parse_regions",
    "parse_spec",
    "preview_media_item",
    "redact_media_item",
    "revoke_key",
    "rotate_key",
    "utc_now",
    "verify_case",
    "verify_package",
]
