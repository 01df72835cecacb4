"""The disclosure register: every package a case sent and received (pure, from the log).

Each entry comes from a signed event: ``exported`` for a package sent, and
``package-received`` for one received. The legal basis, purpose and security marking
are those given at export (``export --basis/--purpose/--marking``, or the case's
defaults, set by a signed ``disclosure-defaults`` event). See ``docs/receiving.md``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

from evidencekit.case.folder import Case
from evidencekit.core.canonical import JsonValue
from evidencekit.core.errors import InputError
from evidencekit.core.frozen import freeze, frozen_tuple, thaw
from evidencekit.custody.events import Event
from evidencekit.custody.origin import PACKAGE_RECEIVED
from evidencekit.keys.keyfile import Signer

MARKINGS = ("OFFICIAL", "OFFICIAL-SENSITIVE")
"""Government Security Classifications a package may carry (``--marking``)."""
DEFAULTS = "disclosure-defaults"
CSV_COLUMNS = ("direction", "when", "sender", "recipient", "package_id", "exhibits",
               "redacted", "basis", "purpose", "marking", "their_case", "recorded_by",
               "event_seq", "encryption")
Direction = Literal["sent", "received"]


def check_marking(value: str | None) -> str | None:
    """Normalise a security marking (``official-sensitive`` → ``OFFICIAL-SENSITIVE``).

    Raises:
        InputError: not one of :data:`MARKINGS`.
    """
    if value is None:
        return None
    marking = value.strip().upper().replace(" ", "-")
    if marking not in MARKINGS:
        raise InputError(f"--marking must be one of {', '.join(MARKINGS)}, not {value!r}.")
    return marking


def check_statement(value: str | None, what: str) -> str | None:
    """A one-line purpose or legal basis of 1 to 300 characters, or ``None``.

    Raises:
        InputError: empty, several lines, or too long.
    """
    if value is None:
        return None
    if not value.strip() or "\n" in value or len(value) > 300:
        raise InputError(f"--{what} must be one line of 1 to 300 characters.")
    return value.strip()


def _optional_frozen(value: Mapping[str, JsonValue] | None) -> Mapping[str, JsonValue] | None:
    return None if value is None else freeze(value)


@attrs.frozen
class Disclosure:
    """One package sent or received, as the register lists it."""

    direction: Direction
    when: str
    sender: str
    recipient: str
    package_id: str
    exhibits: tuple[str, ...] = attrs.field(converter=frozen_tuple)
    redacted: bool
    basis: str | None
    purpose: str | None
    marking: str | None
    their_case: str | None
    recorded_by: str
    event_seq: int
    encryption: Mapping[str, JsonValue] | None = attrs.field(default=None,
                                                             converter=_optional_frozen)

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form (``disclosures --json``)."""
        data = {f.name: getattr(self, f.name) for f in attrs.fields(Disclosure)}
        return thaw({**data, "exhibits": list(self.exhibits)})  # type: ignore[no-any-return]


