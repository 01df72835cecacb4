"""Steps 3 and 4 of verifying a package, at the cause: the tag files and the signature.

The signature covers ``tagmanifest-sha256.txt``, which covers the tag files. A change
is reported where it was made: a tag file that agrees with ``tagmanifest-sha512.txt``
but not with a tag manifest whose signature fails is the tag manifest's change (the
``bad-signature`` finding), not the file's; a replaced ``signer.pem`` is ``tag-altered``
and the signature it cannot check is skipped, not reported as bad.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from evidencekit.core.errors import InputError, KeyFileError
from evidencekit.core.report import Finding, SkippedCheck
from evidencekit.keys.keyfile import PublicKey, parse_public_key
from evidencekit.package import bagfiles, layout
from evidencekit.package.reader import PackageSource, hash_entry

TAG_MANIFEST = "tagmanifest-sha256.txt"
TAG_MANIFEST_512 = "tagmanifest-sha512.txt"


@attrs.frozen
class Seal:
    """What steps 3 and 4 found.

    ``changed`` names the tag files that are missing or differ from the tag manifests,
    ``info`` holds bag-info's fields when ``bag-info.txt`` is intact and readable, and
    ``signer`` is the package signer when the signature is valid and trusted.
    """

    findings: list[Finding]
    skipped: list[SkippedCheck]
    changed: frozenset[str]
    info: dict[str, str] | None
    signer: PublicKey | None


@attrs.frozen
class _Signature:
    key: PublicKey | None
    valid: bool
    findings: list[Finding]


def check_seal(src: PackageSource, trusted: Sequence[PublicKey]) -> Seal:
    """Steps 3 and 4: tag manifests, ``bagit.txt``, ``bag-info.txt`` and the signature."""
    found: list[Finding] = []
    tags = _tag_manifest(src, TAG_MANIFEST, "sha256", found)
    tags512 = _tag_manifest(src, TAG_MANIFEST_512, "sha512", found) or {}
    signature = _signature(src) if tags is not None else None
    changed = _compare_tags(src, tags or {}, tags512, signature is not None and signature.valid,
                            found)
    skipped: list[SkippedCheck] = []
    found += _required_and_extra(src, tags, tags512,
                                 signature is not None and signature.valid)
    if "bagit.txt" not in changed and src.read_small("bagit.txt") != bagfiles.BAGIT_TXT:
        found.append(Finding("bagit-txt", "bagit.txt is missing or not BagIt 1.0 UTF-8",
                             "bagit.txt"))
    info = _bag_info(src, changed, found, skipped)
    signer: PublicKey | None = None
    if signature is None:
        skipped.append(SkippedCheck("the signature", f"{TAG_MANIFEST} is missing"))
    elif layout.SIGNER_PEM in changed and not signature.valid:
        skipped.append(SkippedCheck("the signature", f"{layout.SIGNER_PEM} was changed after "
                                    "signing, so the key in it is not the signer's"))
    else:
        if not signature.valid:  # a damaged line is that same unsigned change
            found = [f for f in found if not (f.code == "manifest-invalid"
                                              and f.subject == TAG_MANIFEST)]
        found += signature.findings
        signer = _trusted(signature, info, trusted, found)
    return Seal(found, skipped, frozenset(changed), info, signer)


def _tag_manifest(src: PackageSource, name: str, algorithm: str,
                  found: list[Finding]) -> dict[str, str] | None:
    data = src.read_small(name)
    if data is None:
        if algorithm == "sha256":
            found.append(Finding("manifest-missing", "the package has no SHA-256 tag manifest",
                                 name))
        return None
    entries, problems = bagfiles.read_manifest(data, algorithm)
    found += [Finding("manifest-invalid", problem, name) for problem in problems]
    return entries


def _compare_tags(src: PackageSource, tags: dict[str, str], tags512: dict[str, str],
                  signed: bool, found: list[Finding]) -> set[str]:
    """Each tag file against both tag manifests; one finding a file, at its cause."""
    changed = set()
    for rel in sorted(set(tags) | set(tags512)):
        digest = hash_entry(src, rel, sha512=True) if rel in src.sizes else "is missing"
        if isinstance(digest, str):
            found += _missing_tag(rel, digest, tags, tags512, signed)
            changed.add(rel)
            continue
        bad256 = rel in tags and tags[rel] != digest.sha256
        bad512 = rel in tags512 and tags512[rel] != digest.sha512
        if bad256 and not signed and rel in tags512 and not bad512:
            continue  # the unsigned change is in the tag manifest: bad-signature says so
        if bad256 or (bad512 and rel not in tags):
            found.append(Finding("tag-altered", "differs from the signed tag manifest "
                                 "(edited after signing)", rel))
            changed.add(rel)
        elif bad512:
            found.append(Finding("manifest-entry-altered", f"the entry for {rel} does not "
                                 f"match the file, which agrees with the signed {TAG_MANIFEST}: "
                                 "the entry was changed, not the file", TAG_MANIFEST_512))
    return changed


def _missing_tag(rel: str, why: str, tags: dict[str, str], tags512: dict[str, str],
                 signed: bool) -> list[Finding]:
    """A listed tag file that is absent, or an entry whose path one tag manifest changed."""
    if rel not in tags and signed and tags512:
        return [Finding("manifest-entry-altered", f"lists {rel}, which the signed "
                        f"{TAG_MANIFEST} does not: the entry was changed", TAG_MANIFEST_512)]
    if rel not in tags512 and not signed and tags512:
        return []  # only the unsigned tag manifest lists it: bad-signature says so
    return [Finding("tag-missing", f"tag file {why}", rel)]


def _required_and_extra(src: PackageSource, tags: dict[str, str] | None,
                        tags512: dict[str, str], signed: bool) -> list[Finding]:
    found = []
    if tags is not None and signed:  # unsigned, a dropped entry is that change: bad-signature
        found += [Finding("tag-unlisted", "not covered by the signed tag manifest", required)
                  for required in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")
                  if required not in tags]
    covered = set(tags or {}) | set(tags512)
    extra = [p for p in src.sizes if not p.startswith(("data/", layout.SIGNATURE))
             and p not in covered and not p.startswith("tagmanifest-")]
    found += [Finding("file-extra", "a file outside data/ that the tag manifest does not "
                      "list", p) for p in sorted(extra)]
    return found


def _bag_info(src: PackageSource, changed: set[str], found: list[Finding],
              skipped: list[SkippedCheck]) -> dict[str, str] | None:
    """bag-info's fields, or ``None`` (and the checks that need them skipped)."""
    data = src.read_small("bag-info.txt")
    reason = ("bag-info.txt is missing" if data is None else
              "bag-info.txt was changed after signing" if "bag-info.txt" in changed else "")
    if not reason:
        try:
            return bagfiles.parse_bag_info(data or b"")
        except InputError as exc:
            found.append(Finding("bag-info-invalid", exc.message, "bag-info.txt"))
            reason = "bag-info.txt cannot be read"
    skipped.append(SkippedCheck("Payload-Oxum, Signer-Fingerprint and Package-Identifier",
                                reason))
    return None


