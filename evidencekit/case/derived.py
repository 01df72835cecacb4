"""Derived items: new files made from an exhibit (a redacted copy), never replacing it.

A derived item is stored like an original and recorded by a signed ``redacted``
event whose exhibit reference is the source's with a suffix (``HG/1-R1``,
``HG/1-R2`` ...) and whose details name the source's reference and SHA-256.
The redaction features build on :func:`add_derived`; exports with
``--redacted`` use the newest derivative of each exhibit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evidencekit.case.folder import Case
from evidencekit.case.objects import stage_copy, store_object
from evidencekit.core import filetype, storage
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError
from evidencekit.custody.exhibits import Item, ref_hint, ref_sort_key
from evidencekit.keys.keyfile import Signer


def derivatives_of(items: list[Item], source: Item) -> list[Item]:
    """The derived items made from ``source``, oldest first."""
    return [i for i in items if i.details.get("source_sha256") == source.sha256
            and i.source_ref == source.ref]


def latest_derivative(items: list[Item], source: Item) -> Item | None:
    """The newest derived item made from ``source``, if any."""
    found = derivatives_of(items, source)
    return found[-1] if found else None


def add_derived(case: Case, signer: Signer, source_ref: str, path: Path, *, description: str,
                details: dict[str, JsonValue] | None = None) -> Item:
    """Store ``path`` as a derivative of exhibit ``source_ref`` and record a ``redacted`` event.

    ``description`` is shown wherever the derivative goes (index, package), so it
    must itself hold no detail that the redaction removed.

    Raises:
        InputError: unknown source, a derived source, or an unreadable file.
        StorageError, CustodyError: the case cannot be written.
    """
    source = case.item(source_ref)
    if source.source_ref is not None:
        raise InputError(f"{source.ref} is itself derived; derive from {source.source_ref}.")
    if not description.strip():
        raise InputError("A derived item needs a description.")
    with storage.open_regular(path, "derived file") as fd:
        staged, digest = stage_copy(case, fd, None)
    try:
        with open(staged, "rb") as handle:
            media = filetype.detect(staged, handle.read(65536))
        with case.writing(signer) as writer:
            store_object(case, staged, digest.sha256)
            number = len(derivatives_of(writer.items(), source)) + 1
            record: dict[str, JsonValue] = {
                **(details or {}), "source_ref": source.ref, "source_sha256": source.sha256,
                "kind": source.kind, "producer": source.producer, "description": description,
                "size": digest.size, "media_type": media, "original_name": "",
            }
            writer.append("redacted", exhibit=f"{source.ref}-R{number}", sha256=digest.sha256,
                          details=record)
    finally:
        staged.unlink(missing_ok=True)
    return case.item(f"{source.ref}-R{number}")


def record_copy(case: Case, signer: Signer, source_ref: str, made: Path, *, description: str,
                details: dict[str, JsonValue], out: Path | None = None) -> Item:
    """Record a copy made in ``objects/tmp`` as a derived item, and copy it to ``out``.

    The temporary file is removed whatever happens.

    Raises:
        InputError, StorageError, CustodyError: as :func:`add_derived`, or ``out`` exists.
    """
    try:
        derived = add_derived(case, signer, source_ref, made, description=description,
                              details=details)
        if out is not None:
            storage.copy_file_atomic(made, out)
    finally:
        made.unlink(missing_ok=True)
    return derived


def mark_no_redaction(case: Case, signer: Signer, refs: str | Sequence[str],
                      reason: str) -> list[str]:
    """Record, signed, that each exhibit in ``refs`` holds no third-party detail.

    Every reference is checked before anything is written, so either all are recorded
    (one signed event each) or none is. Returns the references as the case spells them.

    Raises:
        InputError: an unknown exhibit, a derived one, a repeated one, or no reason given.
    """
    named = [refs] if isinstance(refs, str) else list(refs)
    if not named:
        raise InputError("Name at least one exhibit, e.g. 'HG/1'.")
    if not reason.strip() or len(reason) > 1000:
        raise InputError("Give a reason (1 to 1,000 characters), e.g. 'contains no third "
                         "party details'.")
    items = [case.item(ref) for ref in named]
    for item in items:
        if item.source_ref is not None:
            raise InputError(f"{item.ref} is already a redacted copy.")
    if len({i.ref for i in items}) != len(items):
        raise InputError("An exhibit is named twice; name each once.")
    with case.writing(signer) as writer:
        for item in items:
            writer.append("redaction-not-needed", exhibit=item.ref, sha256=item.sha256,
                          details={"reason": reason.strip()})
    return [i.ref for i in items]


def marked_no_redaction(case: Case) -> set[str]:
    """SHA-256 of every exhibit marked as needing no redaction."""
    return {e.sha256 for e in case.events()
            if e.action == "redaction-not-needed" and e.sha256 is not None}


def select_items(case: Case, refs: Sequence[str]) -> list[Item]:
    """The exhibits named (all when none are), in reference order.

    Raises:
        InputError: an unknown reference, or a case with no exhibits.
    """
    items = case.items()
    if refs:
        wanted = {r.strip().upper() for r in refs if r.strip()}
        known = {i.ref.upper() for i in items}
        if missing := sorted(wanted - known):
            raise InputError(f"No exhibit {', '.join(missing)} in this case.",
                             hint=ref_hint(missing[0], [i.ref for i in items]))
        items = [i for i in items if i.ref.upper() in wanted]
    if not items:
        raise InputError("There is nothing to export: the case has no exhibits yet.")
    return sorted(items, key=lambda i: ref_sort_key(i.ref))


def plan_redacted(case: Case, items: list[Item]) -> list[Item]:
    """What a redacted package holds in place of each exhibit.

    Each exhibit's newest redacted copy, or the exhibit itself when it is recorded
    as needing no redaction.

    Raises:
        InputError: naming every exhibit that has neither.
    """
    everything = case.items()
    cleared = marked_no_redaction(case)
    chosen, missing = [], []
    for item in items:
        if item.source_ref is not None or item.sha256 in cleared:
            chosen.append(item)
        elif (copy := latest_derivative(everything, item)) is not None:
            chosen.append(copy)
        else:
            missing.append(item.ref)
    if missing:
        raise InputError(
            f"No redacted version of {', '.join(missing)}; nothing was exported.",
            hint="Redact them first, or record that one needs none with 'evidencekit "
                 "redaction-not-needed REF --reason ...'.")
    return sorted({i.ref: i for i in chosen}.values(), key=lambda i: ref_sort_key(i.ref))
