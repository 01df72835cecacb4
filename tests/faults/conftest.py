"""Shared by the fault tests: the worker process and a starting case."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencekit import Case, IngestRequest, Signer, ingest
from tests.conftest import FrozenClock

WORKER = Path(__file__).with_name("worker.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def base_case(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """A case with a photo, a statement and a clip, as the starting point of every crash."""
    root = tmp_path_factory.mktemp("kill")
    case = Case.init(root / "base", ref="KILL-1", title="Crash test", clock=FrozenClock())
    signer = Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing")
    for name in ("photo_front_door.jpg", "statement_hana_green.txt", "bodycam_ashby.mp4"):
        ingest(case, [sample_dir / name], signer, IngestRequest("photo", "HG", name))
    (root / "regions.json").write_text('{"regions": [{"x": 5, "y": 5, "w": 50, "h": 40}]}')
    return root / "base"
