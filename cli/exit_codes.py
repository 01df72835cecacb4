"""The exit codes, in one place (documented in docs/cli.md); commands use these names."""

from __future__ import annotations

EXIT_OK = 0
"""Success (for ``verify``: everything holds)."""
EXIT_FAILED_CHECK = 1
"""``verify`` found at least one problem."""
EXIT_USAGE = 2
"""A missing or invalid option (click's own usage errors exit with this)."""
EXIT_ERROR = 3
"""evidencekit could not do what was asked (bad input, wrong passphrase, a refused file)."""
EXIT_INTERNAL = 70
"""An internal error (a bug)."""
EXIT_INTERRUPTED = 130
"""Interrupted with Ctrl-C (128 + SIGINT, as shells report it)."""
