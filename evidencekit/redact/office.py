"""LibreOffice as a converter: DOCX, ODT and RTF to PDF (or to DOCX), run as a process.

Each conversion gets a private, throw-away LibreOffice profile (so two conversions at
once never share one, and nothing the user configured changes the output), a time
limit (``office-seconds``), and its own process group, killed whole on a timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from evidencekit.core import limits
from evidencekit.core.errors import InputError

ODT = "application/vnd.oasis.opendocument.text"
RTF = "text/rtf"
_SUFFIX = {ODT: ".odt", RTF: ".rtf"}
_INSTALL = "Install LibreOffice (Debian: apt-get install libreoffice-writer-nogui)."


def soffice() -> str:
    """The path of LibreOffice's ``soffice``.

    Raises:
        InputError: LibreOffice is not installed.
    """
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise InputError("LibreOffice is needed to render DOCX, ODT and RTF statements "
                         "faithfully and was not found.", hint=_INSTALL)
    return found


def _run(args: list[str], seconds: float) -> subprocess.CompletedProcess[bytes]:
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          start_new_session=True) as process:
        try:
            out, err = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # soffice forks: end the whole group
            process.communicate()
            raise
        return subprocess.CompletedProcess(args, process.returncode, out, err)


def convert(source: Path, target: str, work: Path) -> Path:
    """Convert ``source`` with LibreOffice to ``target`` ("pdf" or "docx") inside ``work``.

    Raises:
        InputError: LibreOffice is missing, fails, produces nothing, or takes longer
            than the ``office-seconds`` limit.
    """
    seconds = limits.value("office-seconds")
    out_dir = work / f"out-{target}"
    with tempfile.TemporaryDirectory(prefix="ek-office-") as profile:
        args = [soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                "--norestore", "--nolockcheck", "--convert-to", target, "--outdir",
                str(out_dir), str(source)]
        try:
            done = _run(args, seconds)
        except subprocess.TimeoutExpired as exc:
            raise limits.exceeded("office-seconds", "LibreOffice did not finish converting "
                                  "the statement in time") from exc
        except OSError as exc:
            raise InputError(f"LibreOffice could not be started ({exc}).", hint=_INSTALL) \
                from exc
    produced = out_dir / f"{source.stem}.{target}"
    if done.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["-"]
        raise InputError(f"LibreOffice could not convert the statement to {target.upper()} "
                         f"(exit {done.returncode}: {detail[0][:200]}).")
    return produced


def to_docx(source: Path, media_type: str, work: Path) -> Path:
    """An ODT or RTF statement as a DOCX (LibreOffice reads it, Word's format comes out).

    Raises:
        InputError: as :func:`convert`.
    """
    named = work / f"statement{_SUFFIX[media_type]}"
    shutil.copyfile(source, named)  # LibreOffice picks the reader by name as well as content
    return convert(named, "docx", work)
