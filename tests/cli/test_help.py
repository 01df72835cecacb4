"""Every command's --help renders cleanly: no escape codes shown, examples kept on their lines."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner
from evidencekit_cli.main import cli


def _walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                          click.Command]]:
    yield path, group
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _walk(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(_walk(cli))


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "keys", "keys create", "keys show", "keys rotate", "keys revoke", "ingest",
            "keys age-create",
            "log", "exhibits", "redaction-not-needed", "limits", "verify"} <= names


def _example_lines(help_text: str) -> list[str]:
    """Lines written indented in the docstring (examples): each must print on its own line."""
    return [line.strip() for line in inspect.cleandoc(help_text).splitlines()
            if line[:1].isspace() and line.strip() and line.strip() != "\b"]


@pytest.mark.parametrize(("path", "command"), COMMANDS,
                         ids=[" ".join(p) or "evidencekit" for p, _ in COMMANDS])
def test_help_renders(path: tuple[str, ...], command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], env={"COLUMNS": "80"},
                             prog_name="evidencekit")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: evidencekit")
    assert "\\b" not in result.output and "\b" not in result.output
    assert "\\\\" not in result.output
    printed = {line.strip() for line in result.output.splitlines()}
    for line in _example_lines(command.help or ""):
        assert line in printed, f"example line run together in {path}: {line!r}"


def test_the_typical_order_prints_one_command_a_line() -> None:
    output = CliRunner().invoke(cli, ["--help"], env={"COLUMNS": "80"},
                           prog_name="evidencekit").output
    lines = [line.strip() for line in output.splitlines()]
    start = lines.index("Typical order:")
    assert lines[start + 1:start + 8] == [
        'evidencekit keys create --name "Hana Green" --org "Northside Housing" --out hg',
        'evidencekit init mycase --ref NH-2026-0147 --title "Closure order, 14 Elm Court"',
        "cd mycase",
        "evidencekit ingest ~/statement.docx --key ../hg.key --kind statement \\",
        '--producer HG --description "Statement of the complainant"',
        "evidencekit list",
        "evidencekit verify --trust ../hg.pub",
    ]
