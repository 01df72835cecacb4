"""The read-only pages: exhibits, one exhibit with its custody history, case verification.

Each function takes the case (and what the route parsed) and returns HTML; the library
does the work (``Case.items``, ``history_of``, ``verify_case``), this only lays it out.
"""

from __future__ import annotations

from urllib.parse import quote

from evidencekit import Case, Event, Item, VerificationReport, history_of

from .html import e, page, table
from .pdfimages import page_count

PHOTOS = ("image/jpeg", "image/png", "image/webp", "image/gif")
"""Photo types a browser shows as they are (HEIC has no browser support)."""
STATEMENTS = ("text/plain", "application/pdf")


def href(prefix: str, ref: str) -> str:
    """``/exhibit/HG/1``: the reference is the address (its slash kept, the rest quoted)."""
    return f"{prefix}/{quote(ref, safe='/')}"


def kind_of(item: Item) -> str:
    """What the review pages can do with an exhibit: photo, video, audio, statement, other."""
    major = item.media_type.split("/")[0]
    if item.media_type in PHOTOS:
        return "photo"
    if major in ("video", "audio"):
        return major
    if item.kind == "statement" or item.media_type in STATEMENTS:
        return "statement"
    return "other"


def status(case: Case, item: Item, items: list[Item]) -> str:
    """Redaction status as words: a copy of X, redacted as Y, not needed, or not yet."""
    if item.source_ref:
        return f"redacted copy of {item.source_ref}"
    copies = [i.ref for i in items if i.source_ref == item.ref]
    if copies:
        return "redacted as " + ", ".join(copies)
    if any(ev.action == "redaction-not-needed" and ev.sha256 == item.sha256
           for ev in case.events()):
        return "no redaction needed"
    return "not yet redacted"


def exhibits_page(case: Case) -> str:
    """The list of every exhibit."""
    items = case.items()
    rows = [[f'<a href="{e(href("/exhibit", i.ref))}">{e(i.ref)}</a>', e(i.kind),
             e(i.description), e(i.captured_at or i.device_time or "—"), e(i.ingested_at),
             f'<code class="hash" title="{e(i.sha256)}">{e(i.sha256[:16])}…</code>',
             e(status(case, i, items)), e(i.details.get("source") or "—")]
            for i in items]
    body = (table(f"{len(items)} exhibit(s)", ["Reference", "Kind", "Description",
                                               "Recorded", "Ingested", "SHA-256",
                                               "Redaction", "Source"], rows)
            if items else "<p>No exhibits yet: add them with <code>evidencekit ingest</code>.</p>")
    return page("Exhibits", body, case_title=_title(case))


def _title(case: Case) -> str:
    return f"{case.info.ref}: {case.info.title}"


def _history(events: list[Event]) -> str:
    rows = [[e(ev.seq), e(ev.time), e(ev.action), e(ev.exhibit or ""),
             e(f"{ev.actor.name} ({ev.actor.org})"), f"<code>{e((ev.sha256 or '')[:16])}</code>"]
            for ev in events]
    return table("Custody history", ["#", "Time (UTC)", "Action", "Exhibit", "Signed by",
                                     "SHA-256"], rows)


def _pages(case: Case, item: Item) -> str:
    """A PDF statement's pages as images (drawn on request, one by one)."""
    if item.media_type != "application/pdf":
        return ""
    count = page_count(case.object_path(item.sha256))
    return "".join(f'<img class="evidence page" loading="lazy" '
                   f'src="{e(href(f"/pages/{n}", item.ref))}" '
                   f'alt="{e(f"Page {n} of {count} of {item.ref}")}">'
                   for n in range(1, count + 1))


def _viewer(item: Item, kind: str) -> str:
    src = e(href("/file", item.ref))
    label = e(f"{item.ref}: {item.description}")
    if kind == "photo":
        return (f'<img id="photo" class="evidence" src="{src}" alt="{label}">'
                f'<p><a href="{e(href("/review", item.ref))}">Review and redact this photo'
                "</a></p>")
    if kind == "video":
        return (f'<video id="video" class="evidence" controls preload="metadata" src="{src}" '
                f'aria-label="{label}"></video>'
                f'<p><a href="{e(href("/review", item.ref))}">Review and redact this footage'
                "</a></p>")
    if kind == "audio":
        return f'<audio controls preload="metadata" src="{src}" aria-label="{label}"></audio>'
    if kind == "statement":
        return (f'<p><a href="{e(href("/statement", item.ref))}">Review the proposed redactions'
                "</a></p>")
    return f'<p><a href="{src}" download>Download the file</a> ({e(item.media_type)}).</p>'


def exhibit_page(case: Case, ref: str) -> str:
    """One exhibit: what was recorded at ingest, the evidence itself, its custody history.

    Raises:
        InputError: no such exhibit.
    """
    item = case.item(ref)
    facts = [("Reference", item.ref), ("Kind", item.kind), ("Description", item.description),
             ("Original name", item.original_name), ("Type", item.media_type),
             ("Size", f"{item.size:,} bytes"), ("SHA-256", item.sha256),
             ("Ingested", f"{item.ingested_at} by {item.ingested_by}"),
             ("Redaction", status(case, item, case.items()))]
    facts += [(k.replace("_", " ").capitalize(), str(v)) for k, v in item.metadata.items()
              if isinstance(v, str | int | float)]
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    shown = _viewer(item, kind_of(item)) + _pages(case, item)
    body = (f'<div class="split"><section aria-label="The evidence">{shown}</section>'
            f'<section aria-label="Details"><dl>{dl}</dl></section></div>'
            + _history(history_of(case.events(), item.ref)))
    return page(f"Exhibit {item.ref}", body, case_title=_title(case))


def verify_page(case: Case, report: VerificationReport) -> str:
    """Every finding of a case verification, with the verdict first."""
    c = report.checked
    verdict = (f'<p class="verdict {"ok" if report.ok else "fail"}">'
               f'{"OK" if report.ok else "FAILED"}: {c.get("items", 0)} exhibit(s), '
               f'{c.get("events", 0)} custody event(s), {c.get("signers", 0)} signer(s) checked;'
               f" {len(report.errors)} problem(s), {len(report.warnings)} warning(s).</p>")
    rows = [[e("FAIL" if f.severity == "error" else "warn"), e(f.subject), e(f.message),
             f"<code>{e(f.code)}</code>"] for f in report.findings]
    found = (table("Findings", ["", "Subject", "Message", "Code"], rows) if rows
             else "<p>Nothing to report: every file, event and signature holds.</p>")
    return page("Verify the case", verdict + found, case_title=_title(case))
