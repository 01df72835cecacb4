"""``evidencekit redact``: make a redacted copy of an exhibit (the original is untouched)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from evidencekit import InputError, RegionSet, parse_regions, preview_media_item, redact_media_item
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
@click.option("--faces", is_flag=True, help="Also find faces and hide them (needs OpenCV).")
@click.option("--preview", type=click.Path(path_type=Path, dir_okay=False),
              help="Only write a preview (PNG or PDF) with the regions outlined; change nothing.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the redacted copy to this file.")
@click.option("--description", help="Description of the copy (default: kind, reference, "
              "'redacted copy'). It goes out with the copy, so name no third party.")
@json_option
def redact(ref: str, case_dir: Path | None, key_path: Path | None, regions_path: Path | None,
           faces: bool, preview: Path | None, out: Path | None, description: str | None,
           as_json: bool) -> None:
    """Make a redacted copy of exhibit REF: photos, footage and audio.

    The copy becomes a new exhibit (REF-R1, REF-R2 ...) linked to the original,
    which is never changed. Every region is painted over (or blurred or pixelated),
    mute ranges are silenced, and all metadata (EXIF, GPS, device tags) is dropped.
    """
    case = open_case(case_dir)
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
    duration = float(str((item.details.get("metadata") or {}).get("duration_seconds", 0)))
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
