"""A dict that grows without pausing the sandbox. Pure.

A Python dict copies every entry into a new table when it outgrows its own: one insert into a
dict of 1,398,101 ints takes about 50 ms, while every request the sandbox is answering waits
(the interpreter's lock is held). Requests arriving meanwhile are counted when the copy ends,
several at one instant, and a client pacing to the rolling window is refused a period later
for it. The sandbox's largest dicts (one entry per record or per pair sent) grow past that
size in a benchmark of a million pairs.

:class:`GrowingTable` spreads its keys over :data:`PARTS` dicts whose shares rise by equal
steps, part ``i`` taking ``2 ** (i / PARTS)`` shares. A dict outgrows its table at sizes a
power of two apart, so the parts do so at sizes of the whole that fall evenly between them (24
to each doubling, about 3% apart): never two in one request of 2,000 inserts past a few
thousand, and the largest copy is the largest part's, a seventeenth of the whole. ``salt``
lowers every share by a fraction of a step (a last small part takes the rest) and moves keys
between parts, so that two tables of the same keys, as the store keeps, outgrow their tables
at sizes between each other's.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterator
from itertools import accumulate
from typing import Any, Generic, TypeVar, overload

__all__ = ["PARTS", "GrowingTable"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")

#: Dicts a table is spread over.
PARTS = 24
_MIX = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1
_SCALE = 1 << 16
_GOLDEN = 0.6180339887498949
_MISSING = object()
_BOUNDS: dict[int, list[int]] = {}  # per salt: the upper end of each part's range
_INDEX: dict[int, bytes] = {}  # per salt: the part of each mixed hash, looked up at once


def _bounds(salt: int) -> list[int]:
    """Each part's upper end in ``[0, _SCALE)``. Part ``i`` takes ``2 ** ((i + offset) /
    PARTS)`` of ``sum(2 ** (i / PARTS))`` shares: ``offset`` is 0 unsalted, else minus a
    fraction (the salt's multiple of the golden ratio, less its whole part), and a last part
    takes the few shares left over."""
    found = _BOUNDS.get(salt)
    if found is None:
        offset = -((salt * _GOLDEN) % 1.0)
        whole = sum(2 ** (i / PARTS) for i in range(PARTS))
        shares = accumulate(2 ** ((i + offset) / PARTS) for i in range(PARTS))
        found = [round(_SCALE * total / whole) for total in shares]
        if found[-1] < _SCALE:
            found.append(_SCALE)
        _BOUNDS[salt] = found
        _INDEX[salt] = bytes(bisect.bisect_right(found, mixed) for mixed in range(_SCALE))
    return found


class GrowingTable(Generic[K, V]):
    """A mapping with the dict operations the sandbox uses, spread over :data:`PARTS` dicts.

    Parameters
    ----------
    salt : int
        Moves keys between parts (give tables of the same keys different salts).

    Examples
    --------
    >>> table = GrowingTable()
    >>> table[7] = "a"; table[9] = "b"
    >>> table.get(7), 8 in table, len(table), sorted(table.items())
    ('a', False, 2, [(7, 'a'), (9, 'b')])
    >>> table.pop(9), len(table)
    ('b', 1)
    """

    __slots__ = ("_parts", "_salt")

    def __init__(self, salt: int = 0) -> None:
        self._parts: list[dict[K, V]] = [{} for _ in _bounds(salt)]
        self._salt = salt

    def _dict(self, key: K) -> dict[K, V]:
        # _part() written out: this runs for every key the sandbox stores or counts
        return self._parts[_INDEX[self._salt][(((hash(key) + self._salt) * _MIX) & _MASK) >> 48]]

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        """The value of ``key``, else ``default``."""
        return self._dict(key).get(key, default)

    def __getitem__(self, key: K) -> V:
        return self._dict(key)[key]

    def __setitem__(self, key: K, value: V) -> None:
        self._dict(key)[key] = value

    def __delitem__(self, key: K) -> None:
        del self._dict(key)[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict(key)  # type: ignore[arg-type]

    @overload
    def pop(self, key: K) -> V: ...
    @overload
    def pop(self, key: K, default: D) -> V | D: ...

    def pop(self, key: K, default: object = _MISSING) -> object:
        """Remove ``key`` and return its value (``default`` if absent; KeyError without)."""
        part = self._dict(key)
        return part.pop(key) if default is _MISSING else part.pop(key, default)

    def increment(self, key: K) -> None:
        """Count one more of ``key`` (a table of counts: absent counts as 0)."""
        part: dict[K, Any] = self._dict(key)
        part[key] = part.get(key, 0) + 1

    def __len__(self) -> int:
        return sum(map(len, self._parts))

    def __iter__(self) -> Iterator[K]:
        for part in self._parts:
            yield from part

    def items(self) -> Iterator[tuple[K, V]]:
        """Every ``(key, value)``, part by part."""
        for part in self._parts:
            yield from part.items()

    def values(self) -> Iterator[V]:
        """Every value, part by part."""
        for part in self._parts:
            yield from part.values()

    def largest_part(self) -> int:
        """How many keys the fullest part holds."""
        return max(map(len, self._parts))
