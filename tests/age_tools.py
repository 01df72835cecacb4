"""Driving the real ``age`` and ``age-keygen`` programs in tests (the independent judge).

``age`` reads passphrases only from a terminal, so passphrase runs get a pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import time
from pathlib import Path

AGE = shutil.which("age")
AGE_KEYGEN = shutil.which("age-keygen")


def require_age() -> tuple[str, str]:
    """The paths of age and age-keygen; fail (not skip) when they are missing."""
    if AGE is None or AGE_KEYGEN is None:
        raise AssertionError("age is required for the tests: run scripts/setup.sh")
    return AGE, AGE_KEYGEN


def keygen(path: Path) -> str:
    """Make an identity file with age-keygen; return its public key (age1…)."""
    _, keygen_path = require_age()
    subprocess.run([keygen_path, "-o", str(path)], check=True, capture_output=True)
    return subprocess.run([keygen_path, "-y", str(path)], check=True, capture_output=True,
                          text=True).stdout.strip()


def age(*args: object, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run age with arguments (no terminal: keys and recipients only)."""
    age_path, _ = require_age()
    return subprocess.run([age_path, *map(str, args)], capture_output=True, check=check,
                          stdin=subprocess.DEVNULL, timeout=300)


def age_on_terminal(*args: object, passphrase: str, prompts: int) -> tuple[int, bytes]:
    """Run age on a pseudo-terminal, answering ``prompts`` passphrase prompts.

    Returns:
        age's exit status and everything it wrote to the terminal.
    """
    age_path, _ = require_age()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, as age needs
        os.execv(age_path, [age_path, *map(str, args)])  # noqa: S606 - a fixed program
    seen, answered, deadline = b"", 0, time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            seen += data
            if answered < prompts and seen.lower().count(b"passphrase") > answered:
                os.write(fd, passphrase.encode() + b"\n")
                answered += 1
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen
