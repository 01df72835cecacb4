"""``evidencekit redact``: make a redacted copy of an exhibit (the original is untouched)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from evidencekit import (
    Case,
    InputError,
    RegionSet,
    parse_regions,
    preview_media_item,
    redact_media_item,
)
from evidencekit.detect import DETECTORS
from evidencekit.stmtredact import (
    StatementRedactionResult,
    is_statement,
    load_register,
    redact_statement,
)
from evidencekit.storage import read_small_bytes

from .common import case_option, emit_json, json_option, open_case, unlock


@contextmanager
def _seconds_bar(total: float) -> Iterator[Callable[[float], None] | None]:
    """A progress bar fed with seconds of output written (stderr terminals only)."""
    if total <= 0 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=int(total * 1000), label="Redacting", file=sys.stderr) as bar:
        done = [0]

        def update(seconds: float) -> None:
            step = int(seconds * 1000) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step

        yield update


@click.command()
@click.argument("ref")
@case_option
@click.option("--key", "key_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Your private key (needed unless you only --preview).")
@click.option("--regions", "regions_path", type=click.Path(path_type=Path, dir_okay=False),
              help="JSON file of rectangles to hide and audio to mute (docs/redacting-media.md).")
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
@json_option
def redact(ref: str, case_dir: Path | None, key_path: Path | None, regions_path: Path | None,
           people_path: Path | None, skipped: tuple[str, ...], faces: bool,
           preview: Path | None, out: Path | None, description: str | None,
           as_json: bool) -> None:
    """Make a redacted copy of exhibit REF (statement, photo, footage or audio).

    The copy becomes a new exhibit (REF-R1, REF-R2 ...) linked to the original,
    which is never changed. Statements: names from the people register and built-in
    detectors (phones, e-mails, postcodes, NI numbers, vehicle registrations, dates
    of birth) become labelled black boxes in a fresh PDF. Media: regions are painted
    over (or blurred or pixelated), mute ranges silenced, all metadata dropped.
    Use --preview first to see what would be removed.
    """
    case = open_case(case_dir)
    if is_statement(case.item(ref).media_type):
        _statement(case, ref, key_path, people_path, skipped, preview, out, description,
                   as_json)
        return
    regions = (parse_regions(read_small_bytes(regions_path, limit=16 << 20, what="regions file"))
               if regions_path else RegionSet())
    if preview is not None:
        found = preview_media_item(case, ref, regions, preview, find_faces=faces)
        click.echo(f"Preview written to {preview}; nothing was redacted."
                   + (f" {found} face(s) found: check each one." if faces else ""))
        return
    if key_path is None:
        raise InputError("--key is needed to record the redaction (or use --preview).")
    signer = unlock(key_path)
    item = case.item(ref)
    try:
        duration = float(str(item.metadata.get("duration_seconds", 0)))
    except ValueError:
        duration = 0.0  # only sizes the progress bar
    with _seconds_bar(duration) as progress:
        result = redact_media_item(case, signer, ref, regions, find_faces=faces,
                                   description=description, out=out, progress=progress)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(f"Redacted copy {result.derived_ref} made from {result.source_ref} "
               f"(sha256 {result.sha256})")
    click.echo(f"  {result.regions} region(s), {result.mute_ranges} mute range(s)"
               + (f", {result.faces_found} face(s) found: check them in a --preview"
                  if faces else ""))
    if result.out:
        click.echo(f"  copy written to {result.out}")


def _statement(case: Case, ref: str, key_path: Path | None, people_path: Path | None,
               skipped: tuple[str, ...], preview: Path | None, out: Path | None,
               description: str | None, as_json: bool) -> None:
    register, digest = load_register(case, people_path)
    detectors = [d for d in DETECTORS if d not in skipped]
    signer = unlock(key_path) if key_path is not None and preview is None else None
    result = redact_statement(case, signer, ref, register, register_sha256=digest,
                              detectors=detectors, preview=preview, out=out,
                              description=description)
    if as_json:
        emit_json(result.to_dict())
        return
    _print_statement(result, preview)


def _print_statement(result: StatementRedactionResult, preview: Path | None) -> None:
    found = ", ".join(f"{n} {c}" for c, n in sorted(result.counts.items())) or "nothing"
    if preview is not None:
        click.echo(f"Preview written to {preview}; nothing was redacted. Found: {found}.")
        return
    click.echo(f"Redacted copy {result.derived_ref} made from {result.source_ref} "
               f"(sha256 {result.sha256}): {found}.")
    if result.out:
        click.echo(f"  copy written to {result.out}")
