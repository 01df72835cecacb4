"""``evidencekit bundle`` and ``evidencekit exhibits``."""

from __future__ import annotations

from pathlib import Path

import click

from evidencekit import BundleRequest, build_bundle, exhibit_list, load_spec, write_exhibit_list

from .common import case_option, emit_json, json_option, key_option, open_case, unlock

__all__ = ["bundle", "exhibits"]


@click.command()
@case_option
@key_option
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The bundle PDF to write (a FILE.json sidecar is written beside it).")
@click.option("--spec", "spec_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Sections and order (TOML, docs/bundles.md). Default: statements by date, "
                   "then exhibits by reference.")
@click.option("--redacted", is_flag=True, help="Use only redacted copies (for the defence).")
@click.option("--numbering", type=click.Choice(["continuous", "sections"]),
              default="continuous", show_default=True,
              help="1, 2, 3 ... or PD 27A style A1 ... B1 ...")
@click.option("--supplement", is_flag=True,
              help="Append documents added since the latest bundle, numbered after its last "
                   "page; existing pages are never renumbered.")
@click.option("--draft", is_flag=True,
              help="A trial bundle: written (marked DRAFT on its cover) but not recorded "
                   "as the case's bundle, so no export carries it.")
@json_option
def bundle(case_dir: Path | None, key_path: Path, out: Path, spec_path: Path | None,
           redacted: bool, numbering: str, supplement: bool, draft: bool,
           as_json: bool) -> None:
    """Build the hearing bundle: one paginated, indexed, bookmarked PDF.

    Every page is numbered (the printed number equals the PDF page number), the
    index links to each document, and the bundle is recorded in custody (a --draft
    is not).
    """
    case = open_case(case_dir)
    spec = load_spec(spec_path) if spec_path else None
    signer = unlock(key_path)
    result = build_bundle(case, signer, out,
                          BundleRequest(spec, redacted, numbering, supplement, draft))
    if as_json:  # the warnings are in the JSON
        emit_json(result.to_dict())
        return
    for warning in (*result.warnings, *result.notes):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{'Draft bundle' if draft else 'Bundle'} {result.bundle_id} written to "
               f"{result.path}: {result.pages} pages, {result.size / 1e6:.1f} MB, "
               f"{len(result.documents)} documents")
    recorded = ("a draft: not recorded in the case, no export will carry it" if draft
                else f"custody event #{result.event_seq}")
    click.echo(f"  sha256 {result.sha256}; {recorded}; page map in {result.sidecar}")


@click.command()
@case_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "pdf"]), default="csv",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this new file (needed for pdf; default: print).")
@click.option("--force", is_flag=True, help="Replace --out FILE if it already exists.")
def exhibits(case_dir: Path | None, fmt: str, out: Path | None, force: bool) -> None:
    """List the exhibits (reference, description, producer, date, SHA-256)."""
    case = open_case(case_dir)
    if out is not None:
        write_exhibit_list(case, fmt, out, overwrite=force)
        click.echo(f"Exhibit list written to {out}")
    elif fmt == "pdf":
        raise click.UsageError("--format pdf needs --out FILE.pdf")
    else:
        click.echo(exhibit_list(case, fmt).decode("utf-8"), nl=False)
