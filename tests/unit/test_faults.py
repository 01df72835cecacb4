"""Crashes and concurrent writers: nothing lost, no half items, the chain intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from evidencekit import Case, IngestRequest, Signer, ingest, verify_case

WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from evidencekit import Case, IngestRequest, Signer, ingest
    seed, producer, case_dir, *files = sys.argv[1:]
    signer = Signer.from_seed(bytes.fromhex(seed), "Worker " + producer, "Test")
    case = Case.open(Path(case_dir))
    request = IngestRequest("cctv", producer, "concurrent ingest")
    for f in files:
        ingest(case, [Path(f)], signer, request)
    # VmHWM is this process's own peak (ru_maxrss would count the parent's pages at fork)
    print(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
""")


def _spawn(signer_seed: bytes, producer: str, case: Case, *files: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WORKER, signer_seed.hex(), producer,
                             str(case.root), *map(str, files)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _seed(n: int) -> bytes:
    return bytes([n]) * 32


def _signers(*numbers: int) -> list[Signer]:
    return [Signer.from_seed(_seed(n), f"Worker {p}", "Test")
            for n, p in zip(numbers, ("AA", "BB", "CC", "DD"), strict=False)]


@pytest.mark.parametrize("writers", [2, 4])
def test_concurrent_writers_leave_a_valid_chain(case: Case, tmp_path: Path, writers: int) -> None:
    producers = ["AA", "BB", "CC", "DD"][:writers]
    procs = []
    for n, producer in enumerate(producers, start=1):
        files = []
        for i in range(5):
            path = tmp_path / f"{producer}-{i}.bin"
            path.write_bytes(f"{producer} file {i}".encode() * 1000)
            files.append(path)
        procs.append(_spawn(_seed(n), producer, case, *files))
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    report = verify_case(Case.open(case.root),
                         [s.public for s in _signers(*range(1, writers + 1))])
    assert report.ok, report.findings
    assert not report.warnings
    refs = sorted(i.ref for i in case.items())
    assert refs == sorted(f"{p}/{i}" for p in producers for i in range(1, 6))


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """512 MiB of varied content (written once per module)."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    block = os.urandom(1 << 20)
    with open(path, "wb") as handle:
        for i in range(512):
            handle.write(block[i:] + block[:i])
    return path


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.3, 0.8, 1.5, 3.0])
def test_kill_9_during_ingest_leaves_a_case_that_verifies(case: Case, big_file: Path,
                                                          delay: float) -> None:
    small = big_file.parent / "small.txt"
    small.write_bytes(b"first exhibit")
    signer = Signer.from_seed(_seed(1), "Worker AA", "Test")
    ingest(case, [small], signer, IngestRequest("cctv", "AA", "before the crash"))
    proc = _spawn(_seed(1), "AA", case, big_file)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    report = verify_case(Case.open(case.root), [signer.public])
    assert report.ok, report.findings
    items = case.items()
    assert items[0].ref == "AA/1"
    assert all(case.object_path(i.sha256).stat().st_size == i.size for i in items)
    # the case goes on working after the crash
    again = ingest(case, [big_file], signer, IngestRequest("cctv", "AA", "after the crash"))
    assert again[0].status in ("ingested", "duplicate")
    assert verify_case(Case.open(case.root), [signer.public]).ok


def test_a_torn_log_line_is_repaired_by_the_next_writer(case: Case, hana: Signer,
                                                        tmp_path: Path) -> None:
    first = tmp_path / "1.txt"
    first.write_bytes(b"one")
    request = IngestRequest("document", "HG", "x")
    ingest(case, [first], hana, request)
    with open(case.log_path, "ab") as log:
        log.write(b'{"action":"ingested","actor":{"na')  # a write cut short by a crash
    report = verify_case(case, [hana.public])
    assert report.ok and [f.code for f in report.warnings] == ["torn-tail"]
    second = tmp_path / "2.txt"
    second.write_bytes(b"two")
    ingest(case, [second], hana, request)
    report = verify_case(case, [hana.public])
    assert report.ok and not report.findings


def test_memory_stays_flat_on_a_large_ingest(case: Case, big_file: Path) -> None:
    proc = _spawn(_seed(1), "AA", case, big_file)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    peak_mib = int(out) / 1024
    assert peak_mib < 96, f"peak RSS {peak_mib:.0f} MiB for a 512 MiB file"
    assert case.items()[0].size == 512 << 20
