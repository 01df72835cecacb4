"""Holding back Ctrl-C while a record is written, so a record is either whole or absent.

Python turns SIGINT into ``KeyboardInterrupt`` between any two bytecodes. Around the
few steps that must not be cut in half (moving a copy into the store and signing its
custody event) the signal is noted instead, and raised once the block is done.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Run the block whole even if Ctrl-C comes; then raise ``KeyboardInterrupt`` if it did.

    Only the main thread receives signals, and a program that installed its own SIGINT
    handler keeps it: in both cases the block runs unchanged.

    Raises:
        KeyboardInterrupt: SIGINT arrived while the block ran (raised after it finished).
    """
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    caught: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        caught.append(signum)

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
