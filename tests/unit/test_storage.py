"""Atomic writes that must not replace an existing file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from evidencekit import InputError
from evidencekit.core import storage


def test_a_new_file_is_written_and_no_temp_file_is_left(tmp_path: Path) -> None:
    storage.atomic_write(tmp_path / "a.csv", b"new", overwrite=False)
    assert (tmp_path / "a.csv").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_an_existing_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"mine")
    with pytest.raises(InputError, match="already exists"):
        storage.atomic_write(tmp_path / "a.csv", b"new", overwrite=False)
    assert (tmp_path / "a.csv").read_bytes() == b"mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
    storage.atomic_write(tmp_path / "a.csv", b"new")  # the default still replaces
    assert (tmp_path / "a.csv").read_bytes() == b"new"


@pytest.mark.parametrize("exists", [False, True])
def test_a_file_system_without_hard_links_falls_back(tmp_path: Path, exists: bool,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(_src: object, _dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    if exists:
        (tmp_path / "a.csv").write_bytes(b"mine")
        with pytest.raises(InputError, match="already exists"):
            storage.atomic_write(tmp_path / "a.csv", b"new", overwrite=False)
    else:
        storage.atomic_write(tmp_path / "a.csv", b"new", overwrite=False)
    assert (tmp_path / "a.csv").read_bytes() == (b"mine" if exists else b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
