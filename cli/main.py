"""Entry point: the command group, and the one place errors become messages.

Exit codes (named in exit_codes.py, documented in docs/cli.md):
0 success; 1 verification found problems; 2 usage error (bad options);
3 evidencekit could not do what was asked (bad input, wrong passphrase,
no case here, disk full, a file refused); 70 an internal error (a bug).
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import warnings
from typing import Any, NoReturn

import click

from evidencekit import EvidenceKitError, IntegrityError, __version__

from . import (
    bundle_cmd,
    case_cmds,
    export_cmd,
    keys_cmds,
    limits_cmd,
    read_cmds,
    redact_cmd,
    review_cmd,
    still_cmd,
    verify_cmd,
)
from .exit_codes import EXIT_ERROR, EXIT_FAILED_CHECK, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK

_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EACCES,
                errno.EPERM}


class Shell(click.Group):
    """A click group that turns every error into one line (or a traceback with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, translating errors to messages and exit codes."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except EvidenceKitError as exc:
            if _debug(ctx):
                raise
            click.echo(f"error: {exc.user_message()}", err=True)
            code = EXIT_FAILED_CHECK if isinstance(exc, IntegrityError) else EXIT_ERROR
            raise click.exceptions.Exit(code) from exc
        except BrokenPipeError:  # output piped into head or less, which closed early
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(EXIT_OK) from None
        except OSError as exc:  # a library call that let a file-system error through
            if _debug(ctx):
                raise
            if exc.errno not in _DISK_ERRORS:
                _internal(exc)
            click.echo(f"error: {exc.strerror or exc} ({exc.filename or 'a file'}). Free some "
                       "space (or fix the folder's permissions) and run the command again.",
                       err=True)
            raise click.exceptions.Exit(EXIT_ERROR) from exc
        except KeyboardInterrupt:
            click.echo("interrupted; nothing half-written was kept.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            if _debug(ctx):
                raise
            _internal(exc)


def _internal(exc: BaseException) -> NoReturn:
    click.echo(f"internal error: {type(exc).__name__}: {exc}. Rerun with --debug and report it.",
               err=True)
    raise click.exceptions.Exit(EXIT_INTERNAL) from exc


def _quiet_libraries() -> None:
    """Quiet pypdf, which logs every oddity of a damaged PDF (users get our one-liners)."""
    for name in ("pypdf", "exifread"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")  # Pillow's and zipfile's warnings on odd files, likewise


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().params.get("debug"))


@click.group(cls=Shell, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evidencekit")
@click.option("--debug", is_flag=True, help="Show full tracebacks (for reporting bugs).")
def cli(debug: bool) -> None:
    """Keep ASB evidence safe: ingest it, check it, and share it with a signed history.

    \b
    Typical order:
      evidencekit keys create --name "Hana Green" --org "Northside Housing" --out hg
      evidencekit init mycase --ref NH-2026-0147 --title "Closure order, 14 Elm Court"
      cd mycase
      evidencekit ingest ~/statement.docx --key ../hg.key --kind statement \\
          --producer HG --description "Statement of the complainant"
      evidencekit list
      evidencekit verify --trust ../hg.pub
    """  # noqa: D301 - "\b" is click's marker for a paragraph kept as written
    if not debug:
        _quiet_libraries()


cli.add_command(keys_cmds.keys)
cli.add_command(case_cmds.init)
cli.add_command(case_cmds.ingest)
cli.add_command(read_cmds.list_items)
cli.add_command(read_cmds.show)
cli.add_command(read_cmds.log)
cli.add_command(redact_cmd.redact)
cli.add_command(review_cmd.review)
cli.add_command(still_cmd.still)
cli.add_command(bundle_cmd.bundle)
cli.add_command(bundle_cmd.exhibits)
cli.add_command(export_cmd.export)
cli.add_command(export_cmd.redaction_not_needed)
cli.add_command(verify_cmd.verify)
cli.add_command(limits_cmd.show_limits)


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="evidencekit"))
