"""Smart rendering of H.264 footage, judged by ffmpeg (framemd5, volumedetect, -xerror), ffprobe.

Clips are made with ffmpeg's testsrc2 and sine at 640x360, 25 fps, with closed
2-second GOPs unless a test says otherwise; x264 writes its settings in an SEI.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import PIL.Image
import PIL.ImageFilter
import PIL.ImageStat
import pytest

from evidencekit import Case, IngestRequest, Signer, ingest, parse_regions, redact_media_item
from evidencekit.redact import smartjoin, video
from evidencekit.redact.video import Rendering

REGIONS = parse_regions(json.dumps({
    "regions": [{"x": 100, "y": 80, "w": 200, "h": 120, "start": 7.0, "end": 9.0},
                {"x": 400, "y": 200, "w": 160, "h": 100, "start": 14.5, "end": 15.0,
                 "style": "pixelate"}],
    "mute": [{"start": 3.0, "end": 5.0}]}))
LEAKS = ("Elm Court", "location", "creation_time", "comment", "Lavf", "x264")


def make_clip(path: Path, seconds: int, *, gop: int = 50, codec: tuple[str, ...] = (),
              x264: str = "") -> Path:
    video_args = codec or ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                           "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
                           *(("-x264-params", x264) if x264 else ()))
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=640x360:rate=25:duration={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", *video_args, "-c:a", "aac",
                    "-metadata", "title=Elm Court cam 2", "-metadata", "comment=PC 123",
                    "-metadata", "location=+51.5035-000.1276/",
                    "-metadata", "creation_time=2026-11-14T23:40:00Z", str(path)], check=True)
    return path


def framemd5(path: Path) -> list[tuple[int, str]]:
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0",
                          "-fps_mode", "passthrough", "-enc_time_base", "-1", "-f", "framemd5",
                          "-"], capture_output=True, text=True, check=True).stdout
    rows = [line.split(",") for line in out.splitlines() if not line.startswith("#")]
    return [(int(row[2]), row[5].strip()) for row in rows]


def frame(path: Path, t: float) -> PIL.Image.Image:
    png = subprocess.run(["ffmpeg", "-v", "error", "-ss", str(t), "-i", str(path), "-frames:v",
                          "1", "-f", "image2pipe", "-vcodec", "png", "pipe:1"],
                         capture_output=True, check=True).stdout
    return PIL.Image.open(io.BytesIO(png)).convert("RGB")


def mean(image: PIL.Image.Image, box: tuple[int, int, int, int]) -> float:
    return sum(PIL.ImageStat.Stat(image.crop(box)).mean) / 3


def edges(image: PIL.Image.Image, box: tuple[int, int, int, int]) -> float:
    return PIL.ImageStat.Stat(image.crop(box).convert("L").filter(PIL.ImageFilter.FIND_EDGES))\
        .mean[0]


def max_volume(path: Path, start: float, length: float) -> float:
    err = subprocess.run(["ffmpeg", "-hide_banner", "-ss", str(start), "-t", str(length), "-i",
                          str(path), "-vn", "-af", "volumedetect", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    line = next(x for x in err.splitlines() if "max_volume" in x)
    return float(line.split("max_volume:")[1].split()[0])


def probe(path: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-show_format",
                          "-show_streams", "-of", "json", str(path)],
                         capture_output=True, check=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def decodes_cleanly(path: Path) -> bool:
    done = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "null",
                           "-"], capture_output=True, text=True, check=False)
    return done.returncode == 0 and not done.stderr.strip()


def identical_outside(src: Path, out: Path, spans: tuple[tuple[float, float | None], ...],
                      rate: int = 12800) -> tuple[int, int]:
    """(frames outside the spans, of them bit-identical with the same pts)."""
    before, after = framemd5(src), set(framemd5(out))
    assert len(framemd5(out)) == len(before)

    def inside(pts: int) -> bool:
        return any(a * rate <= pts and (b is None or pts < b * rate) for a, b in spans)

    kept = [row for row in before if not inside(row[0])]
    return len(kept), sum(1 for row in kept if row in after)


@pytest.fixture(scope="module")
def smart(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Rendering]:
    work = tmp_path_factory.mktemp("smart")
    src = make_clip(work / "cctv.mp4", 20)
    out = work / "out.mp4"
    return src, out, video.redact_media(src, out, REGIONS)


def test_only_the_touched_gops_are_reencoded(smart: tuple[Path, Path, Rendering]) -> None:
    src, out, rendering = smart
    assert rendering.smart and rendering.note == ""
    assert rendering.reencoded == ((6.0, 10.0), (14.0, 16.0))  # keyframe before to after
    total, same = identical_outside(src, out, rendering.reencoded)
    assert total == 350 and same == 350  # every frame outside decodes bit-identical
    assert rendering.to_record()["method"] == "smart render"


def test_regions_are_obscured_inside_their_range(smart: tuple[Path, Path, Rendering]) -> None:
    src, out, _ = smart
    box = (104, 84, 296, 196)
    assert mean(frame(out, 8.0), box) < 12 and mean(frame(out, 9.0), box) < 12  # end inclusive
    assert mean(frame(src, 8.0), box) > 40
    assert mean(frame(out, 9.6), box) > 40  # re-encoded, but after the region: the picture
    cells = (404, 204, 556, 296)
    assert edges(frame(out, 14.8), cells) < 0.5 * edges(frame(src, 14.8), cells)


def test_mute_range_is_silent(smart: tuple[Path, Path, Rendering]) -> None:
    _, out, _ = smart
    assert max_volume(out, 3.2, 1.6) < -60
    assert max_volume(out, 0.5, 2.0) > -40 and max_volume(out, 6.0, 2.0) > -40


def test_duration_frames_and_decoding(smart: tuple[Path, Path, Rendering]) -> None:
    src, out, _ = smart
    before, after = probe(src), probe(out)
    assert abs(float(after["format"]["duration"]) - float(before["format"]["duration"])) < 0.05
    frames = {s["codec_type"]: s["nb_read_frames"] for s in after["streams"]}
    assert frames["video"] == "500"
    [stream] = [s for s in after["streams"] if s["codec_type"] == "video"]
    assert (stream["width"], stream["height"], stream["r_frame_rate"], stream["profile"],
            stream["pix_fmt"]) == (640, 360, "25/1", "High", "yuv420p")
    assert decodes_cleanly(out)


def test_metadata_and_sei_are_gone(smart: tuple[Path, Path, Rendering]) -> None:
    src, out, _ = smart
    assert b"x264 - core" in src.read_bytes()  # x264's user-data SEI in the original
    data = probe(out)
    text = json.dumps([data["format"].get("tags", {})] +
                      [s.get("tags", {}) for s in data["streams"]])
    for leak in LEAKS:
        assert leak not in text, leak
    assert b"x264 - core" not in out.read_bytes() and b"Elm Court" not in out.read_bytes()


def test_custody_event_records_the_reencoded_ranges(case: Case, hana: Signer,
                                                    tmp_path: Path) -> None:
    src = make_clip(tmp_path / "cam.mp4", 10)
    [made] = ingest(case, [src], hana, IngestRequest("cctv", "HG", "camera 2"))
    regions = parse_regions('{"regions": [{"x": 0, "y": 0, "w": 50, "h": 50, '
                            '"start": 4.5, "end": 5.0}]}')
    result = redact_media_item(case, hana, str(made.ref), regions)
    event = case.events()[-1]
    assert event.action == "redacted"
    rendering = event.details["rendering"]
    assert rendering["method"] == "smart render"
    assert rendering["reencoded"] == [{"start": "4.000", "end": "6.000"}]
    assert "original's" in rendering["rest"]
    assert result.rendering == "re-encoded 4.000-6.000 s; every other frame is the original's"
    assert event.details["metadata"] == "all container and stream metadata and all SEI removed"
    out = case.object_path(result.sha256)
    assert identical_outside(src, out, ((4.0, 6.0),)) == (200, 200)


def test_mpeg4_part2_falls_back_to_a_full_reencode(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "old.mp4", 10, codec=("-c:v", "mpeg4", "-q:v", "5"))
    out = tmp_path / "out.mp4"
    regions = parse_regions('{"regions": [{"x": 100, "y": 80, "w": 200, "h": 120, '
                            '"start": 4.0, "end": 5.0}]}')
    rendering = video.redact_media(src, out, regions)
    assert not rendering.smart and "mpeg4, not H.264" in rendering.note
    assert rendering.to_record() == {"method": "full re-encode", "reason": rendering.note}
    assert decodes_cleanly(out) and mean(frame(out, 4.5), (104, 84, 296, 196)) < 12
    assert identical_outside(src, out, ())[1] == 0  # all re-encoded


def test_keyframe_sparse_source(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "sparse.mp4", 30, gop=250)  # one keyframe every 10 s
    out = tmp_path / "out.mp4"
    regions = parse_regions('{"regions": [{"x": 100, "y": 80, "w": 200, "h": 120, '
                            '"start": 12.0, "end": 13.0}], "mute": [{"start": 25, "end": 26}]}')
    rendering = video.redact_media(src, out, regions)
    assert rendering.smart and rendering.reencoded == ((10.0, 20.0),)
    assert identical_outside(src, out, rendering.reencoded) == (500, 500)
    assert mean(frame(out, 12.5), (104, 84, 296, 196)) < 12
    assert decodes_cleanly(out) and max_volume(out, 25.2, 0.6) < -60


def test_open_gops_are_not_cut(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "open.mp4", 10, x264="open-gop=1")
    out = tmp_path / "out.mp4"
    regions = parse_regions('{"regions": [{"x": 0, "y": 0, "w": 50, "h": 50, '
                            '"start": 4.0, "end": 5.0}]}')
    rendering = video.redact_media(src, out, regions)
    assert decodes_cleanly(out) and mean(frame(out, 4.5), (2, 2, 48, 48)) < 12
    if rendering.smart:  # cut only at IDR frames, never inside an open GOP
        assert identical_outside(src, out, rendering.reencoded)[1] == \
            identical_outside(src, out, rendering.reencoded)[0]
    else:
        assert rendering.note


def test_a_join_that_does_not_verify_falls_back(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_clip(tmp_path / "cam.mp4", 10)
    out = tmp_path / "out.mp4"
    real = smartjoin.encode_span

    def one_frame_short(*args: object) -> list[str]:
        command = real(*args)  # type: ignore[arg-type]
        at = command.index("-frames:v") + 1
        command[at] = str(int(command[at]) - 1)
        return command

    monkeypatch.setattr(smartjoin, "encode_span", one_frame_short)
    regions = parse_regions('{"regions": [{"x": 0, "y": 0, "w": 50, "h": 50, '
                            '"start": 4.0, "end": 5.0}]}')
    rendering = video.redact_media(src, out, regions)
    assert not rendering.smart and "frame times differ" in rendering.note
    assert decodes_cleanly(out) and probe(out)["streams"][0]["nb_read_frames"] == "250"


def test_only_mute_ranges_copy_every_frame(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "cam.mp4", 10)
    out = tmp_path / "out.mp4"
    rendering = video.redact_media(src, out, parse_regions('{"mute": [{"start": 2, "end": 3}]}'))
    assert rendering.smart and rendering.reencoded == ()
    assert identical_outside(src, out, ()) == (250, 250)
    assert max_volume(out, 2.2, 0.6) < -60 and max_volume(out, 5.0, 1.0) > -40


@pytest.mark.parametrize("container", ["mkv", "ts", "mov"])
def test_other_containers_are_smart_rendered(tmp_path: Path, container: str) -> None:
    src = make_clip(tmp_path / f"cam.{container}", 10)
    out = tmp_path / "out.mp4"
    regions = parse_regions('{"regions": [{"x": 0, "y": 0, "w": 50, "h": 50, '
                            '"start": 4.5, "end": 5.0}]}')
    rendering = video.redact_media(src, out, regions)
    assert rendering.smart and rendering.reencoded == ((4.0, 6.0),), rendering.note
    before, after = framemd5(src), framemd5(out)  # time bases differ: compare by position
    assert len(before) == len(after) == 250
    changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True)) if a[1] != b[1]]
    assert changed and min(changed) >= 100 and max(changed) < 150  # frames of 4.0 to 6.0 s
    assert decodes_cleanly(out)


def test_parameter_sets_lost_at_a_join_are_caught(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    src = make_clip(tmp_path / "cam.mp4", 10)
    out = tmp_path / "out.mp4"
    real = smartjoin.mux_command

    def without_inband_parameter_sets(*args: object) -> list[str]:
        command = real(*args)  # type: ignore[arg-type]
        at = command.index("concat") + 1
        return [*command[:at], "-auto_convert", "0", *command[at:]]

    monkeypatch.setattr(smartjoin, "mux_command", without_inband_parameter_sets)
    regions = parse_regions('{"regions": [{"x": 0, "y": 0, "w": 50, "h": 50, '
                            '"start": 4.0, "end": 5.0}]}')
    rendering = video.redact_media(src, out, regions)
    assert not rendering.smart and "decode" in rendering.note, rendering.note
    assert decodes_cleanly(out)
