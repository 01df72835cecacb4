"""Finding what to redact in a statement's text: a pure function of text and register.

Each detector returns spans with a category (shown on the black box), and the rule
that fired (recorded in custody, never the text itself). Overlapping spans merge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

import attrs
import phonenumbers

from evidencekit.redact.people import PeopleRegister

DETECTORS = ("phone", "email", "postcode", "nino", "vehicle", "dob")
_TITLES = r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?"
_POSSESSIVE = r"(?:['’]s\b|['’](?!\w))?"


@attrs.frozen(order=True)
class Span:
    """Characters ``start``..``end`` of the text, to be replaced by ``label``."""

    start: int
    end: int
    category: str
    rule: str
    label: str


# Inside a word: nothing, a soft hyphen, or a hyphen that ended a line ("Whit-⏎field").
_IN_WORD = "(?:\u00ad|-[ \t]*\r?\n[ \t]*)?"


def _letters(word: str) -> str:
    """One word, tolerating a line-end hyphen between letters and either apostrophe."""
    parts = ["['’]" if ch in "'’" else re.escape(ch) for ch in word]
    return _IN_WORD.join(parts)


def _flexible(phrase: str) -> str:
    """A phrase as a regex that tolerates any run of spaces or line breaks between words."""
    return r"\s+".join(_letters(word) for word in phrase.split())


def _phrases(text: str, phrases: Iterable[str], category: str, rule: str, label: str,
             titled: bool) -> list[Span]:
    found = []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        core = _flexible(phrase)
        pattern = (rf"(?<!\w){_TITLES}{core}{_POSSESSIVE}(?!\w)" if titled
                   else rf"(?<!\w){core}(?!\w)")
        found += [Span(m.start(), m.end(), category, rule, label)
                  for m in re.finditer(pattern, text, re.IGNORECASE)]
    return found


def register_spans(text: str, register: PeopleRegister) -> list[Span]:
    """Names of third parties and anonymous witnesses, and the register's strings."""
    spans: list[Span] = []
    for person in register.people:
        if person.role == "third-party":
            spans += _phrases(text, person.names, "name", "register:third-party",
                              "[third party]", True)
        elif person.role == "anonymous-witness":
            spans += _phrases(text, person.names, "name", "register:anonymous-witness",
                              f"[{person.pseudonym}]", True)
    spans += _phrases(text, register.strings, "string", "register:string", "[redacted]", False)
    return spans


# A UK number written out: +44/0044/0, then 9 or 10 more digits with at most one space,
# dot, dash or line break between digits, "(0)" after +44 and brackets round the area
# code. Catches numbers that libphonenumber's matcher skips when digits follow them.
_SEP = r"(?:[ \t.\-]|[ \t]*\n[ \t]*)?"
_UK_PHONE = re.compile(rf"(?<![\w+])(?:(?:\+|00)[ \t]?44{_SEP}(?:\(0\){_SEP})?\(?|\(?0)"
                       rf"\d(?:{_SEP}\)?{_SEP}\d){{8,9}}(?!\d)")


def phones(text: str) -> list[Span]:
    """UK phone numbers in national (07..., 01/02/03...) and international (+44, 0044) form."""
    found = _regex(_UK_PHONE, text, "phone", "detector:phone")
    for match in phonenumbers.PhoneNumberMatcher(text, "GB",
                                                 leniency=phonenumbers.Leniency.POSSIBLE):
        raw, start = match.raw_string, match.start
        if raw.startswith("(") and ")" not in raw:  # "(07700 900123)": keep the bracket
            raw, start = raw[1:], start + 1
        digits = re.sub(r"\D", "", raw)
        if raw.lstrip("(").startswith(("0", "+")) and len(digits) >= 10:
            found.append(Span(start, match.end, "phone", "detector:phone", "[phone]"))
    return found


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Presidio's BS 7666 rules, case-insensitive, optional space (redaction favours recall).
_POSTCODE = re.compile(
    r"\b(?:GIR\s?0AA|[A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]?\s?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][0-9]{2}\s?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]?\s?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{2}\s?[0-9][ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
# Anything shaped like an NI number: two letters, three pairs of digits, a letter. HMRC's
# prefix rules are not applied: a redactor hides what looks like personal data (QQ ...
# is HMRC's own example, and typed numbers can be wrong), it never validates it away.
_NINO = re.compile(r"\b[A-Z]{2}[ \t-]?\d{2}[ \t-]?\d{2}[ \t-]?\d{2}(?:[ \t-]?[A-Z])?\b",
                   re.IGNORECASE)
_VEHICLE = [
    ("current", re.compile(r"\b[A-HJ-PR-Y]{2}(?:0[2-9]|[1-7][0-9])[ \t-]?[A-HJ-PR-Z]{3}\b",
                           re.IGNORECASE)),
    ("prefix", re.compile(r"\b[A-HJ-NPR-TV-Y]\d{1,3}\s?[A-HJ-PR-Y][A-HJ-PR-Z]{2}\b")),
    ("suffix", re.compile(r"\b[A-HJ-PR-Z]{3}\s?\d{1,3}\s?[A-HJ-NPR-TV-Y]\b")),
]
# Dateless marks (A 1, ABC 123, 1234 AB) match ordinary words too: only near vehicle words.
_DATELESS = re.compile(r"(?i:\b(?:reg(?:istration)?|vrm|plate|car|van|vehicle)\b[^.\n]{0,30}?)"
                       r"\b((?:[A-Z]{1,3}\s?\d{1,4}|\d{1,4}\s?[A-Z]{1,3}))\b")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = (r"(?:\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?(?:19|20)?\d{2}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?:19|20)\d{{2}}"
         rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})")
