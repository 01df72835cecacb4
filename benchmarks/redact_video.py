"""Redact long and short 1080p25 H.264 clips and compare with a plain full re-encode.

Usage: python benchmarks/redact_video.py [--long-seconds 600] [--short-seconds 60]
       [--only long|short] [--dir DIR]

Targets (issue 14): the long clip (10 minutes, one 5-second region, one mute range)
in <= 0.10x the plain re-encode's time; the short clip (60 s, two timed regions, one
mute range) in <= 0.5x. The plain run is `ffmpeg -i clip.mp4` with the codec settings
evidencekit uses for a full re-encode (evidencekit.redact.video.VIDEO_SETTINGS and
AUDIO_SETTINGS) and no filters; ours is the whole `redact_media_item` call (smart
render, join check, hashing, storing the copy, the signed custody event). Peak memory
is the largest resident set of the Python process and of any ffmpeg it ran.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from _util import python_peak

from evidencekit.redact.video import AUDIO_SETTINGS, VIDEO_SETTINGS

SETUP = """
import sys
from pathlib import Path
from evidencekit import Case, IngestRequest, Signer, ingest
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
case = Case.init(Path(sys.argv[1]), ref="BENCH", title="Benchmark")
ingest(case, [Path(sys.argv[2])], signer, IngestRequest("cctv", "BM", "bench"))
"""

CHILDREN = "\nimport resource\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"

REDACT = """
import sys
from pathlib import Path
from evidencekit import Case, Signer, parse_regions, redact_media_item
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
case = Case.open(Path(sys.argv[1]))
regions = parse_regions(Path(sys.argv[2]).read_text())
redact_media_item(case, signer, "BM/1", regions)
print(case.events()[-1].details["rendering"])
""" + CHILDREN

PLAIN = """
import subprocess, sys
subprocess.run(sys.argv[1:], check=True)
""" + CHILDREN


def regions_for(seconds: int, short: bool) -> dict[str, object]:
    """One 5-second region mid-clip (long), or two timed regions (short); one mute range."""
    if not short:
        middle = seconds // 2
        return {"regions": [{"x": 200, "y": 200, "w": 400, "h": 300, "start": middle,
                             "end": middle + 5}],
                "mute": [{"start": seconds // 5, "end": seconds // 5 + 10}]}
    return {"regions": [{"x": 100, "y": 100, "w": 400, "h": 300, "start": 5, "end": 10},
                        {"x": 1200, "y": 600, "w": 500, "h": 200, "start": 40, "end": 45,
                         "style": "blur"}],
            "mute": [{"start": 20, "end": 30}]}


def plain_args(src: Path, dst: Path) -> list[str]:
    """The same encode without redaction filters."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-c:v",
            VIDEO_SETTINGS["vcodec"], "-crf", str(VIDEO_SETTINGS["crf"]), "-preset",
            VIDEO_SETTINGS["preset"], "-pix_fmt", VIDEO_SETTINGS["pix_fmt"]]
    return [*args, "-c:a", AUDIO_SETTINGS["acodec"], "-b:a", AUDIO_SETTINGS["audio_bitrate"],
            "-f", "mp4", str(dst)]


def make_clip(path: Path, seconds: int) -> None:
    """1080p25 H.264 with closed 2-second GOPs (as CCTV exports usually are) and AAC."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=1920x1080:rate=25:duration={seconds}", "-f", "lavfi",
                    "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264",
                    "-preset", "ultrafast", "-crf", "23", "-g", "50", "-keyint_min", "50",
                    "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(path)], check=True)


def run_case(work: Path, seconds: int, short: bool) -> float:
    """Time both ways on one clip; print the figures; return the ratio."""
    name = "short" if short else "long"
    clip, case = work / f"{name}.mp4", work / f"case-{name}"
    make_clip(clip, seconds)
    regions = work / f"{name}.json"
    regions.write_text(json.dumps(regions_for(seconds, short)))
    python_peak(SETUP, str(case), str(clip))
    plain_s, _, out = python_peak(PLAIN, *plain_args(clip, work / f"plain-{name}.mp4"))
    plain_ff = int(out.splitlines()[-1]) / 1024
    ours_s, ours_py, out = python_peak(REDACT, str(case), str(regions))
    rendering, ours_ff = out.splitlines()[0], int(out.splitlines()[-1]) / 1024
    ratio = ours_s / plain_s
    target = 0.5 if short else 0.10
    print(f"[{name}] clip: {seconds} s, 1920x1080, 25 fps, 2 s GOPs, AAC; "
          f"regions: {regions.read_text()}")
    print(f"[{name}] plain full re-encode: {plain_s:.1f} s, peak RSS ffmpeg {plain_ff:.0f} MiB")
    print(f"[{name}] evidencekit redact (stored and signed): {ours_s:.1f} s, peak RSS "
          f"Python {ours_py:.0f} MiB, ffmpeg {ours_ff:.0f} MiB")
    print(f"[{name}] rendering: {rendering}")
    print(f"[{name}] ratio ours / plain: {ratio:.3f}  (target <= {target})")
    shutil.rmtree(case, ignore_errors=True)
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--long-seconds", type=int, default=600)
    parser.add_argument("--short-seconds", type=int, default=60)
    parser.add_argument("--only", choices=("long", "short"), default=None)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ek-bench-", dir=args.dir))
    try:
        if args.only != "long":
            run_case(work, args.short_seconds, short=True)
        if args.only != "short":
            run_case(work, args.long_seconds, short=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
