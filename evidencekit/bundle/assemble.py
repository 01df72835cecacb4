"""Building the court bundle and recording it in custody.

1. choose the documents: the spec's sections (or statements by date, then exhibits by
   reference); in a redacted bundle each exhibit's redacted copy;
2. render each to pages (render) and place them: cover and index first;
3. assemble, number every page, link the index, add bookmarks and page labels
   (paging);
4. store the PDF as a case object, record a signed ``bundled`` event with every
   document's source hash and page range, and write the PDF and a JSON sidecar.
   A draft (``BundleRequest(draft=True)``) skips this step's store and event: it is
   written, marked DRAFT on its cover, and never becomes the case's bundle.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Mapping
from datetime import UTC
from pathlib import Path

import attrs
import pypdf

from evidencekit.bundle import paging
from evidencekit.bundle.entries import index_detail, left_out, repeated_descriptions
from evidencekit.bundle.facts import facts_of, local_day
from evidencekit.bundle.render import render
from evidencekit.bundle.spec import BundleSpec, default_spec, document_date, stated_date
from evidencekit.case.derived import plan_redacted
from evidencekit.case.folder import Case
from evidencekit.case.objects import store_object
from evidencekit.core import storage
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import BundleError, InputError
from evidencekit.core.frozen import frozen_tuple, thaw
from evidencekit.core.hashing import hash_file, hash_stream
from evidencekit.core.progress import Advance, Progress, begin
from evidencekit.custody.events import Event
from evidencekit.custody.exhibits import Item, latest_bundle, readable_name
from evidencekit.keys.keyfile import Signer
from evidencekit.redact.statement_text import dating_text
from evidencekit.redact.statements import is_statement

SIZE_WARNING = 36_000_000
"""Bytes above which a bundle may not pass the justice e-mail limit."""
NUMBERING = ("continuous", "sections")
DRAFT = " (DRAFT: not recorded)"


@attrs.frozen
class BundleRequest:
    """How to build the bundle."""

    spec: BundleSpec | None = None
    redacted: bool = False
    numbering: str = attrs.field(default="continuous")
    supplement: bool = False
    draft: bool = False
    """Write the bundle only: not stored in the case, no custody event, never exported."""

    @numbering.validator
    def _check(self, _attr: object, value: str) -> None:
        if value not in NUMBERING:
            raise BundleError(f"Numbering must be one of {', '.join(NUMBERING)}.")


@attrs.frozen
class BundleResult:
    """What was built."""

    path: str
    sha256: str
    pages: int
    size: int
    documents: tuple[paging.Placed, ...] = attrs.field(converter=frozen_tuple)
    notes: tuple[str, ...] = attrs.field(converter=frozen_tuple)
    event_seq: int | None = attrs.field()
    """The ``bundled`` event; ``None`` for a draft, which is not recorded."""
    sidecar: str = attrs.field()
    warnings: tuple[str, ...] = attrs.field(default=(), converter=frozen_tuple)
    """About the spec: each exhibit of the case that it leaves out."""
    bundle_id: str | None = None
    draft: bool = False

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form for ``--json``."""
        return attrs.asdict(self)


def _choose(case: Case, spec: BundleSpec, redacted: bool) -> list[tuple[str, list[Item]]]:
    originals = {i.ref: i for i in case.items() if i.source_ref is None}
    wanted = list(spec.refs)
    if missing := [r for r in wanted if r not in originals]:
        raise BundleError(f"The bundle spec names {', '.join(missing)}, not in this case.")
    chosen = {i.ref: i for i in originals.values()}
    if redacted:
        copies = plan_redacted(case, [originals[r] for r in wanted])
        chosen = {(c.source_ref or c.ref): c for c in copies}
    return [(s.title, [chosen[r] for r in s.refs]) for s in spec.sections if s.refs]


