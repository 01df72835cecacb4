"""A child process that runs one evidencekit operation and can die at a chosen point.

Usage: python worker.py OP CASE_DIR KILL_AT [ARGS...]

Every call that changes the disk (write, fsync, rename, replace, unlink, truncate,
mkdir, chmod) is a numbered *fault point*. With KILL_AT = N the process sends
itself SIGKILL just before point N, as a crash or power cut would stop it; with
KILL_AT = 0 it runs to the end and prints how many points it passed.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidencekit import (
    BundleRequest,
    Case,
    ExportRequest,
    IngestRequest,
    Signer,
    build_bundle,
    export_package,
    ingest,
    parse_regions,
    redact_media_item,
)

POINTS = ("write", "writev", "pwrite", "fsync", "fdatasync", "replace", "rename", "unlink",
          "truncate", "ftruncate", "mkdir", "chmod", "link", "rmdir")
SIGNER = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing")


class Faults:
    """Counts fault points and kills the process at one of them."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.passed = 0

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def point(*args: Any, **kwargs: Any) -> Any:
            self.passed += 1
            if self.passed == self.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return func(*args, **kwargs)
        return point

    def install(self) -> None:
        for name in POINTS:
            setattr(os, name, self.wrap(getattr(os, name)))


def run(op: str, case: Case, args: list[str]) -> None:
    if op == "ingest":
        ingest(case, [Path(a) for a in args], SIGNER,
               IngestRequest("photo", "HG", "crash test"))
    elif op == "redact":
        regions = parse_regions(Path(args[1]).read_text())
        redact_media_item(case, SIGNER, args[0], regions)
    elif op == "bundle":
        build_bundle(case, SIGNER, Path(args[0]), BundleRequest())
    elif op == "export":
        export_package(case, SIGNER, Path(args[0]),
                       ExportRequest(recipient="Court", zip=args[0].endswith(".zip")))
    else:
        raise SystemExit(f"unknown operation {op}")


def main() -> None:
    op, case_dir, kill_at, *args = sys.argv[1:]
    case = Case.open(Path(case_dir))
    faults = Faults(int(kill_at))
    faults.install()
    run(op, case, args)
    print(faults.passed)


if __name__ == "__main__":
    main()
