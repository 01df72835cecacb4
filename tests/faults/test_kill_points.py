"""kill -9 at every fault point (or a seeded sample) of ingest, redact, bundle and export.

After each crash: the case verifies (warnings allowed, no errors), no exhibit is
half there, a published package or bundle is whole, and the same operation run
again succeeds and leaves a clean case.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from evidencekit import Case, Signer, verify_case, verify_package
from tests.faults.conftest import ROOT, WORKER

AFTER_CRASH = {"tmp-leftover", "object-unrecorded"}
"""Warnings a crash may leave for good: an interrupted copy, an object never recorded."""
MAX_POINTS = int(os.environ.get("EVIDENCEKIT_TEST_KILL_POINTS", "24"))
"""Points tried per operation: all of them when there are fewer, else a seeded sample
(set EVIDENCEKIT_TEST_KILL_POINTS=1000 to try every point)."""


@attrs.frozen
class Op:
    """One operation: its name and the arguments the worker gets (``{out}`` = a new path)."""

    name: str
    args: tuple[str, ...]


def _worker(op: str, case_dir: Path, kill_at: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(WORKER), op, str(case_dir), str(kill_at), *args],
                          capture_output=True, text=True, timeout=300, check=False,
                          cwd=ROOT)


def _ops(base: Path, sample_dir: Path) -> dict[str, Op]:
    regions = str(base.parent / "regions.json")
    return {
        "ingest": Op("ingest", (str(sample_dir / "statement_neighbour.docx"),)),
        "redact": Op("redact", ("HG/1", regions)),
        "bundle": Op("bundle", ("{out}/bundle.pdf",)),
        "export": Op("export", ("{out}/package.zip",)),
    }


def _points(total: int, seed: int) -> list[int]:
    if total <= MAX_POINTS:
        return list(range(1, total + 1))
    rng = random.Random(seed)
    spread = [1 + (total - 1) * n // (MAX_POINTS // 2) for n in range(MAX_POINTS // 2)]
    return sorted(set(spread) | set(rng.sample(range(1, total + 1), MAX_POINTS // 2)))


def _fill(args: tuple[str, ...], out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    return [a.replace("{out}", str(out)) for a in args]


def _check_outputs(case: Case, out: Path, public: object) -> None:
    """A package or bundle that exists after a crash is whole; nothing half-published."""
    package = out / "package.zip"
    if package.exists():
        assert verify_package(package, [public]).ok  # type: ignore[list-item]
    bundle = out / "bundle.pdf"
    if bundle.exists():
        import hashlib  # noqa: PLC0415

        digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
        assert any(e.action == "bundled" and e.sha256 == digest for e in case.events())


@pytest.mark.parametrize("op_name", ["ingest", "redact", "bundle", "export"])
def test_kill_9_at_every_point(op_name: str, base_case: Path, sample_dir: Path,
                               tmp_path: Path) -> None:
    op = _ops(base_case, sample_dir)[op_name]
    public = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing").public
    dry = tmp_path / "dry"
    shutil.copytree(base_case, dry)
    counted = _worker(op.name, dry, 0, *_fill(op.args, tmp_path / "dry-out"))
    assert counted.returncode == 0, counted.stderr
    total = int(counted.stdout.split()[-1])
    assert total >= 5, f"{op_name} passed only {total} fault points"
    before = {i.ref for i in Case.open(base_case).items()}
    points = _points(total, seed=hash(op_name) % 1000)
    for point in points:
        case_dir = tmp_path / f"at-{point}"
        shutil.copytree(base_case, case_dir)
        out = tmp_path / f"out-{point}"
        died = _worker(op.name, case_dir, point, *_fill(op.args, out))
        assert died.returncode == -9, f"{op_name} at point {point}/{total}: {died.stderr}"
        case = Case.open(case_dir)
        report = verify_case(case, [public])
        assert report.ok, (op_name, point, total, report.errors)
        after = {i.ref for i in case.items()}
        assert before <= after and len(after - before) <= 1, (op_name, point, after - before)
        _check_outputs(case, out, public)
        again = _worker(op.name, case_dir, 0, *_fill(op.args, tmp_path / f"again-{point}"))
        assert again.returncode == 0, (op_name, point, again.stderr)
        report = verify_case(Case.open(case_dir), [public])
        left = [w for w in report.warnings if w.code not in AFTER_CRASH]
        assert report.ok and not left, (op_name, point, report.findings)
        shutil.rmtree(case_dir)
    print(f"{op_name}: {total} fault points, killed at {len(points)}: {points}")
