"""The package's fixed names and its small text files: pure functions of values."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from evidencekit.core.canonical import JsonValue, canonical_bytes
from evidencekit.core.errors import InputError
from evidencekit.core.frozen import frozen_tuple
from evidencekit.core.version import __version__
from evidencekit.custody.chain import OMITTED_TYPE
from evidencekit.custody.events import Event
from evidencekit.custody.exhibits import Item
from evidencekit.keys.keyfile import PublicKey
from evidencekit.package.encrypt import AgeEncryption

if TYPE_CHECKING:
    from evidencekit.case.folder import CaseInfo

EVENTS = "data/custody/events.jsonl"
HEAD = "data/custody/head.json"
KEYS = "data/custody/keys"
INDEX_JSON = "data/index/exhibits.json"
INDEX_CSV = "data/index/exhibits.csv"
SIGNATURE = "signature/tagmanifest-sha256.txt.sig"
SIGNER_PEM = "signature/signer.pem"
BUNDLE_PDF = "data/bundle/hearing-bundle.pdf"
TAG_FILES = ("VERIFY.txt", "bag-info.txt", "bagit.txt", "manifest-sha256.txt",
             "manifest-sha512.txt", SIGNER_PEM)
"""Listed in both tag manifests (strict BagIt tools want every tag file listed); only the
signature, which cannot cover itself, is not."""
INDEX_COLUMNS = ("ref", "kind", "description", "producer", "file", "sha256", "size",
                 "media_type", "ingested_at", "device_time", "original_name")


def omitted_line(event: Event) -> bytes:
    """A placeholder for an event not disclosed in this package: its number and hash only."""
    return canonical_bytes({"type": OMITTED_TYPE, "seq": event.seq, "hash": event.hash}) + b"\n"


def index_rows(items: Sequence[Item], files: Sequence[ExportedFile],
               redacted: bool = False) -> list[dict[str, JsonValue]]:
    """One row per exported exhibit, in reference order.

    In a redacted package, the original name and the device's own time and tags are
    left out: they are metadata the redaction removed.
    """
    by_ref = {f.ref: f for f in files}
    rows: list[dict[str, JsonValue]] = []
    for item in items:
        device = None if redacted else item.device_time
        rows.append({
            "ref": item.ref, "kind": item.kind, "description": item.description,
            "producer": item.producer, "file": by_ref[item.ref].path, "sha256": item.sha256,
            "size": item.size, "media_type": item.media_type, "ingested_at": item.ingested_at,
            "device_time": device,
            "original_name": "" if redacted else item.original_name,
        })
    return rows


def index_csv(rows: Sequence[dict[str, JsonValue]]) -> bytes:
    """The exhibit index as CSV (UTF-8, header row, CRLF line ends as RFC 4180 says)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INDEX_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in INDEX_COLUMNS})
    return buffer.getvalue().encode("utf-8")


def bundle_fields(bundle: Event | None) -> list[tuple[str, str]]:
    """``bag-info.txt`` fields naming the hearing bundle a package carries (or ``none``)."""
    if bundle is None:
        return [("Bundle-Identifier", "none")]
    return [("Bundle-Identifier", str(bundle.details.get("bundle_id", "?"))),
            ("Bundle-Custody-Event", str(bundle.seq)), ("Bundle-SHA256", bundle.sha256 or "")]


def bundle_line(bundle: Event | None) -> str:
    """One sentence saying which hearing bundle a package carries."""
    if bundle is None:
        return "no hearing bundle"
    return (f"{BUNDLE_PDF}: bundle {bundle.details.get('bundle_id', '?')}, "
            f"{bundle.details.get('pages', '?')} pages, recorded as custody event "
            f"#{bundle.seq} on {bundle.time[:10]}")


def bag_info_fields(info: CaseInfo, signer: PublicKey, package_id: str,
                    request: ExportRequest, now: datetime, oxum: str,
                    bundle: Event | None = None) -> list[tuple[str, str]]:
    """The ``bag-info.txt`` fields, standard BagIt labels first.

    A redacted package leaves out the case title (it may name a place or a person).
    """
    title = [] if request.redacted else [("External-Description", info.title)]
    return [
        ("Source-Organization", signer.org),
        ("Contact-Name", signer.name),
        ("External-Identifier", info.ref),
        *title,
        ("Bagging-Date", now.strftime("%Y-%m-%d")),
        ("Payload-Oxum", oxum),
        ("Bag-Software-Agent", f"evidencekit {__version__}"),
        ("Package-Identifier", package_id),
        ("Recipient", request.recipient),
        ("Redacted", "yes" if request.redacted else "no"),
        ("Signer-Name", signer.name),
        ("Signer-Organization", signer.org),
        ("Signer-Fingerprint", signer.fingerprint),
        *bundle_fields(bundle),
    ]


