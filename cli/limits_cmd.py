"""``evidencekit limits``: the resource limits and how to change them."""

from __future__ import annotations

import click

from evidencekit import limits_in_force

from .common import emit_json, json_option


@click.command("limits")
@json_option
def show_limits(as_json: bool) -> None:
    """Show the limits on what one file may cost (pixels, pages, seconds).

    A file over a limit is refused with a message naming the limit. If the file is
    genuine, set the environment variable shown here to a larger number and run
    the command again, for example:

        EVIDENCEKIT_LIMIT_PHOTO_PIXELS=150000000 evidencekit redact HG/3 ...
    """
    rows = limits_in_force()
    if as_json:
        emit_json([lim.to_dict() for lim in rows])
        return
    for lim in rows:
        click.echo(f"{lim.name:<26} {lim.value:>14,.0f} {lim.unit:<17} {lim.env}")
        click.echo(f"{'':<26} {lim.about}")
