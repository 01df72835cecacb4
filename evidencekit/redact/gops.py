"""Planning a smart render: which groups of pictures a redaction must re-encode (pure).

A *span* is a stretch of footage from one keyframe up to (not including) a later
keyframe. Every region with times touches the span from the keyframe at or before
its start to the first keyframe *after* its end (the end is inclusive: the frame
shown at ``end`` is hidden too). Everything outside the spans is copied packet by
packet from the original. Times here are whole ticks of the video's time base, so
no rounding can move a cut.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from fractions import Fraction

import attrs

from evidencekit.core.errors import RedactionError
from evidencekit.redact.regions import Region


@attrs.frozen
class Packet:
    """One video packet as stored, in decode order (ticks of the stream's time base)."""

    pts: int
    dts: int
    key: bool


@attrs.frozen
class Span:
    """Ticks ``[start, end)`` to re-encode; ``end`` is ``None`` for "to the end of the clip"."""

    start: int
    end: int | None


class CannotCut(RedactionError):
    """The footage cannot be cut at a keyframe a region needs (open GOP, no keyframes)."""


def parse_packets(csv_text: str) -> list[Packet]:
    """Packets from ``ffprobe -show_entries packet=pts,dts,flags -of csv=p=0``.

    Raises:
        CannotCut: a packet without timestamps (the cuts could not be placed).
    """
    packets = []
    for line in csv_text.splitlines():
        fields = line.strip().split(",")
        if len(fields) < 3 or not fields[0]:
            continue
        try:
            pts, dts = int(fields[0]), int(fields[1])
        except ValueError as exc:
            raise CannotCut("A video packet has no timestamp, so the footage cannot be cut "
                            "between its frames.") from exc
        packets.append(Packet(pts, dts, fields[2].startswith("K")))
    return packets


def cut_points(packets: Sequence[Packet]) -> list[int]:
    """Decode-order indexes of the keyframes the footage can be cut at (closed GOPs).

    A keyframe is a clean cut when every packet before it (in decode order) shows
    before it and every packet from it on shows at or after it: no frame on one side
    of the cut is reordered to the other side, which an open GOP's leading B-frames are.
    """
    cuts = []
    shown_before = None
    later_min = [0] * (len(packets) + 1)
    later_min[-1] = 2**63
    for i in range(len(packets) - 1, -1, -1):
        later_min[i] = min(packets[i].pts, later_min[i + 1])
    for i, packet in enumerate(packets):
        clean_before = shown_before is None or shown_before < packet.pts
        if packet.key and clean_before and later_min[i] == packet.pts:
            cuts.append(i)
        shown_before = packet.pts if shown_before is None else max(shown_before, packet.pts)
    return cuts


def _ticks(seconds: float, time_base: Fraction) -> Fraction:
    return Fraction(seconds) / time_base


def region_span(region: Region, keys: Sequence[int], first: int,
                time_base: Fraction) -> Span:
    """The span one region needs; ``keys`` are the cut keyframes' pts, ascending.

    ``first`` is the first frame's pts (time 0 of the filters).
    """
    start = first + _ticks(region.start or 0.0, time_base)
    at = bisect.bisect_right(keys, start) - 1
    begin = keys[max(at, 0)]
    if region.end is None:
        return Span(begin, None)
    end = first + _ticks(region.end, time_base)
    after = bisect.bisect_right(keys, end)  # the first keyframe strictly after the end
    return Span(begin, keys[after] if after < len(keys) else None)


def merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Spans sorted, with overlapping or touching ones joined."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        last = merged[-1] if merged else None
        if last is not None and (last.end is None or span.start <= last.end):
            end = None if last.end is None or span.end is None else max(last.end, span.end)
            merged[-1] = Span(last.start, end)
        else:
            merged.append(span)
    return tuple(merged)


def plan(regions: Sequence[Region], packets: Sequence[Packet],
         time_base: Fraction) -> tuple[Span, ...]:
    """The merged spans every region needs re-encoded.

    Raises:
        CannotCut: there is no keyframe at which the footage can be cut cleanly.
    """
    if not regions:
        return ()
    keys = sorted(packets[i].pts for i in cut_points(packets))
    if not keys:
        raise CannotCut("The footage has no keyframe it can be cut at cleanly (open GOPs).")
    first = min(p.pts for p in packets)
    return merge(region_span(r, keys, first, time_base) for r in regions)


def _us(ticks: int, time_base: Fraction, up: bool) -> int:
    exact = ticks * time_base * 1_000_000
    down = exact.numerator // exact.denominator
    return down + 1 if up and down != exact else down


def _at(us: int) -> str:
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def concat_list(spans: Sequence[Span], packets: Sequence[Packet], time_base: Fraction,
                source: str, middles: Sequence[str]) -> str:
    """An ffconcat script: copied stretches of ``source`` with the re-encoded ``middles``.

    A copied stretch starts at its keyframe (``inpoint`` rounded up, so the seek lands on
    that keyframe) and stops before the next span's keyframe in decode order
    (``outpoint`` is compared with dts, rounded down). Each entry's ``duration`` is the
    exact distance to the next cut, so every frame keeps its original time.
    """
    first = min(p.pts for p in packets)
    dts = {p.pts: p.dts for p in packets if p.key}
    lines = ["ffconcat version 1.0"]
    here: int | None = first
    for span, middle in zip(spans, middles, strict=True):
        if here is not None and here < span.start:
            lines += [f"file {source}", f"inpoint {_at(_us(here, time_base, True))}",
                      f"outpoint {_at(_us(dts[span.start], time_base, False))}",
                      f"duration {_at(_length(here, span.start, first, time_base))}"]
        lines.append(f"file {middle}")
        if span.end is not None:
            lines.append(f"duration {_at(_length(span.start, span.end, first, time_base))}")
        here = span.end
    if here is not None:
        lines += [f"file {source}", f"inpoint {_at(_us(here, time_base, True))}"]
    return "\n".join(lines) + "\n"


def _length(start: int, end: int, first: int, time_base: Fraction) -> int:
    """Microseconds between two cuts, measured from rounded boundaries so errors never add up."""
    return _us_near(end - first, time_base) - _us_near(start - first, time_base)


def _us_near(ticks: int, time_base: Fraction) -> int:
    return round(ticks * time_base * 1_000_000)


def frames_in(packets: Sequence[Packet], span: Span) -> int:
    """How many frames show inside ``span``."""
    return sum(1 for p in packets if p.pts >= span.start and (span.end is None or p.pts < span.end))


def outside(pts: int, spans: Sequence[Span]) -> bool:
    """True when a frame at ``pts`` lies in no span (so it must be the original's)."""
    return not any(pts >= s.start and (s.end is None or pts < s.end) for s in spans)
