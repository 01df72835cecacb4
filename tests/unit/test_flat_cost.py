"""The work per ingested file does not grow with the case (counted, not timed).

A phone extraction has thousands of files; rebuilding the exhibits view from every event
for every file made ingest quadratic. These tests count the exhibit records built and the
events parsed while ingesting folders of different sizes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencekit import Case, IngestRequest, Signer, ingest
from evidencekit.custody import exhibits
from evidencekit.custody.events import Event


def _folder(root: Path, count: int) -> Path:
    root.mkdir()
    for i in range(count):
        (root / f"f{i:04d}.txt").write_bytes(f"note {i}\n".encode())
    return root


def _counted(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[int]:
    calls = [0]
    original = getattr(owner, name).__func__

    def counting(cls: type, *args: object) -> object:
        calls[0] += 1
        return original(cls, *args)

    monkeypatch.setattr(owner, name, classmethod(counting))
    return calls


@pytest.mark.parametrize("count", [20, 120])
def test_each_file_builds_one_exhibit_record_and_parses_one_event(
        tmp_path: Path, hana: Signer, monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    case = Case.init(tmp_path / "case", ref="NH-1", title="Flat")
    folder = _folder(tmp_path / "in", count)
    items = _counted(monkeypatch, exhibits.Item, "from_event")
    parsed = _counted(monkeypatch, Event, "from_line")
    results = ingest(case, [folder], hana, IngestRequest("document", "HG", "notes"))
    assert [r.status for r in results] == ["ingested"] * count
    assert items[0] <= count          # quadratic before: about count * count / 2
    assert parsed[0] <= count + 2     # the case-created event and each new line, once


def test_the_index_follows_a_log_rewritten_under_it(tmp_path: Path, hana: Signer) -> None:
    case = Case.init(tmp_path / "case", ref="NH-1", title="Flat")
    folder = _folder(tmp_path / "in", 3)
    ingest(case, [folder], hana, IngestRequest("document", "HG", "notes"))
    assert case.item("hg/3").ref == "HG/3"
    raw = case.log_path.read_bytes().splitlines(keepends=True)
    case.log_path.chmod(0o644)
    case.log_path.write_bytes(b"".join(raw[:-1]))  # cut the last exhibit
    assert [i.ref for i in case.items()] == ["HG/1", "HG/2"]
    again = Case.open(case.root)
    assert [i.ref for i in again.items()] == ["HG/1", "HG/2"]
