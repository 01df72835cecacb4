"""``evidencekit receive``, ``disclosures`` and ``disclosure-defaults``: sharing with partners."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import (
    MARKINGS,
    DisclosureRegister,
    ReceiveResult,
    disclosure_register,
    load_age_identities,
    load_passphrase_file,
    load_public_key,
    receive_package,
    set_disclosure_defaults,
)

from .common import (
    age_passphrase,
    case_option,
    emit_json,
    fingerprint_text,
    json_option,
    key_option,
    open_case,
    progress_bar,
    safe,
    unlock,
)


@click.command()
@click.argument("package", type=click.Path(path_type=Path))
@case_option
@key_option
@click.option("--trust", "trust", multiple=True, required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="The sender's public key (.pub), its fingerprint confirmed with them. "
                   "Repeat for each key you accept.")
@click.option("--prefix", help="Put PREFIX- in front of every received reference (HG/1 "
                               "becomes PREFIX-HG/1), when the sender's are taken here.")
@click.option("--identity", "identity", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="For a .zip.age package: your age identity file. Repeatable.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
              help="For a passphrase-encrypted .zip.age: the passphrase on this file's first "
                   "line (otherwise you are asked).")
@json_option
def receive(package: Path, case_dir: Path | None, key_path: Path, trust: tuple[Path, ...],
            prefix: str | None, identity: tuple[Path, ...], passphrase_file: Path | None,
            as_json: bool) -> None:
    """Take a partner's package (folder, .zip or .zip.age) into this case, history and all.

    The package is verified completely first (as 'evidencekit verify' does); if
    anything fails, or its signer is not trusted, nothing is added (exit 3).
    Exhibits keep their bytes, SHA-256, the sender's reference and metadata.
    """
    case = open_case(case_dir)
    keys = [load_public_key(p) for p in trust]
    identities = [i for path in identity for i in load_age_identities(path)]
    secret = load_passphrase_file(passphrase_file) if passphrase_file else \
        age_passphrase(package)
    signer = unlock(key_path)
    with progress_bar("Verifying") as progress:
        result = receive_package(case, signer, package, keys, prefix=prefix, progress=progress,
                                 identities=identities, passphrase=secret)
    if as_json:
        emit_json(result.to_dict())
        return
    _print_result(result)


def _print_result(result: ReceiveResult) -> None:
    sender = f"{safe(result.sender_name)}, {safe(result.sender_org)}"
    if result.already_received:
        click.echo(f"Package {result.package_id} from {sender} was already received "
                   f"(custody event #{result.event_seq}); nothing was added.")
        return
    added = [i for i in result.items if i.status == "added"]
    click.echo(f"Received package {result.package_id} from {sender}, their case "
               f"{safe(result.sender_case_ref)}: {len(added)} exhibit(s) added; recorded as "
               f"custody event #{result.event_seq}")
    click.echo(f"  signed by key {fingerprint_text(result.sender_fingerprint)}")
    for item in result.items:
        theirs = "" if item.ref == item.sender_ref else f" (their {safe(item.sender_ref)})"
        click.echo(f"  {safe(item.ref)}{theirs}: {item.status}")
    for finding in result.report.warnings:
        click.echo(f"  warn {safe(finding.subject)}: {safe(finding.message)}")


@click.command()
@case_option
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (one row per package).")
def disclosures(case_dir: Path | None, as_json: bool, as_csv: bool) -> None:
    """List every package this case sent and received: when, who, what, why."""
    register = disclosure_register(open_case(case_dir))
    if as_json:
        emit_json(register.to_dict())
    elif as_csv:
        click.echo(register.to_csv(), nl=False)
    else:
        _print_register(register)


def _print_register(register: DisclosureRegister) -> None:
    click.echo(f"{safe(register.case_ref)}: {len(register.sent)} package(s) sent, "
               f"{len(register.received)} received")
    for e in register.entries:
        if e.direction == "sent":
            click.echo(f"#{e.event_seq} {e.when} SENT to {safe(e.recipient)} by "
                       f"{safe(e.sender)}")
        else:
            click.echo(f"#{e.event_seq} {e.when} RECEIVED from {safe(e.sender)}, their case "
                       f"{safe(e.their_case)} (recorded by {safe(e.recorded_by)})")
        click.echo(f"    package {e.package_id}; {'redacted' if e.redacted else 'not redacted'}"
                   f"; exhibits {' '.join(e.exhibits) or '-'}")
        click.echo(f"    basis: {safe(e.basis or 'not stated')}; purpose: "
                   f"{safe(e.purpose or 'not stated')}; marking: {e.marking or 'none'}")
        if e.encryption:
            click.echo("    encryption: " + ", ".join(f"{k}={safe(v)}" for k, v in
                                                     sorted(e.encryption.items())))


@click.command("disclosure-defaults")
@case_option
@key_option
@click.option("--basis", help='Default legal basis, e.g. "Crime and Disorder Act 1998 s.115".')
@click.option("--purpose", help='Default purpose, e.g. "closure order application".')
@click.option("--marking", type=click.Choice(MARKINGS, case_sensitive=False),
              help="Default security marking.")
def disclosure_defaults(case_dir: Path | None, key_path: Path, basis: str | None,
                        purpose: str | None, marking: str | None) -> None:
    """Record (signed) what 'export' writes when --basis, --purpose or --marking is not given."""
    case = open_case(case_dir)
    new = set_disclosure_defaults(case, unlock(key_path), basis=basis, purpose=purpose,
                                  marking=marking)
    click.echo(f"Defaults for exports: basis {safe(new.basis or 'not stated')}; purpose "
               f"{safe(new.purpose or 'not stated')}; marking {new.marking or 'none'}.")