def verify_text(info: CaseInfo, signer: PublicKey, package_id: str,
                request: ExportRequest, bundle: Event | None = None) -> bytes:
    """``VERIFY.txt``: how to check this package with standard tools alone."""
    title = "(redacted package)" if request.redacted else info.title
    sha512 = ("\n     sha512sum -c manifest-sha512.txt" if request.sha512 else "")
    text = _VERIFY.format(sha512=sha512, ref=info.ref, title=title, package_id=package_id,
                          recipient=request.recipient, name=signer.name, org=signer.org,
                          fingerprint=signer.fingerprint, bundle=bundle_line(bundle))
    if request.encryption is not None:
        text += _ENCRYPTED_NOTE.format(how=_how_encrypted(request.encryption))
    return text.encode("utf-8")


def _how_encrypted(encryption: AgeEncryption) -> str:
    if encryption.passphrase:
        return "to a passphrase that evidencekit generated and showed the sender once"
    return "to the age recipient(s) " + ", ".join(str(r) for r in encryption.recipients)


def read_me_first(package_name: str, package_id: str, encryption: AgeEncryption) -> bytes:
    """``READ-ME-FIRST.txt``, beside the ``.age`` file: how to open it (never any content)."""
    zip_name = package_name.removesuffix(".age")
    if encryption.passphrase:
        step = (f"     age -d -o {zip_name} {package_name}\n"
                "   age asks for the passphrase; the sender gives it to you separately\n"
                "   (by telephone or another channel, never with this file).")
    else:
        step = (f"     age -d -i key.txt -o {zip_name} {package_name}\n"
                "   where key.txt is your age identity (AGE-SECRET-KEY-1..., made with\n"
                "   age-keygen or 'evidencekit keys age-create'); it was encrypted to:\n"
                + "".join(f"     {r}\n" for r in encryption.recipients).rstrip("\n"))
    return _READ_ME_FIRST.format(package=package_name, zip=zip_name, package_id=package_id,
                                 step=step).encode("utf-8")


_READ_ME_FIRST = """\
READ ME FIRST: AN ENCRYPTED EVIDENCE PACKAGE
============================================

Package: {package_id}
File:    {package}

{package} is an evidence package encrypted with age (age-encryption.org/v1),
a free, standard tool (Debian and Ubuntu: apt install age; macOS: brew install
age; Windows and others: https://age-encryption.org). Nothing in it can be read
without the key or passphrase, and any change to it is detected.

1. Decrypt it:
{step}
   age refuses a file that was altered or cut short, and then writes nothing
   you should use.
2. Unzip {zip} and open VERIFY.txt in its folder: it says how to check every
   file, the signature and the custody history, with or without evidencekit.

With evidencekit, steps 1 and 2 are one command that keeps nothing decrypted:
     evidencekit verify {package} --identity key.txt --trust THEIR-KEY.pub
(for a passphrase, leave out --identity: evidencekit asks for it).
"""

_ENCRYPTED_NOTE = """
THIS PACKAGE TRAVELLED ENCRYPTED
--------------------------------
It was sent as one file, encrypted with age (age-encryption.org/v1) {how}.
You have decrypted it already if you are reading this (age -d ..., as
READ-ME-FIRST.txt beside the .age file said); check it as above. The export
event in data/custody/events.jsonl records how it was encrypted (never a passphrase).
Keep the decrypted copy as safely as the original, or delete it after checking.
"""


