"""Smart rendering: re-encode only the groups of pictures a redaction touches.

For H.264 footage in MP4, MOV, MKV or MPEG-TS: the video is first copied into a
plain MP4 (packets unchanged); each span a region needs (keyframe before its start
to the keyframe after its end, see :mod:`evidencekit.redact.gops`) is decoded,
painted and encoded again with the source's resolution, frame rate, profile, level,
pixel format and reorder delay; ffmpeg's concat demuxer then joins copied and
re-encoded stretches. Its ``h264_mp4toannexb`` step puts every IDR's own parameter
sets in band (the ``avc3`` sample entry), so the re-encoded stretches need not share
the camera's SPS/PPS. SEI units (x264's settings string, camera user data) are
dropped from every packet, container and stream metadata are dropped, and the audio
is re-encoded whole with its mute ranges.

The joined file is checked before it is used (:func:`check_joins`); anything this
module cannot do raises :class:`NotSmart`, and the caller re-encodes everything.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import ffmpeg

from evidencekit.case.probe import run_ffprobe
from evidencekit.core import limits
from evidencekit.core.errors import RedactionError
from evidencekit.redact import gops
from evidencekit.redact.gops import Packet, Span
from evidencekit.redact.regions import Region, RegionSet
from evidencekit.redact.videofilters import hide

CONTAINERS = ("mov", "mp4", "matroska", "mpegts")
PROFILES = {"Constrained Baseline": "baseline", "Baseline": "baseline", "Main": "main",
            "High": "high"}
PIX_FMTS = ("yuv420p", "yuvj420p")
Runner = Callable[[list[str], float], None]
"""Runs one ffmpeg command line with a time limit (``video.run_ffmpeg``)."""


class NotSmart(RedactionError):
    """This footage cannot be smart-rendered; the message says why (kept in custody)."""


@attrs.frozen
class Source:
    """The video stream of a clip, as far as smart rendering needs it."""

    index: int
    encoder: tuple[tuple[str, str], ...]
    time_base: Fraction
    packets: tuple[Packet, ...]

    @property
    def first(self) -> int:
        """The first frame's pts (time 0 of the clip)."""
        return min(p.pts for p in self.packets)


def _video_stream(probe: dict[str, Any]) -> dict[str, Any]:
    fmt = str((probe.get("format") or {}).get("format_name", ""))
    if not any(name in fmt.split(",") for name in CONTAINERS):
        raise NotSmart(f"the container ({fmt}) is not MP4, MOV, MKV or MPEG-TS")
    videos = [s for s in probe.get("streams") or [] if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get("attached_pic")]
    if len(videos) != 1:
        raise NotSmart(f"the file has {len(videos)} video streams, not one")
    stream: dict[str, Any] = videos[0]
    if stream.get("codec_name") != "h264":
        raise NotSmart(f"the footage is {stream.get('codec_name')}, not H.264")
    return stream


