"""Video and audio metadata from ffprobe, called with a time limit.

ffmpeg-python's ``probe`` has no timeout, and a hostile file can make
ffprobe spin, so ffprobe is run here directly with ``subprocess`` and a
limit. Paths are always absolute, so a name starting with ``-`` is never
taken for an option.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

from evidencekit.core import limits
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError

_DEVICE_WORDS = ("make", "model", "device", "location", "serial", "manufacturer", "software",
                 "encoder", "handler", "vendor", "creation_time", "com.apple", "com.android")


def run_ffprobe(path: Path, timeout: float | None = None) -> dict[str, JsonValue]:
    """Ffprobe's JSON for ``path`` (format and streams).

    Raises:
        InputError: ffprobe is missing, timed out, or could not read the file.
    """
    exe = shutil.which("ffprobe")
    if exe is None:
        raise InputError("ffprobe is not installed.",
                         hint="Install ffmpeg (apt-get install ffmpeg).")
    args = [exe, "-v", "error", "-show_format", "-show_streams", "-of", "json",
            str(path.absolute())]
    seconds = timeout if timeout is not None else limits.value("ffprobe-seconds")
    try:
        done = subprocess.run(args, capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired as exc:
        raise limits.exceeded("ffprobe-seconds", f"ffprobe was stopped after {seconds:,.0f} s "
                              "reading the recording") from exc
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        # ffprobe names the file; the store's internal path means nothing to a user
        reason = lines[-1].replace(str(path.absolute()), "").strip(": ")[:200] if lines \
            else "no reason given"
        raise InputError(f"ffprobe could not read the file: {reason}.")
    try:
        data = json.loads(done.stdout.decode("utf-8", "replace"))
    except ValueError as exc:
        raise InputError("ffprobe printed something that is not JSON.") from exc
    if not isinstance(data, dict):
        raise InputError("ffprobe printed something unexpected.")
    return data


def _text(value: object, limit: int = 200) -> str:
    return str(value)[:limit]


def _rate(value: object) -> str | None:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return f"{float(rate):.3f}" if rate > 0 else None


def _stream_summary(stream: dict[str, object]) -> dict[str, JsonValue]:
    kind = _text(stream.get("codec_type", "unknown"), 20)
    out: dict[str, JsonValue] = {"type": kind, "codec": _text(stream.get("codec_name", "?"), 40)}
    if kind == "video":
        if isinstance(stream.get("width"), int) and isinstance(stream.get("height"), int):
            out["resolution"] = f"{stream['width']}x{stream['height']}"
        rate = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
        if rate:
            out["frame_rate"] = rate
    elif kind == "audio":
        for key in ("sample_rate", "channels"):
            if key in stream:
                out[key] = _text(stream[key], 20)
    return out


def _device_tags(tags: dict[str, object]) -> dict[str, JsonValue]:
    return {
        _text(key, 80): _text(value)
        for key, value in sorted(tags.items())
        if any(word in key.lower() for word in _DEVICE_WORDS)
    }


def _as_dict(value: object) -> dict[str, JsonValue]:
    return value if isinstance(value, dict) else {}


def media_metadata(probe: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """Summarise ffprobe output: duration, codecs, resolution, frame rate, times, device tags."""
    fmt = _as_dict(probe.get("format"))
    streams = probe.get("streams")
    if not isinstance(streams, list):
        streams = []
    tags = _as_dict(fmt.get("tags"))
    out: dict[str, JsonValue] = {"container": _text(fmt.get("format_name", "?"), 80)}
    with contextlib.suppress(KeyError, TypeError, ValueError):
        out["duration_seconds"] = f"{float(fmt['duration']):.3f}"
    out["streams"] = [_stream_summary(s) for s in streams[:16] if isinstance(s, dict)]
    video = next((s for s in out["streams"] if s.get("type") == "video"), None)
    if video:
        out.update({k: video[k] for k in ("resolution", "frame_rate") if k in video})
    if "creation_time" in tags:
        out["device_time"] = _text(tags["creation_time"], 60)
    out["device_tags"] = _device_tags(tags)
    return out
