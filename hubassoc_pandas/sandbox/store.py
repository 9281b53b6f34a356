"""Stored associations: for each pair of records, the association type IDs in each direction.

Each direction ``(a, b)`` of each pair of object types is a :class:`_Side`: for every record
``x`` of type ``a``, the records ``y`` of type ``b`` it is associated with and the type IDs of
each association from ``x`` to ``y``; the mirror side ``(b, a)`` holds the other direction.
Both are kept together: a pair is associated in both directions or in neither.

Made for a sandbox holding millions of pairs without pausing. Type-ID sets are sorted tuples
shared between pairs that hold the same types, so ten million default associations cost one
tuple, not ten million. A record with one associated record (most contacts, in most jobs) is
held in two tables of ints and shared tuples, which Python's garbage collector leaves alone;
only records with several are held in a dict per record, and the side's dict of those is the
only container a full collection walks (one entry per such record, not per pair). Held all in
per-record dicts, a store of a million pairs made every full collection walk a million
entries, pausing the sandbox for tenths of a second while requests waited. The tables are
:class:`~hubassoc_pandas.sandbox.tables.GrowingTable`: a plain dict of a million records
paused it too, each time it outgrew its table.

Nothing here locks; the portal holds one lock around every use.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, KeysView

from .tables import GrowingTable

__all__ = ["AssociationStore"]

#: The type IDs of one direction of one pair, sorted (see the module docstring).
TypeIds = tuple[int, ...]

_EMPTY: TypeIds = ()


class _Side:
    """One direction: record -> {associated record: type IDs}, in two shapes (see the module
    docstring). ``one[x]`` is the single record ``x`` is associated with and ``one_types[x]``
    its type IDs; ``many[x]`` maps each of several records to their type IDs."""

    __slots__ = ("many", "one", "one_types")

    def __init__(self) -> None:
        self.one: GrowingTable[int, int] = GrowingTable(salt=0)
        self.one_types: GrowingTable[int, TypeIds] = GrowingTable(salt=1)
        self.many: dict[int, dict[int, TypeIds]] = {}

    def held(self, x: int) -> dict[int, TypeIds] | None:
        """``{y: type IDs}`` of record ``x`` (a copy for a single one), None if none."""
        several = self.many.get(x)
        if several is not None:
            return several
        y = self.one.get(x)
        return None if y is None else {y: self.one_types[x]}

    def get(self, x: int, y: int) -> TypeIds | None:
        """The type IDs from ``x`` to ``y``, None when not associated."""
        several = self.many.get(x)
        if several is not None:
            return several.get(y)
        return self.one_types[x] if self.one.get(x, -1) == y else None

    def put(self, x: int, y: int, types: TypeIds) -> None:
        """Set the type IDs from ``x`` to ``y`` (adding ``y`` if new)."""
        several = self.many.get(x)
        if several is not None:
            several[y] = types
            return
        single = self.one.get(x)
        if single is None or single == y:
            self.one[x] = y
            self.one_types[x] = types
            return
        self.many[x] = {single: self.one_types.pop(x), y: types}
        del self.one[x]

    def drop(self, x: int, y: int) -> bool:
        """Forget ``x`` -> ``y``; return whether it was held."""
        several = self.many.get(x)
        if several is not None:
            if several.pop(y, None) is None:
                return False
            if len(several) == 1:  # back to the single shape
                ((single, types),) = several.items()
                del self.many[x]
                self.one[x] = single
                self.one_types[x] = types
            return True
        if self.one.get(x, -1) != y:
            return False
        del self.one[x], self.one_types[x]
        return True

    def records(self) -> Iterator[tuple[int, dict[int, TypeIds]]]:
        """Each record with its ``{y: type IDs}``."""
        one_types = self.one_types
        for x, y in self.one.items():
            yield x, {y: one_types[x]}
        yield from self.many.items()


class AssociationStore:
    """Associations between records, with their type IDs per direction.

    Examples
    --------
    >>> store = AssociationStore()
    >>> store.add("contacts", "companies", 1, 2, {279, 1}, {280, 2})
    True
    >>> sorted(store.types("companies", "contacts", 2, 1))
    [2, 280]
    """

    def __init__(self) -> None:
        self.sides: dict[tuple[str, str], _Side] = {}
        self.total = 0
        self._interned: dict[TypeIds, TypeIds] = {_EMPTY: _EMPTY}
        self._as_sets: dict[TypeIds, frozenset[int]] = {_EMPTY: frozenset()}

    def _intern(self, types: Iterable[int]) -> TypeIds:
        key = tuple(sorted(set(types)))
        found = self._interned.get(key)
        if found is None:
            found = self._interned[key] = key
            self._as_sets[key] = frozenset(key)
        return found

    def _side(self, from_type: str, to_type: str) -> _Side:
        side = self.sides.get((from_type, to_type))
        if side is None:
            side = self.sides[(from_type, to_type)] = _Side()
        return side

    def targets(self, from_type: str, to_type: str, from_id: int) -> KeysView[int] | None:
        """The IDs of ``to_type`` associated with ``from_type:from_id`` (None if none)."""
        side = self.sides.get((from_type, to_type))
        held = None if side is None else side.held(from_id)
        return None if held is None else held.keys()

    def targets_with_types(
        self, from_type: str, to_type: str, from_id: int
    ) -> dict[int, frozenset[int]]:
        """``{to_id: type IDs from -> to}`` for one record (a copy)."""
        as_sets = self._as_sets
        side = self.sides.get((from_type, to_type))
        held = None if side is None else side.held(from_id)
        return {to_id: as_sets[types] for to_id, types in (held or {}).items()}

    def types(self, from_type: str, to_type: str, from_id: int, to_id: int) -> frozenset[int]:
        """Type IDs of the association ``from -> to`` (empty when not associated)."""
        side = self.sides.get((from_type, to_type))
        held = None if side is None else side.get(from_id, to_id)
        return self._as_sets[_EMPTY if held is None else held]

    def add(
        self,
        from_type: str,
        to_type: str,
        from_id: int,
        to_id: int,
        forward: Collection[int] = (),
        reverse: Collection[int] = (),
    ) -> bool:
        """Add type IDs to a pair (``forward`` from -> to, ``reverse`` to -> from).

        Returns whether the pair was not associated before.
        """
        out = self._side(from_type, to_type)
        back = self._side(to_type, from_type)
        old = out.get(from_id, to_id)
        if from_type == to_type and from_id == to_id:
            # A record with itself: both directions are the same entry.
            out.put(from_id, to_id, self._intern((*(old or _EMPTY), *forward, *reverse)))
        else:
            kept = old or _EMPTY
            out.put(from_id, to_id, self._intern((*kept, *forward)) if forward else kept)
            current = back.get(to_id, from_id) or _EMPTY
            back.put(to_id, from_id, self._intern((*current, *reverse)) if reverse else current)
        if old is None:
            self.total += 1
            return True
        return False

    def add_default(
        self,
        from_type: str,
        to_type: str,
        pairs: Iterable[tuple[int, int]],
        forward: int,
        reverse: int,
    ) -> None:
        """Give each ``(from_id, to_id)`` the default type IDs (the hot path of a busy sandbox)."""
        out = self._side(from_type, to_type)
        back = self._side(to_type, from_type)
        intern = self._intern
        fwd, rev = intern((forward,)), intern((reverse,))
        same_type = from_type == to_type
        for f, t in pairs:
            old = out.get(f, t)
            if old is None:
                self.total += 1
                old = fwd
                out.put(f, t, fwd)
            elif forward not in old:
                old = intern((*old, forward))
                out.put(f, t, old)
            if same_type and f == t:
                if reverse not in old:
                    out.put(f, t, intern((*old, reverse)))
                continue
            mirror = back.get(t, f)
            if mirror is None:
                back.put(t, f, rev)
            elif reverse not in mirror:
                back.put(t, f, intern((*mirror, reverse)))

    def remove(
        self,
        from_type: str,
        to_type: str,
        from_id: int,
        to_id: int,
        forward: Collection[int],
        reverse: Collection[int],
    ) -> None:
        """Take type IDs off a pair; the pair stays associated with what remains."""
        out = self._side(from_type, to_type)
        old = out.get(from_id, to_id)
        if old is None:
            return
        if from_type == to_type and from_id == to_id:
            out.put(from_id, to_id, self._intern(set(old) - set(forward) - set(reverse)))
            return
        back = self._side(to_type, from_type)
        left = self._intern(set(old) - set(forward))
        back_left = self._intern(set(back.get(to_id, from_id) or _EMPTY) - set(reverse))
        out.put(from_id, to_id, left)
        back.put(to_id, from_id, back_left)
        if not left and not back_left:
            self.remove_pair(from_type, to_type, from_id, to_id)

    def remove_pair(self, from_type: str, to_type: str, from_id: int, to_id: int) -> bool:
        """Remove every association between two records; return whether there was one."""
        out = self.sides.get((from_type, to_type))
        if out is None or not out.drop(from_id, to_id):
            return False
        back = self.sides.get((to_type, from_type))
        if back is not None:
            back.drop(to_id, from_id)
        self.total -= 1
        return True

    def pairs(self, from_type: str, to_type: str) -> set[tuple[str, str]]:
        """All associated pairs ``from_type -> to_type`` as ``(from_id, to_id)`` strings."""
        side = self.sides.get((from_type, to_type)) or _Side()
        return {(str(f), str(t)) for f, targets in side.records() for t in targets}

    def associations(self, from_type: str, to_type: str) -> dict[tuple[str, str], frozenset[int]]:
        """``{(from_id, to_id): type IDs from -> to}`` for every associated pair."""
        side = self.sides.get((from_type, to_type)) or _Side()
        as_sets = self._as_sets
        return {
            (str(f), str(t)): as_sets[types]
            for f, targets in side.records()
            for t, types in targets.items()
        }

    def count(self) -> int:
        """Number of associated pairs (each counted once, not per direction or type)."""
        return self.total

    def clear(self) -> None:
        """Forget every association."""
        self.sides.clear()
        self.total = 0
