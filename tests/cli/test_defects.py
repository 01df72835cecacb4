"""Defects a newcomer hit (issue 11), run through the command line in-process."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from evidencekit_cli.main import cli

from tests.conftest import PASSPHRASE

ENV = {"EVIDENCEKIT_PASSPHRASE": PASSPHRASE}


def run(*args: object, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env or ENV, input=stdin)


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    result = run("init", tmp_path / "case", "--ref", "NH-1", "--title", "Elm Court")
    assert result.exit_code == 0, result.output
    return tmp_path / "case"


def ingest(case_dir: Path, key: Path, *files: Path, kind: str = "statement") -> Result:
    result = run("ingest", *files, "--case", case_dir, "--key", key, "--kind", kind,
                 "--producer", "HG", "--description", "An exhibit")
    assert result.exit_code == 0, result.output
    return result


def test_log_of_a_photo_shows_its_redacted_copy(case_dir: Path, key_files: dict[str, Path],
                                                sample_dir: Path, tmp_path: Path) -> None:
    ingest(case_dir, key_files["hg"], sample_dir / "photo_front_door.jpg", kind="photo")
    ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt")
    regions = tmp_path / "r.json"
    regions.write_text('{"regions": [{"x": 0, "y": 0, "w": 10, "h": 10}]}')
    made = run("redact", "HG/1", "--case", case_dir, "--regions", regions, "--key",
               key_files["hg"])
    assert made.exit_code == 0 and "HG/1-R1" in made.output, made.output

    photo = json.loads(run("log", "HG/1", "--case", case_dir, "--json").output)
    assert [(e["action"], e["exhibit"]) for e in photo] == [("ingested", "HG/1"),
                                                             ("redacted", "HG/1-R1")]
    text = run("log", "HG/1", "--case", case_dir).output.splitlines()
    assert len(text) == 2 and "redacted" in text[1] and "HG/1-R1" in text[1]
    copy = json.loads(run("log", "HG/1-R1", "--case", case_dir, "--json").output)
    assert [e["exhibit"] for e in copy] == ["HG/1", "HG/1-R1"]
    assert [e["exhibit"] for e in json.loads(
        run("log", "HG/2", "--case", case_dir, "--json").output)] == ["HG/2"]
    shown = run("show", "HG/1", "--case", case_dir).output
    assert "History:" in shown and "redacted HG/1-R1 by Hana Green" in shown


def test_exhibits_out_refuses_an_existing_file_unless_forced(case_dir: Path,
                                                             key_files: dict[str, Path],
                                                             sample_dir: Path,
                                                             tmp_path: Path) -> None:
    ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt")
    out = tmp_path / "exhibits.csv"
    out.write_text("my own notes\n")
    refused = run("exhibits", "--case", case_dir, "--out", out)
    assert refused.exit_code == 3, refused.output
    assert refused.output.count("\n") == 1 and "Traceback" not in refused.output
    assert "already exists" in refused.output and "exhibits-2.csv" in refused.output
    assert "--force" in refused.output
    assert out.read_text() == "my own notes\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    forced = run("exhibits", "--case", case_dir, "--out", out, "--force")
    assert forced.exit_code == 0, forced.output
    assert out.read_text().startswith("ref,kind") and "HG/1" in out.read_text()
    fresh = run("exhibits", "--case", case_dir, "--out", tmp_path / "exhibits-2.csv")
    assert fresh.exit_code == 0 and (tmp_path / "exhibits-2.csv").read_bytes() == \
        out.read_bytes()


def test_exit_codes_in_the_cli_are_named() -> None:
    """Every Exit(...) and sys.exit(...) in cli/ names a constant from cli/exit_codes.py."""
    found = []
    for path in sorted((Path(__file__).resolve().parents[2] / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and \
                    isinstance(node.args[0], ast.Constant) and \
                    (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) \
                    in ("Exit", "exit"):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
