"""A case with a photo, a clip and a statement, and the review app over it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import PIL.Image
import PIL.ImageDraw
import pytest
from evidencekit_review.app import create_app
from starlette.testclient import TestClient

from evidencekit import Case, IngestRequest, Signer, ingest

EXE = Path(sys.executable).with_name("evidencekit")
PORT = 8731
TOKEN = "t" * 43
BASE = f"http://127.0.0.1:{PORT}"
ORIGIN = {"origin": BASE}


def busy_photo(path: Path) -> Path:
    """A 320x240 photo full of edges, so that a flat box stands out."""
    image = PIL.Image.new("RGB", (320, 240), (200, 180, 40))
    draw = PIL.ImageDraw.Draw(image)
    for x in range(0, 320, 8):
        draw.line([(x, 0), (x, 240)], fill=(20, 60, 200), width=3)
    for y in range(0, 240, 10):
        draw.line([(0, y), (320, y)], fill=(240, 240, 240), width=2)
    image.save(path, quality=92)
    return path


@pytest.fixture
def review_case(case: Case, hana: Signer, sample_dir: Path, tmp_path: Path) -> Case:
    """HG/1 a photo, HG/2 a clip, HG/3 a text statement."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    photo = busy_photo(folder / "door.jpg")
    clip = shutil.copy(sample_dir / "bodycam_ashby.mp4", folder / "bodycam.mp4")
    statement = shutil.copy(sample_dir / "statement_hana_green.txt", folder / "statement.txt")
    for path, kind, description in ((photo, "photo", "Front door"),
                                    (Path(clip), "bodycam", "Body-worn camera"),
                                    (Path(statement), "statement", "Statement of Hana Green")):
        ingest(case, [path], hana, IngestRequest(kind=kind, producer="HG",
                                                 description=description))
    return case


@pytest.fixture
def client(review_case: Case, key_files: dict[str, Path], hana: Signer) -> Iterator[TestClient]:
    """A client that has traded the token for the cookie, as a browser does on first visit."""
    app = create_app(review_case, token=TOKEN, port=PORT, key=key_files["hg"],
                     trusted=[hana.public])
    with TestClient(app, base_url=BASE) as test_client:
        first = test_client.get(f"/?token={TOKEN}", follow_redirects=False)
        assert first.status_code == 303
        yield test_client


@pytest.fixture
def stranger(review_case: Case, key_files: dict[str, Path]) -> Iterator[TestClient]:
    """A client without the cookie."""
    app = create_app(review_case, token=TOKEN, port=PORT, key=key_files["hg"])
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


@pytest.fixture
def served(review_case: Case, key_files: dict[str, Path]) -> Iterator[str]:
    """`evidencekit review` over the sample case; yields the address it printed."""
    proc = subprocess.Popen([str(EXE), "review", "--case", str(review_case.root), "--no-browser",
                             "--port", "0", "--key", str(key_files["hg"]),
                             "--trust", str(key_files["hg.pub"])],
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    assert first.startswith("Open http://127.0.0.1:")
    try:
        yield first[len("Open "):]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
