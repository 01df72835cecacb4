"""Suggestions, not decisions: capitalised words that look like names nobody registered.

A pure function of the statement's text (with redactions already in place) and the
people register. A word is suggested when it is capitalised (or in capitals), is a
known first name (``data/first-names.txt``, with its sources and licences) and is no
name of anyone in the register; a capitalised word right after it is taken as a
surname. A first name opening a sentence is suggested only with such a surname
("Will you" is not a person; "Will Hughes" may be). Nothing is redacted on a guess:
the reviewer adds the person to the register, or does not.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from importlib import resources

import attrs

from evidencekit.redact.people import PeopleRegister

REASON = "a first name (US Census 1990 and UK lists) not in the people register"
_WORD = r"(?:[A-Z][a-z]+(?:['’-][A-Z][a-z]+)?|[A-Z]{2,})"
_CANDIDATE = re.compile(rf"(?<![\w'’\[-])({_WORD})(?:['’]s)?(?![\w-])")


@attrs.frozen
class Suggestion:
    """A possible name of a person, how often it appears, and why it was flagged."""

    text: str
    count: int
    reason: str = REASON


@functools.cache
def first_names() -> frozenset[str]:
    """The shipped first names, in capitals."""
    data = resources.files("evidencekit.redact").joinpath("data/first-names.txt")
    lines = data.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and line[0] != "#")


def _registered(register: PeopleRegister) -> frozenset[str]:
    words = {w for p in register.people for n in (*p.names, p.pseudonym or "")
             for w in re.findall(r"[\w'’-]+", n.upper())}
    return frozenset(words)


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t")
    return not before or before[-1] in ".!?:\n\"“("


def suggest_names(text: str, register: PeopleRegister) -> tuple[Suggestion, ...]:
    """Possible names of people who are not in the register, most frequent first."""
    names, known = first_names(), _registered(register)
    words = list(_CANDIDATE.finditer(text))
    found: Counter[str] = Counter()
    for n, match in enumerate(words):
        first = match.group(1)
        if first.upper() not in names or first.upper() in known:
            continue
        after = words[n + 1] if n + 1 < len(words) else None
        surname = after.group(1) if after is not None and re.fullmatch(
            r"[ \t]+", text[match.end():after.start()]) else None
        if surname is not None and surname.upper() in known:
            continue
        if surname is None and _sentence_start(text, match.start()):
            continue
        found[f"{first} {surname}" if surname else first] += 1
    return tuple(Suggestion(t, c) for t, c in sorted(found.items(), key=lambda i: (-i[1], i[0])))
