"""Every command on the hostile corpus (fixtures/hostile/make_hostile.py).

For each file: a clear one-line error or a correct result, within bounded time and
memory, the original kept byte for byte, and a case that still verifies. Outputs
are judged with tools we did not write (pdftotext, exiftool, ffprobe, qpdf, bagit).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import bagit
import pytest

from evidencekit import Case, Item
from tests.conftest import PASSPHRASE
from tests.hostile.runner import Run, run_cli

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "fixtures" / "hostile"))
import make_hostile  # noqa: E402  (fixtures/ is not a package)

SECONDS = 60.0
"""Bound on any one command on one hostile file (the slowest seen: 9 s, a 4 MiB line)."""
PEAK_MIB = 400.0
"""Bound on any one command's peak memory (seen: under 200 MiB with the test key)."""
SECRETS = ("Joan Whitfield", "07700 900123")
STATEMENT_TYPES = ("text/plain", "application/pdf")


@attrs.define
class Campaign:
    """Everything that was run, for the tests below to judge."""

    corpus: dict[str, Path]
    case_dir: Path
    env: dict[str, str]
    key: Path
    pub: Path
    runs: list[Run] = attrs.field(factory=list)
    redactions: dict[str, Run] = attrs.field(factory=dict)

    def run(self, *args: object, timeout: float = SECONDS * 2) -> Run:
        done = run_cli(*args, cwd=self.case_dir, env=self.env, timeout=timeout)
        self.runs.append(done)
        return done


def _redact_args(item: Item, regions: Path) -> list[object]:
    if item.media_type.split("/")[0] in ("image", "video", "audio"):
        return ["--regions", regions]
    return ["--people", ROOT / "fixtures" / "people.toml"]


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory,
             key_files: dict[str, Path]) -> Campaign:
    root = tmp_path_factory.mktemp("hostile")
    corpus = make_hostile.make_all(root / "corpus")
    case_dir = root / "case"
    env = {"EVIDENCEKIT_PASSPHRASE": PASSPHRASE}
    state = Campaign(corpus, case_dir, env, key_files["hg"], key_files["hg.pub"])
    init = run_cli("init", case_dir, "--ref", "HOSTILE-1", "--title", "Hostile corpus",
                   cwd=root, env=env)
    assert init.code == 0, init.describe()
    key = ["--key", state.key]
    state.run("ingest", corpus["evidence"], *key, "--kind", "document", "--producer", "HG",
              "--description", "hostile file")
    regions = root / "regions.json"
    regions.write_text('{"regions": [{"x": 1, "y": 1, "w": 8, "h": 8}]}')
    for item in Case.open(case_dir).items():
        state.redactions[item.ref] = state.run("redact", item.ref, *key,
                                               *_redact_args(item, regions))
    state.run("bundle", "--out", root / "bundle.pdf", *key)
    state.run("export", "--out", root / "package", "--recipient", "Court", *key)
    state.run("export", "--out", root / "package.zip", "--zip", "--recipient", "Court", *key)
    state.run("verify", root / "package", "--trust", state.pub)
    state.run("verify", root / "package.zip", "--trust", state.pub)
    for special in sorted(corpus["special"].iterdir()):
        if special.name == "target.txt":  # what the symlink points at: a plain file
            continue
        state.run("ingest", special, *key, "--kind", "document", "--producer", "HG",
                  "--description", "special", timeout=20)
    state.run("ingest", corpus["special"], *key, "--kind", "document", "--producer", "HG",
              "--description", "special folder", timeout=20)
    for package in sorted(corpus["packages"].iterdir()):
        state.run("verify", package, "--trust", state.pub)
    state.run("verify", "--trust", state.pub)
    return state


def test_the_corpus_is_what_the_catalogue_says(campaign: Campaign) -> None:
    made = {p.relative_to(campaign.corpus[k]).as_posix() for k in ("evidence", "packages",
                                                                   "special")
            for p in campaign.corpus[k].rglob("*") if not p.is_dir() and p.name != "target.txt"}
    assert made == set(make_hostile.CATALOGUE)
    assert len(made) >= 50


def test_every_command_ends_cleanly_within_bounds(campaign: Campaign) -> None:
    assert len(campaign.runs) >= 55
    for run in campaign.runs:
        allowed = (0, 1, 3) if run.args[0] == "verify" else (0, 3)
        assert run.is_clean_failure_or_success(allowed), run.describe()
        assert run.seconds < SECONDS, run.describe()
        assert run.peak_mib < PEAK_MIB, run.describe()
        if run.code == 3:  # one "error:" line, or ingest's REFUSED line with its reason
            errors = [line for line in run.err.splitlines() if line.startswith("error:")]
            refused = [line for line in (run.out + run.err).splitlines()
                       if line.startswith("REFUSED")]
            assert len(errors) == 1 or (not errors and refused), run.describe()
    slowest = max(campaign.runs, key=lambda r: r.seconds)
    largest = max(campaign.runs, key=lambda r: r.peak_mib)
    print(f"{len(campaign.runs)} runs; slowest {slowest.seconds:.1f} s ({slowest.args[:2]}); "
          f"largest {largest.peak_mib:.0f} MiB ({largest.args[:2]})")


