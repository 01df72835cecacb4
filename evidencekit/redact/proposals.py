"""What a statement redaction would hide, as data a reviewer accepts or rejects one by one.

A :class:`Proposal` is one distinct piece of text the register or a detector found, with
its reason (category and rule) and how often it occurs. Rejecting it means *keep this
text*: :func:`keeping` is the finder both the redaction and its check after rendering use,
so a kept text is neither hidden nor counted as a leak. Keeping is by text (every
occurrence in the statement), the only identity that survives LibreOffice's re-layout.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import attrs

from evidencekit.core.canonical import JsonValue
from evidencekit.redact.detectors import DETECTORS, Finder, Span, find_spans, keeping, text_key
from evidencekit.redact.faithful import FAITHFUL_TYPES, faithful_copy
from evidencekit.redact.people import PeopleRegister
from evidencekit.redact.statement_text import read_statement

__all__ = ["Finder", "Proposal", "keeping", "propose", "text_key"]
_CONTEXT = 40


@attrs.frozen
class Proposal:
    """One distinct text a redaction would hide, why, and where it first occurs.

    ``context`` is the text around the first occurrence (for the reviewer only; custody
    events never hold it). ``count`` counts every occurrence in the statement.
    """

    text: str
    category: str
    rule: str
    label: str
    count: int
    context: str

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form."""
        return attrs.asdict(self)


def _chunks(path: Path, media_type: str, register: PeopleRegister,
            detectors: tuple[str, ...]) -> list[tuple[str, list[Span]]]:
    if media_type in FAITHFUL_TYPES:
        seen: list[tuple[str, list[Span]]] = []

        def record(text: str) -> list[Span]:
            spans = find_spans(text, register, detectors)
            seen.append((text, spans))
            return spans

        faithful_copy(path, media_type, record, preview=True)
        return seen
    pages = read_statement(path, media_type).pages
    return [(text, find_spans(text, register, detectors)) for text in pages]


def propose(path: Path, media_type: str, register: PeopleRegister,
            detectors: Iterable[str] = DETECTORS) -> tuple[Proposal, ...]:
    """Every distinct text the register and detectors find in a statement file, in order.

    Raises:
        InputError: not a statement type, unreadable, or LibreOffice fails.
    """
    found: dict[str, Proposal] = {}
    for text, spans in _chunks(path, media_type, register, tuple(detectors)):
        for s in spans:
            key = text_key(text[s.start:s.end])
            if key in found:
                found[key] = attrs.evolve(found[key], count=found[key].count + 1)
                continue
            context = (text[max(0, s.start - _CONTEXT):s.start] + "[" + text[s.start:s.end]
                       + "]" + text[s.end:s.end + _CONTEXT])
            found[key] = Proposal(" ".join(text[s.start:s.end].split()), s.category, s.rule,
                                  s.label, 1, " ".join(context.split()))
    return tuple(found.values())
