"""The library guide's examples run as written, in order, as one session."""

from __future__ import annotations

import os
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"


def test_library_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert blocks, "docs/library.md lost its example"
    session: dict[str, object] = {}  # the blocks are one session, run in order
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), session)  # noqa: S102 - our own documentation


def test_the_docs_say_where_the_command_is_and_it_is_there() -> None:
    root = Path(__file__).resolve().parents[2]
    for doc in ("README.md", "docs/getting-started.md"):
        text = (root / doc).read_text("utf-8")
        assert "source .venv/bin/activate" in text and '.venv/bin:$PATH' in text, doc
    # what the docs tell a newcomer to run exists where they say (setup.sh made it)
    assert (root / ".venv/bin/activate").is_file()
    assert os.access(root / ".venv/bin/evidencekit", os.X_OK)
