"""Rewriting the runs of one WordprocessingML part: matches replaced by shaded labels.

A name is often split over several runs (spell-check marks, revision ids, a bold
surname), so matching is done on each paragraph's joined text and only the runs a
match touches are split and rewritten; every other run, and every run's formatting,
stays as it was. Paragraphs inside a text box (``w:txbxContent``) are paragraphs of
their own, matched on their own text.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from evidencekit.redact.detectors import Span

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
Finder = Callable[[str], list[Span]]
Element = Any  # lxml.etree._Element (lxml ships no type information)

# Characters each run child stands for in the paragraph's text.
_CHARS = {f"{W}tab": "\t", f"{W}br": "\n", f"{W}cr": "\n", f"{W}noBreakHyphen": "-",
          f"{W}softHyphen": ""}
_UNWRAP = (f"{W}ins", f"{W}moveTo")
_DROP = (f"{W}del", f"{W}moveFrom", f"{W}commentRangeStart", f"{W}commentRangeEnd",
         f"{W}commentReference", f"{W}moveFromRangeStart", f"{W}moveFromRangeEnd",
         f"{W}moveToRangeStart", f"{W}moveToRangeEnd", f"{W}rPrChange", f"{W}pPrChange",
         f"{W}sectPrChange", f"{W}tblPrChange", f"{W}tcPrChange", f"{W}trPrChange",
         f"{W}tblGridChange", f"{W}tblPrExChange", f"{W}numberingChange", f"{W}cellDel",
         f"{W}cellIns", f"{W}dataBinding")
_ALT_TEXT = ("descr", "title", "alt", "{urn:schemas-microsoft-com:office:office}title")


def accept_changes(root: Element) -> None:
    """Tracked deletions and comment marks removed; tracked insertions kept as plain text.

    A table row marked deleted goes whole; so does alt text (``descr``, ``title``),
    which the page never shows but a PDF's tags could carry.
    """
    for row in list(root.iter(f"{W}tr")):
        if row.find(f"{W}trPr/{W}del") is not None:
            row.getparent().remove(row)
    for node in list(root.iter(*_DROP)):
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
    for node in list(root.iter(*_UNWRAP)):
        _unwrap(node)
    for node in root.iter():
        for name in _ALT_TEXT:
            node.attrib.pop(name, None)


def _unwrap(node: Element) -> None:
    parent = node.getparent()
    if parent is None:
        return
    at = parent.index(node)
    for offset, child in enumerate(list(node)):
        parent.insert(at + offset, child)
    parent.remove(node)


def _segments(paragraph: Element) -> Iterator[tuple[Element, str]]:
    """This paragraph's own text-bearing run children (not those of nested text boxes)."""
    for node in paragraph.iter(f"{W}t", *_CHARS):
        parent = node.getparent()
        if parent is None or parent.tag != f"{W}r":
            continue  # a w:tab inside w:tabs is a tab stop, not a character
        if next(node.iterancestors(f"{W}p"), None) is not paragraph:
            continue
        yield node, (node.text or "") if node.tag == f"{W}t" else _CHARS[node.tag]


Piece = tuple[str, Span | None, bool, bool]  # text, span hiding it, span starts, span ends


def _cut(text: str, at: int, spans: list[Span]) -> list[Piece]:
    """The pieces of one segment starting at offset ``at`` of the paragraph's text."""
    pieces: list[Piece] = []
    cursor = 0
    for span in spans:
        lo, hi = max(span.start - at, 0), min(span.end - at, len(text))
        if hi < lo or (hi == lo and not (span.start < at < span.end)):
            continue
        if lo > cursor:
            pieces.append((text[cursor:lo], None, False, False))
        pieces.append((text[lo:hi], span, span.start >= at, span.end <= at + len(text)))
        cursor = hi
    if cursor < len(text) or not pieces:
        pieces.append((text[cursor:], None, False, False))
    return pieces


