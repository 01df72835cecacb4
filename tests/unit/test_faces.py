"""Faces: CenterFace finds what Haar misses, the fallback, tracking, previews, rejection."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import PIL.Image
import PIL.ImageStat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import (
    Case,
    IngestRequest,
    InputError,
    RedactionError,
    RegionSet,
    Signer,
    ingest,
    parse_regions,
    preview_media_item,
    redact_media_item,
)
from evidencekit.redact import facedetect
from evidencekit.redact.facedetect import Box, load_detector, load_haar
from evidencekit.redact.faces import FaceSearch, every_kth
from evidencekit.redact.facesheet import TILE, track_sheet
from evidencekit.redact.facetrack import Detection, FaceTrack, Tracker, track_regions

FACE = Path(__file__).resolve().parents[2] / "fixtures" / "faces" / "astronaut_256.jpg"
GREEN = (90, 110, 90)


def astronaut() -> PIL.Image.Image:
    return PIL.Image.open(FACE).convert("RGB")


def on_canvas(*parts: tuple[PIL.Image.Image, int, int],
              size: tuple[int, int] = (320, 320)) -> PIL.Image.Image:
    canvas = PIL.Image.new("RGB", size, GREEN)
    for image, x, y in parts:
        canvas.paste(image, (x, y))
    return canvas


def covers(found: list[Box], truth: Box) -> bool:
    tx, ty, tw, th = truth
    for x, y, w, h in found:
        inter = max(0, min(x + w, tx + tw) - max(x, tx)) * max(0, min(y + h, ty + th) - max(y, ty))
        if inter >= 0.5 * tw * th:
            return True
    return False


def mean(image: PIL.Image.Image, box: tuple[int, int, int, int]) -> float:
    return sum(PIL.ImageStat.Stat(image.crop(box)).mean) / 3


def _ingest(case: Case, signer: Signer, path: Path, kind: str) -> str:
    [result] = ingest(case, [path], signer, IngestRequest(kind, "HG", "test exhibit"))
    assert result.status == "ingested", result
    return str(result.ref)


def test_centerface_finds_turned_and_small_faces_that_haar_misses() -> None:
    # The face of astronaut_256.jpg is at about (91,30 44x58); the canvas moves it by 20,30.
    upright = np.asarray(on_canvas((astronaut(), 20, 30)))
    turned = np.asarray(on_canvas((astronaut().rotate(90), 20, 30)))
    small = np.asarray(on_canvas((astronaut().resize((96, 96)), 20, 30)))  # face ~20 px
    centerface, haar = load_detector(), load_haar()
    assert centerface.name == "centerface" and centerface.note == ""
    assert [b for b, _s in haar.detect(upright)]  # the control: Haar sees an upright face
    for pixels, truth in ((turned, (48, 150, 60, 46)), (small, (56, 42, 16, 22))):
        assert haar.detect(pixels) == []
        found = [b for b, _s in centerface.detect(pixels)]
        assert len(found) == 1 and covers(found, truth), found
    assert covers([b for b, _s in centerface.detect(upright)], (111, 60, 44, 58))


def test_haar_takes_over_when_the_model_is_missing_or_corrupt(tmp_path: Path) -> None:
    missing = load_detector(tmp_path / "nowhere.onnx")
    assert missing.name == "haar"
    assert "could not be loaded" in missing.note and "Haar" in missing.note
    altered = tmp_path / "altered.onnx"
    data = bytearray(facedetect.model_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    altered.write_bytes(bytes(data))
    assert "SHA-256" in load_detector(altered).note
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a network")
    assert load_detector(garbage).name == "haar"


def test_an_unloadable_model_falls_back_and_the_record_says_so(
        case: Case, hana: Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facedetect, "model_path", lambda: tmp_path / "gone.onnx")
    ref = _ingest(case, hana, FACE, "photo")
    result = redact_media_item(case, hana, ref, parse_regions("{}"), find_faces=True)
    assert result.face_detector == "haar" and result.face_tracks == 1
    assert "could not be loaded" in result.face_note
    event = case.events()[-1]
    assert event.details["faces"]["detector"] == "haar"  # type: ignore[index,call-overload]
    assert "Haar" in event.details["faces"]["note"]  # type: ignore[index,call-overload,operator]


def test_tracking_covers_the_frames_between_detections() -> None:
    frame_time = 1 / 25
    k, _ = every_kth(25)
    assert k == 5  # footage is looked at every 5th frame at 25 fps
    step = k * frame_time
    tracker = Tracker(step)
    for n in range(0, 50, k):  # a 40x40 face moving 3 px a frame to the right
        tracker.add(n * frame_time, [((100 + 3 * n, 50, 40, 40), 0.9)])
    [track] = tracker.tracks()
    regions = track_regions(track, step, frame_time)
    for n in range(-k + 1, 50 + k - 1):  # every frame, also just before and after
        t, x = n * frame_time, 100 + 3 * n
        active = [r for r in regions if r.active_at(t)]
        assert any(r.x <= x and x + 40 <= r.x + r.w for r in active) or n < 0 or n > 45, n
    assert all((r.end or 0) - (r.start or 0) <= 2.0 + 1e-9 for r in regions)


def test_a_face_lost_for_long_starts_a_new_track_and_a_far_face_its_own() -> None:
    tracker = Tracker(0.2)
    tracker.add(0.0, [((0, 0, 40, 40), 0.9), ((500, 0, 40, 40), 0.8)])
    tracker.add(0.2, [((5, 0, 40, 40), 0.9)])
    tracker.add(1.4, [((5, 0, 40, 40), 0.9)])  # gone for 6 looks: a new track
    tracks = tracker.tracks()
    assert [(t.id, len(t.detections)) for t in tracks] == [(1, 2), (2, 1), (3, 1)]


def _moving_clip(tmp_path: Path) -> Path:
    """Two seconds at 25 fps of the astronaut sliding right 2 px a frame on green."""
    clip = tmp_path / "moving.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "color=c=0x5a6e5a:s=480x320:r=25:d=2", "-loop", "1", "-i", str(FACE),
                    "-filter_complex", "[0][1]overlay=x='20+2*n':y=30:shortest=1",
                    "-pix_fmt", "yuv420p", "-c:v", "libx264", "-crf", "18", str(clip)],
                   check=True)
    return clip


def test_footage_is_hidden_in_frames_never_looked_at(case: Case, hana: Signer,
                                                     tmp_path: Path) -> None:
    ref = _ingest(case, hana, _moving_clip(tmp_path), "cctv")
    result = redact_media_item(case, hana, ref, parse_regions("{}"), find_faces=True,
                               out=tmp_path / "hidden.mp4")
    assert result.face_detector == "centerface" and result.face_tracks == 1
    assert 8 <= result.faces_found <= 10  # 50 frames, looked at every 5th
    for n in (2, 13, 27, 48):  # none of these frames was looked at
        still = _still(tmp_path / "hidden.mp4", n)
        x = 20 + 2 * n + 108  # the face's left edge in that frame
        assert mean(still, (x + 8, 70, x + 38, 110)) < 20, n


def _still(path: Path, n: int) -> PIL.Image.Image:
    png = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf",
                          f"select=eq(n\\,{n})", "-frames:v", "1", "-f", "image2pipe",
                          "-vcodec", "png", "pipe:1"], capture_output=True, check=True).stdout
    return PIL.Image.open(io.BytesIO(png)).convert("RGB")


def _track(n: int, t: float) -> FaceTrack:
    crop = io.BytesIO()
    PIL.Image.new("RGB", (30, 40), (250, 250, 250)).save(crop, format="PNG")
    return FaceTrack(n, (Detection(t, (0, 0, 30, 40), 0.8),), crop.getvalue())


def test_the_track_sheet_has_a_tile_per_track_with_its_crop() -> None:
    tracks = tuple(_track(n, n * 1.0) for n in range(1, 6))
    sheet = track_sheet(tracks, (2,), timed=True, width=3 * TILE)
    assert sheet is not None and sheet.size == (3 * TILE, 2 * TILE)
    for n in range(5):  # the white crop is drawn at the top of every tile
        x, y = (n % 3) * TILE + TILE // 2, (n // 3) * TILE + 40
        assert sheet.getpixel((x, y)) == (250, 250, 250)
    assert sheet.getpixel((5 * TILE // 2, 2 * TILE - 5)) == (32, 32, 32)  # no sixth tile
    assert track_sheet((), (), timed=True, width=TILE) is None


def test_the_contact_sheet_shows_the_face_tracks(case: Case, hana: Signer,
                                                 tmp_path: Path) -> None:
    ref = _ingest(case, hana, _moving_clip(tmp_path), "cctv")
    plain = tmp_path / "plain.png"
    preview_media_item(case, ref, parse_regions("{}"), plain)
    with_faces = preview_media_item(case, ref, parse_regions("{}"), tmp_path / "faces.png",
                                    find_faces=True)
    assert with_faces.face_tracks == 1 and with_faces.face_detector == "centerface"
    sheet = PIL.Image.open(tmp_path / "faces.png")
    assert sheet.height == PIL.Image.open(plain).height + TILE  # one row of track tiles
    assert with_faces.to_dict()["face_tracks"] == 1


def _two_faces(tmp_path: Path) -> Path:
    path = tmp_path / "two.png"
    on_canvas((astronaut(), 0, 0), (astronaut(), 300, 0), size=(560, 256)).save(path)
    return path


def test_a_rejected_track_is_not_hidden_and_the_record_says_where_it_was(
        case: Case, hana: Signer, tmp_path: Path) -> None:
    ref = _ingest(case, hana, _two_faces(tmp_path), "photo")
    shown = preview_media_item(case, ref, parse_regions("{}"), tmp_path / "p.png",
                               find_faces=True)
    assert shown.face_tracks == 2
    reject = parse_regions(json.dumps({"reject_faces": {"detector": "centerface",
                                                        "tracks": [2]}}))
    result = redact_media_item(case, hana, ref, reject, find_faces=True,
                               out=tmp_path / "out.png")
    assert (result.face_tracks, result.faces_rejected, result.regions) == (2, 1, 1)
    out = PIL.Image.open(tmp_path / "out.png").convert("RGB")
    faces = sorted([(108, 70, 140, 100), (408, 70, 440, 100)])
    hidden = [mean(out, box) < 10 for box in faces]
    assert sum(hidden) == 1  # one face hidden, the rejected one left as it was
    record = case.events()[-1].details["faces"]
    assert record["tracks"] == 2 and len(record["rejected"]) == 1  # type: ignore[index,call-overload,arg-type]


def test_rejections_must_name_tracks_of_the_same_detector(case: Case, hana: Signer,
                                                          tmp_path: Path) -> None:
    ref = _ingest(case, hana, _two_faces(tmp_path), "photo")

    def reject(detector: str, tracks: list[int]) -> RegionSet:
        return parse_regions(json.dumps({"reject_faces": {"detector": detector,
                                                          "tracks": tracks}}))

    with pytest.raises(RedactionError, match="numbered by haar"):
        redact_media_item(case, hana, ref, reject("haar", [1]), find_faces=True)
    with pytest.raises(RedactionError, match="track\\(s\\) 7"):
        redact_media_item(case, hana, ref, reject("centerface", [7]), find_faces=True)
    with pytest.raises(RedactionError, match="not being looked for"):
        redact_media_item(case, hana, ref, reject("centerface", [1]))


@pytest.mark.parametrize("text", [
    '{"reject_faces": [1, 2]}',
    '{"reject_faces": {"tracks": [1]}}',
    '{"reject_faces": {"detector": "centerface", "tracks": [0]}}',
    '{"reject_faces": {"detector": "centerface", "tracks": [true]}}',
    '{"reject_faces": {"detector": "", "tracks": [1]}}',
])
def test_bad_rejections_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="reject_faces"):
        parse_regions(text)


def test_a_photo_search_records_no_timeline() -> None:
    search = FaceSearch("centerface", "", (_track(1, 0.0),), 1)
    [region] = search.regions()
    assert region.start is None and region.label == "face 1"
    assert "detect_every_seconds" not in search.to_record()


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(["detector", "tracks", "x"]), inner,
                                      max_size=3), max_leaves=12)


@given(JSON)
def test_any_reject_faces_value_parses_or_gives_our_error(value: object) -> None:
    try:
        regions = parse_regions(json.dumps({"reject_faces": value}))
    except InputError:
        return
    assert all(isinstance(t, int) and t >= 1 for t in regions.reject_faces)
    assert regions.faces_detector or value is None