def _own_date(case: Case, item: Item, spec: BundleSpec) -> str:
    """The index's date (see :func:`document_date`); a statement's ``Date:`` line is read.

    A redacted copy takes the dates recorded for its original, and its own ``Date:`` line.
    A device clock that recorded its zone gives its day in the UK (the day a person on
    the scene would name).
    """
    original = case.item(item.source_ref) if item.source_ref else item
    date = local_day(document_date(original, spec))
    if date or not is_statement(item.media_type):
        return date
    try:
        text = dating_text(case.object_path(item.sha256), item.media_type)
    except InputError:
        return ""
    return document_date(original, spec, stated_date(text))


def _render_all(case: Case, sections: list[tuple[str, list[Item]]], spec: BundleSpec,
                redacted: bool, progress: Advance | None,
                ) -> tuple[list[tuple[str, list[paging.Doc]]], list[str]]:
    rendered: list[tuple[str, list[paging.Doc]]] = []
    notes: list[str] = []
    repeated = repeated_descriptions([i for _title, items in sections for i in items])
    for title, items in sections:
        docs = []
        for item in items:
            original = case.item(item.source_ref) if item.source_ref else None
            facts = facts_of(item, original, dict(spec.producers))
            out = render(case, item, f"data/exhibits/{readable_name(item, redacted)}", facts)
            notes += out.notes
            date = _own_date(case, item, spec)
            detail = index_detail(original or item, facts, date, item.description in repeated
                             and not redacted)
            docs.append(paging.Doc(item.ref, item.description, date, out.pdf, detail))
            if progress:
                progress(1)
        rendered.append((title, docs))
    return rendered, notes


def _place(sections: list[tuple[str, list[paging.Doc]]], readers: dict[str, pypdf.PdfReader],
           numbering: str) -> tuple[dict[str, paging.Placed], list[str], int]:
    counts = [sum(len(readers[d.ref].pages) for d in docs) for _t, docs in sections]
    front = 1 + paging.index_pages(paging.heading_flags(sections))
    labels = paging.labels_for(counts, front, numbering)
    placed: dict[str, paging.Placed] = {}
    at = front
    for title, docs in sections:
        for doc in docs:
            n = len(readers[doc.ref].pages)
            placed[doc.ref] = paging.Placed(doc.ref, title, at, at + n - 1, labels[at],
                                               labels[at + n - 1])
            at += n
    return placed, labels, front


def _outline(writer: pypdf.PdfWriter, sections: list[tuple[str, list[paging.Doc]]],
             placed: dict[str, paging.Placed], labels: list[str]) -> None:
    writer.add_outline_item(title=f"Index (p. {labels[1]})", page_number=1)
    for title, docs in sections:
        first = placed[docs[0].ref]
        parent = writer.add_outline_item(title=f"{title} (p. {first.first_label})",
                                         page_number=first.first)
        for doc in docs:
            where = placed[doc.ref]
            entry = f"{doc.ref} {doc.entry} (p. {where.first_label})"
            writer.add_outline_item(title=entry, page_number=where.first, parent=parent)


def assemble(cover: paging.Cover, sections: list[tuple[str, list[paging.Doc]]],
             numbering: str) -> tuple[bytes, dict[str, paging.Placed], int]:
    """The bundle's bytes, where each document sits, and the page count."""
    readers = {d.ref: pypdf.PdfReader(io.BytesIO(d.pdf), strict=False)
               for _t, docs in sections for d in docs}
    placed, labels, front = _place(sections, readers, numbering)
    front_pdf, links = paging.front_matter(cover, paging.index_rows(sections, placed))
    writer = pypdf.PdfWriter()
    for page in pypdf.PdfReader(io.BytesIO(front_pdf)).pages[:front]:
        writer.add_page(page)
    for _title, docs in sections:
        for doc in docs:
            for page in readers[doc.ref].pages:
                writer.add_page(page)
    paging.stamp_pages(writer, labels, refs=_page_refs(placed, len(labels)))
    paging.add_links(writer, links)
    _outline(writer, sections, placed, labels)
    paging.set_labels(writer, labels)
    paging.open_at_full_size(writer)
    title = f"{'Draft hearing' if cover.draft else 'Hearing'} bundle {cover.case_ref}"
    writer.add_metadata({"/Title": title, "/Creator": "evidencekit",
                         "/Producer": "evidencekit"})
    paging.finish(writer, b"".join([front_pdf, *(d.pdf for _t, ds in sections for d in ds)]))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), placed, len(labels)


