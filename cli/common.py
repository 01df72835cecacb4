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

from evidencekit import Case, InputError, Signer, load_signer

F = TypeVar("F", bound=Callable[..., Any])
PASSPHRASE_ENV = "EVIDENCEKIT_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (128 + SIGINT, as shells report it)."""


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


def passphrase(confirm: bool = False, env: str = PASSPHRASE_ENV,
               prompt: str = "Passphrase") -> str:
    """The passphrase from the environment, else from a hidden prompt.

    Raises:
        InputError: no environment variable and no terminal to ask on.
    """
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise InputError(f"No passphrase: set {env} or run in a terminal.")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))


def unlock(key_path: Path) -> Signer:
    """Load and unlock the private key."""
    return load_signer(key_path, passphrase())


def emit_json(data: object) -> None:
    """Print JSON with stable key order."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


class _Bar:
    """A click progress bar on stderr, opened when the library announces the total."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def start(self, total: int) -> None:
        self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
        self.bar.__enter__()

    def advance(self, step: int) -> None:
        if self.bar is not None:
            self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


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
