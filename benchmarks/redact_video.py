"""Redact a 60 s 1080p clip (two regions, one mute range) and compare with a plain re-encode.

Usage: python benchmarks/redact_video.py [--seconds 60] [--dir DIR]

Target (issue 5): ratio <= 1.15. The plain run is `ffmpeg -i clip.mp4` with the same
codec settings evidencekit uses (evidencekit.redact.video.VIDEO_SETTINGS/AUDIO_SETTINGS)
and no filters; ours adds the filters, metadata stripping, hashing, storing the copy
and the signed custody event.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from _util import python_peak, timed

from evidencekit.redact.video import AUDIO_SETTINGS, VIDEO_SETTINGS

SETUP = """
import sys
from pathlib import Path
from evidencekit import Case, IngestRequest, Signer, ingest
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
case = Case.init(Path(sys.argv[1]), ref="BENCH", title="Benchmark")
ingest(case, [Path(sys.argv[2])], signer, IngestRequest("cctv", "BM", "bench"))
"""

REDACT = """
import sys
from pathlib import Path
from evidencekit import Case, Signer, parse_regions, redact_media_item
signer = Signer.from_seed(bytes(32), "Bench Mark", "Benchmarks")
case = Case.open(Path(sys.argv[1]))
regions = parse_regions(Path(sys.argv[2]).read_text())
print(redact_media_item(case, signer, "BM/1", regions).derived_ref)
"""

REGIONS = {"regions": [{"x": 100, "y": 100, "w": 400, "h": 300, "start": 5, "end": 40},
                       {"x": 1200, "y": 600, "w": 500, "h": 200, "style": "blur"}],
           "mute": [{"start": 20, "end": 30}]}


def plain_args(src: Path, dst: Path) -> list[str]:
    """The same encode without redaction filters."""
    video = [f"-{'c:v' if k == 'vcodec' else k}" if k != "pix_fmt" else "-pix_fmt"
             for k in VIDEO_SETTINGS]
    args = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src)]
    for flag, value in zip(video, VIDEO_SETTINGS.values(), strict=True):
        args += [flag, str(value)]
    args += ["-c:a", AUDIO_SETTINGS["acodec"], "-b:a", AUDIO_SETTINGS["audio_bitrate"],
             "-f", "mp4", str(dst)]
    return args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ek-bench-", dir=args.dir))
    try:
        clip = work / "clip.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                        f"testsrc2=size=1920x1080:rate=30:duration={args.seconds}", "-f",
                        "lavfi", "-i", f"sine=frequency=440:duration={args.seconds}",
                        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt",
                        "yuv420p", "-c:a", "aac", "-shortest", str(clip)], check=True)
        (work / "regions.json").write_text(json.dumps(REGIONS))
        python_peak(SETUP, str(work / "case"), str(clip))
        plain_s, _ = timed(plain_args(clip, work / "plain.mp4"))
        ours_s, peak, _ = python_peak(REDACT, str(work / "case"), str(work / "regions.json"))
        print(f"clip: {args.seconds} s, 1920x1080, 30 fps, with audio")
        print(f"plain ffmpeg re-encode ({VIDEO_SETTINGS}): {plain_s:.1f} s")
        print(f"evidencekit redact (2 regions, 1 mute range, stored and signed): {ours_s:.1f} s, "
              f"peak RSS {peak:.0f} MiB")
        print(f"ratio ours / plain: {ours_s / plain_s:.2f}  (target <= 1.15)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
