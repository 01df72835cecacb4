"""Redacting footage and audio through ffmpeg (the filter graph built with ffmpeg-python).

Every output is re-encoded (H.264 + AAC in MP4, or AAC in M4A for audio), so no
stream of the original is copied through, and all container and stream metadata
(titles, comments, GPS ``location``, device names, creation times) is dropped.
ffmpeg runs with a time limit; its progress output drives a progress callback.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import ffmpeg

from evidencekit.case.probe import run_ffprobe
from evidencekit.core import limits
from evidencekit.core.errors import RedactionError
from evidencekit.redact.regions import Region, RegionSet

VIDEO_SETTINGS: dict[str, Any] = {"vcodec": "libx264", "crf": 18, "preset": "veryfast",
                                  "pix_fmt": "yuv420p"}
"""Codec settings for every redacted video; the benchmark re-encodes with the same."""
AUDIO_SETTINGS: dict[str, Any] = {"acodec": "aac", "audio_bitrate": "160k"}
STRIP: dict[str, Any] = {
    "map_metadata": -1, "map_chapters": -1, "fflags": "+bitexact",
    "flags:v": "+bitexact", "flags:a": "+bitexact",
    "metadata:s:v": "handler_name=", "metadata:s:a": "handler_name=",
}
Progress = Callable[[float], None]


@attrs.frozen
class MediaInfo:
    """What ffprobe says of a clip, as needed for redaction."""

    width: int | None
    height: int | None
    duration: float
    has_video: bool
    has_audio: bool
    frame_rate: float = 0.0


def media_info(path: Path) -> MediaInfo:
    """Probe a clip.

    Raises:
        RedactionError: ffprobe cannot read it, or it has no duration.
    """
    data = run_ffprobe(path)
    streams = [s for s in data.get("streams") or [] if isinstance(s, dict)]
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    audio = any(s.get("codec_type") == "audio" for s in streams)
    try:
        duration = float((data.get("format") or {}).get("duration"))  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise RedactionError("The recording has no readable duration (truncated or damaged?).") \
            from exc
    if video is None and not audio:
        raise RedactionError("The file holds neither video nor audio.")
    width, height = (video.get("width"), video.get("height")) if video else (None, None)
    rate = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")) if video \
        else 0.0
    return MediaInfo(width if isinstance(width, int) else None,
                     height if isinstance(height, int) else None, duration,
                     video is not None, audio, rate)


def _rate(value: object) -> float:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(rate) if rate > 0 else 0.0


def _enable(region: Region, duration: float) -> str:
    start = region.start if region.start is not None else 0.0
    end = region.end if region.end is not None else duration + 1.0
    return f"between(t,{start:.3f},{end:.3f})"


def _hide(stream: Any, region: Region, duration: float) -> Any:
    when = _enable(region, duration)
    if region.style == "box":
        return stream.drawbox(region.x, region.y, region.w, region.h, color="black",
                              t="fill", enable=when)
    split = stream.split()
    cells = 8 if region.style == "pixelate" else 4
    longest = max(region.w, region.h)
    small_w = max(1, region.w * cells // longest)
    small_h = max(1, region.h * cells // longest)
    flags = "neighbor" if region.style == "pixelate" else "bilinear"
    part = (split[1].crop(region.x, region.y, region.w, region.h)
            .filter("scale", small_w, small_h, flags="area")
            .filter("scale", region.w, region.h, flags=flags))
    if region.style == "blur":
        part = part.filter("gblur", sigma=max(2, longest // 8))
    return ffmpeg.overlay(split[0], part, x=region.x, y=region.y, enable=when)


def build_command(src: Path, dst: Path, regions: RegionSet, info: MediaInfo,
                  exe: str = "ffmpeg") -> list[str]:
    """The ffmpeg command line that writes the redacted copy (no shell involved)."""
    source = ffmpeg.input(str(src.absolute()))
    outputs: list[Any] = []
    kwargs: dict[str, Any] = {**STRIP}
    if info.has_video:
        video = source.video
        for region in regions.regions:
            video = _hide(video, region, info.duration)
        outputs.append(video)
        kwargs.update(VIDEO_SETTINGS, f="mp4", movflags="+faststart")
    if info.has_audio:
        audio = source.audio
        for mute in regions.mute:
            audio = audio.filter("volume", volume=0,
                                 enable=f"between(t,{mute.start:.3f},{mute.end:.3f})")
        outputs.append(audio)
        kwargs.update(AUDIO_SETTINGS)
        kwargs.setdefault("f", "ipod")  # M4A for audio-only recordings
    stream = ffmpeg.output(*outputs, str(dst.absolute()), **kwargs)
    stream = stream.global_args("-nostdin", "-y", "-nostats", "-loglevel", "error",
                                "-progress", "pipe:1")
    return list(stream.compile(cmd=exe))


def _follow(proc: subprocess.Popen[bytes], progress: Progress | None) -> None:
    assert proc.stdout is not None  # noqa: S101 - Popen was given stdout=PIPE
    for raw in proc.stdout:
        key, _sep, value = raw.decode("ascii", "replace").strip().partition("=")
        if progress and key == "out_time_us" and value.isdigit():
            progress(int(value) / 1e6)


def run_ffmpeg(args: list[str], timeout: float, progress: Progress | None = None,
               limit: str = "ffmpeg-seconds-base") -> None:
    """Run ffmpeg, reporting progress in seconds of output written.

    Raises:
        RedactionError: ffmpeg failed or ran past ``timeout`` seconds (it is then stopped).
    """
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        reader = threading.Thread(target=_follow, args=(proc, progress), daemon=True)
        reader.start()
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            proc.communicate()
            raise limits.exceeded(limit, f"ffmpeg was stopped after {timeout:,.0f} s") from exc
        reader.join(timeout=5)
    if proc.returncode != 0:
        lines = (err or b"").decode("utf-8", "replace").strip().splitlines()
        raise RedactionError(f"ffmpeg could not redact the recording: "
                         f"{lines[-1][:200] if lines else 'no reason given'}.")


def redact_media(src: Path, dst: Path, regions: RegionSet,
                 progress: Progress | None = None) -> MediaInfo:
    """Write a redacted, metadata-free copy of a clip to ``dst``.

    Raises:
        RedactionError: the clip cannot be read, a region does not fit, or ffmpeg failed.
    """
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RedactionError("ffmpeg is not installed.", hint="apt-get install ffmpeg")
    info = media_info(src)
    if (info.width or 0) * (info.height or 0) > limits.whole("video-pixels"):
        raise limits.exceeded("video-pixels", f"The recording's frames are {info.width}x"
                              f"{info.height} pixels")
    if info.has_video and info.width and info.height:
        regions.check_fits(info.width, info.height, info.duration)
    elif regions.regions:
        raise RedactionError("Regions apply to pictures; this recording has no video.")
    else:
        regions.check_fits(1, 1, info.duration)
    allowed = limits.value("ffmpeg-seconds-base") + \
        limits.value("ffmpeg-seconds-per-second") * info.duration
    run_ffmpeg(build_command(src, dst, regions, info, exe), allowed, progress)
    return info
