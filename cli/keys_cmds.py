"""``evidencekit keys``: make and inspect signing keys."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import (
    PublicKey,
    create_age_identity,
    create_key,
    key_paths,
    load_public_key,
    revoke_key,
    rotate_key,
)

from .common import (
    case_option,
    emit_json,
    fingerprint_text,
    json_option,
    key_option,
    open_case,
    passphrase,
    safe,
    unlock,
)


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
    key_path, pub_path = key_paths(out)
    public = create_key(out, name, org, passphrase(key_path, new=True))
    click.echo(f"Created keys for {public.name} ({public.org})")
    click.echo(f"  private key: {key_path} (keep it secret; mode 0600)")
    click.echo(f"  public key:  {pub_path} (give this to partners and the court)")
    click.echo(f"  short form:  {public.short_fingerprint} (read it out to check the key "
               "by phone)")
    click.echo(f"  fingerprint: {public.fingerprint}")


@keys.command("age-create")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The identity file to write (e.g. key.txt; must not exist yet).")
def age_create(out: Path) -> None:
    """Make an age identity, for a recipient of encrypted packages who has none.

    OUT (mode 0600) is in age-keygen's format, so the standard 'age -d -i OUT'
    opens packages with it. Give the printed public key (age1...) to the sender;
    keep OUT secret. These keys only decrypt; they never sign anything.
    """
    recipient = create_age_identity(out)
    click.echo(f"Created the age identity {out} (keep it secret; mode 0600)")
    click.echo(f"Public key (give it to whoever sends you packages): {recipient}")


@keys.command("show")
@click.argument("pub", type=click.Path(path_type=Path, dir_okay=False))
@json_option
def show(pub: Path, as_json: bool) -> None:
    """Show whose public key PUB is, and its fingerprint."""
    key = load_public_key(pub)
    if as_json:
        emit_json({"name": key.name, "org": key.org, "fingerprint": key.fingerprint,
                   "short_fingerprint": key.short_fingerprint})
        return
    click.echo(f"Name:         {key.name}")
    click.echo(f"Organisation: {key.org}")
    click.echo(f"Fingerprint:  {key.fingerprint}")
    click.echo(f"Short form:   {key.short_fingerprint} (read it out to check the key by phone)")


NEW_PASSPHRASE_ENV = "EVIDENCEKIT_NEW_PASSPHRASE"  # noqa: S105 - a variable's name


@keys.command("rotate")
@case_option
@key_option
@click.option("--new-key", "new_key_path", required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help=f"Your new private key (made with 'keys create'). Passphrase from "
                   f"${NEW_PASSPHRASE_ENV} or a prompt.")
def rotate(case_dir: Path | None, key_path: Path, new_key_path: Path) -> None:
    """Hand this case over from your old key (--key) to your new one (--new-key).

    The old key signs a record naming the new key, and the new key signs its
    agreement, so anyone who trusts the old key can trust the new one. After this
    the old key can sign nothing more in the case. Give partners your new .pub.
    """
    case = open_case(case_dir)
    old = unlock(key_path)
    new = unlock(new_key_path, env=NEW_PASSPHRASE_ENV)
    event = rotate_key(case, old, new)
    click.echo(f"Recorded key rotation as custody event {event.seq}:")
    click.echo(f"  old key {fingerprint_text(old.public.fingerprint)} is retired")
    click.echo(f"  new key {fingerprint_text(new.public.fingerprint)} "
               f"({safe(new.public.name)}) signs from now on")


@keys.command("revoke")
@case_option
@key_option
@click.argument("revoked")
@click.option("--reason", required=True, help='Why, e.g. "laptop stolen on 20 Nov 2026".')
@click.option("--since", default=None,
              help="When it may have been compromised (ISO time, e.g. 2026-11-20T18:00Z); "
                   "records it signed from then are flagged by verify.")
def revoke(case_dir: Path | None, key_path: Path, revoked: str, reason: str,
           since: str | None) -> None:
    """Record that the key REVOKED (its .pub file or fingerprint) must not be relied on.

    Sign with your own key (--key); it may be the revoked key itself or a
    colleague's. Anything the revoked key signs after this fails 'verify'.
    """
    case = open_case(case_dir)
    signer = unlock(key_path)
    target: PublicKey | str = load_public_key(Path(revoked)) if Path(revoked).is_file() \
        else revoked
    event = revoke_key(case, signer, target, reason, since)
    click.echo(f"Recorded the revocation as custody event {event.seq}; "
               f"key {fingerprint_text(str(event.details['fingerprint']))} may sign "
               "nothing more in this case.")
