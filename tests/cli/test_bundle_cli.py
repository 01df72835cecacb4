"""``bundle`` and ``export`` say what they did: spec warnings, drafts, the bundle carried."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from evidencekit_cli.exit_codes import EXIT_ERROR
from evidencekit_cli.main import cli

from evidencekit import Case, IngestRequest, Signer, ingest
from tests.conftest import PASSPHRASE


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args],
                              env={"EVIDENCEKIT_PASSPHRASE": PASSPHRASE})


@pytest.fixture
def small(case: Case, hana: Signer, sample_dir: Path) -> Case:
    ingest(case, [sample_dir / "statement_hana_green.txt"], hana,
           IngestRequest("statement", "HG", "Statement of Hana Green"))
    ingest(case, [sample_dir / "photo_front_door.jpg"], hana,
           IngestRequest("photo", "HG", "Front door"))
    return case


def test_spec_warnings_on_stderr_and_repeats_refused(small: Case, key_files: dict[str, Path],
                                                     tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text('[[section]]\ntitle = "Statements"\nexhibits = ["HG/1"]\n')
    done = invoke("bundle", "--case", small.root, "--key", key_files["hg"], "--out",
                  tmp_path / "b.pdf", "--spec", spec)
    assert done.exit_code == 0, done.output
    assert done.stderr == ("warning: HG/2 (Front door) is in the case but not in the bundle "
                           "spec; it is left out\n")
    spec.write_text('[[section]]\ntitle = "All"\nexhibits = ["HG/1-HG/2", "HG/2"]\n')
    twice = invoke("bundle", "--case", small.root, "--key", key_files["hg"], "--out",
                   tmp_path / "c.pdf", "--spec", spec)
    assert twice.exit_code == EXIT_ERROR and "Traceback" not in twice.output
    assert len(twice.output.strip().splitlines()) <= 2  # the error, and its hint
    assert "The bundle spec lists HG/2 twice (section 1)" in twice.output
    assert not (tmp_path / "c.pdf").exists()


def test_cli_says_which_bundle(small: Case, key_files: dict[str, Path],
                               tmp_path: Path) -> None:
    def run(*args: object) -> str:
        done = invoke(*args)
        assert done.exit_code == 0, done.output
        return done.output
    where = ("--case", small.root, "--key", key_files["hg"])
    built = run("bundle", *where, "--out", tmp_path / "b.pdf")
    bundle_id = built.split()[1]
    drafted = run("bundle", *where, "--out", tmp_path / "d.pdf", "--draft")
    assert "not recorded in the case, no export will carry it" in drafted
    said = run("export", *where, "--out", tmp_path / "pkg", "--recipient", "Court")
    assert f"carries data/bundle/hearing-bundle.pdf: bundle {bundle_id}" in said
    bare = run("export", *where, "--out", tmp_path / "pkg2", "--recipient", "Court",
               "--bundle", "none")
    assert "carries no hearing bundle" in bare
