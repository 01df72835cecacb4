"""``evidencekit review``: the local web app for people who do not use a terminal."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import load_public_key

from .common import case_option


@click.command()
@case_option
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 to listen on (0: a free one).")
@click.option("--no-browser", is_flag=True, help="Only print the address; open no browser.")
@click.option("--key", "key_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Your private key, to sign redactions and bundles made in the browser "
              "(its passphrase is asked in the page at each signing).")
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A public key (.pub) whose signatures the Verify page accepts (repeatable).")
def review(case_dir: Path | None, port: int, no_browser: bool, key_path: Path | None,
           trust: tuple[Path, ...]) -> None:
    """Review and redact the case's evidence in your browser (local only).

    Prints the address to open (with a one-time token) as its first line; only this
    computer can reach it. Press Ctrl-C to stop.
    """
    from evidencekit_review import serve  # noqa: PLC0415 - the web stack loads only here

    keys = [load_public_key(p) for p in trust]
    serve(case_dir, port=port, open_browser=not no_browser, key=key_path, trusted=keys,
          echo=click.echo)
