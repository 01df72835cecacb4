"""Ingest: preserve each original byte for byte, hash it and record it in custody.

Per file: (1) copy into ``objects/tmp`` while hashing, fsync; (2) detect the
real type and read metadata from the copy; (3) under the case lock, either
record a duplicate or move the copy into the content-addressed store
(read-only) and append a signed ``ingested`` event. A process killed before
(3) leaves only a temporary file, never a half item.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePath
from zoneinfo import ZoneInfo

import attrs

from evidencekit.case import metadata
from evidencekit.case.details import Details
from evidencekit.case.folder import Case, CaseWriter
from evidencekit.case.objects import stage_copy, store_object
from evidencekit.core import filetype, storage
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError
from evidencekit.core.frozen import frozen_tuple
from evidencekit.core.hashing import Digest
from evidencekit.core.interrupts import interrupts_held
from evidencekit.core.progress import Advance, Progress, begin
from evidencekit.custody.events import format_time
from evidencekit.custody.exhibits import KINDS, check_producer
from evidencekit.keys.keyfile import Signer

LOCAL_ZONE = "Europe/London"


def parse_stated_time(text: str) -> tuple[str, str | None]:
    """Parse an ISO 8601 time given by a user; naive times are taken as UK local time.

    Returns the UTC time and the zone that was assumed (``None`` when the text had one).

    Raises:
        InputError: not an ISO 8601 date and time.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(f"{text!r} is not an ISO 8601 time; write e.g. 2026-11-20T22:15 "
                         "or 2026-11-20T22:15:00+00:00.") from exc
    if moment.tzinfo is None:
        return format_time(moment.replace(tzinfo=ZoneInfo(LOCAL_ZONE))), LOCAL_ZONE
    return format_time(moment.astimezone(UTC)), None