def _signature(src: PackageSource) -> _Signature:
    sig = src.read_small(layout.SIGNATURE, 1024)
    pem = src.read_small(layout.SIGNER_PEM, 16 << 10)
    if sig is None or pem is None:
        return _Signature(None, False, [Finding("signature-missing", "the package has no "
                                                "signature or no signer key", "signature/")])
    try:
        key = parse_public_key(pem.decode("utf-8", "replace"), source=layout.SIGNER_PEM)
    except KeyFileError as exc:
        return _Signature(None, False, [Finding("signature-missing", exc.message,
                                                layout.SIGNER_PEM)])
    if not key.verify(src.read_small(TAG_MANIFEST) or b"", sig):
        return _Signature(key, False, [Finding(
            "bad-signature", f"the signature over {TAG_MANIFEST} is not valid (the manifests "
            "were changed or re-made)", layout.SIGNATURE)])
    return _Signature(key, True, [])


def _trusted(signature: _Signature, info: dict[str, str] | None,
             trusted: Sequence[PublicKey], found: list[Finding]) -> PublicKey | None:
    key = signature.key
    if key is None or not signature.valid:
        return None
    if info is not None and info.get("Signer-Fingerprint") != key.fingerprint:
        found.append(Finding("signer-mismatch", "bag-info.txt names another signer than the "
                             "key in signature/signer.pem", "bag-info.txt"))
    if key.fingerprint not in {k.fingerprint for k in trusted}:
        found.append(Finding("signer-untrusted", f"validly signed by key {key.fingerprint}, "
                             "which was not given with --trust; confirm the fingerprint with "
                             "the sender, then pass their .pub file", layout.SIGNATURE))
        return None
    return key