def _page_refs(placed: dict[str, paging.Placed], pages: int) -> list[str]:
    """Each page's exhibit reference (``""`` on the cover and index)."""
    refs = [""] * pages
    for where in placed.values():
        refs[where.first:where.last + 1] = [where.ref] * (where.last - where.first + 1)
    return refs


def _new_only(chosen: list[tuple[str, list[Item]]],
              previous: Event) -> list[tuple[str, list[Item]]]:
    documents = previous.details.get("documents")
    done = {d.get("ref") for d in documents if isinstance(d, Mapping)} if isinstance(
        documents, (list, tuple)) else set()
    fresh = [i for _title, items in chosen for i in items if i.ref not in done]
    if not fresh:
        raise BundleError("Every document is already in the latest bundle; nothing to add.")
    return [("Supplement", fresh)]


def supplement(previous: Path, sections: list[tuple[str, list[paging.Doc]]],
               draft: bool = False) -> tuple[bytes, dict[str, paging.Placed], int]:
    """The earlier bundle, untouched, with the new documents appended.

    A supplementary index and the new documents take the next page numbers; no
    existing page is renumbered or changed.
    """
    writer = pypdf.PdfWriter(clone_from=str(previous))
    start = len(writer.pages)
    old_labels = pypdf.PdfReader(previous).page_labels
    readers = {d.ref: pypdf.PdfReader(io.BytesIO(d.pdf), strict=False)
               for _t, docs in sections for d in docs}
    docs = [d for _t, group in sections for d in group]
    front = paging.index_pages([True, *(False for _d in docs)])
    labels = paging.next_labels(old_labels[-1], front + sum(len(readers[d.ref].pages)
                                                                for d in docs))
    placed: dict[str, paging.Placed] = {}
    at = start + front
    for doc in docs:
        n = len(readers[doc.ref].pages)
        placed[doc.ref] = paging.Placed(doc.ref, "Supplement", at, at + n - 1,
                                           labels[at - start], labels[at + n - 1 - start])
        at += n
    index_pdf, links = paging.front_matter(None, paging.index_rows(sections, placed),
                                              "SUPPLEMENTARY INDEX" + DRAFT * draft)
    for page in pypdf.PdfReader(io.BytesIO(index_pdf)).pages:
        writer.add_page(page)
    for doc in docs:
        for page in readers[doc.ref].pages:
            writer.add_page(page)
    every = [*old_labels, *labels]
    paging.stamp_pages(writer, every, start, _page_refs(placed, len(every)))
    paging.add_links(writer, [(start + p, rect, target) for p, rect, target in links])
    parent = writer.add_outline_item(title=f"Supplement (p. {labels[0]})", page_number=start)
    for doc in docs:
        where = placed[doc.ref]
        writer.add_outline_item(title=f"{doc.ref} {doc.entry} "
                                      f"(p. {where.first_label})",
                                page_number=where.first, parent=parent)
    paging.set_labels(writer, every, start)
    paging.finish(writer, b"".join([index_pdf, *(d.pdf for d in docs)]), start)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), placed, len(every)


def _cover(case: Case, spec: BundleSpec, redacted: bool, draft: bool) -> paging.Cover:
    info = case.info
    return paging.Cover(info.court or "In the court", info.ref,
                           "(title withheld)" if redacted else info.title, spec.parties,
                           spec.hearing, case.clock().astimezone(UTC).strftime("%d %B %Y"),
                           redacted, draft)


