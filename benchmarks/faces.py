"""Face detection: recall and false positives on synthetic 1080p frames, CenterFace vs Haar.

Usage: python benchmarks/faces.py [--skimage PATH] [--negatives 100] [--json OUT]

Targets (issue 14): recall >= 95 %, at most 1 false positive per 100 frames; seconds per
1080p frame. Both detectors (evidencekit.redact.facedetect: CenterFace as shipped, and
the Haar fallback with frontal + profile cascades) see the same frames in the same run.

Faces and scenes come from scikit-image's sample data (BSD-3 package; the pictures are
public domain or CC0, as its ``skimage.data`` docstrings say):
astronaut (NASA portrait of Eileen Collins, public domain) for frontal faces, camera
(Lav Varshney, CC0) for a profile looking right and, mirrored, left; coffee, chelsea
(a cat), rocket, brick, grass, gravel and hubble_deep_field as backgrounds (CC0 /
public domain). The optional LFW set uses skimage's ``lfw_subset.npy`` (100 faces of
25x25 pixels from Labeled Faces in the Wild, news photographs: research use, not
public domain). Installed skimage is used if importable, else ``--skimage`` names a
scikit-image wheel (``pip download scikit-image --no-deps``) or an unpacked
``skimage/data`` folder. Nothing is fetched at run time.

Each set is drawn onto 1920x1080 scenes with a soft-edged paste. A face counts as found
when one detection (with evidencekit's 25 % margin) covers at least half its true box
and is at most 12 times its area; a detection that covers less than a tenth of every
true face is a false positive. Negative frames hold scenes only.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import resource
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from evidencekit.redact.facedetect import THRESHOLD, Box, Detector, load_detector, load_haar
from evidencekit.redact.faces import MARGIN

W, H = 1920, 1080
SCENES = ["coffee", "chelsea", "rocket", "brick", "grass", "gravel", "hubble_deep_field"]
# Where the face is in each source picture (x, y, w, h), and the crop pasted around it.
FACES = {"astronaut": ((182, 52, 88, 124), (140, 10, 310, 220)),
         "camera": ((190, 110, 67, 82), (150, 60, 280, 230))}
Frame = tuple[str, Image.Image, list[Box]]


class Source:
    """scikit-image's sample pictures from an installed package, a wheel or a folder."""

    def __init__(self, where: Path | None) -> None:
        self.zip: zipfile.ZipFile | None = None
        if where is None:
            import skimage.data  # type: ignore[import-not-found]  # noqa: PLC0415

            self.folder = Path(skimage.data.__file__).parent
        elif where.suffix == ".whl":
            self.zip = zipfile.ZipFile(where)
        else:
            self.folder = where

    def read(self, name: str) -> bytes:
        if self.zip is not None:
            return self.zip.read(f"skimage/data/{name}")
        return (self.folder / name).read_bytes()

    def image(self, stem: str) -> Image.Image:
        for ext in (".png", ".jpg"):
            try:
                return Image.open(io.BytesIO(self.read(stem + ext))).convert("RGB")
            except (KeyError, FileNotFoundError):
                continue
        raise SystemExit(f"{stem} is not in the scikit-image sample data")


def scene(src: Source, rng: np.random.Generator) -> Image.Image:
    """A 1080p frame tiled from two to four scenes, randomly scaled, cut and mirrored."""
    frame = Image.new("RGB", (W, H))
    cols = int(rng.integers(1, 3))
    rows = int(rng.integers(1, 3))
    for i in range(cols):
        for j in range(rows):
            tile = src.image(SCENES[int(rng.integers(len(SCENES)))])
            if rng.random() < 0.5:
                tile = tile.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            tw, th = W // cols, H // rows
            zoom = max(tw / tile.width, th / tile.height) * float(rng.uniform(1.0, 1.6))
            tile = tile.resize((int(tile.width * zoom) + 1, int(tile.height * zoom) + 1))
            x0 = int(rng.integers(0, tile.width - tw + 1))
            y0 = int(rng.integers(0, tile.height - th + 1))
            frame.paste(tile.crop((x0, y0, x0 + tw, y0 + th)), (i * tw, j * th))
    return frame


