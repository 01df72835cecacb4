"""Shared fixtures: a frozen clock, deterministic keys, cases and real sample evidence."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from evidencekit import FAST_KDF, Case, IngestRequest, Signer
from evidencekit.keys.keyfile import encrypt_private_key

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))

import make_sample  # noqa: E402  (fixtures/ is not a package)

PASSPHRASE = "test passphrase 1"

# CI runs the default profile; HYPOTHESIS_PROFILE=fuzz runs the long campaign whose
# counts docs/threat-model.md records.
settings.register_profile("default", deadline=None)
settings.register_profile("fuzz", max_examples=10_000, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


class FrozenClock:
    """A clock that starts at a fixed instant and ticks one second per call."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def hana() -> Signer:
    return Signer.from_seed(bytes(range(32)), "Hana Green", "Northside Housing")


@pytest.fixture(scope="session")
def tom() -> Signer:
    return Signer.from_seed(bytes(range(32, 64)), "Tom Ashby", "Northside Police")


@pytest.fixture(scope="session")
def mallory() -> Signer:
    return Signer.from_seed(bytes([7]) * 32, "Mallory", "Nobody")


@pytest.fixture(scope="session")
def key_files(tmp_path_factory: pytest.TempPathFactory, hana: Signer,
              tom: Signer) -> dict[str, Path]:
    """Encrypted key files (fast KDF) and public key files for Hana and Tom."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for tag, signer in (("hg", hana), ("ta", tom)):
        key = folder / f"{tag}.key"
        key.write_bytes(encrypt_private_key(signer, PASSPHRASE, FAST_KDF))
        key.chmod(0o600)
        (folder / f"{tag}.pub").write_text(signer.public.to_pub_file())
        out[tag] = key
        out[f"{tag}.pub"] = folder / f"{tag}.pub"
    return out


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sample evidence, made once per test session (ffmpeg, Pillow, ...)."""
    if shutil.which("ffmpeg") is None:
        pytest.fail("ffmpeg is required for the tests: run scripts/setup.sh")
    out = tmp_path_factory.mktemp("sample")
    for make in (make_sample.make_txt, make_sample.make_docx, make_sample.make_pdf,
                 make_sample.make_photo, make_sample.make_clips):
        make(out)
    return out


@pytest.fixture
def case(tmp_path: Path, clock: FrozenClock) -> Case:
    return Case.init(tmp_path / "case", ref="NH-TEST-1", title="Test case",
                     court="Northside Magistrates' Court", clock=clock)


@pytest.fixture
def request_for() -> Callable[..., IngestRequest]:
    def build(kind: str = "document", producer: str = "HG", **extra: str) -> IngestRequest:
        return IngestRequest(kind=kind, producer=producer,
                             description=extra.pop("description", "Test exhibit"), **extra)
    return build


@pytest.fixture
def evidence(tmp_path: Path) -> Iterator[Callable[[str, bytes], Path]]:
    """Write a small evidence file and return its path."""
    folder = tmp_path / "evidence"
    folder.mkdir()

    def write(name: str, data: bytes) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    yield write