def encoder_args(stream: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """x264 options that reproduce the source's profile, level, pixel format and delay.

    Raises:
        NotSmart: a profile or pixel format x264 cannot match here.
    """
    profile = PROFILES.get(str(stream.get("profile")))
    pix_fmt = str(stream.get("pix_fmt"))
    if profile is None or pix_fmt not in PIX_FMTS:
        raise NotSmart(f"the H.264 profile ({stream.get('profile')}, {pix_fmt}) cannot be "
                       "matched by the encoder")
    args = {"c:v": "libx264", "preset": "veryfast", "crf": "18", "profile:v": profile,
            "pix_fmt": pix_fmt}
    level = stream.get("level")
    if isinstance(level, int) and level > 0:
        args["level:v"] = f"{level / 10:.1f}"
    delay = int(stream.get("has_b_frames") or 0)
    if delay == 0 or profile == "baseline":
        args["bf"] = "0"
    elif delay == 1:
        args.update({"bf": "1", "x264-params": "b-pyramid=none"})
    return tuple(args.items())


def probe_packets(path: Path) -> tuple[Fraction, list[Packet]]:
    """The time base and packets (decode order) of the first video stream.

    Raises:
        NotSmart: ffprobe failed, timed out, or the stream has no packets.
    """
    seconds = limits.value("ffprobe-seconds")
    args = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
            "stream=time_base:packet=pts,dts,flags", "-of", "csv=p=0", str(path.absolute())]
    try:
        done = subprocess.run(args, capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired as exc:
        raise NotSmart(f"listing the video packets took over {seconds:,.0f} s") from exc
    text = done.stdout.decode("ascii", "replace")
    bases = [line for line in text.splitlines() if "/" in line]
    packets = gops.parse_packets("\n".join(x for x in text.splitlines() if "/" not in x))
    if done.returncode != 0 or not bases or not packets:
        raise NotSmart("the video packets could not be listed")
    return Fraction(bases[0].strip().strip(",")), packets


def copy_video(src: Path, work: Path, run: Runner, allowed: float) -> tuple[Source, Path]:
    """Copy the video stream into a plain MP4 (every packet unchanged) and describe it.

    Raises:
        NotSmart: the footage is not H.264 in a supported container, or cannot be read.
    """
    stream = _video_stream(run_ffprobe(src))
    encoder = encoder_args(stream)
    plain = work / "video.mp4"
    run(["ffmpeg", "-nostdin", "-y", "-v", "error", "-i", str(src.absolute()), "-map",
         f"0:{stream['index']}", "-c", "copy", "-map_metadata", "-1", "-f", "mp4",
         str(plain)], allowed)
    time_base, packets = probe_packets(plain)
    return Source(int(stream["index"]), encoder, time_base, tuple(packets)), plain


def _shifted(region: Region, offset: float) -> Region:
    """The region on the copied stream's own clock (``offset`` is its first frame's time)."""
    end = None if region.end is None else region.end + offset
    return attrs.evolve(region, start=(region.start or 0.0) + offset, end=end)


def seconds_of(ticks: int, source: Source) -> float:
    """Seconds from the clip's first frame."""
    return float((ticks - source.first) * source.time_base)


def floor_seconds(ticks: int, time_base: Fraction) -> str:
    """Ticks as ffmpeg's seconds, rounded down to the microsecond (never past a frame)."""
    us = ticks * time_base * 1_000_000
    whole = us.numerator // us.denominator
    return f"{whole // 1_000_000}.{whole % 1_000_000:06d}"


def encode_span(plain: Path, source: Source, span: Span, regions: RegionSet,
                dst: Path) -> list[str]:
    """The command that paints and re-encodes one span, keeping the original timestamps.

    ``-copyts`` keeps every frame's time as in the copied stream, so the concat demuxer
    places the span exactly and region times shift only by the first frame's time
    (``-ss`` still counts from the file's start, which is its first frame);
    ``-fps_mode passthrough`` keeps variable frame rates as they are.
    """
    at = floor_seconds(span.start - source.first, source.time_base)
    stream = ffmpeg.input(str(plain.absolute()), ss=at, copyts=None).video
    offset = float(source.first * source.time_base)
    for region in regions.regions:
        stream = hide(stream, _shifted(region, offset), offset + float(_end_seconds(source)))
    out = ffmpeg.output(stream, str(dst.absolute()), f="mp4", an=None,
                        **{"frames:v": gops.frames_in(source.packets, span),
                           "fps_mode": "passthrough", "enc_time_base:v": "-1",
                           "video_track_timescale": source.time_base.denominator,
                           "map_metadata": -1, **dict(source.encoder)})
    return list(out.global_args("-nostdin", "-y", "-v", "error").compile(cmd="ffmpeg"))


def _end_seconds(source: Source) -> Fraction:
    return (max(p.pts for p in source.packets) - source.first + 1) * source.time_base
