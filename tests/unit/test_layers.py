"""The architecture, checked: each room imports only from rooms below it, the CLI only the API.

core < keys < custody < case < (redact | package) < bundle < cli. ``redact`` and ``package``
stand side by side and may not import each other. Parsed with ``ast``, so an import inside a
function or under ``TYPE_CHECKING`` counts too.

The review app (``review/``, installed as ``evidencekit_review``) is a client of the
library like the CLI: it imports only the public ``evidencekit`` API. The CLI may start it
through its one entry function, ``evidencekit_review.serve``, and nothing else of it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "evidencekit"
CLI = ROOT / "cli"
REVIEW = ROOT / "review"
REVIEW_ENTRY = "evidencekit_review.serve"
RANK = {"core": 0, "keys": 1, "custody": 2, "case": 3, "redact": 4, "package": 4, "bundle": 5}


def imported(source: str, package: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``source``, relative ones resolved.

    ``from evidencekit.case import derived`` is reported as ``evidencekit.case.derived`` too,
    so that a module imported from a room counts as that module.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            if module != "evidencekit":  # names from the API are the API
                found += [(node.lineno, f"{module}.{a.name}") for a in node.names]
    return found


def library_problems(rel: Path, source: str) -> list[str]:
    """Upward or sideways imports in one library module (``rel`` is relative to evidencekit/)."""
    if rel.parts == ("__init__.py",):
        return []  # the public API re-exports every room
    mine = rel.parts[0] if len(rel.parts) > 1 else None
    if mine not in RANK:
        return [f"{rel}: a module outside the seven rooms"]
    bad = []
    package = ("evidencekit", *rel.parts[:-1])
    for line, module in imported(source, package):
        parts = module.split(".")
        if parts[0] != "evidencekit":
            continue
        if len(parts) == 1:
            bad.append(f"{rel}:{line}: imports the public API from inside the library")
            continue
        room = parts[1]
        if room not in RANK:
            bad.append(f"{rel}:{line}: imports {module}, which is in no room")
        elif room != mine and RANK[room] >= RANK[mine]:
            bad.append(f"{rel}:{line}: {mine} imports {module} ({room} is not below it)")
    return bad


def cli_problems(name: str, source: str) -> list[str]:
    """Imports of anything in evidencekit but its public API, in one CLI module.

    Of the review app only its entry function may be imported.
    """
    found = imported(source, ("evidencekit_cli",))
    bad = [f"cli/{name}:{line}: imports {module}; use the public API"
           for line, module in found if module.startswith("evidencekit.")]
    return bad + [f"cli/{name}:{line}: imports {module}; only {REVIEW_ENTRY} may be used"
                  for line, module in found
                  if module.split(".")[0] == "evidencekit_review"
                  and module not in ("evidencekit_review", REVIEW_ENTRY)]


def review_problems(name: str, source: str) -> list[str]:
    """Imports of the library's insides or of the CLI, in one module of the review app."""
    return [f"review/{name}:{line}: imports {module}; use the public API"
            for line, module in imported(source, ("evidencekit_review",))
            if module.startswith("evidencekit.") or module.split(".")[0] == "evidencekit_cli"]


def test_every_library_import_goes_down() -> None:
    bad = [p for path in sorted(LIB.rglob("*.py"))
           for p in library_problems(path.relative_to(LIB), path.read_text(encoding="utf-8"))]
    assert bad == []


def test_the_cli_uses_only_the_public_api() -> None:
    bad = [p for path in sorted(CLI.glob("*.py"))
           for p in cli_problems(path.name, path.read_text(encoding="utf-8"))]
    assert bad == []


def test_the_review_app_uses_only_the_public_api() -> None:
    bad = [p for path in sorted(REVIEW.glob("*.py"))
           for p in review_problems(path.name, path.read_text(encoding="utf-8"))]
    assert bad == []
    assert (REVIEW / "__init__.py").is_file()


def test_the_seven_rooms_and_nothing_loose() -> None:
    assert sorted(p.name for p in LIB.iterdir() if (p / "__init__.py").exists()) == sorted(RANK)
    assert [p.name for p in LIB.glob("*.py")] == ["__init__.py"]


@pytest.mark.parametrize(("rel", "source", "bad"), [
    ("core/x.py", "from evidencekit.case.folder import Case\n", True),
    ("custody/x.py", "from evidencekit.keys.keyfile import Signer\n", False),
    ("redact/x.py", "from evidencekit.package import layout\n", True),
    ("package/x.py", "from ..redact.people import PeopleRegister\n", True),
    ("package/x.py", "from . import layout\n", False),
    ("bundle/x.py", "import evidencekit\n", True),
    ("bundle/x.py", "from evidencekit import Case\n", True),
    ("bundle/x.py", "def f():\n    from evidencekit.redact.media import frame_at\n", False),
    ("keys/x.py", "def f():\n    from evidencekit.custody import chain\n", True),
    ("x.py", "import os\n", True),
])
def test_the_check_catches_an_upward_import(rel: str, source: str, bad: bool) -> None:
    assert bool(library_problems(Path(rel), source)) is bad


@pytest.mark.parametrize(("source", "bad"), [
    ("from evidencekit import Case\n", False),
    ("from evidencekit.case.ingest import expand_inputs\n", True),
    ("import evidencekit.core.limits\n", True),
    ("from .common import safe\n", False),
    ("def f():\n    from evidencekit_review import serve\n", False),
    ("from evidencekit_review.app import create_app\n", True),
    ("from evidencekit_review import serve, create_app\n", True),
    ("import evidencekit_review.security\n", True),
])
def test_the_check_catches_a_private_import_in_the_cli(source: str, bad: bool) -> None:
    assert bool(cli_problems("x.py", source)) is bad


@pytest.mark.parametrize(("source", "bad"), [
    ("from evidencekit import Case, redact_item\n", False),
    ("from .html import e\n", False),
    ("from starlette.routing import Route\n", False),
    ("from evidencekit.redact.media import frame_at\n", True),
    ("def f():\n    import evidencekit.core.storage\n", True),
    ("from evidencekit_cli.common import unlock\n", True),
])
def test_the_check_catches_a_private_import_in_the_review_app(source: str, bad: bool) -> None:
    assert bool(review_problems("x.py", source)) is bad
