"""Photo, footage and audio redaction, judged with exiftool, ffprobe and ffmpeg."""

from __future__ import annotations

import io
import itertools
import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import PIL.Image
import PIL.ImageDraw
import PIL.ImageFilter
import PIL.ImageOps
import PIL.ImageStat
import pytest

from evidencekit import (
    Case,
    ExportRequest,
    IngestRequest,
    InputError,
    Signer,
    export_package,
    ingest,
    parse_regions,
    preview_media_item,
    redact_media_item,
    verify_case,
    verify_package,
)
from evidencekit.redact.faces import TRACK_SECONDS, track_faces

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def exiftool(path: Path) -> str:
    return subprocess.run(["exiftool", "-a", "-G1", "-ee", "-u", str(path)],
                          capture_output=True, text=True, check=True).stdout


def ffprobe(path: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of",
                          "json", str(path)], capture_output=True, check=True).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def frame(path: Path, t: float) -> PIL.Image.Image:
    png = subprocess.run(["ffmpeg", "-v", "error", "-ss", str(t), "-i", str(path), "-frames:v",
                          "1", "-f", "image2pipe", "-vcodec", "png", "pipe:1"],
                         capture_output=True, check=True).stdout
    return PIL.Image.open(io.BytesIO(png)).convert("RGB")


def max_volume(path: Path, start: float, length: float) -> float:
    err = subprocess.run(["ffmpeg", "-hide_banner", "-ss", str(start), "-t", str(length), "-i",
                          str(path), "-vn", "-af", "volumedetect", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    line = next(x for x in err.splitlines() if "max_volume" in x)
    return float(line.split("max_volume:")[1].split()[0])


def mean(image: PIL.Image.Image, box: tuple[int, int, int, int]) -> float:
    return sum(PIL.ImageStat.Stat(image.crop(box)).mean) / 3


def edge_energy(image: PIL.Image.Image, box: tuple[int, int, int, int]) -> float:
    edges = image.crop(box).convert("L").filter(PIL.ImageFilter.FIND_EDGES)
    return PIL.ImageStat.Stat(edges).mean[0]


@pytest.fixture
def leaky_photo(tmp_path: Path) -> Path:
    """A photo stored sideways (Orientation 6), with GPS, serial, XMP, IPTC and a thumbnail."""
    image = PIL.Image.new("RGB", (400, 200), (200, 200, 200))
    draw = PIL.ImageDraw.Draw(image)
    for x in range(0, 400, 8):  # fine detail that a weak blur would leave readable
        draw.line((x, 0, x, 200), fill=(0, 0, 0), width=2)
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    exif[0x010F], exif[0x0110], exif[0x013B] = "LeakyCam", "LC-1", "Neighbour Photographer"
    exif.get_ifd(0x8769)[0xA431] = "SERIAL-12345"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 1.0), 3: "W", 4: (0.0, 7.0, 2.0)})
    path = tmp_path / "leaky.jpg"
    image.save(path, exif=exif, quality=90)
    thumb = tmp_path / "thumb.jpg"
    image.resize((80, 40)).save(thumb)
    subprocess.run(["exiftool", "-q", "-overwrite_original", f"-ThumbnailImage<={thumb}",
                    "-XMP-dc:Creator=Jane Neighbour", "-IPTC:By-line=Jane Neighbour",
                    str(path)], check=True)
    found = exiftool(path)
    assert "GPS Latitude" in found and "Thumbnail Image" in found and "Jane Neighbour" in found
    return path


def _ingest(case: Case, signer: Signer, path: Path, kind: str) -> str:
    [result] = ingest(case, [path], signer, IngestRequest(kind, "HG", "test exhibit"))
    assert result.status == "ingested", result
    return str(result.ref)


def test_photo_copy_has_no_metadata_and_hides_regions(case: Case, hana: Signer,
                                                      leaky_photo: Path, tmp_path: Path) -> None:
    ref = _ingest(case, hana, leaky_photo, "photo")
    original = case.object_path(case.item(ref).sha256).read_bytes()
    regions = parse_regions('{"regions": [{"x": 0, "y": 0, "w": 60, "h": 100}, '
                            '{"x": 100, "y": 300, "w": 80, "h": 80, "style": "blur"}, '
                            '{"x": 20, "y": 150, "w": 60, "h": 60, "style": "pixelate"}]}')
    result = redact_media_item(case, hana, ref, regions, out=tmp_path / "copy.jpg")
    assert result.derived_ref == "HG/1-R1"
    out = tmp_path / "copy.jpg"
    tags = exiftool(out)
    for leak in ("GPS", "Serial", "LeakyCam", "Neighbour", "Thumbnail", "XMP", "IPTC",
                 "Orientation", "Artist"):
        assert leak not in tags, leak
    redacted = PIL.Image.open(out).convert("RGB")
    upright = PIL.ImageOps.exif_transpose(PIL.Image.open(leaky_photo)).convert("RGB")
    assert redacted.size == upright.size == (200, 400)  # EXIF rotation applied first
    assert mean(redacted, (2, 2, 58, 98)) < 8  # solid box where the user drew it
    for box in ((102, 302, 178, 378), (22, 152, 78, 208)):
        assert edge_energy(redacted, box) < 0.2 * edge_energy(upright, box)
    assert case.object_path(case.item(ref).sha256).read_bytes() == original
    derived = case.item("HG/1-R1")
    assert derived.source_ref == ref and derived.sha256 == result.sha256
    event = case.events()[-1]
    assert event.action == "redacted" and len(event.details["regions"]) == 3
    assert verify_case(case, [hana.public]).ok