@attrs.frozen
class DisclosureRegister:
    """Every package the case sent and received, in the order of the log."""

    case_ref: str
    entries: tuple[Disclosure, ...] = attrs.field(converter=frozen_tuple)

    @property
    def sent(self) -> tuple[Disclosure, ...]:
        """The packages sent."""
        return tuple(e for e in self.entries if e.direction == "sent")

    @property
    def received(self) -> tuple[Disclosure, ...]:
        """The packages received."""
        return tuple(e for e in self.entries if e.direction == "received")

    def to_dict(self) -> dict[str, JsonValue]:
        """Plain-data form (``disclosures --json``)."""
        return {"case_ref": self.case_ref, "entries": [e.to_dict() for e in self.entries]}

    def to_csv(self) -> str:
        """The register as CSV (one row per package, exhibits separated by spaces)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for entry in self.entries:
            row = entry.to_dict()
            row["exhibits"] = " ".join(entry.exhibits)
            row["redacted"] = "yes" if entry.redacted else "no"
            row["encryption"] = ", ".join(f"{k}={v}" for k, v in sorted(
                (entry.encryption or {}).items()))
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in CSV_COLUMNS})
        return buffer.getvalue()


def _text(details: Mapping[str, JsonValue], key: str) -> str | None:
    value = details.get(key)
    return value if isinstance(value, str) else None


def _refs(items: object) -> list[str]:
    # every exhibit the package held, including any this case already had
    return [str(i.get("ref")) for i in items if isinstance(i, Mapping)
            and i.get("ref") != "bundle"] if isinstance(items, (list, tuple)) else []


def _mapping(details: Mapping[str, JsonValue], key: str) -> Mapping[str, JsonValue]:
    value = details.get(key)
    return value if isinstance(value, Mapping) else {}


def _who(event: Event) -> str:
    return f"{event.actor.name}, {event.actor.org}"


def _sent(event: Event) -> Disclosure:
    d = event.details
    encryption = d.get("encryption")
    return Disclosure(
        "sent", event.time, _who(event), _text(d, "recipient") or "", _text(d, "package_id")
        or "", _refs(d.get("items")), d.get("redacted") is True, _text(d, "basis"),
        _text(d, "purpose"), _text(d, "marking"), None, _who(event), event.seq,
        encryption if isinstance(encryption, Mapping) else None)


def _received(event: Event) -> Disclosure:
    d = event.details
    sender, case = _mapping(d, "sender"), _mapping(d, "sender_case")
    encryption = d.get("encryption")
    return Disclosure(
        "received", _text(d, "sent_at") or event.time,
        f"{sender.get('name', '?')}, {sender.get('org', '?')}", _text(d, "recipient") or "",
        _text(d, "package_id") or "", _refs(d.get("items")), d.get("redacted") is True,
        _text(d, "basis"), _text(d, "purpose"), _text(d, "marking"),
        str(case.get("ref", "?")), _who(event), event.seq,
        encryption if isinstance(encryption, Mapping) else None)


def register_of(events: Iterable[Event], case_ref: str) -> DisclosureRegister:
    """The register a custody log records (pure)."""
    entries = [_sent(e) if e.action == "exported" else _received(e) for e in events
               if e.action in ("exported", PACKAGE_RECEIVED)]
    return DisclosureRegister(case_ref, tuple(entries))


def disclosure_register(case: Case) -> DisclosureRegister:
    """Every package ``case`` sent and received, with basis, purpose and marking.

    Raises:
        CustodyError: the log cannot be read.
    """
    return register_of(case.events(), case.info.ref)


@attrs.frozen
class DisclosureDefaults:
    """What an export records when ``--basis``, ``--purpose`` or ``--marking`` is not given."""

    basis: str | None = None
    purpose: str | None = None
    marking: str | None = None


def defaults_of(events: Iterable[Event]) -> DisclosureDefaults:
    """The newest ``disclosure-defaults`` the log records (pure)."""
    found = [e for e in events if e.action == DEFAULTS]
    if not found:
        return DisclosureDefaults()
    d = found[-1].details
    return DisclosureDefaults(_text(d, "basis"), _text(d, "purpose"), _text(d, "marking"))


def set_disclosure_defaults(case: Case, signer: Signer, *, basis: str | None = None,
                            purpose: str | None = None,
                            marking: str | None = None) -> DisclosureDefaults:
    """Record, signed, the case's default basis, purpose and marking for exports.

    A value not given keeps the earlier default.

    Raises:
        InputError: a bad marking, an empty or multi-line text, or nothing given.
    """
    if basis is None and purpose is None and marking is None:
        raise InputError("Give at least one of --basis, --purpose and --marking.")
    old = defaults_of(case.events())
    new = DisclosureDefaults(check_statement(basis, "basis") or old.basis,
                             check_statement(purpose, "purpose") or old.purpose,
                             check_marking(marking) or old.marking)
    with case.writing(signer) as writer:
        writer.append(DEFAULTS, details={k: v for k, v in attrs.asdict(new).items()
                                         if v is not None})
    return new
