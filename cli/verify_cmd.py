"""``evidencekit verify``: check a case and report every problem."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import (
    VerificationReport,
    load_age_identities,
    load_passphrase_file,
    load_public_key,
    verify_path,
)

from .common import age_passphrase, emit_json, json_option, progress_bar, safe
from .exit_codes import EXIT_FAILED_CHECK


@click.command()
@click.argument("target", required=False, type=click.Path(path_type=Path))
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A public key (.pub) whose signatures you accept. Repeat for each person.")
@click.option("--identity", "identity", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="For a .zip.age package: your age identity file (AGE-SECRET-KEY-1..., "
                   "from age-keygen or 'keys age-create'). Repeatable.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False),
              help="For a passphrase-encrypted .zip.age: read the passphrase from the first "
                   "line of this file (for scripts; otherwise you are asked).")
@json_option
def verify(target: Path | None, trust: tuple[Path, ...], identity: tuple[Path, ...],
           passphrase_file: Path | None, as_json: bool) -> None:
    """Check a case or a received package, and report every problem found.

    TARGET is a case folder, a package folder, a package .zip or an encrypted
    package .zip.age (default: the case holding the current folder). Every file is
    re-hashed and every custody event and signature checked. Each problem is
    reported once, at its cause; checks that would only repeat it are listed as
    skipped. An encrypted package is decrypted into a private temporary folder that
    is removed afterwards. Exits 0 only when everything holds; 1 when anything is
    wrong (or nothing is at TARGET).
    """
    keys = [load_public_key(p) for p in trust]
    identities = [i for path in identity for i in load_age_identities(path)]
    secret = (load_passphrase_file(passphrase_file) if passphrase_file else
              age_passphrase(target))
    with progress_bar("Verifying") as progress:
        report = verify_path(target, keys, progress=progress, identities=identities,
                             passphrase=secret)
    if as_json:
        emit_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FAILED_CHECK)


def _print_report(report: VerificationReport) -> None:
    c = report.checked
    for f in report.findings:
        label = "FAIL" if f.severity == "error" else "warn"
        click.echo(f"{label} {safe(f.subject)}: {safe(f.message)} [{f.code}]")
    for s in report.skipped:
        click.echo(f"skipped {safe(s.check)}: {safe(s.reason)}")
    if "files" in c:
        summary = f"{c['files']} files, {c.get('events', 0)} custody events checked"
    else:
        summary = (f"{c.get('items', 0)} exhibits, {c.get('events', 0)} custody events, "
                   f"{c.get('signers', 0)} signer(s) checked")
    if report.ok:
        click.echo(f"OK: {summary}; {len(report.warnings)} warning(s).")
    else:
        click.echo(f"FAILED: {len(report.errors)} problem(s) found; {summary}.")
