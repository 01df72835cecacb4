"""The single canonical byte form used for hashing, signing and chaining.

A record is a JSON object built from ``str``, ``int``, ``bool``, ``None``,
lists and objects with string keys; the read-only forms of these (tuples, and
mappings such as ``FrozenDict``) give byte for byte the same output. Floats are
refused: their text form differs between languages, and a recipient must be able
to rebuild the exact signed bytes with any JSON library. The canonical form is
UTF-8 JSON with keys sorted by code point, no insignificant whitespace and no
escaping of non-ASCII characters. See ``docs/adr/0001-canonical-form.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from evidencekit.core.errors import InputError

JsonValue = Any
"""A value of the JSON subset above (kept as ``Any`` for mypy's sake)."""

_MAX_DEPTH = 32


def _check(value: object, depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        raise InputError("Record is nested too deeply to be canonicalised.")
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise InputError("Floats are not allowed in signed records; store them as strings.")
    if isinstance(value, (list, tuple)):
        for item in value:
            _check(item, depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError("Record keys must be strings.")
            _check(item, depth + 1)
        return
    raise InputError(f"Value of type {type(value).__name__} cannot be canonicalised.")


def canonical_bytes(value: JsonValue) -> bytes:
    """Return the canonical UTF-8 JSON bytes of ``value``.

    Raises:
        InputError: the value holds a float, a non-string key or a foreign type.
    """
    _check(value)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_as_dict)
    return text.encode("utf-8")


def _as_dict(value: object) -> dict[str, JsonValue]:
    # json calls this only for objects it cannot write itself; _check let only mappings by
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")  # pragma: no cover - _check refuses


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-standard JSON constant {name}")


def _reject_float(text: str) -> None:
    raise ValueError(f"float {text} not allowed")


def parse_canonical(data: bytes) -> dict[str, JsonValue]:
    """Parse ``data`` as one canonical JSON object and check it is canonical.

    Raises:
        InputError: not UTF-8, not JSON, not an object, or not in canonical form.
    """
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=_reject_float
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"Not a valid JSON record: {exc}.") from exc
    if not isinstance(value, dict):
        raise InputError("Expected a JSON object.")
    if canonical_bytes(value) != data:
        raise InputError("Record is valid JSON but not in canonical form.")
    return value
