"""``evidencekit export``: a signed package for a court, a solicitor or a partner."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import (
    AgeEncryption,
    ExportRequest,
    ExportResult,
    export_package,
    mark_no_redaction,
)

from .common import (
    case_option,
    emit_json,
    fingerprint_text,
    human_size,
    json_option,
    key_option,
    open_case,
    progress_bar,
    unlock,
)


@click.command()
@case_option
@key_option
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="The package folder to create (must not exist yet).")
@click.option("--recipient", required=True,
              help='Who receives it, e.g. "Northside Police, ASB unit".')
@click.option("--items", "refs", help="Only these exhibits, comma-separated (e.g. HG/1,TA/2).")
@click.option("--zip", "as_zip", is_flag=True, help="Write one .zip file instead of a folder.")
@click.option("--redacted", is_flag=True,
              help="Only redacted copies (for the defence or a partner); exhibits with no "
                   "redacted copy are refused unless recorded as needing none.")
@click.option("--sha512/--no-sha512", default=True, show_default=True,
              help="Also write a SHA-512 manifest (checking it takes about twice as long).")
@click.option("--bundle", "bundle", metavar="ID",
              help="The recorded hearing bundle to carry: its id or SHA-256 (8 characters "
                   "or more) or its custody event number; 'none' for no bundle. Default: "
                   "the latest recorded bundle (none with --items).")
@click.option("--encrypt-to", "encrypt_to", multiple=True, metavar="RECIPIENT",
              help="Encrypt the package (one .zip.age file) for this age recipient: an "
                   "age1... public key, or a file of them one a line. Repeat for each.")
@click.option("--passphrase", "use_passphrase", is_flag=True,
              help="Encrypt the package (one .zip.age file) to a new passphrase, printed "
                   "once and stored nowhere: give it to the recipient separately.")
@json_option
def export(case_dir: Path | None, key_path: Path, out: Path, recipient: str, refs: str | None,
           as_zip: bool, redacted: bool, sha512: bool, bundle: str | None,
           encrypt_to: tuple[str, ...], use_passphrase: bool, as_json: bool) -> None:
    """Write a signed evidence package (a BagIt bag) for someone outside the case.

    The recipient can check it with 'evidencekit verify PACKAGE' or, without
    evidencekit, with the commands in the package's VERIFY.txt. With --encrypt-to
    or --passphrase it travels as one file that the standard 'age' tool opens, with
    READ-ME-FIRST.txt beside it.
    """
    case = open_case(case_dir)
    request = ExportRequest(recipient, tuple(refs.split(",")) if refs else (), as_zip, redacted,
                            sha512, encryption=AgeEncryption.from_options(encrypt_to,
                                                                          use_passphrase),
                            bundle=bundle)
    signer = unlock(key_path)
    with progress_bar("Exporting") as progress:
        result = export_package(case, signer, out, request, progress)
    if as_json:
        emit_json(result.to_dict())
        return
    size = sum(f.size for f in result.files)
    click.echo(f"Package {result.package_id} written to {result.path}")
    click.echo(f"  {len(result.files)} exhibit(s), {human_size(size)}; recorded as custody "
               f"event #{result.event_seq}")
    click.echo(f"  carries {result.bundle}")
    click.echo(f"  signed by key {fingerprint_text(result.signer_fingerprint)}")
    if result.encryption is None:
        click.echo("  The recipient checks it with 'evidencekit verify' or the steps in "
                   "VERIFY.txt.")
        return
    _print_encryption(result)


def _print_encryption(result: ExportResult) -> None:
    click.echo(f"  encrypted with age; {result.read_me} says how to open it")
    if result.passphrase is None:
        for name in result.encryption.recipients if result.encryption else ():
            click.echo(f"  for {name}")
        return
    click.echo("  Passphrase (shown only now, stored nowhere; give it to the recipient by "
               "another channel):")
    click.echo(f"    {result.passphrase}")


@click.command("redaction-not-needed")
@click.argument("refs", nargs=-1, required=True, metavar="REF...")
@case_option
@key_option
@click.option("--reason", required=True,
              help='Why, e.g. "officer\'s own statement; names only the parties".')
def redaction_not_needed(refs: tuple[str, ...], case_dir: Path | None, key_path: Path,
                         reason: str) -> None:
    """Record (signed) that each exhibit REF holds no third-party details.

    A redacted export (--redacted) then sends each as it is. Several references may
    be given at once (e.g. HG/3 HG/4 HG/5); all are checked before any is recorded.
    """
    case = open_case(case_dir)
    done = mark_no_redaction(case, unlock(key_path), refs, reason)
    click.echo(f"Recorded: {', '.join(done)} need{'s' if len(done) == 1 else ''} "
               f"no redaction ({reason}).")