def build_bundle(case: Case, signer: Signer, out: Path, request: BundleRequest,
                 progress: Progress | None = None) -> BundleResult:
    """Build the bundle PDF, record it in custody, write it and its JSON sidecar.

    A draft is written with its sidecar but not stored in the case nor recorded: it is
    no state change of the case, and no export ever carries it.

    Raises:
        BundleError: ``out`` exists, an unknown exhibit in the spec, an exhibit without a
            redacted copy in a redacted bundle, or an unreadable statement or photo.
        StorageError, CustodyError: the case cannot be written.
    """
    sidecar = out.with_suffix(".json")
    for path in (out, sidecar):
        if path.exists():
            raise BundleError(f"{path} already exists; choose a new name for the bundle.")
    originals = [i for i in case.items() if i.source_ref is None]
    spec = request.spec or default_spec(originals)
    chosen = _choose(case, spec, request.redacted)
    previous = latest_bundle(case.events(), request.redacted) if request.supplement else None
    if request.supplement:
        if previous is None:
            raise BundleError("There is no earlier bundle to supplement; build one first.")
        chosen = _new_only(chosen, previous)
    advance = begin(progress, sum(len(items) for _title, items in chosen))
    sections, notes = _render_all(case, chosen, spec, request.redacted, advance)
    if previous is not None:
        data, placed, pages = supplement(case.object_path(previous.sha256 or ""), sections,
                                         request.draft)
    else:
        data, placed, pages = assemble(_cover(case, spec, request.redacted, request.draft),
                                       sections, request.numbering)
    if len(data) > SIZE_WARNING:
        notes.append(f"the bundle is {len(data) / 1e6:.1f} MB, over the 36 MB that court "
                     "e-mail accepts; send the large exhibits separately")
    details = _details(case, sections, placed, request, pages, previous)
    if request.draft:
        storage.atomic_write(out, data)
        digest, seq = hash_stream(io.BytesIO(data)).sha256, None
        record: dict[str, JsonValue] = {"bundle_sha256": digest, "draft": True,
                                        "size": len(data), **thaw(details)}
    else:
        event, digest = _record(case, signer, data, details)
        storage.atomic_write(out, data)
        seq, record = event.seq, _sidecar(event)
    storage.atomic_write(sidecar, json.dumps(record, indent=2, ensure_ascii=False).encode())
    return BundleResult(str(out), digest, pages, len(data),
                        tuple(placed[d.ref] for _t, docs in sections for d in docs),
                        tuple(notes), seq, str(sidecar),
                        left_out(originals, spec) if request.spec else (),
                        str(details["bundle_id"]), request.draft)


def _documents(sections: list[tuple[str, list[paging.Doc]]],
               placed: dict[str, paging.Placed], items: dict[str, Item]) -> list[JsonValue]:
    return [{"ref": d.ref, "sha256": items[d.ref].sha256, "section": title,
             "first_page": placed[d.ref].first + 1, "last_page": placed[d.ref].last + 1,
             "first_label": placed[d.ref].first_label, "last_label": placed[d.ref].last_label}
            for title, docs in sections for d in docs]


def _details(case: Case, sections: list[tuple[str, list[paging.Doc]]],
             placed: dict[str, paging.Placed], request: BundleRequest, pages: int,
             previous: Event | None) -> dict[str, JsonValue]:
    """What the ``bundled`` event (or a draft's sidecar) says: pages and every document."""
    items = {i.ref: i for i in case.items()}
    details: dict[str, JsonValue] = {
        "bundle_id": str(uuid.uuid4()), "pages": pages, "redacted": request.redacted,
        "numbering": request.numbering, "documents": _documents(sections, placed, items),
    }
    if previous is not None:
        earlier = previous.details.get("documents")
        details["documents"] = [*(earlier if isinstance(earlier, (list, tuple)) else ()),
                                *_documents(sections, placed, items)]
        details["supplement_of"] = previous.sha256
    return details


def _record(case: Case, signer: Signer, data: bytes,
            details: dict[str, JsonValue]) -> tuple[Event, str]:
    tmp = case.tmp_dir / f"bundle-{uuid.uuid4().hex}.pdf"
    storage.atomic_write(tmp, data)
    try:
        digest = hash_file(tmp)
        with case.writing(signer) as writer:
            store_object(case, tmp, digest.sha256)
            event = writer.append("bundled", sha256=digest.sha256,
                                  details={**details, "size": digest.size})
    finally:
        tmp.unlink(missing_ok=True)
    return event, digest.sha256


def _sidecar(event: Event) -> dict[str, JsonValue]:
    return {"bundle_sha256": event.sha256, "custody_event": event.seq, **thaw(event.details)}