def text_run(rpr: Element | None, text: str, *, maker: Element) -> Element:
    """A new run with a copy of ``rpr`` and ``text``."""
    run = maker.makeelement(f"{W}r", {})
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    node = run.makeelement(f"{W}t", {XML_SPACE: "preserve"})
    node.text = text
    run.append(node)
    return run


def _styled(run: Element, props: dict[str, dict[str, str]]) -> Element:
    rpr = run.find(f"{W}rPr")
    if rpr is None:
        rpr = run.makeelement(f"{W}rPr", {})
        run.insert(0, rpr)
    for tag, attributes in props.items():
        for old in rpr.findall(f"{W}{tag}"):
            rpr.remove(old)
        rpr.append(rpr.makeelement(f"{W}{tag}", {f"{W}{k}": v for k, v in attributes.items()}))
    return run


BLACK = {"color": {"val": "FFFFFF"}, "highlight": {"val": "none"},
         "shd": {"val": "clear", "color": "auto", "fill": "000000"}}
YELLOW = {"highlight": {"val": "yellow"}}
NOTE = {"color": {"val": "C00000"}, "sz": {"val": "14"}, "highlight": {"val": "none"}}


def _new_runs(rpr: Element | None, pieces: list[Piece], preview: bool,
              maker: Element) -> list[Element]:
    runs = []
    for text, span, starts, ends in pieces:
        if span is None:
            runs.append(text_run(rpr, text, maker=maker))
        elif preview:
            runs.append(_styled(text_run(rpr, text, maker=maker), YELLOW))
            if ends:
                note = f" [{span.category}: {span.rule}]"
                runs.append(_styled(text_run(rpr, note, maker=maker), NOTE))
        elif starts:
            runs.append(_styled(text_run(rpr, span.label, maker=maker), BLACK))
    return [r for r in runs if r.findtext(f"{W}t")]


def _split_at(node: Element, replacement: list[Element]) -> None:
    """Put ``replacement`` runs where ``node`` is in its run, splitting the run around it."""
    run = node.getparent()
    rpr = run.find(f"{W}rPr")
    after = list(node.itersiblings())
    parent, at = run.getparent(), run.getparent().index(run)
    run.remove(node)
    tail = run.makeelement(f"{W}r", dict(run.attrib))
    if rpr is not None:
        tail.append(copy.deepcopy(rpr))
    for child in after:
        tail.append(child)
    for offset, new in enumerate([*replacement, tail], start=1):
        parent.insert(at + offset, new)
    for empty in (run, tail):
        if all(child.tag == f"{W}rPr" for child in empty):
            parent.remove(empty)


def redact_paragraph(paragraph: Element, find: Finder, *,
                     preview: bool = False) -> tuple[list[Span], str]:
    """Find spans in the paragraph's joined text and rewrite the runs they touch.

    Returns the spans and the paragraph's text as it was.
    """
    segments = list(_segments(paragraph))
    text = "".join(chars for _node, chars in segments)
    spans = find(text) if text.strip() else []
    at = 0
    for node, chars in segments:
        pieces = _cut(chars, at, spans)
        at += len(chars)
        if all(span is None for _t, span, _s, _e in pieces):
            continue
        if node.tag != f"{W}t" and preview:
            continue  # a tab or break inside a highlighted match stays
        rpr = node.getparent().find(f"{W}rPr")
        _split_at(node, _new_runs(rpr, pieces, preview, node))
    return spans, text


def redact_instructions(root: Element, find: Finder) -> list[Span]:
    """Field instructions (``HYPERLINK "mailto:..."``, ``w:fldSimple``) are text too."""
    spans: list[Span] = []
    for node in root.iter(f"{W}instrText"):
        found = find(node.text or "")
        node.text, spans = _labelled(node.text or "", found), spans + found
    for node in root.iter(f"{W}fldSimple"):
        instruction = node.get(f"{W}instr", "")
        found = find(instruction)
        node.set(f"{W}instr", _labelled(instruction, found))
        spans += found
    return spans


def _labelled(text: str, spans: list[Span]) -> str:
    out, last = [], 0
    for span in spans:
        out += [text[last:span.start], span.label]
        last = span.end
    return "".join([*out, text[last:]])
