"""``evidencekit review`` as a person runs it: a real server on 127.0.0.1, stopped with Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from evidencekit_review.server import listen

from evidencekit import Case

EXE = Path(sys.executable).with_name("evidencekit")


def _start(case: Case, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([str(EXE), "review", "--case", str(case.root), "--no-browser",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_first_line_is_the_address_and_ctrl_c_stops_cleanly(case: Case) -> None:
    proc = _start(case, "--port", "0")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        match = re.fullmatch(r"Open http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]+)", first)
        assert match, first
        port, token = int(match[1]), match[2]
        assert port > 0 and len(token) * 6 >= 128
        assert proc.stdout.readline().startswith("Press Ctrl-C")
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(first[len("Open "):], timeout=30) as page:
            text = page.read().decode()
            assert page.url == f"http://127.0.0.1:{port}/"  # the token left the address
        assert "Exhibits" in text and case.info.title in text
        with pytest.raises(urllib.error.HTTPError) as refused:  # a new visitor, no cookie
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30)
        assert refused.value.code == 403
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    assert out.strip().endswith("Stopped.")
    assert token not in err and "Traceback" not in err


def test_only_127_0_0_1_is_listened_on() -> None:
    sock = listen(0)
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
    finally:
        sock.close()


def test_a_taken_port_is_one_line(case: Case) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = _start(case, "--port", str(port))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3 and out == ""
    assert err.startswith(f"error: Cannot listen on 127.0.0.1:{port}") and "--port 0" in err
    assert "Traceback" not in err
