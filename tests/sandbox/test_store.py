"""The association store: type IDs per direction, additions, removals (pure, table-driven)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from sandbox_testkit import walked_by_a_full_collection

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


def test_a_large_store_is_left_alone_by_the_garbage_collector() -> None:
    """Full collections must not walk an entry per stored pair (pauses of tenths of a second
    at a million pairs, holding up every request being served): only records with several
    associated records cost one each."""
    store = AssociationStore()
    store.add_default(C, CO, [(i, i % 7) for i in range(1, 20_000)], 279, 280)
    store.add(C, CO, 3, 3, {1}, {2})
    store.add_default(C, CO, [(1, 500), (2, 501)], 279, 280)  # two contacts with two companies
    gc.collect()
    assert walked_by_a_full_collection(store) < 200  # 7 companies and 2 contacts, not 20,000
    assert store.types(C, CO, 3, 3) == {1, 279} and store.types(CO, C, 3, 3) == {2, 280}
    assert set(store.targets(C, CO, 1) or ()) == {1, 500} and store.count() == 20_001


def test_targets() -> None:
    store = AssociationStore()
    assert store.targets(C, CO, 1) is None
    store.add_default(C, CO, [(1, 2), (1, 3)], 279, 280)
    assert set(store.targets(C, CO, 1) or ()) == {2, 3}
    assert store.targets_with_types(CO, C, 3) == {1: {280}}


def test_a_sandbox_that_stored_many_pairs_leaves_the_collector_little_to_walk() -> None:
    """Neither the store nor the request log keeps a container the collector walks per pair."""
    import pandas as pd

    import hubassoc_pandas  # noqa: F401  (the accessor)
    from hubassoc_pandas.sandbox import Sandbox

    records = {"contacts": range(1, 20_001), "companies": range(1, 51)}
    with Sandbox(records=records, log_bodies=False, rate_limit=(10_000, 1.0)) as hub:
        frame = pd.DataFrame({"c": range(1, 20_001), "co": [i % 50 + 1 for i in range(20_000)]})
        results = frame.hubassoc.associate(
            C, CO, from_col="c", to_col="co", token=hub.token, base_url=hub.url, progress=False
        )
        assert (results["status"] == "associated").all()
        assert hub.stats()["distinct_pairs_sent"] == 20_000
        gc.collect()
        portal = hub._app
        assert walked_by_a_full_collection(portal.store) < 500  # 50 companies, not 20,000 pairs
        assert walked_by_a_full_collection(portal.log) < 1_000  # ten requests' records
