"""Helpers shared by the benchmarks: timing commands and reading peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def make_file(path: Path, mib: int) -> Path:
    """Write ``mib`` MiB of incompressible, non-repeating-per-block data (once)."""
    if path.exists() and path.stat().st_size == mib << 20:
        return path
    block = os.urandom(1 << 20)
    with open(path, "wb") as handle:
        for i in range(mib):
            handle.write(block[i % 4096 :] + block[: i % 4096])
    return path


def timed(cmd: list[str]) -> tuple[float, str]:
    """Run a command; return wall seconds and its stdout."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=True, text=True)
    return time.perf_counter() - start, done.stdout


def python_peak(code: str, *args: str) -> tuple[float, float, str]:
    """Run Python code in a child; return wall seconds, its peak RSS in MiB, and its output.

    The child prints its own ``VmHWM`` last: ``ru_maxrss`` would also count the
    parent's pages at fork time.
    """
    script = code + (
        "\nprint(next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))"
        ".split()[1])\n"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          check=True, text=True)
    wall = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    return wall, int(lines[-1]) / 1024, "\n".join(lines[:-1])
