"""Run the real CLI in a child process and measure it: exit code, output, time, peak memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import attrs

ENTRY = """
import atexit, os, resource

def _peak():  # VmHWM starts afresh at exec; children (ffmpeg, ...) are counted apart
    own = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(os.environ["EVIDENCEKIT_TEST_PEAK"], "w") as out:
        out.write(str(max(own, kids)))

atexit.register(_peak)
from evidencekit_cli.main import main
main()
"""
"""The CLI's own entry point, reporting its peak memory (KiB) at exit.

``ru_maxrss`` from ``wait4`` would count the pytest parent's pages at fork time.
"""


@attrs.frozen
class Run:
    """What one command did."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float
    peak_mib: float

    def is_clean_failure_or_success(self, allowed: tuple[int, ...] = (0, 3)) -> bool:
        """An allowed exit code and no traceback or internal error."""
        return self.code in allowed and "Traceback" not in self.err \
            and "internal error" not in self.err

    def describe(self) -> str:
        """For assertion messages."""
        return (f"{' '.join(self.args)[-160:]} -> exit {self.code} in {self.seconds:.1f} s, "
                f"{self.peak_mib:.0f} MiB\n{self.err[-800:]}")


def run_cli(*args: object, cwd: Path, env: dict[str, str], timeout: float = 120.0,
            fsize_limit: int | None = None) -> Run:
    """Run ``evidencekit ARGS``; kill it after ``timeout`` seconds (then code is -9).

    ``fsize_limit`` caps the size of any file the command writes (RLIMIT_FSIZE), so a
    write past it fails as on a full disk.
    """
    def limit() -> None:
        if fsize_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))

    argv = [sys.executable, "-c", ENTRY, *map(str, args)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak"
        start = time.monotonic()
        proc = subprocess.Popen(  # preexec_fn only sets a limit: safe enough for a test
            argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=limit,  # noqa: PLW1509
            env={**os.environ, **env, "EVIDENCEKIT_TEST_PEAK": str(peak)})
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        kib = int(peak.read_text()) if peak.exists() else -1
        return Run(tuple(map(str, args)), proc.returncode,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   seconds, kib / 1024)
