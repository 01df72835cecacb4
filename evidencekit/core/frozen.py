"""Read-only values all the way down: a frozen mapping, and deep freeze and thaw (pure).

A frozen attrs class that holds a ``dict`` is not frozen: the dict can be changed in
place, and a signed event's hash with it. Signed and reported values therefore hold
:class:`FrozenDict` mappings and :class:`FrozenList` tuples instead of dicts and lists.
``freeze`` makes that form from plain data, ``thaw`` gives plain dicts and lists back
(for ``--json``); ``canonical_bytes`` gives the same bytes for both forms. Frozen values
compare equal to the plain data they were made from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from evidencekit.core.errors import InputError

K = TypeVar("K")
V = TypeVar("V")

MAX_DEPTH = 64
"""Deeper values are refused (a signed record may nest 32 levels; this is a backstop)."""


class FrozenDict(Mapping[K, V]):
    """An immutable, hashable mapping whose values are frozen too (lists become tuples).

    It compares equal to any mapping with the same frozen content, so
    ``event.details == {"size": 3}`` holds as it did for a plain dict.
    """

    __slots__ = ("_data", "_hash")
    _data: dict[K, V]
    _hash: int | None

    def __init__(self, items: Mapping[K, V] | None = None, /) -> None:
        data = {} if items is None else {key: freeze(value) for key, value in items.items()}
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return bool(self._data == other._data)
        if isinstance(other, Mapping):
            return bool(self._data == freeze(other)._data)
        return NotImplemented

    def __hash__(self) -> int:
        value = self._hash
        if value is None:
            value = hash(frozenset(self._data.items()))
            object.__setattr__(self, "_hash", value)
        return value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenDict[K, V]], tuple[dict[K, V]]]:
        return type(self), (dict(self._data),)


class FrozenList(tuple[Any, ...]):
    """A tuple that also compares equal to a list with the same (frozen) items."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            other = freeze(other)
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = tuple.__hash__


def freeze(value: Any) -> Any:
    """A deep read-only copy: mappings become :class:`FrozenDict`, lists :class:`FrozenList`.

    Other values (strings, numbers, frozen attrs objects) are returned as they are, so
    a value that is already frozen comes back unchanged.

    Raises:
        InputError: the value nests more than ``MAX_DEPTH`` levels deep.
    """
    return _freeze(value, 0)


def _freeze(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise InputError("Record is nested too deeply to be stored.")
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, Mapping):
        frozen: FrozenDict[Any, Any] = FrozenDict()
        object.__setattr__(frozen, "_data", {k: _freeze(v, depth + 1)
                                             for k, v in value.items()})
        return frozen
    if isinstance(value, FrozenList):
        return value
    if isinstance(value, (list, tuple)):
        return FrozenList(_freeze(item, depth + 1) for item in value)
    return value


def thaw(value: Any) -> Any:
    """Plain data again: mappings become ``dict`` and tuples ``list``, all the way down."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(item) for item in value]
    return value


def frozen_mapping(value: Mapping[str, Any] | None = None) -> FrozenDict[str, Any]:
    """Converter for attrs fields that hold a mapping (``None`` gives an empty one).

    Raises:
        InputError: the value is not a mapping, or nests too deeply.
    """
    if value is None:
        return FrozenDict()
    if not isinstance(value, Mapping):
        raise InputError(f"Expected a mapping, not {type(value).__name__}.")
    return freeze(value)  # type: ignore[no-any-return]


def frozen_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Converter for attrs fields that hold a sequence: a tuple of its (frozen) items.

    Raises:
        InputError: an item nests too deeply.
    """
    return FrozenList(freeze(item) for item in value)
