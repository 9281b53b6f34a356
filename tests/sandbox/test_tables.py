"""The sandbox's growing tables: a dict's operations, and growth spread over unequal parts."""

from __future__ import annotations

import random
from typing import Any

import pytest

from hubassoc_pandas.sandbox.tables import PARTS, GrowingTable


def test_a_table_answers_as_a_dict_does() -> None:
    rng = random.Random(3)
    table: GrowingTable[Any, int] = GrowingTable(salt=5)
    reference: dict[Any, int] = {}
    for step in range(20_000):
        key: Any = rng.randrange(3_000) if step % 3 else f"{rng.randrange(500)}\t{step % 7}"
        action = rng.random()
        if action < 0.5:
            table[key] = reference[key] = step
        elif action < 0.7:
            assert table.pop(key, None) == reference.pop(key, None)
        elif action < 0.8 and key in reference:
            del table[key], reference[key]
        else:
            assert table.get(key) == reference.get(key)
            assert table.get(key, -1) == reference.get(key, -1)
            assert (key in table) == (key in reference)
    assert len(table) == len(reference)
    assert sorted(table.items(), key=repr) == sorted(reference.items(), key=repr)
    assert sorted(table, key=repr) == sorted(reference, key=repr)
    assert sorted(table.values()) == sorted(reference.values())
    with pytest.raises(KeyError):
        table.pop("absent")
    with pytest.raises(KeyError):
        table["absent"]


#: The sizes at which CPython's dict outgrows its table (two thirds of a power of two).
GROWS_AT = {(2**k * 2) // 3 for k in range(3, 26)}


def _copied_per_batch(tables: list[GrowingTable[Any, int]], keys: list[list[Any]]) -> list[int]:
    """Entries copied by growing parts, per batch of inserts (the parts' own dicts grow when
    an insert finds one of them at a size in GROWS_AT)."""
    copied = []
    for batch in keys:
        moved = 0
        for table in tables:
            for key in batch:
                part = table._dict(key)
                if len(part) in GROWS_AT and key not in part:
                    moved += len(part)
                table[key] = 0
        copied.append(moved)
    return copied


@pytest.mark.parametrize("kind", ["record IDs", "pair texts"])
def test_growth_is_spread_over_parts_of_unequal_shares(kind: str) -> None:
    """1.6 million keys in batches of 2,000 (a request's pairs), into two tables of the same
    keys (the store's two of a side) and, for texts, one table: no batch copies more than a
    tenth of the entries one plain dict would copy at once (1,398,101)."""
    n = 1_600_000
    make = (lambda i: i + 1) if kind == "record IDs" else (lambda i: f"{i + 1}\t{i % 50_000}")
    batches = [[make(i) for i in range(start, start + 2_000)] for start in range(0, n, 2_000)]
    tables: list[GrowingTable[Any, int]] = (
        [GrowingTable(salt=0), GrowingTable(salt=1)] if kind == "record IDs" else [GrowingTable()]
    )
    copied = _copied_per_batch(tables, batches)
    assert max(copied) < 139_810
    assert max(t.largest_part() for t in tables) < n * 2 * 1.1 / (PARTS + 1)
    assert sum(len(t) for t in tables) == n * len(tables)
