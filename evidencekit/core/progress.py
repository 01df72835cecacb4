"""Progress reporting: the public functions are told the total once, then each step.

A caller (the CLI's progress bar, the review app) passes an object with ``start`` and
``advance``; the library works out the total itself (bytes to copy or hash, or
milliseconds of footage to write) and feeds the steps to an ``Advance`` callable inside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Advance = Callable[[int], None]


class Progress(Protocol):
    """Whoever shows progress: told the total once, then each step as it is done."""

    def start(self, total: int) -> None:
        """The work about to be done, in its own units (bytes, or milliseconds of footage)."""

    def advance(self, step: int) -> None:
        """``step`` more units are done."""


def begin(progress: Progress | None, total: int) -> Advance | None:
    """Announce the total and return the step function (``None`` when nobody listens)."""
    if progress is None or total <= 0:
        return None
    progress.start(total)
    return progress.advance