def test_footage_regions_mute_and_metadata(case: Case, hana: Signer, sample_dir: Path,
                                           tmp_path: Path) -> None:
    source = sample_dir / "bodycam_ashby.mp4"
    ref = _ingest(case, hana, source, "bodycam")
    regions = parse_regions('{"regions": [{"x": 20, "y": 20, "w": 120, "h": 80, '
                            '"start": 1.0, "end": 3.0}], "mute": [{"start": 1.5, "end": 3.0}]}')
    result = redact_media_item(case, hana, ref, regions)
    out = case.object_path(result.sha256)
    probe, before = ffprobe(out), ffprobe(source)
    tags = [probe["format"].get("tags", {})] + [s.get("tags", {}) for s in probe["streams"]]
    text = json.dumps(tags)
    for leak in ("location", "creation_time", "BodyCam", "BC-300", "title", "comment",
                 "Lavf"):
        assert leak not in text, leak
    assert abs(float(probe["format"]["duration"]) - float(before["format"]["duration"])) < 0.05
    rates = {s["codec_type"]: s["r_frame_rate"] for s in probe["streams"]}
    assert rates["video"] == "30/1"
    assert mean(frame(out, 2.0), (24, 24, 136, 96)) < 20       # inside the time range: black
    assert mean(frame(out, 0.3), (24, 24, 136, 96)) > 40       # before it: the picture
    assert max_volume(out, 1.7, 1.1) < -60                     # muted
    assert max_volume(out, 0.1, 1.0) > -40                     # not muted


def test_audio_only_recording(case: Case, hana: Signer, tmp_path: Path) -> None:
    audio = tmp_path / "call.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:"
                    "duration=3", "-metadata", "artist=Jane Neighbour", "-c:a", "aac",
                    str(audio)], check=True)
    ref = _ingest(case, hana, audio, "audio")
    result = redact_media_item(case, hana, ref,
                               parse_regions('{"mute": [{"start": 1.0, "end": 2.0}]}'))
    out = case.object_path(result.sha256)
    assert "Jane" not in json.dumps(ffprobe(out))
    assert max_volume(out, 1.2, 0.6) < -60
    with pytest.raises(InputError, match="no video"):
        redact_media_item(case, hana, ref, parse_regions(
            '{"regions": [{"x": 0, "y": 0, "w": 1, "h": 1}]}'))


def _nothing_left(case: Case, before: int) -> None:
    assert len(case.items()) == before
    assert not list(case.tmp_dir.iterdir())