def face_patch(src: Source, name: str, height: int, *, mirror: bool = False,
               angle: float = 0.0) -> tuple[Image.Image, Image.Image, Box]:
    """The face crop scaled so the face is ``height`` px tall: patch, soft mask, face box."""
    (fx, fy, fw, fh), crop = FACES[name]
    patch = src.image(name).crop(crop)
    fx, fy = fx - crop[0], fy - crop[1]
    if mirror:
        patch = patch.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        fx = patch.width - fx - fw
    s = height / fh
    patch = patch.resize((max(2, round(patch.width * s)), max(2, round(patch.height * s))),
                         Image.Resampling.LANCZOS)
    box = (round(fx * s), round(fy * s), max(1, round(fw * s)), max(1, round(fh * s)))
    mask = Image.new("L", patch.size, 0)
    inset = max(1, min(patch.size) // 12)
    ImageDraw.Draw(mask).ellipse((inset, inset, patch.width - inset, patch.height - inset),
                                 fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(max(1, inset // 2)))
    if angle:
        patch, mask, box = _rotate(patch, mask, box, angle)
    return patch, mask, box


def _rotate(patch: Image.Image, mask: Image.Image, box: Box,
            angle: float) -> tuple[Image.Image, Image.Image, Box]:
    cx, cy = patch.width / 2, patch.height / 2
    turned = patch.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    mask = mask.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    a = math.radians(-angle)  # PIL turns counter-clockwise; image y points down
    corners = [(box[0] + dx, box[1] + dy) for dx in (0, box[2]) for dy in (0, box[3])]
    ox, oy = (turned.width - patch.width) / 2, (turned.height - patch.height) / 2
    pts = [(cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a) + ox,
            cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a) + oy) for x, y in corners]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    # The bounding box of a turned face is larger than the face: keep its central part.
    bw, bh = max(xs) - min(xs), max(ys) - min(ys)
    shrink = 1 - 0.3 * abs(math.sin(2 * a))
    x0 = min(xs) + bw * (1 - shrink) / 2
    y0 = min(ys) + bh * (1 - shrink) / 2
    return turned, mask, (round(x0), round(y0), max(1, round(bw * shrink)),
                          max(1, round(bh * shrink)))


def compose(src: Source, rng: np.random.Generator,
            patches: list[tuple[Image.Image, Image.Image, Box]]) -> tuple[Image.Image, list[Box]]:
    """Paste the patches left to right, row by row, onto a fresh scene."""
    frame, truth = scene(src, rng), []
    x, y, row = 20, 20, 0
    for patch, mask, (bx, by, bw, bh) in patches:
        if x + patch.width > W - 20:
            x, y, row = 20, y + row + 20, 0
        if y + patch.height > H:
            raise SystemExit("a set does not fit its frame")
        frame.paste(patch, (x, y), mask)
        truth.append((x + bx, y + by, bw, bh))
        x, row = x + patch.width + 20, max(row, patch.height)
    return frame, truth


def _degrade(kind: str) -> Callable[[Image.Image], Image.Image]:
    def dark(im: Image.Image) -> Image.Image:
        return ImageEnhance.Brightness(im).enhance(0.25)

    def blur(im: Image.Image) -> Image.Image:
        return im.filter(ImageFilter.GaussianBlur(2.5))

    def jpeg(im: Image.Image) -> Image.Image:
        out = io.BytesIO()
        im.save(out, format="JPEG", quality=8)
        return Image.open(out).convert("RGB")

    def flat(im: Image.Image) -> Image.Image:
        return ImageEnhance.Contrast(im).enhance(0.3)

    return {"dark": dark, "blur": blur, "jpeg": jpeg, "low-contrast": flat}[kind]


def face_sets(src: Source, rng: np.random.Generator, lfw: bool) -> list[Frame]:
    """The sets of frames with faces: scale, rotation, profile, degraded, (LFW)."""
    sets: list[Frame] = []
    sizes = [240, 180, 130, 90, 64, 40, 24, 14]
    sets.append(("scale 240-14 px", *compose(src, rng, [face_patch(src, "astronaut", s)
                                                          for s in sizes])))
    angles = [10, -10, 30, -30, 45, -45, 90, -90, 135, 180]
    sets.append(("rotation 10-180 deg", *compose(src, rng, [
        face_patch(src, "astronaut", 110, angle=a) for a in angles])))
    profiles = [face_patch(src, "camera", s, mirror=m) for m in (False, True)
                for s in (200, 120, 70, 40)]
    sets.append(("profile (both ways)", *compose(src, rng, profiles)))
    degraded: list[Frame] = []
    for kind in ("dark", "blur", "jpeg", "low-contrast"):
        frame, truth = compose(src, rng, [face_patch(src, "astronaut", 100),
                                          face_patch(src, "camera", 100, mirror=True)])
        degraded.append((f"degraded: {kind}", _degrade(kind)(frame), truth))
    sets += degraded
    if lfw:
        sets += lfw_frames(src, rng)
    return sets


def lfw_frames(src: Source, rng: np.random.Generator) -> list[Frame]:
    """skimage's 100 LFW face crops (25x25) enlarged to 80 px, 50 to a frame."""
    faces = np.load(io.BytesIO(src.read("lfw_subset.npy")))[:100]
    frames: list[Frame] = []
    for half in (faces[:50], faces[50:]):
        patches = []
        for f in half:
            im = Image.fromarray((f * 255).astype(np.uint8) if f.max() <= 1 else f.astype(np.uint8))
            im = im.convert("RGB").resize((80, 80), Image.Resampling.BICUBIC)
            mask = Image.new("L", im.size, 255)
            patches.append((im, mask, (6, 6, 68, 68)))
        frames.append(("LFW crops at 80 px", *compose(src, rng, patches)))
    return frames


def _inter(a: Box, b: Box) -> int:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def _margin(box: Box) -> Box:
    x, y, w, h = box
    dx, dy = int(w * MARGIN), int(h * MARGIN)
    return (x - dx, y - dy, w + 2 * dx, h + 2 * dy)


def score(found: list[Box], truth: list[Box]) -> tuple[list[Box], int]:
    """The true faces missed, and the number of false positives."""
    missed = [t for t in truth if not any(
        _inter(f, t) >= 0.5 * t[2] * t[3] and f[2] * f[3] <= 12 * t[2] * t[3] for f in found)]
    false = sum(all(_inter(f, t) < 0.1 * t[2] * t[3] for t in truth) for f in found)
    return missed, false


def detect_all(detector: Detector, frames: list[Frame]) -> tuple[list[list[tuple[Box, float]]],
                                                                  float, float]:
    """Every frame's detections; wall and CPU seconds per frame."""
    out, wall, cpu = [], 0.0, 0.0
    for _name, image, _truth in frames:
        pixels = np.asarray(image)
        start, start_cpu = time.perf_counter(), time.process_time()
        out.append(detector.detect(pixels))
        wall += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    return out, wall / len(frames), cpu / len(frames)


def run(frames: list[Frame], detections: list[list[tuple[Box, float]]], minimum: float,
        wall: float, cpu: float) -> dict[str, object]:
    """Score detections at or above ``minimum``: per set found/total/false, and totals.

    Filtering after non-maximum suppression equals suppressing among the kept boxes only
    (a box is only ever suppressed by a better one), so one pass serves every threshold.
    """
    per_set: dict[str, list[int]] = {}
    misses: list[str] = []
    for (name, _image, truth), dets in zip(frames, detections, strict=True):
        found = [_margin(b) for b, s in dets if s >= minimum]
        missed, false = score(found, truth)
        hit = len(truth) - len(missed)
        misses += [f"{name}: {w}x{h} at {x},{y}" for x, y, w, h in missed]
        row = per_set.setdefault(name, [0, 0, 0, 0])
        row[0] += hit
        row[1] += len(truth)
        row[2] += false
        row[3] += 1
    faces = sum(r[1] for r in per_set.values())
    found = sum(r[0] for r in per_set.values())
    false = sum(r[2] for r in per_set.values())
    return {"sets": per_set, "missed": misses, "recall": found / faces if faces else 0.0,
            "faces": faces,
            "found": found, "false_positives": false, "frames": len(frames),
            "false_per_100_frames": 100 * false / len(frames),
            "seconds_per_frame": wall, "cpu_seconds_per_frame": cpu}


def report(name: str, result: dict[str, object]) -> None:
    print(f"\n{name}")
    sets = result["sets"]
    assert isinstance(sets, dict)
    for set_name, (hit, total, false, frames) in sets.items():
        print(f"  {set_name:24} {hit:3}/{total:<3} found   {false:2} false in {frames} frame(s)")
    print(f"  recall {result['found']}/{result['faces']} = {100 * float(result['recall']):.1f} %"
          f" (target >= 95 %); false positives {result['false_positives']} in "
          f"{result['frames']} frames = {float(result['false_per_100_frames']):.2f} per 100"
          f" (target <= 1); {float(result['seconds_per_frame']):.2f} s per 1080p frame"
          f" ({float(result['cpu_seconds_per_frame']):.2f} s of CPU)")
    missed = result["missed"]
    assert isinstance(missed, list)
    if missed:
        print(f"  missed: {'; '.join(missed[:12])}{' ...' if len(missed) > 12 else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skimage", type=Path, help="scikit-image wheel or skimage/data folder")
    parser.add_argument("--negatives", type=int, default=100, help="frames with no face")
    parser.add_argument("--no-lfw", action="store_true", help="leave out the LFW set")
    parser.add_argument("--thresholds", default="0.2,0.3,0.4,0.5",
                        help="CenterFace score thresholds to report (the shipped one too)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    src = Source(args.skimage)
    rng = np.random.default_rng(14)
    frames = face_sets(src, rng, not args.no_lfw)
    frames += [("no face (scenes only)", scene(src, rng), []) for _ in range(args.negatives)]
    shipped = load_detector()
    if shipped.name != "centerface":
        sys.exit(f"CenterFace did not load: {shipped.note}")
    levels = sorted({*map(float, args.thresholds.split(",")), THRESHOLD})
    lowest = load_detector(threshold=levels[0])
    results = {}
    dets, wall, cpu = detect_all(lowest, frames)
    for level in levels:
        mark = " (shipped default)" if level == THRESHOLD else ""
        name = f"CenterFace (cv2.dnn), threshold {level}{mark}"
        results[name] = run(frames, dets, level, wall, cpu)
        report(name, results[name])
    name = "Haar frontal + profile (fallback)"
    dets, wall, cpu = detect_all(load_haar(), frames)
    results[name] = run(frames, dets, 0.0, wall, cpu)
    report(name, results[name])
    load = os.getloadavg()[0]
    print(f"\nload average {load:.1f} on {os.cpu_count()} cores while measuring")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory {peak:.0f} MiB; {len(frames)} frames of {W}x{H}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "peak_mib": peak}, indent=1))


if __name__ == "__main__":
    main()
