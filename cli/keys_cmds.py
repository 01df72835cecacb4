"""``evidencekit keys``: make and inspect signing keys."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import create_key, load_public_key

from .common import emit_json, json_option, passphrase


@click.group()
def keys() -> None:
    """Make and inspect signing keys (one per person)."""


@keys.command("create")
@click.option("--name", required=True, help='Your full name, e.g. "Hana Green".')
@click.option("--org", required=True, help='Your organisation, e.g. "Northside Housing".')
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the keys: OUT.key (private) and OUT.pub (public).")
def create(name: str, org: str, out: Path) -> None:
    """Create your key pair: OUT.key (secret, passphrase-protected) and OUT.pub (share it).

    Keep OUT.key private; give OUT.pub to everyone who must check your work.
    """
    public = create_key(out, name, org, passphrase(confirm=True))
    click.echo(f"Created keys for {public.name} ({public.org})")
    click.echo(f"  private key: {out}.key (keep it secret; mode 0600)")
    click.echo(f"  public key:  {out}.pub (give this to partners and the court)")
    click.echo(f"  fingerprint: {public.fingerprint}")


@keys.command("show")
@click.argument("pub", type=click.Path(path_type=Path, dir_okay=False))
@json_option
def show(pub: Path, as_json: bool) -> None:
    """Show whose public key PUB is, and its fingerprint."""
    key = load_public_key(pub)
    if as_json:
        emit_json({"name": key.name, "org": key.org, "fingerprint": key.fingerprint})
        return
    click.echo(f"Name:         {key.name}")
    click.echo(f"Organisation: {key.org}")
    click.echo(f"Fingerprint:  {key.fingerprint}")