def _optional_line(_inst: object, attr: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and ("\n" in value or len(value) > 500):
        raise InputError(f"--{attr.name.replace('_', '-')} must be one line of at most 500 "
                         "characters.")


def _kind(_inst: object, _attr: object, value: str) -> None:
    if value not in KINDS:
        raise InputError(f"Unknown kind {value!r}; use one of {', '.join(KINDS)}.")


def _description(_inst: object, _attr: object, value: str) -> None:
    if not value.strip() or len(value) > 2000:
        raise InputError("A description of 1 to 2,000 characters is required.")


@attrs.frozen
class IngestRequest:
    """What the user says about the files being ingested."""

    kind: str = attrs.field(validator=_kind)
    producer: str = attrs.field(converter=check_producer)
    description: str = attrs.field(validator=_description)
    source: str | None = attrs.field(default=None, validator=_optional_line)
    captured_by: str | None = attrs.field(default=None, validator=_optional_line)
    captured_at: str | None = attrs.field(default=None, validator=_optional_line)

    def details(self) -> dict[str, JsonValue]:
        """The user's statements as recorded in the event."""
        out: dict[str, JsonValue] = {
            "kind": self.kind, "producer": self.producer, "description": self.description,
            "source": self.source, "captured_by": self.captured_by,
        }
        if self.captured_at:
            utc, zone = parse_stated_time(self.captured_at)
            out.update(captured_at=utc, captured_at_stated=self.captured_at,
                       captured_at_zone_assumed=zone)
        return out


@attrs.frozen
class IngestResult:
    """The outcome for one input file."""

    path: str
    status: str  # "ingested", "duplicate" or "refused"
    ref: str | None = None
    sha256: str | None = None
    size: int = 0
    media_type: str | None = None
    warnings: tuple[str, ...] = attrs.field(default=(), converter=frozen_tuple)

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json``."""
        return {"path": self.path, "status": self.status, "ref": self.ref,
                "sha256": self.sha256, "size": self.size, "media_type": self.media_type,
                "warnings": list(self.warnings)}


def expand_inputs(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[IngestResult]]:
    """Files to ingest (with the name to record) and inputs refused up front."""
    files: list[tuple[Path, str]] = []
    refused: list[IngestResult] = []
    for path in paths:
        try:
            if path.is_symlink():
                raise InputError(f"{path} is a symbolic link; give the real file instead.")
            if path.is_dir():
                files += [(f, str(f.relative_to(path.parent))) for f in storage.walk_files(path)]
            else:
                files.append((path, path.name))
        except InputError as exc:
            refused.append(IngestResult(str(path), "refused", warnings=(exc.user_message(),)))
    return files, refused


def total_size(files: Sequence[tuple[Path, str]]) -> int:
    """Bytes to be copied (for a progress bar)."""
    return sum(p.stat().st_size for p, _ in files if p.is_file())


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped an ingest: what was done before it, and what was not.

    A ``KeyboardInterrupt``, so a program that stops on Ctrl-C still stops. Every file in
    ``results`` is recorded in the case (or was refused); the partial copy of the file
    being copied, ``during`` (``None`` when the interrupt came between files), was removed.
    ``not_done`` lists that file and those not reached.
    """

    def __init__(self, results: Sequence[IngestResult], during: str | None,
                 not_done: Sequence[str]) -> None:
        super().__init__("ingest interrupted")
        self.results = tuple(results)
        self.during = during
        self.not_done = tuple(not_done)


def _names_of(path: Path, name: str) -> set[str]:
    """How a details file may name a file: as given, as recorded, or within its folder."""
    parts = PurePath(name).parts
    return {str(PurePath(path)), name, str(PurePath(*parts[1:])) if len(parts) > 1 else name}


def _per_file(files: Sequence[tuple[Path, str]], request: IngestRequest,
              details: Details | None) -> list[dict[str, JsonValue]]:
    """Each file's recorded statements: the request, overridden by its details row."""
    chosen: list[Mapping[str, str] | None] = [None] * len(files)
    for named, values in (details or {}).items():
        hits = [n for n, (path, name) in enumerate(files) if named in _names_of(path, name)]
        if len(hits) != 1:
            raise InputError(f"The details file names {named!r}, which " + (
                "is not among the files being ingested." if not hits else
                f"matches {len(hits)} of them; write its folder too."))
        if chosen[hits[0]] is not None:
            raise InputError(f"The details file names {files[hits[0]][1]!r} twice.")
        chosen[hits[0]] = values
    base = request.details()
    return [base if values is None else _with_row(request, name, values)
            for (_path, name), values in zip(files, chosen, strict=True)]


def _with_row(request: IngestRequest, name: str, values: Mapping[str, str]) -> \
        dict[str, JsonValue]:
    try:
        return attrs.evolve(request, **values).details()
    except InputError as exc:
        raise InputError(f"In the details file, for {name}: {exc.message}") from exc


def ingest(case: Case, paths: Sequence[Path], signer: Signer, request: IngestRequest,
           progress: Progress | None = None, *,
           details: Details | None = None) -> list[IngestResult]:
    """Ingest files and folders (folders recursively, in path order), one exhibit each.

    ``details`` (from :func:`parse_details`) gives single files their own description,
    capture time, source or collector in place of the request's. A file that cannot be
    read is reported as ``refused``; the others go on. On Ctrl-C the file being copied is
    dropped (its partial copy removed), and each file already recorded stays recorded.

    Raises:
        InputError: the request or the details are invalid, or the details name a file not
            being ingested (all checked before anything is copied).
        StorageError, CustodyError: the case cannot be written.
        IngestInterrupted: Ctrl-C; it carries the results so far.
    """
    files, results = expand_inputs(paths)
    statements = _per_file(files, request, details)
    advance = begin(progress, total_size(files))
    for n, (path, name) in enumerate(files):
        count = len(results)
        try:
            _ingest_one(case, path, name, signer, statements[n], advance, results)
        except InputError as exc:
            results.append(IngestResult(str(path), "refused", warnings=(exc.user_message(),)))
        except KeyboardInterrupt as exc:
            done = len(results) > count  # recorded whole, then the held-back Ctrl-C
            raise IngestInterrupted(results, None if done else str(path),
                                    [str(p) for p, _ in files[n + int(done):]]) from exc
    return results


def _ingest_one(case: Case, path: Path, name: str, signer: Signer,
                base: dict[str, JsonValue], advance: Advance | None,
                done: list[IngestResult]) -> None:
    with storage.open_regular(path, "evidence file") as fd:
        staged, digest = stage_copy(case, fd, advance)
    try:
        with open(staged, "rb") as handle:
            media = filetype.detect(staged, handle.read(65536))
        extracted = metadata.extract(staged, media)
        if extracted.error:  # do not leak the temporary path into the record
            extracted = attrs.evolve(extracted, error=extracted.error.replace(str(staged), name))
        notes = _warnings(name, media, digest, extracted)
        details: dict[str, JsonValue] = {
            **base, "original_name": name, "size": digest.size, "media_type": media,
            "name_matches_content": filetype.name_matches(name, media),
            "metadata": extracted.metadata, "metadata_error": extracted.error,
            "warnings": list(notes), "workstation": socket.gethostname()[:100],
        }
        # Storing the copy and signing its event happen whole: Ctrl-C waits for them.
        with interrupts_held(), case.writing(signer) as writer:
            done.append(_record(case, writer, staged, str(path), digest, media, details, notes))
    finally:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()


def _warnings(name: str, media: str, digest: Digest,
              extracted: metadata.Extracted) -> tuple[str, ...]:
    notes = list(extracted.warnings)
    if digest.size == 0:
        notes.append("the file is empty")
    if not filetype.name_matches(name, media):
        notes.append(f"the name says {Path(name).suffix} but the content is {media}")
    if extracted.error:
        notes.append(f"metadata could not be read: {extracted.error}")
    if digest.size and (hint := filetype.advice(media)):
        notes.append(f"this is {hint}")
    return tuple(notes)


def _record(case: Case, writer: CaseWriter, staged: Path, shown: str, digest: Digest,
            media: str, details: dict[str, JsonValue], notes: tuple[str, ...]) -> IngestResult:
    twin = writer.twin_of(digest.sha256)
    if twin is not None:
        writer.append("duplicate-received", exhibit=twin.ref, sha256=digest.sha256,
                      details={**details, "duplicate_of": twin.ref})
        note = f"same content as exhibit {twin.ref}; not stored again"
        return IngestResult(shown, "duplicate", twin.ref, digest.sha256, digest.size, media,
                            (note, *notes))
    store_object(case, staged, digest.sha256)
    ref = writer.next_ref(str(details["producer"]))
    writer.append("ingested", exhibit=ref, sha256=digest.sha256, details=details)
    return IngestResult(shown, "ingested", ref, digest.sha256, digest.size, media, notes)