def test_every_file_was_kept_byte_for_byte(campaign: Campaign) -> None:
    case = Case.open(campaign.case_dir)
    originals = [i for i in case.items() if i.source_ref is None]
    files = sorted(p for p in campaign.corpus["evidence"].rglob("*") if p.is_file())
    assert len(originals) == len(files)
    by_hash = {i.sha256 for i in originals}
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() in by_hash, path
    for item in originals:
        stored = case.object_path(item.sha256).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == item.sha256


def test_special_files_are_refused_and_nothing_is_added(campaign: Campaign) -> None:
    special = [r for r in campaign.runs if r.args[0] == "ingest" and "special" in r.args[1]]
    assert len(special) == 3
    assert all(r.code == 3 for r in special), [r.describe() for r in special]
    assert any("not a regular file" in r.err for r in special)  # the FIFO, without hanging
    assert any("symbolic link" in r.err for r in special)


def test_redactions_are_correct_or_refused(campaign: Campaign) -> None:
    case = Case.open(campaign.case_dir)
    derived = {i.source_ref: i for i in case.items() if i.source_ref}
    made = refused = 0
    for ref, run in campaign.redactions.items():
        if run.code == 3:
            refused += 1
            assert ref not in derived, run.describe()
            continue
        made += 1
        copy = derived[ref]
        path = case.object_path(copy.sha256)
        if copy.media_type == "application/pdf":
            text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True,
                                  check=True).stdout
            assert not any(s in text for s in SECRETS), ref
        elif copy.media_type.startswith("image/"):
            tags = subprocess.run(["exiftool", "-a", "-G1", "-j", path], capture_output=True,
                                  text=True, check=True).stdout
            assert "GPS" not in tags and "Evil" not in tags, ref
        else:
            probe = json.loads(subprocess.run(
                ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json",
                 path], capture_output=True, text=True, check=True).stdout)
            tags = json.dumps(probe["format"].get("tags", {}))
            assert "AAAA" not in tags and "line two" not in tags and "51.5" not in tags, ref
    assert made >= 20 and refused >= 10, (made, refused)


def test_the_bundle_is_valid_and_carries_nothing_active(campaign: Campaign) -> None:
    bundle = campaign.case_dir.parent / "bundle.pdf"
    run = next(r for r in campaign.runs if r.args[0] == "bundle")
    assert run.code == 0, run.describe()
    assert "a sheet points to the native file" in run.err
    assert "active element(s)" in run.err
    check = subprocess.run(["qpdf", "--check", bundle], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    qdf = campaign.case_dir.parent / "bundle.qdf"
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", bundle, qdf], check=True)
    raw = qdf.read_bytes()
    for active in (b"/JavaScript", b"/JS ", b"/Launch", b"/AA ", b"/EmbeddedFile"):
        assert active not in raw, active


def test_packages_of_the_hostile_case_verify(campaign: Campaign) -> None:
    ours = [r for r in campaign.runs if r.args[0] == "verify"
            and r.args[1].endswith(("/package", "/package.zip"))]
    assert [r.code for r in ours] == [0, 0], [r.describe() for r in ours]
    result = bagit.Bag(str(campaign.case_dir.parent / "package"))
    assert result.is_valid()


def test_hostile_packages_are_reported_never_extracted(campaign: Campaign) -> None:
    folder = campaign.corpus["packages"]
    runs = [r for r in campaign.runs if r.args[0] == "verify" and r.args[1].startswith(
        str(folder))]
    assert len(runs) == len(list(folder.iterdir())) == 8
    for run in runs:
        assert run.code in (1, 3), run.describe()
    unsafe = "".join(r.out for r in runs)
    for code in ("path-unsafe", "file-altered"):
        assert code in unsafe
    assert not (campaign.case_dir.parent / "evil.txt").exists()
    assert not Path("/etc/cron.d/evidencekit").exists()


def test_the_case_still_verifies(campaign: Campaign) -> None:
    last = campaign.runs[-1]
    assert last.args[0] == "verify" and last.code == 0, last.describe()
    assert shutil.which("pdftotext") and shutil.which("exiftool")