def test_bad_inputs_give_clear_errors_and_leave_nothing(case: Case, hana: Signer,
                                                        sample_dir: Path, tmp_path: Path) -> None:
    clip = (sample_dir / "bodycam_ashby.mp4").read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clip[: len(clip) // 3])
    liar = tmp_path / "liar.mp4"
    liar.write_bytes(b"%PDF-1.4\n%%EOF\n")
    good = tmp_path / "good.mp4"
    good.write_bytes(clip)
    refs = [_ingest(case, hana, p, "cctv") for p in (truncated, liar, good)]
    count = len(case.items())
    box = parse_regions('{"regions": [{"x": 0, "y": 0, "w": 10, "h": 10}]}')
    with pytest.raises(InputError, match=r"^ffprobe could not read the file: Invalid data found"):
        redact_media_item(case, hana, refs[0], box)
    with pytest.raises(InputError, match="application/pdf, not a photo"):
        redact_media_item(case, hana, refs[1], box)
    with pytest.raises(InputError, match="outside the 480x270"):
        redact_media_item(case, hana, refs[2], parse_regions(
            '{"regions": [{"x": 400, "y": 0, "w": 100, "h": 10}]}'))
    with pytest.raises(InputError, match="past the end"):
        redact_media_item(case, hana, refs[2], parse_regions(
            '{"mute": [{"start": 3.0, "end": 9.0}]}'))
    with pytest.raises(InputError, match="Nothing to redact"):
        redact_media_item(case, hana, refs[2], parse_regions("{}"))
    _nothing_left(case, count)


def _bomb(path: Path) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000,
                                                                       8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_decompression_bomb_is_refused(case: Case, hana: Signer, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    _bomb(bomb)
    ref = _ingest(case, hana, bomb, "photo")
    with pytest.raises(InputError, match="decompression bomb"):
        redact_media_item(case, hana, ref, parse_regions(
            '{"regions": [{"x": 0, "y": 0, "w": 1, "h": 1}]}'))
    _nothing_left(case, 1)


def test_dash_names_and_out_file(case: Case, hana: Signer, sample_dir: Path,
                                 tmp_path: Path) -> None:
    odd = tmp_path / "-i evil.mp4"
    shutil.copy(sample_dir / "cctv_export" / "cam1_2340.mp4", odd)
    ref = _ingest(case, hana, odd, "cctv")
    out = tmp_path / "-out.mp4"
    redact_media_item(case, hana, ref, parse_regions(
        '{"regions": [{"x": 0, "y": 0, "w": 32, "h": 32}]}'), out=out)
    assert out.is_file() and ffprobe(out)["streams"][0]["codec_name"] == "h264"
    with pytest.raises(InputError, match="already exists"):
        redact_media_item(case, hana, ref, parse_regions(
            '{"regions": [{"x": 0, "y": 0, "w": 32, "h": 32}]}'), out=out)


def test_previews_change_nothing(case: Case, hana: Signer, sample_dir: Path,
                                 leaky_photo: Path, tmp_path: Path) -> None:
    photo = _ingest(case, hana, leaky_photo, "photo")
    video = _ingest(case, hana, sample_dir / "bodycam_ashby.mp4", "bodycam")
    events = len(case.events())
    regions = parse_regions('{"regions": [{"x": 10, "y": 10, "w": 50, "h": 50, '
                            '"start": 0.5, "end": 1.5}]}')
    preview_media_item(case, video, regions, tmp_path / "sheet.png")
    sheet = PIL.Image.open(tmp_path / "sheet.png")
    assert sheet.width == 4 * 480 and sheet.height >= 270
    preview_media_item(case, photo, parse_regions(
        '{"regions": [{"x": 10, "y": 10, "w": 50, "h": 50}]}'), tmp_path / "photo.pdf")
    assert (tmp_path / "photo.pdf").read_bytes().startswith(b"%PDF")
    assert len(case.events()) == events


def test_faces_are_found_and_hidden(case: Case, hana: Signer, tmp_path: Path) -> None:
    photo = FIXTURES / "faces" / "astronaut_256.jpg"
    ref = _ingest(case, hana, photo, "photo")
    result = redact_media_item(case, hana, ref, parse_regions("{}"), find_faces=True,
                               out=tmp_path / "faces.jpg")
    assert result.faces_found == 1
    redacted = PIL.Image.open(tmp_path / "faces.jpg").convert("RGB")
    assert mean(redacted, (90, 40, 130, 75)) < 10  # the face (86,31 52x52 plus margin)
    clip = tmp_path / "face.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-loop", "1", "-i", str(photo), "-t", "1",
                    "-r", "10", "-pix_fmt", "yuv420p", "-c:v", "libx264", str(clip)],
                   check=True)
    video = _ingest(case, hana, clip, "cctv")
    moving = redact_media_item(case, hana, video, parse_regions("{}"), find_faces=True)
    assert moving.faces_found >= 3
    assert mean(frame(case.object_path(moving.sha256), 0.5), (95, 45, 125, 70)) < 20


def test_redacted_derivatives_go_into_redacted_packages(case: Case, hana: Signer,
                                                        leaky_photo: Path,
                                                        tmp_path: Path) -> None:
    ref = _ingest(case, hana, leaky_photo, "photo")
    redact_media_item(case, hana, ref, parse_regions(
        '{"regions": [{"x": 0, "y": 0, "w": 10, "h": 10}]}'))
    export_package(case, hana, tmp_path / "pkg", ExportRequest("Defence", redacted=True))
    assert verify_package(tmp_path / "pkg", [hana.public]).ok
    files = list((tmp_path / "pkg" / "data" / "exhibits").iterdir())
    assert [f.name for f in files] == ["HG-1-R1.jpg"]
    everything = b"".join(p.read_bytes() for p in (tmp_path / "pkg").rglob("*") if p.is_file())
    for secret in (b"SERIAL-12345", b"LeakyCam", b"Jane Neighbour", b"leaky.jpg"):
        assert secret not in everything


def test_face_hits_join_into_tracks() -> None:
    frame = 0.1
    moving = [(i * frame, (10 + i, 10, 20, 20)) for i in range(5)]
    [track] = track_faces(moving, frame)
    assert (track.x, track.y, track.w, track.h) == (10, 10, 24, 20)
    assert track.start == pytest.approx(-0.0) and track.end == pytest.approx(0.55)
    apart = [(0.0, (0, 0, 10, 10)), (0.1, (100, 100, 10, 10)), (1.0, (0, 0, 10, 10))]
    assert len(track_faces(apart, frame)) == 3
    long = [(i * frame, (0, 0, 10, 10)) for i in range(int(3 * TRACK_SECONDS / frame))]
    tracks = track_faces(long, frame)
    assert len(tracks) >= 3
    assert all((r.end or 0) - (r.start or 0) <= TRACK_SECONDS + 1e-9 for r in tracks)
    covered = sorted((r.start or 0, r.end or 0) for r in tracks)
    assert all(b[0] <= a[1] for a, b in itertools.pairwise(covered))  # no gaps
