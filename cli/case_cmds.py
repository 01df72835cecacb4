"""``evidencekit init`` and ``evidencekit ingest``."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import KINDS, Case, IngestInterrupted, IngestRequest, load_details
from evidencekit import ingest as ingest_files

from .common import (
    case_option,
    emit_json,
    human_size,
    json_option,
    key_option,
    open_case,
    progress_bar,
    safe,
    unlock,
)
from .exit_codes import EXIT_ERROR, EXIT_INTERRUPTED


@click.command()
@click.argument("case_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--ref", required=True, help="The case reference, e.g. NH-2026-0147.")
@click.option("--title", required=True, help='A short title, e.g. "Closure order, 14 Elm Court".')
@click.option("--court", help="The court that will hear it, if known.")
def init(case_dir: Path, ref: str, title: str, court: str | None) -> None:
    """Create a new, empty case folder CASE_DIR."""
    case = Case.init(case_dir, ref=ref, title=title, court=court)
    click.echo(f"Created case {case.info.ref} in {case_dir}")
    click.echo("Next: evidencekit ingest FILE --key YOUR.key --kind ... --producer ... "
               "--description ...")


@click.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=False))
@case_option
@key_option
@click.option("--kind", required=True, type=click.Choice(KINDS),
              help="What the evidence is.")
@click.option("--producer", required=True,
              help="Initials of the person producing the exhibit (HG gives HG/1, HG/2 ...).")
@click.option("--description", required=True, help="What it shows, in a sentence.")
@click.option("--source", help="Where it came from, e.g. 'CCTV system, 12 Elm Court'.")
@click.option("--captured-by", help="Who recorded or collected it.")
@click.option("--captured-at", help="When it was recorded (ISO 8601; UK time if no zone).")
@click.option("--details", "details_path", type=click.Path(path_type=Path, dir_okay=False),
              help="A CSV with a 'file' column and any of description, captured_at, source, "
                   "captured_by: each row overrides the options above for that file.")
@json_option
def ingest(files: tuple[Path, ...], case_dir: Path | None, key_path: Path, kind: str,
           producer: str, description: str, source: str | None, captured_by: str | None,
           captured_at: str | None, details_path: Path | None, as_json: bool) -> None:
    """Add FILES (or every file in a folder) to the case, each as its own exhibit.

    The originals are copied byte for byte, hashed (SHA-256) and recorded in the
    signed custody log. Your files are never changed.
    """
    case = open_case(case_dir)
    request = IngestRequest(kind, producer, description, source, captured_by, captured_at)
    details = load_details(details_path) if details_path else None
    signer = unlock(key_path)
    stop: IngestInterrupted | None = None
    try:
        with progress_bar("Ingesting") as progress:
            results = ingest_files(case, list(files), signer, request, progress, details=details)
    except IngestInterrupted as interrupted:  # report what is recorded, then stop
        stop, results = interrupted, list(interrupted.results)
    counts = {s: sum(r.status == s for r in results) for s in ("ingested", "duplicate", "refused")}
    if as_json:
        emit_json([r.to_dict() for r in results] + [_summary(counts, stop)])
    else:
        for r in results:
            _print_result(r.status, r.ref, r.path, r.size, r.sha256, r.warnings)
        click.echo(f"{counts['ingested']} ingested, {counts['duplicate']} duplicates, "
                   f"{counts['refused']} refused")
    if stop is not None:
        _print_interrupt(stop)
        raise click.exceptions.Exit(EXIT_INTERRUPTED)
    if counts["refused"]:
        raise click.exceptions.Exit(EXIT_ERROR)


def _summary(counts: dict[str, int], stop: IngestInterrupted | None) -> dict[str, object]:
    """The last element of ``ingest --json``: the counts, and what an interrupt left out."""
    return {"status": "summary", "ingested": counts["ingested"],
            "duplicates": counts["duplicate"], "refused": counts["refused"],
            "interrupted": stop is not None,
            "not_ingested": list(stop.not_done) if stop else []}


def _print_interrupt(stop: IngestInterrupted) -> None:
    where = (f"while copying {safe(stop.during)}; its partial copy was removed"
             if stop.during else "between two files")
    click.echo(f"interrupted {where}. The exhibits listed above are recorded; "
               f"{len(stop.not_done)} file(s) were not ingested. Run the same command again "
               "to finish (files already in the case show as duplicates).", err=True)


def _print_result(status: str, ref: str | None, path: str, size: int, sha256: str | None,
                  warnings: tuple[str, ...]) -> None:
    if status == "refused":
        click.echo(f"REFUSED {safe(path)}", err=True)
    else:
        word = "ingested " if status == "ingested" else "duplicate"
        click.echo(f"{word} {ref:<8} {safe(path)}  {human_size(size)}  sha256 {sha256}")
    for note in warnings:
        click.echo(f"  warning: {safe(note)}", err=True)
