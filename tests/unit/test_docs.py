"""The library guide's examples run as written, in order, as one session."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"


def test_library_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert blocks, "docs/library.md lost its example"
    session: dict[str, object] = {}  # the blocks are one session, run in order
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), session)  # noqa: S102 - our own documentation
