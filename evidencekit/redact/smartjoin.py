"""Joining a smart render into one MP4, and checking the joins before it is used.

See :mod:`evidencekit.redact.smartrender` for how the pieces are made. The check
(:func:`check_joins`) is what lets the custody record say the rest is the
original's frames:

1. the joined video has exactly the original's frame times (every pts, same time base);
2. every re-encoded span and the copied GOP after it decode without error
   (``-xerror``), and every frame of that copied GOP decodes bit-identical to the
   original's (``framemd5``, pts and hash): the join back to the camera's parameter
   sets holds. Every other copied stretch is the original's packets, starting at an
   IDR frame with its own parameter sets, so it decodes as the original does; that
   no frame was lost or moved at a cut is step 1.
"""

from __future__ import annotations

import bisect
import subprocess
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from evidencekit.case.probe import run_ffprobe
from evidencekit.core import limits
from evidencekit.core.errors import RedactionError
from evidencekit.redact import gops
from evidencekit.redact.gops import Span
from evidencekit.redact.regions import RegionSet
from evidencekit.redact.smartrender import (
    NotSmart,
    Runner,
    Source,
    copy_video,
    encode_span,
    floor_seconds,
    probe_packets,
    seconds_of,
)

STRIP = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact",
         "-flags:a", "+bitexact", "-metadata:s:v", "handler_name=",
         "-metadata:s:a", "handler_name="]


def mute_filter(regions: RegionSet) -> list[str]:
    """``-af`` silencing every mute range (none when there is nothing to mute)."""
    if not regions.mute:
        return []
    return ["-af", ",".join(f"volume=0:enable='between(t,{m.start:.3f},{m.end:.3f})'"
                            for m in regions.mute)]


def mux_command(joins: Path, src: Path, dst: Path, regions: RegionSet) -> list[str]:
    """Join the pieces listed in ``joins`` and the original's audio, re-encoded and muted.

    SEI units go (``filter_units``); ``avc3`` says parameter sets travel in band.
    """
    return ["ffmpeg", "-nostdin", "-y", "-nostats", "-loglevel", "error", "-progress",
            "pipe:1", "-f", "concat", "-safe", "0", "-i", str(joins.absolute()),
            "-i", str(src.absolute()), "-map", "0:v:0", "-map", "1:a?", "-c:v", "copy",
            "-bsf:v", "filter_units=remove_types=6", "-tag:v", "avc3",
            *mute_filter(regions), "-c:a", "aac", "-b:a", "160k", *STRIP,
            "-movflags", "+faststart", "-f", "mp4", str(dst.absolute())]


def _after(source: Source, span: Span) -> int | None:
    """The keyframe after the one that ends ``span`` (the end of the first copied GOP)."""
    if span.end is None:
        return None
    keys = sorted(source.packets[i].pts for i in gops.cut_points(source.packets))
    at = bisect.bisect_right(keys, span.end)
    return keys[at] if at < len(keys) else None


def _framemd5(path: Path, start: int, count: int, source: Source) -> list[tuple[int, str]]:
    """Pts and hash of ``count`` frames from ``start`` ticks after the file's start."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-xerror", "-copyts", "-ss",
            floor_seconds(start, source.time_base), "-i", str(path.absolute()),
            "-map", "0:v:0", "-frames:v", str(count), "-fps_mode", "passthrough",
            "-enc_time_base", "-1", "-f", "framemd5", "pipe:1"]
    seconds = limits.value("still-seconds")
    try:
        done = subprocess.run(args, capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired as exc:
        raise NotSmart(f"checking a join took over {seconds:,.0f} s") from exc
    if done.returncode != 0:
        raise NotSmart("the joined copy does not decode cleanly at a join")
    rows = [line.split(",") for line in done.stdout.decode("ascii", "replace").splitlines()
            if line and not line.startswith("#")]
    return [(int(row[2]), row[5].strip()) for row in rows if len(row) >= 6]


def _start_ticks(path: Path, time_base: Fraction) -> int:
    """The file's start (the earliest of its streams) in ticks; ``-ss`` counts from there."""
    try:
        start = Fraction(str((run_ffprobe(path).get("format") or {}).get("start_time")))
    except (ValueError, ZeroDivisionError) as exc:
        raise NotSmart("the joined copy has no start time") from exc
    return round(start / time_base)


def check_joins(dst: Path, plain: Path, source: Source, spans: Sequence[Span]) -> None:
    """Steps 1 and 2 of the module docstring.

    Raises:
        NotSmart: naming the first check that failed.
    """
    time_base, packets = probe_packets(dst)
    out_first = min(p.pts for p in packets)
    if time_base != source.time_base or sorted(p.pts - out_first for p in packets) != \
            sorted(p.pts - source.first for p in source.packets):
        raise NotSmart("the joined copy's frame times differ from the original's")
    shift = out_first - source.first
    begins = _start_ticks(dst, time_base)
    for span in spans:
        stop = _after(source, span)
        count = gops.frames_in(source.packets, Span(span.start, stop))
        joined = _framemd5(dst, span.start + shift - begins, count, source)
        if len(joined) != count:
            raise NotSmart("the joined copy has a different number of frames at a join")
        if span.end is None:
            continue
        copied = gops.frames_in(source.packets, Span(span.end, stop))
        original = _framemd5(plain, span.end - source.first, copied, source)
        if not {(pts + shift, md5) for pts, md5 in original} <= set(joined):
            raise NotSmart("a frame outside the redacted span does not decode as the original")


def smart_render(src: Path, dst: Path, regions: RegionSet, run: Runner,
                 mux: Runner, allowed: float) -> tuple[tuple[float, float | None], ...]:
    """Write the redacted copy re-encoding only what the regions touch; return those spans.

    Spans are seconds from the clip's start, end ``None`` meaning to the end.

    Raises:
        NotSmart: the footage cannot be smart-rendered, or the joins did not verify
            (``dst`` is then removed); the caller re-encodes everything instead.
        InputError: ffmpeg ran past its time limit.
    """
    if any(r.start is None and r.end is None for r in regions.regions):
        raise NotSmart("a region covers the whole clip")
    with tempfile.TemporaryDirectory(dir=dst.parent, prefix="smart-") as tmp:
        work = Path(tmp)
        try:
            source, plain = copy_video(src, work, run, allowed)
            spans = gops.plan(regions.regions, source.packets, source.time_base)
            if spans and spans[0].start == source.first and spans[0].end is None:
                raise NotSmart("the regions cover the whole clip")
            names = [f"span-{n}.mp4" for n in range(1, len(spans) + 1)]
            for span, name in zip(spans, names, strict=True):
                run(encode_span(plain, source, span, regions, work / name), allowed)
            joins = work / "joins.ffconcat"
            joins.write_text(gops.concat_list(spans, source.packets, source.time_base,
                                              plain.name, names), encoding="utf-8")
            mux(mux_command(joins, src, dst, regions), allowed)
            check_joins(dst, plain, source, spans)
        except NotSmart:
            dst.unlink(missing_ok=True)
            raise
        except RedactionError as exc:  # ffmpeg refused a step: a full re-encode still may work
            dst.unlink(missing_ok=True)
            raise NotSmart(f"ffmpeg could not join the pieces ({exc.message})") from exc
    return tuple((seconds_of(s.start, source),
                  None if s.end is None else seconds_of(s.end, source)) for s in spans)
