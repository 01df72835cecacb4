"""What a reviewing app needs beyond ``redact_item``: proposals as data, and the register.

Both read or write only what the CLI's redaction reads: the case's ``people.toml``
(or a register given) and the statement itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from evidencekit.case.folder import Case
from evidencekit.core import storage
from evidencekit.core.errors import RedactionError
from evidencekit.redact.detectors import DETECTORS
from evidencekit.redact.people import PeopleRegister, Person, parse_people
from evidencekit.redact.proposals import Proposal, propose
from evidencekit.redact.statements import CASE_REGISTER, is_statement, load_register


def statement_proposals(case: Case, ref: str, *, people: Path | None = None,
                        skip_detectors: Iterable[str] = ()) -> tuple[Proposal, ...]:
    """Every redaction ``redact_item`` would make in statement ``ref``, with its reason.

    Pass the texts a reviewer rejects as ``RedactionRequest(keep=...)``.

    Raises:
        InputError: no such exhibit; unreadable.
        RedactionError: not a statement, or a bad register.
    """
    item = case.item(ref)
    if not is_statement(item.media_type):
        raise RedactionError(f"{item.ref} is {item.media_type}, not a statement.")
    register, _digest = load_register(case, people)
    skipped = set(skip_detectors)
    return propose(case.object_path(item.sha256), item.media_type, register,
                   [d for d in DETECTORS if d not in skipped])


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, for a string)."""
    return json.dumps(value, ensure_ascii=False)


def add_person(case: Case, person: Person) -> PeopleRegister:
    """Add someone to the case's ``people.toml`` (made if absent); the register as it now is.

    The file is rewritten atomically with the new ``[[person]]`` table at its end and read
    back through :func:`parse_people`, so a register that would not parse is never left.

    Raises:
        RedactionError: the name is already in the register.
        InputError: the existing register is unreadable or malformed.
    """
    path = case.root / CASE_REGISTER
    old = (storage.read_small_bytes(path, limit=1 << 20, what="people register")
           .decode("utf-8", errors="strict") if path.exists() else "")
    register = parse_people(old)
    if any(n.casefold() == person.name.casefold() for p in register.people for n in p.names):
        raise RedactionError(f"{person.name} is already in the people register.")
    lines = ["", "[[person]]", f"name = {_toml(person.name)}", f"role = {_toml(person.role)}"]
    if person.aliases:
        lines.append(f"aliases = [{', '.join(_toml(a) for a in person.aliases)}]")
    if person.pseudonym:
        lines.append(f"pseudonym = {_toml(person.pseudonym)}")
    text = old.rstrip("\n") + "\n".join(lines) + "\n"
    updated = parse_people(text)
    storage.atomic_write(path, text.encode("utf-8"))
    return updated
