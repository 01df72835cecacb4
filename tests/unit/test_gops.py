"""Smart-render planning (pure): clean cuts, spans, the concat script."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit.redact.gops import (
    CannotCut,
    Packet,
    Span,
    concat_list,
    cut_points,
    frames_in,
    merge,
    outside,
    parse_packets,
    plan,
)
from evidencekit.redact.regions import Region

TB = Fraction(1, 12800)
FRAME = 512  # 25 fps in 1/12800


def closed_gops(gop_sizes: list[int], bframes: int) -> list[Packet]:
    """Packets in decode order for closed GOPs: I P B B P B B ..., delay of ``bframes``."""
    packets: list[Packet] = []
    shown = 0
    for size in gop_sizes:
        order = [0]
        n = 1
        while n < size:
            anchor = min(n + bframes, size - 1)
            order.append(anchor)
            order += list(range(n, anchor))
            n = anchor + 1
        for index in order:
            dts = (len(packets) - bframes) * FRAME
            packets.append(Packet((shown + index) * FRAME, dts, index == 0))
        shown += size
    return packets


gop_lists = st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=8)


@given(gop_lists, st.integers(min_value=0, max_value=3))
def test_every_closed_gop_keyframe_is_a_cut(gops: list[int], bframes: int) -> None:
    packets = closed_gops(gops, bframes)
    assert [packets[i].pts for i in cut_points(packets)] == \
        [sum(gops[:n]) * FRAME for n in range(len(gops))]


def test_an_open_gop_keyframe_is_not_a_cut() -> None:
    # decode order: I0 P3 B1 B2 | I6 B4 B5 P9 B7 B8: B4 and B5 show before I6 (leading)
    pts = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8]
    packets = [Packet(p * FRAME, n * FRAME, p in (0, 6)) for n, p in enumerate(pts)]
    assert cut_points(packets) == [0]
    with pytest.raises(CannotCut):
        plan([Region(0, 0, 1, 1, 1.0, 2.0)], [Packet(0, 0, False)], TB)


regions = st.builds(
    lambda start, length: Region(0, 0, 4, 4, start, None if length is None else start + length),
    st.floats(min_value=0, max_value=30), st.none() | st.floats(min_value=0.01, max_value=10))


@given(gop_lists, st.integers(min_value=0, max_value=2), st.lists(regions, max_size=4))
def test_spans_cover_every_painted_frame_and_start_at_keyframes(
        gops: list[int], bframes: int, marks: list[Region]) -> None:
    packets = closed_gops(gops, bframes)
    spans = plan(marks, packets, TB)
    keys = {p.pts for p in packets if p.key}
    for a, b in itertools.pairwise(spans):
        assert a.end is not None and a.end < b.start  # sorted, apart
    for span in spans:
        assert span.start in keys and (span.end is None or span.end in keys)
    for region in marks:
        for p in packets:
            if region.active_at(float(p.pts * TB)):
                assert not outside(p.pts, spans), (region, p)


def test_an_end_on_a_keyframe_takes_the_next_gop() -> None:
    packets = closed_gops([50] * 5, 2)  # keyframes at 0, 2, 4, 6, 8 s
    assert plan([Region(0, 0, 1, 1, 4.5, 6.0)], packets, TB) == (Span(4 * 12800, 8 * 12800),)
    assert plan([Region(0, 0, 1, 1, 8.5, None)], packets, TB) == (Span(8 * 12800, None),)
    assert merge([Span(0, 10), Span(10, 20), Span(30, None), Span(40, 50)]) == \
        (Span(0, 20), Span(30, None))


def test_concat_script_cuts_on_decode_order_and_keeps_times() -> None:
    packets = closed_gops([50] * 5, 2)
    spans = (Span(2 * 12800, 4 * 12800),)
    script = concat_list(spans, packets, TB, "video.mp4", ["span-1.mp4"])
    assert script.splitlines() == [
        "ffconcat version 1.0",
        "file video.mp4", "inpoint 0.000000", "outpoint 1.920000", "duration 2.000000",
        "file span-1.mp4", "duration 2.000000",
        "file video.mp4", "inpoint 4.000000"]
    assert frames_in(packets, spans[0]) == 50


def test_inpoints_round_up_and_outpoints_down() -> None:
    tb = Fraction(1, 15360)  # 30 fps: 512 ticks is 33333.33 microseconds
    packets = [Packet(n * 512, (n - 1) * 512, n % 30 == 0) for n in range(90)]
    script = concat_list((Span(30 * 512, 60 * 512),), packets, tb, "v.mp4", ["s.mp4"])
    lines = script.splitlines()
    assert "outpoint 0.966666" in lines  # dts of the keyframe at 1 s, rounded down
    assert "inpoint 2.000000" in lines and "duration 1.000000" in lines


@given(st.text(alphabet="0123456789,K_-\n", max_size=200))
def test_packet_lists_parse_or_refuse(text: str) -> None:
    try:
        packets = parse_packets(text)
    except CannotCut:
        return
    assert all(isinstance(p.pts, int) for p in packets)