_VERIFY = """\
HOW TO CHECK THIS EVIDENCE PACKAGE
==================================

Case:        {ref} - {title}
Package:     {package_id}
For:         {recipient}
Bundle:      {bundle}
Signed by:   {name}, {org}
Fingerprint: {fingerprint}

Before relying on the signature, telephone or e-mail {name} ({org}) and confirm
that their key fingerprint is the one above. Anyone can make a key; only that
check tells you the key is theirs.

This folder is a BagIt bag (RFC 8493). Run every command from this folder (the one
holding this file). Each step says what you should see.

WITH EVIDENCEKIT
----------------
  evidencekit verify . --trust THEIR-KEY.pub
  -> ends with "OK: ..."; anything else names what is wrong.

LINUX (or Windows Subsystem for Linux, or Git Bash)
---------------------------------------------------
1. Every file is exactly as sent:
     sha256sum -c manifest-sha256.txt{sha512}
   -> every line ends in ": OK".
2. No file was added or removed:
     diff <(find data -type f | LC_ALL=C sort) \\
          <(sed 's/^[0-9a-f]*  //' manifest-sha256.txt | LC_ALL=C sort)
   -> prints nothing.
3. The manifests and bag-info.txt are as sent:
     sha256sum -c tagmanifest-sha256.txt
   -> every line ends in ": OK".
4. The signature is the signer's (OpenSSL 3.0 or newer):
     openssl pkeyutl -verify -pubin -inkey signature/signer.pem -rawin \\
         -in tagmanifest-sha256.txt -sigfile signature/tagmanifest-sha256.txt.sig
   -> "Signature Verified Successfully"
5. The key in the package is the one whose fingerprint you confirmed:
     openssl pkey -pubin -in signature/signer.pem -outform DER | sha256sum
   -> {fingerprint}  -
6. Optionally, with the Library of Congress bagit tool (pip install bagit):
     bagit.py --validate .
   -> "... is valid"

MACOS
-----
As for Linux, with "shasum -a 256 -c" (and "shasum -a 512 -c") in place of
sha256sum (and sha512sum), and OpenSSL 3 from Homebrew (brew install openssl@3; the system's
LibreSSL may not support these signatures). Step 5: ... | shasum -a 256

WINDOWS (PowerShell)
--------------------
1. Every file is exactly as sent:
     Get-Content manifest-sha256.txt | ForEach-Object {{
       $h, $p = $_ -split '  ', 2
       if ((Get-FileHash -Algorithm SHA256 -LiteralPath $p).Hash.ToLower() -eq $h) {{
         "OK $p" }} else {{ "FAILED $p" }} }}
   -> only "OK" lines. Repeat with tagmanifest-sha256.txt for step 3.
2. Count the files: (Get-ChildItem data -Recurse -File).Count must equal
   (Get-Content manifest-sha256.txt).Count
3. Signature: install OpenSSL 3 (it comes with Git for Windows) and run the
   command of Linux step 4 in Git Bash.

THE CUSTODY HISTORY
-------------------
data/custody/events.jsonl is the chain of custody of the exhibits in this package:
one signed event per line. Events about other exhibits of the case are replaced by
their number and hash, so the chain can still be checked end to end.
data/custody/head.json is the signed head that anchors the last event; the last
event records this export (package id, recipient, every file's SHA-256).
data/custody/keys/ holds the public keys of everyone who signed an event.
The evidencekit documentation (docs/formats.md) explains how to check events by hand.

data/index/exhibits.csv and exhibits.json list every exhibit with its reference,
description, file and SHA-256.
"""


@attrs.frozen
class ExportRequest:
    """What to export, and to whom."""

    recipient: str = attrs.field()
    refs: tuple[str, ...] = ()
    zip: bool = False
    redacted: bool = False
    sha512: bool = True
    encryption: AgeEncryption | None = None
    """Encrypt the package (always a zip then) into one ``….zip.age`` file for age."""
    bundle: str | None = None
    """The recorded bundle to carry (id, SHA-256 or event number; ``"none"``); ``None``: the
    latest, unless ``refs`` picks exhibits."""

    @recipient.validator
    def _check(self, _attr: object, value: str) -> None:
        if not value.strip() or "\n" in value or len(value) > 200:
            raise InputError("--recipient must be one line of 1 to 200 characters.")


@attrs.frozen
class ExportedFile:
    """One payload file of the package."""

    ref: str
    path: str
    sha256: str
    size: int


@attrs.frozen
class ExportResult:
    """What was written."""

    path: str
    package_id: str
    files: tuple[ExportedFile, ...] = attrs.field(converter=frozen_tuple)
    event_seq: int
    signer_fingerprint: str
    bundle: str = "no hearing bundle"
    """Which hearing bundle the package carries, in words (:func:`bundle_line`)."""
    bundle_id: str | None = None
    encryption: AgeEncryption | None = None
    passphrase: str | None = attrs.field(default=None, repr=False)
    """The generated passphrase of a passphrase-encrypted package: show it once, keep it nowhere."""
    read_me: str | None = None
    """The ``READ-ME-FIRST.txt`` written beside an encrypted package."""

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json`` (with the passphrase, when there is one)."""
        data: dict[str, JsonValue] = {
            "path": self.path, "package_id": self.package_id, "event_seq": self.event_seq,
            "signer_fingerprint": self.signer_fingerprint,
            "files": [attrs.asdict(f) for f in self.files],
            "bundle": self.bundle, "bundle_id": self.bundle_id}
        if self.encryption is not None:
            data |= {"encryption": self.encryption.to_record(), "read_me": self.read_me,
                     "passphrase": self.passphrase}
        return data
