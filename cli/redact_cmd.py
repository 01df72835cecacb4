"""``evidencekit redact``: make a redacted copy of an exhibit (the original is untouched)."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import (
    DETECTORS,
    MediaPreview,
    MediaRedactionResult,
    RedactionRequest,
    StatementRedactionResult,
    redact_item,
)

from .common import case_option, emit_json, json_option, open_case, progress_bar, unlock


def _page_list(_ctx: click.Context, _param: click.Parameter, value: str | None,
               ) -> tuple[int, ...]:
    """``2,3`` as page numbers."""
    if not value:
        return ()
    try:
        pages = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("give page numbers separated by commas, e.g. 2,3") from None
    if any(n < 1 for n in pages):
        raise click.BadParameter("page numbers start at 1")
    return pages


@click.command()
@click.argument("ref")
@case_option
@click.option("--key", "key_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Your private key (needed unless you only --preview).")
@click.option("--regions", "regions_path", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON file of rectangles to hide and audio to mute (docs/redacting-media.md); "
                   "for a PDF statement each names its page (docs/redacting-statements.md).")
@click.option("--people", "people_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Statements: the people register (TOML); default: the case's people.toml.")
@click.option("--skip-detector", "skipped", multiple=True, type=click.Choice(DETECTORS),
              help="Statements: turn a built-in detector off (repeatable).")
@click.option("--faces", is_flag=True, help="Also find faces and hide them (needs OpenCV).")
@click.option("--preview", type=click.Path(path_type=Path, dir_okay=False),
              help="Only write a preview (PNG or PDF) with the regions outlined; change nothing.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the redacted copy to this file.")
@click.option("--description", help="Description of the copy (default: kind, reference, "
              "'redacted copy'). It goes out with the copy, so name no third party.")
@click.option("--pictures-reviewed", is_flag=True, help="Statements: you looked at every "
              "picture in the DOCX/ODT/RTF and none shows anything to hide.")
@click.option("--reviewed-pages", "reviewed_pages", callback=_page_list, metavar="2,3",
              help="PDF statements: pages you checked by eye that OCR cannot read reliably "
                   "(handwriting); without it, or boxes for them in --regions, such pages "
                   "are refused.")
@json_option
def redact(ref: str, case_dir: Path | None, key_path: Path | None, regions_path: Path | None,
           people_path: Path | None, skipped: tuple[str, ...], faces: bool,
           preview: Path | None, out: Path | None, description: str | None,
           pictures_reviewed: bool, reviewed_pages: tuple[int, ...], as_json: bool) -> None:
    """Make a redacted copy of exhibit REF (statement, photo, footage or audio).

    The copy becomes a new exhibit (REF-R1, REF-R2 ...) linked to the original,
    which is never changed. Statements: names from the people register and built-in
    detectors (phones, e-mails, postcodes, NI numbers, vehicle registrations, dates
    of birth) become labelled black boxes: PDFs keep their pages and layout (scans are
    read by OCR), other statements become a PDF. Media: regions are painted over (or
    blurred or pixelated), mute ranges silenced, all metadata dropped.
    Use --preview first to see what would be removed.
    """
    case = open_case(case_dir)
    request = RedactionRequest(regions_file=regions_path, people=people_path,
                               skip_detectors=skipped, faces=faces, preview=preview, out=out,
                               description=description, pictures_reviewed=pictures_reviewed,
                               reviewed_pages=reviewed_pages)
    signer = unlock(key_path) if key_path is not None and preview is None else None
    with progress_bar("Redacting") as progress:
        result = redact_item(case, ref, request, signer, progress=progress)
    if as_json:
        emit_json(result.to_dict())
    elif isinstance(result, StatementRedactionResult):
        _print_statement(result, preview)
    elif isinstance(result, MediaPreview):
        click.echo(f"Preview written to {result.preview}; nothing was redacted."
                   + (f" {result.face_tracks} face track(s) found by {result.face_detector}: "
                      "check each one (reject_faces in the regions file drops a track)."
                      if faces else ""))
        _print_face_note(result.face_note)
    else:
        _print_media(result, faces)


def _print_face_note(note: str) -> None:
    if note:
        click.echo(f"  Note: {note}")


def _print_media(result: MediaRedactionResult, faces: bool) -> None:
    click.echo(f"Redacted copy {result.derived_ref} made from {result.source_ref} "
               f"(sha256 {result.sha256})")
    click.echo(f"  {result.regions} region(s), {result.mute_ranges} mute range(s)"
               + (f", {result.face_tracks} face track(s) found by {result.face_detector}"
                  f" ({result.faces_rejected} rejected): check them in a --preview"
                  if faces else ""))
    _print_face_note(result.face_note)
    if result.rendering:
        click.echo(f"  {result.rendering}")
    if result.out:
        click.echo(f"  copy written to {result.out}")


def _print_suggestions(result: StatementRedactionResult) -> None:
    if result.suggestions:
        listed = ", ".join(f"{s.text} ({s.count})" for s in result.suggestions[:20])
        click.echo(f"  Possible names not in the people register (not redacted; add them "
                   f"if they are third parties): {listed}")


def _print_statement(result: StatementRedactionResult, preview: Path | None) -> None:
    found = ", ".join(f"{n} {c}" for c, n in sorted(result.counts.items())) or "nothing"
    if preview is not None:
        click.echo(f"Preview written to {preview}; nothing was redacted. Found: {found}.")
        _print_notes(result)
        _print_suggestions(result)
        return
    click.echo(f"Redacted copy {result.derived_ref} made from {result.source_ref} "
               f"(sha256 {result.sha256}): {found}.")
    if result.out:
        click.echo(f"  copy written to {result.out}")
    _print_notes(result)
    _print_suggestions(result)


def _print_notes(result: StatementRedactionResult) -> None:
    for note in result.notes:
        click.echo(f"  Note: {note}")
