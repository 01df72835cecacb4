"""Ctrl-C during ingest, in-process: nothing partial is kept and what was done is reported."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evidencekit import Case, IngestInterrupted, IngestRequest, Signer, ingest, verify_case
from evidencekit.case import ingest as ingest_module
from evidencekit.core.interrupts import interrupts_held

Req = Callable[..., IngestRequest]
Write = Callable[[str, bytes], Path]


class CtrlCAt:
    """A progress listener that raises KeyboardInterrupt once ``limit`` bytes are done."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.done = 0

    def start(self, total: int) -> None:
        assert total > self.limit

    def advance(self, step: int) -> None:
        self.done += step
        if self.done > self.limit:
            raise KeyboardInterrupt


def test_ctrl_c_while_copying_removes_the_partial_copy(case: Case, hana: Signer,
                                                       request_for: Req,
                                                       evidence: Write) -> None:
    small = [evidence(f"note{n}.txt", f"note {n}\n".encode()) for n in (1, 2)]
    big = evidence("video.bin", os.urandom(3 << 20))
    last = evidence("zz.txt", b"never reached\n")
    with pytest.raises(IngestInterrupted) as stopped:
        ingest(case, [*small, big, last], hana, request_for(),
               progress=CtrlCAt(limit=1 << 20))
    assert isinstance(stopped.value, KeyboardInterrupt)
    assert [(r.status, r.ref) for r in stopped.value.results] == [("ingested", "HG/1"),
                                                                   ("ingested", "HG/2")]
    assert stopped.value.during == str(big)
    assert stopped.value.not_done == (str(big), str(last))
    assert list(case.tmp_dir.iterdir()) == []
    assert [i.ref for i in case.items()] == ["HG/1", "HG/2"]
    report = verify_case(case, [hana.public])
    assert report.ok and not report.findings, report.findings


def test_ctrl_c_while_recording_waits_until_the_record_is_whole(
        case: Case, hana: Signer, request_for: Req, evidence: Write,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = evidence("a.txt", b"first\n"), evidence("b.txt", b"second\n")
    record = ingest_module._record

    def interrupted_record(*args: Any) -> object:
        os.kill(os.getpid(), signal.SIGINT)  # arrives between storing and signing
        return record(*args)

    monkeypatch.setattr(ingest_module, "_record", interrupted_record)
    with pytest.raises(IngestInterrupted) as stopped:
        ingest(case, [first, second], hana, request_for())
    assert [r.ref for r in stopped.value.results] == ["HG/1"]
    assert stopped.value.during is None and stopped.value.not_done == (str(second),)
    assert list(case.tmp_dir.iterdir()) == []
    report = verify_case(case, [hana.public])
    assert report.ok and not report.findings, report.findings  # no object-unrecorded


def test_interrupts_held_runs_the_block_whole_then_raises() -> None:
    steps = []
    with pytest.raises(KeyboardInterrupt), interrupts_held():
        os.kill(os.getpid(), signal.SIGINT)
        steps.append("after the signal")
    assert steps == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with interrupts_held():
        steps.append("quiet")
    assert steps[-1] == "quiet"
