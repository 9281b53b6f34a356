"""Stored associations: for each pair of records, the association type IDs in each direction.

``links[(a, b)][x][y]`` is the set of type IDs of the association from record ``x`` of type
``a`` to record ``y`` of type ``b``; the mirror ``links[(b, a)][y][x]`` holds the type IDs of the
other direction. Both are kept together: a pair is associated in both directions or in neither.
Type-ID sets are kept as sorted tuples shared between pairs that hold the same types, so ten
million default associations cost one tuple, not ten million. Tuples of ints, unlike frozensets,
are left alone by Python's garbage collector, and so are the per-record dicts holding them: a
store of millions of pairs adds no pause to the collector's full passes (which otherwise grow to
tenths of a second and would hold up every request the sandbox is serving).

Nothing here locks; the portal holds one lock around every use.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, KeysView

__all__ = ["AssociationStore"]

#: The type IDs of one direction of one pair, sorted (see the module docstring).
TypeIds = tuple[int, ...]

_EMPTY: TypeIds = ()


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
        self.links: dict[tuple[str, str], dict[int, dict[int, TypeIds]]] = {}
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

    def _side(self, from_type: str, to_type: str) -> dict[int, dict[int, TypeIds]]:
        side = self.links.get((from_type, to_type))
        if side is None:
            side = self.links[(from_type, to_type)] = {}
        return side

    def targets(self, from_type: str, to_type: str, from_id: int) -> KeysView[int] | None:
        """The IDs of ``to_type`` associated with ``from_type:from_id`` (None if none)."""
        side = self.links.get((from_type, to_type))
        if side is None:
            return None
        found = side.get(from_id)
        return None if found is None else found.keys()

    def targets_with_types(
        self, from_type: str, to_type: str, from_id: int
    ) -> dict[int, frozenset[int]]:
        """``{to_id: type IDs from -> to}`` for one record (a copy)."""
        as_sets = self._as_sets
        held = self._held(from_type, to_type, from_id)
        return {to_id: as_sets[types] for to_id, types in held.items()}

    def _held(self, from_type: str, to_type: str, from_id: int) -> dict[int, TypeIds]:
        """The stored ``{to_id: type IDs}`` of one record (live; empty and unstored if none)."""
        side = self.links.get((from_type, to_type))
        return {} if side is None else side.get(from_id, {})

    def types(self, from_type: str, to_type: str, from_id: int, to_id: int) -> frozenset[int]:
        """Type IDs of the association ``from -> to`` (empty when not associated)."""
        side = self.links.get((from_type, to_type))
        held = None if side is None else side.get(from_id)
        return self._as_sets[_EMPTY if held is None else held.get(to_id, _EMPTY)]

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
        out = self._side(from_type, to_type).setdefault(from_id, {})
        back = self._side(to_type, from_type).setdefault(to_id, {})
        old = out.get(to_id)
        if from_type == to_type and from_id == to_id:
            # A record with itself: both directions are the same entry.
            out[to_id] = self._intern((*(old or _EMPTY), *forward, *reverse))
        else:
            out[to_id] = self._intern((*(old or _EMPTY), *forward)) if forward else old or _EMPTY
            current = back.get(from_id, _EMPTY)
            back[from_id] = self._intern((*current, *reverse)) if reverse else current
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
        out_side = self._side(from_type, to_type)
        back_side = self._side(to_type, from_type)
        intern = self._intern
        fwd, rev = intern((forward,)), intern((reverse,))
        same_type = from_type == to_type
        for f, t in pairs:
            out = out_side.get(f)
            if out is None:
                out = out_side[f] = {}
            old = out.get(t)
            if old is None:
                self.total += 1
                out[t] = fwd
            elif forward not in old:
                out[t] = intern((*old, forward))
            if same_type and f == t:
                if reverse not in out[t]:
                    out[t] = intern((*out[t], reverse))
                continue
            back = back_side.get(t)
            if back is None:
                back = back_side[t] = {}
            mirror = back.get(f)
            if mirror is None:
                back[f] = rev
            elif reverse not in mirror:
                back[f] = intern((*mirror, reverse))

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
        out = self._held(from_type, to_type, from_id)
        if to_id not in out:
            return
        if from_type == to_type and from_id == to_id:
            out[to_id] = self._intern(set(out[to_id]) - set(forward) - set(reverse))
            return
        back = self._held(to_type, from_type, to_id)
        out[to_id] = self._intern(set(out[to_id]) - set(forward))
        back[from_id] = self._intern(set(back.get(from_id, _EMPTY)) - set(reverse))
        if not out[to_id] and not back[from_id]:
            self.remove_pair(from_type, to_type, from_id, to_id)

    def remove_pair(self, from_type: str, to_type: str, from_id: int, to_id: int) -> bool:
        """Remove every association between two records; return whether there was one."""
        out_side = self.links.get((from_type, to_type), {})
        out = out_side.get(from_id)
        if out is None or to_id not in out:
            return False
        del out[to_id]
        if not out:
            del out_side[from_id]
        back_side = self.links.get((to_type, from_type), {})
        back = back_side.get(to_id)
        if back is not None:
            back.pop(from_id, None)
            if not back:
                del back_side[to_id]
        self.total -= 1
        return True

    def pairs(self, from_type: str, to_type: str) -> set[tuple[str, str]]:
        """All associated pairs ``from_type -> to_type`` as ``(from_id, to_id)`` strings."""
        side = self.links.get((from_type, to_type), {})
        return {(str(f), str(t)) for f, targets in side.items() for t in targets}

    def associations(self, from_type: str, to_type: str) -> dict[tuple[str, str], frozenset[int]]:
        """``{(from_id, to_id): type IDs from -> to}`` for every associated pair."""
        side = self.links.get((from_type, to_type), {})
        as_sets = self._as_sets
        return {
            (str(f), str(t)): as_sets[types]
            for f, targets in side.items()
            for t, types in targets.items()
        }

    def count(self) -> int:
        """Number of associated pairs (each counted once, not per direction or type)."""
        return self.total

    def clear(self) -> None:
        """Forget every association."""
        self.links.clear()
        self.total = 0
