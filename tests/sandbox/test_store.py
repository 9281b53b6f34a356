"""The association store: type IDs per direction, additions, removals (pure, table-driven)."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from hubassoc_pandas.sandbox.store import AssociationStore

C, CO = "contacts", "companies"


def _apply(store: AssociationStore, steps: list[tuple[Any, ...]]) -> None:
    for step in steps:
        getattr(store, step[0])(*step[1:])


@pytest.mark.parametrize(
    ("steps", "forward", "reverse", "count"),
    [
        ([("add_default", C, CO, [(1, 2)], 279, 280)], {("1", "2"): {279}}, {("2", "1"): {280}}, 1),
        (
            [("add_default", C, CO, [(1, 2)], 279, 280), ("add", C, CO, 1, 2, {28}, {29})],
            {("1", "2"): {279, 28}},
            {("2", "1"): {280, 29}},
            1,
        ),
        (
            [("add", CO, C, 2, 1, {280, 2}, {279, 1}), ("add_default", C, CO, [(1, 2)], 279, 280)],
            {("1", "2"): {279, 1}},
            {("2", "1"): {280, 2}},
            1,
        ),
        (
            [("add", C, CO, 1, 2, {279, 28}, {280, 29}), ("remove", C, CO, 1, 2, {28}, {29})],
            {("1", "2"): {279}},
            {("2", "1"): {280}},
            1,
        ),
        (
            [("add", C, CO, 1, 2, {279, 28}, {280, 29}), ("remove_pair", CO, C, 2, 1)],
            {},
            {},
            0,
        ),
        (
            [("add_default", C, CO, [(1, 2), (1, 3), (1, 2)], 279, 280)],
            {("1", "2"): {279}, ("1", "3"): {279}},
            {("2", "1"): {280}, ("3", "1"): {280}},
            2,
        ),
        ([("remove_pair", C, CO, 1, 2), ("remove", C, CO, 1, 2, {279}, {280})], {}, {}, 0),
        (
            [("add", C, CO, 1, 2, {279}, {280}), ("remove", C, CO, 1, 2, {279}, {280})],
            {},
            {},
            0,
        ),
    ],
)
def test_store_keeps_type_ids_per_direction(
    steps: list[tuple[Any, ...]],
    forward: dict[tuple[str, str], set[int]],
    reverse: dict[tuple[str, str], set[int]],
    count: int,
) -> None:
    store = AssociationStore()
    _apply(store, steps)
    assert store.associations(C, CO) == forward
    assert store.associations(CO, C) == reverse
    assert store.count() == count
    assert store.pairs(C, CO) == set(forward)


def test_same_type_pairs_keep_each_direction_apart() -> None:
    store = AssociationStore()
    store.add_default(C, C, [(1, 2)], 449, 449)
    store.add(C, C, 1, 2, {144}, {145})  # a paired label: Manager one way, Employee the other
    assert store.associations(C, C) == {("1", "2"): {449, 144}, ("2", "1"): {449, 145}}
    assert store.count() == 1
    store.add_default(C, C, [(3, 3)], 449, 449)
    store.add(C, C, 3, 3, {144}, {145})
    assert store.types(C, C, 3, 3) == {449, 144, 145}
    store.remove_pair(C, C, 2, 1)
    assert store.associations(C, C) == {("3", "3"): {449, 144, 145}}
    assert store.count() == 1


def test_type_sets_are_shared() -> None:
    store = AssociationStore()
    store.add_default(C, CO, [(i, i) for i in range(1, 100)], 279, 280)
    store.add_default(C, CO, [(1, 500)], 279, 280)  # contact 1 has two companies now
    stored = {id(types) for _, held in store.sides[(C, CO)].records() for types in held.values()}
    given = {id(store.types(C, CO, i, i)) for i in range(1, 100)}
    assert len(stored) == 1 and len(given) == 1


def _walked_by_a_full_collection(root: object) -> int:
    """References the garbage collector follows from ``root`` through the tracked containers
    of the store's own data (an untracked container is never walked: its references cost a
    full collection nothing); classes and modules are not followed."""
    seen: set[int] = set()
    stack, walked = [root], 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or not gc.is_tracked(obj) or isinstance(obj, type):
            continue
        seen.add(id(obj))
        referents = gc.get_referents(obj)
        walked += len(referents)
        stack.extend(referents)
    return walked


def test_a_large_store_is_left_alone_by_the_garbage_collector() -> None:
    """Full collections must not walk an entry per stored pair (pauses of tenths of a second
    at a million pairs, holding up every request being served): only records with several
    associated records cost one each."""
    store = AssociationStore()
    store.add_default(C, CO, [(i, i % 7) for i in range(1, 20_000)], 279, 280)
    store.add(C, CO, 3, 3, {1}, {2})
    store.add_default(C, CO, [(1, 500), (2, 501)], 279, 280)  # two contacts with two companies
    gc.collect()
    assert _walked_by_a_full_collection(store) < 200  # 7 companies and 2 contacts, not 20,000
    assert store.types(C, CO, 3, 3) == {1, 279} and store.types(CO, C, 3, 3) == {2, 280}
    assert set(store.targets(C, CO, 1) or ()) == {1, 500} and store.count() == 20_001


def test_targets() -> None:
    store = AssociationStore()
    assert store.targets(C, CO, 1) is None
    store.add_default(C, CO, [(1, 2), (1, 3)], 279, 280)
    assert set(store.targets(C, CO, 1) or ()) == {2, 3}
    assert store.targets_with_types(CO, C, 3) == {1: {280}}
