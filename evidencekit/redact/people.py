"""The people register: who is named in statements, and what happens to their details.

TOML, documented in ``docs/redacting-statements.md``::

    [[person]]
    name = "Darren Cole"
    role = "party"                 # kept

    [[person]]
    name = "Joan Whitfield"
    aliases = ["Joan", "Mrs W"]
    role = "third-party"           # redacted

    [[person]]
    name = "Liam Whitfield"
    role = "anonymous-witness"     # replaced by the pseudonym, the same everywhere
    pseudonym = "Witness A"

    [redact]
    strings = ["12 Elm Court"]
"""

from __future__ import annotations

import tomllib
from typing import Any

import attrs

from evidencekit.core.errors import InputError

ROLES = ("party", "third-party", "anonymous-witness")


@attrs.frozen
class Person:
    """Someone named in the evidence."""

    name: str
    role: str
    aliases: tuple[str, ...] = ()
    pseudonym: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.role not in ROLES:
            raise InputError(f"{self.name}: role {self.role!r} is not one of {', '.join(ROLES)}.")
        if self.role == "anonymous-witness" and not self.pseudonym:
            raise InputError(f"{self.name} is an anonymous witness and needs a pseudonym, "
                             'e.g. pseudonym = "Witness A".')

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)


@attrs.frozen
class PeopleRegister:
    """Everyone in the register, plus free strings to redact (addresses, ...)."""

    people: tuple[Person, ...] = ()
    strings: tuple[str, ...] = ()

    @property
    def parties(self) -> tuple[Person, ...]:
        """People whose names stay in."""
        return tuple(p for p in self.people if p.role == "party")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200 or "\n" in value:
        raise InputError(f"{what} must be one line of 1 to 200 characters.")
    return value.strip()


def _person(data: Any, n: int) -> Person:
    if not isinstance(data, dict):
        raise InputError(f"Person {n} must be a table with name and role.")
    unknown = set(data) - {"name", "role", "aliases", "pseudonym"}
    if unknown:
        raise InputError(f"Person {n} has unknown field(s): {', '.join(sorted(unknown))}.")
    name = _text(data.get("name"), f"Person {n}'s name")
    aliases = data.get("aliases", [])
    if not isinstance(aliases, list):
        raise InputError(f"{name}: aliases must be a list of names.")
    pseudonym = data.get("pseudonym")
    return Person(name, str(data.get("role", "")),
                  tuple(_text(a, f"An alias of {name}") for a in aliases),
                  None if pseudonym is None else _text(pseudonym, f"{name}'s pseudonym"))


def parse_people(text: str) -> PeopleRegister:
    """Parse a people register.

    Raises:
        InputError: not TOML, or a person or string that is malformed.
    """
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InputError(f"The people register is not valid TOML: {exc}.") from exc
    unknown = set(data) - {"person", "redact"}
    if unknown:
        raise InputError(f"The people register has unknown section(s): {', '.join(unknown)}.")
    people = data.get("person", [])
    redact = data.get("redact", {})
    if not isinstance(people, list) or not isinstance(redact, dict):
        raise InputError("Use [[person]] tables and one [redact] table.")
    strings = redact.get("strings", [])
    if not isinstance(strings, list) or set(redact) - {"strings"}:
        raise InputError("[redact] takes one key: strings = [...].")
    return PeopleRegister(tuple(_person(p, n) for n, p in enumerate(people, start=1)),
                          tuple(_text(s, "A string to redact") for s in strings))