# "DOB", "born (on) (the)", "date of birth (is|was)", then the date, across line breaks.
_DOB = re.compile(r"(?i:\b(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth\b(?:\s+(?:is|was)\b)?"
                  r"|born(?:\s+on)?(?:\s+the)?\b)[\s:,-]{0,5})"
                  rf"({_DATE})(?!\d)", re.IGNORECASE)


def _regex(pattern: re.Pattern[str], text: str, category: str, rule: str,
           group: int = 0) -> list[Span]:
    return [Span(m.start(group), m.end(group), category, rule, f"[{category}]")
            for m in pattern.finditer(text)]


def emails(text: str) -> list[Span]:
    """E-mail addresses."""
    return _regex(_EMAIL, text, "email", "detector:email")


def postcodes(text: str) -> list[Span]:
    """UK postcodes (BS 7666 letter rules)."""
    return _regex(_POSTCODE, text, "postcode", "detector:postcode")


def ninos(text: str) -> list[Span]:
    """Anything shaped like a National Insurance number, whatever its prefix or case."""
    return _regex(_NINO, text, "NI number", "detector:nino")


def vehicles(text: str) -> list[Span]:
    """Vehicle registrations: current, prefix and suffix forms; dateless near vehicle words."""
    spans = []
    for name, pattern in _VEHICLE:
        spans += _regex(pattern, text, "vehicle", f"detector:vehicle-{name}")
    spans += _regex(_DATELESS, text, "vehicle", "detector:vehicle-dateless", group=1)
    return spans


def dobs(text: str) -> list[Span]:
    """Dates of birth: a date right after "DOB", "date of birth" or "born"."""
    return _regex(_DOB, text, "date of birth", "detector:dob", group=1)


_BUILT_IN: dict[str, Callable[[str], list[Span]]] = {
    "phone": phones, "email": emails, "postcode": postcodes, "nino": ninos,
    "vehicle": vehicles, "dob": dobs,
}


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, with overlapping spans joined (the first, longest one's label wins)."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = attrs.evolve(last, end=max(last.end, span.end))
        else:
            merged.append(span)
    return merged


def find_spans(text: str, register: PeopleRegister,
               detectors: Iterable[str] = DETECTORS) -> list[Span]:
    """Everything to redact in ``text``, merged and in order.

    Parties' names are never redacted by a detector hit inside them.
    """
    spans = register_spans(text, register)
    for name in detectors:
        spans += _BUILT_IN[name](text)
    kept = [m.span() for p in register.parties for n in p.names
            for m in re.finditer(rf"(?<!\w){_flexible(n)}(?!\w)", text, re.IGNORECASE)]
    spans = [s for s in spans if s.rule.startswith("register:")
             or not any(a <= s.start and s.end <= b for a, b in kept)]
    return merge(spans)


def apply(text: str, spans: list[Span]) -> str:
    """The text with every span replaced by its label (for plain-text views and tests)."""
    out, last = [], 0
    for span in spans:
        out += [text[last:span.start], span.label]
        last = span.end
    return "".join([*out, text[last:]])


Finder = Callable[[str], list[Span]]


_AROUND = "()[]{}<>.,;:!?\"'‘’“”"


def text_key(text: str) -> str:
    """How kept texts are compared: spacing collapsed, case folded, punctuation round it gone.

    So ``(07700 900123`` (a detector's span may hold the bracket) is ``07700 900123``.
    """
    return " ".join(text.split()).strip(_AROUND).strip().casefold()


def keeping(register: PeopleRegister, detectors: Iterable[str],
            keep: Collection[str] = ()) -> Finder:
    """The finder: register and detector spans, less any whose text the reviewer kept."""
    chosen, kept = tuple(detectors), {text_key(k) for k in keep}

    def find(text: str) -> list[Span]:
        spans = find_spans(text, register, chosen)
        return [s for s in spans if text_key(text[s.start:s.end]) not in kept]

    return find
