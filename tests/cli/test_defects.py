"""Defects a newcomer hit (issue 11), run through the command line in-process."""

from __future__ import annotations

import ast
import json
import os
import pty
import re
import select
import signal
import sys
import time
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


EVIDENCEKIT = Path(sys.executable).with_name("evidencekit")


class Terminal:
    """The real ``evidencekit`` program on a pseudo-terminal (as a person would run it)."""

    def __init__(self, *args: object, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCEKIT_")}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a session whose controlling terminal is the pty
            os.chdir(cwd)
            os.execve(EVIDENCEKIT, [str(EVIDENCEKIT), *map(str, args)], env)  # noqa: S606
        self.seen = ""
        self.done = 0

    def _read(self, deadline: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            os.kill(self.pid, signal.SIGKILL)
            raise AssertionError(f"timed out; the terminal showed {self.seen!r}")
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the program ended and closed the terminal
            return False
        self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return bool(chunk)

    def expect(self, text: str, timeout: float = 60) -> int:
        """Wait until ``text`` appears after what was matched before; return where it starts."""
        deadline = time.monotonic() + timeout
        while (at := self.seen.find(text, self.done)) < 0:
            if not self._read(deadline):
                raise AssertionError(f"{text!r} never appeared in {self.seen!r}")
        self.done = at + len(text)
        return at

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode("utf-8") + b"\n")

    def finish(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while self._read(deadline):
            pass
        os.close(self.fd)
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])


def test_keys_create_checks_the_rule_after_the_first_entry(tmp_path: Path) -> None:
    term = Terminal("keys", "create", "--name", "Hana Green", "--org", "Northside Housing",
                    "--out", "hg", cwd=tmp_path)
    term.expect("New passphrase for hg.key (at least 8 characters): ")
    term.type("qwx42")
    error = term.expect("Error: The passphrase must be at least 8 characters long.")
    term.expect("New passphrase for hg.key (at least 8 characters): ")
    term.type("a long passphrase")
    term.expect("Repeat the passphrase for hg.key: ")
    term.type("a long passphrase")
    assert term.finish() == 0, term.seen
    assert "Repeat" not in term.seen[:error], "the rule was checked only after two entries"
    assert "qwx42" not in term.seen  # hidden input stays hidden
    short = re.search(r"short form:  ([0-9A-F]{4}(?: [0-9A-F]{4}){3}) ", term.seen)
    full = re.search(r"fingerprint: ([0-9a-f]{64})", term.seen)
    assert short and full and short.group(1).replace(" ", "") == full.group(1)[:16].upper()

    case = run("init", tmp_path / "case", "--ref", "NH-1", "--title", "Elm Court")
    assert case.exit_code == 0
    (tmp_path / "a.txt").write_text("a")
    wrong = Terminal("ingest", tmp_path / "a.txt", "--key", "hg.pub", "--case", "case",
                     "--kind", "document", "--producer", "HG", "--description", "x",
                     cwd=tmp_path)
    assert wrong.finish(timeout=60) == 3  # no prompt first: it would time out waiting
    assert wrong.seen.startswith("error: hg.pub is a public key; give your private key "
                                 "hg.key.")
    assert "chmod" not in wrong.seen and "Passphrase" not in wrong.seen
    right = Terminal("ingest", tmp_path / "a.txt", "--key", "hg.key", "--case", "case",
                     "--kind", "document", "--producer", "HG", "--description", "x",
                     cwd=tmp_path)
    right.expect("Passphrase for hg.key: ")
    right.type("a long passphrase")
    assert right.finish() == 0, right.seen
    assert "HG/1" in right.seen


def test_fingerprints_are_shown_short_as_well(case_dir: Path, key_files: dict[str, Path],
                                              sample_dir: Path, tmp_path: Path) -> None:
    pub = key_files["hg.pub"]
    full = json.loads(run("keys", "show", pub, "--json").output)["fingerprint"]
    short = " ".join(full[i:i + 4].upper() for i in range(0, 16, 4))
    shown = run("keys", "show", pub).output
    assert f"Short form:   {short} " in shown and f"Fingerprint:  {full}" in shown
    ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt")
    exported = run("export", "--case", case_dir, "--key", key_files["hg"], "--out",
                   tmp_path / "pkg", "--recipient", "Police")
    assert f"signed by key {short} (fingerprint {full})" in exported.output
    revoked = run("keys", "revoke", pub, "--case", case_dir, "--key", key_files["hg"],
                  "--reason", "laptop stolen")
    assert revoked.exit_code == 0, revoked.output
    assert f"key {short} (fingerprint {full}) may sign nothing more" in revoked.output


def test_a_public_key_as_key_is_named_for_what_it_is(case_dir: Path,
                                                     key_files: dict[str, Path],
                                                     tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    result = run("ingest", tmp_path / "a.txt", "--case", case_dir, "--key", key_files["hg.pub"],
                 "--kind", "document", "--producer", "HG", "--description", "x")
    assert result.exit_code == 3 and result.output.count("\n") == 1
    assert result.output.startswith(f"error: {key_files['hg.pub']} is a public key; give "
                                    f"your private key {key_files['hg']}.")


def test_a_ref_written_as_in_file_names_gets_the_right_suggestion(
        case_dir: Path, key_files: dict[str, Path], sample_dir: Path) -> None:
    ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt",
           sample_dir / "photo_front_door.jpg")
    shown = run("show", "HG-2", "--case", case_dir)
    assert shown.exit_code == 3
    assert "no exhibit HG-2" in shown.output and "Did you mean HG/2?" in shown.output
    exported = run("export", "--case", case_dir, "--key", key_files["hg"], "--items", "HG-1",
                   "--recipient", "Court", "--out", case_dir.parent / "p")
    assert exported.exit_code == 3 and "Did you mean HG/1?" in exported.output, exported.output
    unknown = run("show", "XY-9", "--case", case_dir)
    assert "Did you mean" not in unknown.output and "evidencekit list" in unknown.output


def test_redaction_not_needed_takes_several_refs_all_or_none(
        case_dir: Path, key_files: dict[str, Path], sample_dir: Path) -> None:
    ingest(case_dir, key_files["hg"], sample_dir / "statement_hana_green.txt",
           sample_dir / "photo_front_door.jpg", sample_dir / "statement_neighbour.docx")
    before = sorted(p.read_bytes() for p in case_dir.rglob("*") if p.is_file())
    refused = run("redaction-not-needed", "HG/1", "HG/9", "--case", case_dir, "--key",
                  key_files["hg"], "--reason", "names only the parties")
    assert refused.exit_code == 3 and "HG/9" in refused.output
    assert sorted(p.read_bytes() for p in case_dir.rglob("*") if p.is_file()) == before
    done = run("redaction-not-needed", "HG/1", "hg/3", "--case", case_dir, "--key",
               key_files["hg"], "--reason", "names only the parties")
    assert done.exit_code == 0, done.output
    assert "HG/1, HG/3 need no redaction" in done.output
    events = json.loads(run("log", "--case", case_dir, "--json").output)
    marked = [e["exhibit"] for e in events if e["action"] == "redaction-not-needed"]
    assert marked == ["HG/1", "HG/3"]
