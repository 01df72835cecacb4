"""``evidencekit limits``: the resource limits and how to change them."""

from __future__ import annotations

import click

from evidencekit import limits

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
    rows = [(lim.name, limits.value(lim.name), lim.unit, lim.env, lim.about)
            for lim in limits.LIMITS.values()]
    if as_json:
        emit_json([{"name": n, "value": v, "unit": u, "env": e, "about": a}
                   for n, v, u, e, a in rows])
        return
    for name, value, unit, env, about in rows:
        click.echo(f"{name:<26} {value:>14,.0f} {unit:<17} {env}")
        click.echo(f"{'':<26} {about}")
