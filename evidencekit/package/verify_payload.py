"""Steps 1 and 2 of verifying a package, at the cause: pure functions of the hashes taken.

A payload file that disagrees with a manifest was either changed, or its manifest entry
was. The file's real hash decides: when it agrees with the signed custody record (or, for
a file the custody record does not list, with another manifest that is itself intact),
the file is intact and the finding names the manifest entry instead of the file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import attrs

from evidencekit.core.hashing import Digest
from evidencekit.core.report import Finding

Hashed = Digest | str
"""A payload file's digest, or why it could not be read."""

BROKEN = frozenset({"file-altered", "file-missing", "file-unreadable"})
"""Payload findings that make a file's content unusable for later checks."""


@attrs.frozen
class Manifest:
    """A payload manifest as read: its readable entries and how many lines were damaged.

    ``altered`` is True when the tag manifests say the manifest file itself was changed.
    """

    name: str
    algorithm: str
    entries: Mapping[str, str]
    damaged: int = 0
    altered: bool = False


def listed(manifests: Sequence[Manifest]) -> set[str]:
    """Every path some manifest lists."""
    return set().union(*(m.entries.keys() for m in manifests)) if manifests else set()


def payload_findings(present: Collection[str], manifests: Sequence[Manifest],
                     hashed: Mapping[str, Hashed],
                     record: Mapping[str, str]) -> list[Finding]:
    """Steps 1 and 2 for the payload files ``present`` (``hashed`` holds those listed).

    ``record`` maps exported paths to the SHA-256 the verified custody extract signs for
    them (empty when the extract did not verify).
    """
    names, here = listed(manifests), set(present)
    renamed = [_renamed(m, manifests, here) for m in manifests]
    found = [f for f, _stray, _lacking in renamed if f is not None]
    strays = set().union(*(stray for _f, stray, _lacking in renamed))
    lacking = {(m.name, p) for m, (_f, _s, gaps) in zip(manifests, renamed, strict=True)
               for p in gaps}
    found += [Finding("file-missing", "listed in the manifest but not in the package", p)
              for p in sorted(names - here - strays)]
    found += [Finding("file-extra", "in the package but not in the manifest (added after "
                      "signing)", p) for p in sorted(here - names)]
    for rel in sorted(names & here):
        found += _compare(rel, hashed[rel], [m for m in manifests
                                             if (m.name, rel) not in lacking], record)
    return sorted(found, key=lambda f: f.subject)


def _renamed(manifest: Manifest, manifests: Sequence[Manifest],
             here: set[str]) -> tuple[Finding | None, set[str], set[str]]:
    """Paths changed in one manifest's entries: one finding for the manifest, not one a path.

    The manifest alone lists absent files, and leaves out present files that the other
    manifests list.
    """
    others = [m for m in manifests if m is not manifest]
    stray = {p for p in manifest.entries if p not in here
             and not any(p in m.entries for m in others)}
    lacking = {p for p in here if p not in manifest.entries
               and any(p in m.entries for m in others)}
    if not stray or not lacking:
        return None, set(), set()
    return Finding("manifest-entry-altered", f"lists {', '.join(sorted(stray))}, not in the "
                   f"package, instead of {', '.join(sorted(lacking))}: the entries' paths were "
                   "changed, not the files", manifest.name), stray, lacking


def _compare(rel: str, digest: Hashed, manifests: Sequence[Manifest],
             record: Mapping[str, str]) -> list[Finding]:
    if isinstance(digest, str):
        return [Finding("file-unreadable", digest, rel)]
    actual = {"sha256": digest.sha256, "sha512": digest.sha512 or ""}
    wrong = [m for m in manifests
             if m.entries.get(rel, actual[m.algorithm]) != actual[m.algorithm]]
    if wrong:
        witness = _witness(rel, digest, manifests, wrong, record)
        if witness is None:
            return [Finding("file-altered", f"content differs from the {wrong[0].algorithm} "
                            "manifest (the file was changed after it was sent)", rel)]
        return [Finding("manifest-entry-altered", f"the entry for {rel} does not match the "
                        f"file, which agrees with {witness}: the manifest entry was changed, "
                        "not the file", m.name) for m in wrong]
    # a file missing from a manifest with damaged lines is that damage, reported once
    unlisted = [m for m in manifests if rel not in m.entries and not m.damaged]
    if unlisted:
        return [Finding("file-unlisted", f"not listed in the {unlisted[0].algorithm} manifest",
                        rel)]
    return []


def _witness(rel: str, digest: Digest, manifests: Sequence[Manifest],
             wrong: list[Manifest], record: Mapping[str, str]) -> str | None:
    """What shows the file intact despite a wrong manifest entry, or ``None``."""
    if rel in record:
        return "its signed custody record" if record[rel] == digest.sha256 else None
    for manifest in manifests:
        if manifest not in wrong and rel in manifest.entries and not manifest.altered:
            return f"{manifest.name} (itself unchanged)"
    return None
