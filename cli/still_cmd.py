"""``evidencekit still``: a full-resolution frame of a clip, to measure regions on."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import write_still

from .common import case_option, open_case


@click.command()
@click.argument("ref")
@click.option("--at", "at", required=True, type=float, help="Time in seconds, e.g. 12.5.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The PNG file to write (a new file).")
@case_option
def still(ref: str, at: float, out: Path, case_dir: Path | None) -> None:
    """Write the frame of footage REF at --at seconds, at full size, to --out.

    Its pixels are the coordinates a regions file uses (x from the left, y from the
    top). Nothing is recorded: a still is a working aid, not evidence.
    """
    width, height = write_still(open_case(case_dir), ref, at, out)
    click.echo(f"Frame at {at:.2f} s written to {out} ({width}x{height} pixels)")
