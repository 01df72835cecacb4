"""Redacting footage and audio through ffmpeg (the filter graph built with ffmpeg-python).

H.264 footage is smart-rendered (:mod:`evidencekit.redact.smartjoin`): only the
groups of pictures a region touches are re-encoded, the rest is the original's
packets. Anything else is re-encoded whole (H.264 + AAC in MP4, or AAC in M4A for
audio). Either way all container and stream metadata (titles, comments, GPS
``location``, device names, creation times) is dropped and the audio is re-encoded.
ffmpeg runs with a time limit; its progress output drives a progress callback.
"""

from __future__ import annotations

import functools
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
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import RedactionError
from evidencekit.redact.regions import RegionSet
from evidencekit.redact.smartjoin import smart_render
from evidencekit.redact.smartrender import NotSmart
from evidencekit.redact.videofilters import hide

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


def build_command(src: Path, dst: Path, regions: RegionSet, info: MediaInfo,
                  exe: str = "ffmpeg") -> list[str]:
    """The ffmpeg command line that writes the redacted copy (no shell involved)."""
    source = ffmpeg.input(str(src.absolute()))
    outputs: list[Any] = []
    kwargs: dict[str, Any] = {**STRIP}
    if info.has_video:
        video = source.video
        for region in regions.regions:
            video = hide(video, region, info.duration)
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


@attrs.frozen
class Rendering:
    """How a redacted copy was made: which spans were re-encoded, and why if all of it."""

    info: MediaInfo
    smart: bool
    reencoded: tuple[tuple[float, float | None], ...] = ()
    note: str = ""

    def summary(self) -> str:
        """One line for a person: what was re-encoded."""
        if not self.info.has_video:
            return ""
        if not self.smart:
            return f"every frame re-encoded: {self.note}"
        if not self.reencoded:
            return "no frame re-encoded: every frame is the original's"
        spans = ", ".join(f"{a:.3f}-{'end' if b is None else f'{b:.3f}'} s"
                          for a, b in self.reencoded)
        return f"re-encoded {spans}; every other frame is the original's"

    def to_record(self) -> dict[str, JsonValue]:
        """The custody record of how the video was made (times as text)."""
        if not self.info.has_video:
            return {"method": "audio re-encoded whole"}
        if not self.smart:
            return {"method": "full re-encode", "reason": self.note}
        return {"method": "smart render",
                "reencoded": [{"start": f"{a:.3f}", "end": None if b is None else f"{b:.3f}"}
                              for a, b in self.reencoded],
                "rest": REST}


REST = ("every frame outside the re-encoded ranges is the original's: its packets are copied "
        "unchanged except that SEI user data is removed and parameter sets are repeated in "
        "band, and it decodes bit-identical to the original (checked at every join)")


def redact_media(src: Path, dst: Path, regions: RegionSet,
                 progress: Progress | None = None) -> Rendering:
    """Write a redacted, metadata-free copy of a clip to ``dst``.

    H.264 footage is smart-rendered (only the groups of pictures a region touches are
    re-encoded); anything else, or a join that does not verify, is re-encoded whole.

    Raises:
        RedactionError: the clip cannot be read, a region does not fit, or ffmpeg failed.
    """
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RedactionError("ffmpeg is not installed.", hint="apt-get install ffmpeg")
    info = media_info(src)
    _check(info, regions)
    allowed = limits.value("ffmpeg-seconds-base") + \
        limits.value("ffmpeg-seconds-per-second") * info.duration
    note = ""
    if info.has_video:
        try:
            spans = smart_render(src, dst, regions, run_ffmpeg,
                                 functools.partial(run_ffmpeg, progress=progress), allowed)
            return Rendering(info, True, spans)
        except NotSmart as why:
            note = f"{why.message}, so every frame was re-encoded"
    run_ffmpeg(build_command(src, dst, regions, info, exe), allowed, progress)
    return Rendering(info, False, note=note)


def _check(info: MediaInfo, regions: RegionSet) -> None:
    if (info.width or 0) * (info.height or 0) > limits.whole("video-pixels"):
        raise limits.exceeded("video-pixels", f"The recording's frames are {info.width}x"
                              f"{info.height} pixels")
    if info.has_video and info.width and info.height:
        regions.check_fits(info.width, info.height, info.duration)
    elif regions.regions:
        raise RedactionError("Regions apply to pictures; this recording has no video.")
    else:
        regions.check_fits(1, 1, info.duration)
