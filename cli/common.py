"""Options and helpers shared by the commands (no evidence logic here)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from evidencekit import (
    MIN_PASSPHRASE,
    Case,
    InputError,
    Signer,
    check_passphrase,
    load_signer,
    short_fingerprint,
)

F = TypeVar("F", bound=Callable[..., Any])
PASSPHRASE_ENV = "EVIDENCEKIT_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret


def case_option(func: F) -> F:
    """``--case DIR``: where the case is (default: this folder or one above it)."""
    return click.option(
        "--case", "case_dir", type=click.Path(path_type=Path, file_okay=False),
        help="The case folder (default: the case holding the current folder).",
    )(func)


def key_option(func: F) -> F:
    """``--key KEY``: the signer's private key file."""
    return click.option(
        "--key", "key_path", required=True, type=click.Path(path_type=Path, dir_okay=False),
        help=f"Your private key file (NAME.key). Passphrase from ${PASSPHRASE_ENV} or a prompt.",
    )(func)


def json_option(func: F) -> F:
    """``--json``: machine-readable output."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON for programs instead of text.")(func)


def open_case(case_dir: Path | None) -> Case:
    """The case named by ``--case`` or found from the current folder."""
    return Case.open(case_dir) if case_dir else Case.find()


def _follows_rule(value: str) -> str:
    """Check a new passphrase as soon as it is typed (click then says why and asks again)."""
    try:
        return check_passphrase(value)
    except InputError as exc:
        raise click.BadParameter(exc.message) from exc


def passphrase(key: Path, *, new: bool = False, env: str = PASSPHRASE_ENV) -> str:
    """The passphrase for ``key`` from the environment, else from a hidden prompt naming it.

    A ``new`` passphrase is checked against the rule after its first entry, then
    asked a second time to confirm it.

    Raises:
        InputError: no environment variable and no terminal to ask on.
    """
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise InputError(f"No passphrase: set {env} or run in a terminal.")
    if not new:
        return str(click.prompt(f"Passphrase for {key.name}", hide_input=True, err=True))
    return str(click.prompt(
        f"New passphrase for {key.name} (at least {MIN_PASSPHRASE} characters)",
        hide_input=True, err=True, value_proc=_follows_rule,
        confirmation_prompt=f"Repeat the passphrase for {key.name}"))


def age_passphrase(target: Path | None) -> Callable[[], str]:
    """Ask for an encrypted package's passphrase, only if the library finds it needs one."""
    def ask() -> str:
        if not sys.stdin.isatty():
            raise InputError(f"{target} is encrypted with a passphrase: give "
                             "--passphrase-file, or run in a terminal to be asked.")
        return str(click.prompt(f"Passphrase for {target.name if target else 'the package'}",
                                hide_input=True, err=True))
    return ask


def unlock(key_path: Path, env: str = PASSPHRASE_ENV) -> Signer:
    """Load and unlock the private key (asking for its passphrase once the file is checked)."""
    return load_signer(key_path, lambda: passphrase(key_path, env=env))


def fingerprint_text(fingerprint: str) -> str:
    """``3F2A 91C0 7B44 E1D2 (fingerprint 3f2a91c0…)``: the short form first, to read out."""
    return f"{short_fingerprint(fingerprint)} (fingerprint {fingerprint})"


def emit_json(data: object) -> None:
    """Print JSON with stable key order."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


class _Bar:
    """A click progress bar on stderr, opened when the library announces the total."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def start(self, total: int) -> None:
        self.close()  # a second stage (decrypting, then checking) gets a bar of its own
        self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
        self.bar.__enter__()

    def advance(self, step: int) -> None:
        if self.bar is not None:
            self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def progress_bar(label: str) -> Iterator[_Bar | None]:
    """A progress bar on stderr when it is a terminal (the library sizes it); else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = _Bar(label)
    try:
        yield bar
    finally:
        bar.close()


def human_size(size: int) -> str:
    """1536 → '1.5 KiB'."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def safe(text: object) -> str:
    """Show untrusted text on one line: control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
