"""Planning: invalid rows marked, identical pairs sent once, batches cover every pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas.inputs.plan import chunk, count_batches, make_plan


def test_duplicates_share_one_pair_in_first_appearance_order() -> None:
    plan = make_plan(pd.Series([3, 1, 3, 1, 2]), pd.Series([9, 8, 9, 7, 8]))
    assert plan.pair_from.tolist() == [3, 1, 1, 2]
    assert plan.pair_to.tolist() == [9, 8, 7, 8]
    assert plan.pair_of_row.tolist() == [0, 1, 0, 2, 3]
    assert plan.rows_of_pair.tolist() == [2, 1, 1, 1]


def test_invalid_rows_name_the_column_and_the_problem() -> None:
    plan = make_plan(
        pd.Series([1, None, "x", 4]), pd.Series([5, 6, -1, "7"]), from_label="c", to_label="co"
    )
    assert plan.pair_of_row.tolist() == [0, -1, -1, 1]
    assert plan.row_problem[1] == "c: missing value"
    assert (
        plan.row_problem[2].startswith("c: 'x'")
        and "; co: -1 is not a positive ID" in (plan.row_problem[2])
    )
    assert plan.n_invalid == 2 and plan.n_pairs == 2


def test_same_ids_in_other_order_are_other_pairs() -> None:
    plan = make_plan(pd.Series([1, 2]), pd.Series([2, 1]))
    assert plan.n_pairs == 2


def test_all_invalid_and_empty() -> None:
    plan = make_plan(pd.Series([None, None]), pd.Series([1, 2]))
    assert plan.n_pairs == 0 and plan.n_invalid == 2
    empty = make_plan(pd.Series([], dtype="int64"), pd.Series([], dtype="int64"))
    assert empty.n_rows == 0 and empty.n_pairs == 0


@pytest.mark.parametrize(
    ("n", "size", "sizes"),
    [(0, 3, []), (5, 2, [2, 2, 1]), (6, 3, [3, 3]), (1, 100, [1]), (250, 100, [100, 100, 50])],
)
def test_chunks_cover_every_pair_once(n: int, size: int, sizes: list[int]) -> None:
    pieces = list(chunk(np.arange(n), size))
    assert [len(p) for p in pieces] == sizes
    assert np.concatenate(pieces).tolist() == list(range(n)) if pieces else n == 0
    assert count_batches(n, size) == len(sizes)


def test_large_plan_is_consistent() -> None:
    rng = np.random.default_rng(3)
    from_ids = rng.integers(1, 500, 20_000)
    to_ids = rng.integers(1, 50, 20_000)
    plan = make_plan(pd.Series(from_ids), pd.Series(to_ids))
    assert plan.rows_of_pair.sum() == 20_000
    assert len(set(zip(from_ids.tolist(), to_ids.tolist(), strict=True))) == plan.n_pairs
    rebuilt_from = plan.pair_from[plan.pair_of_row]
    rebuilt_to = plan.pair_to[plan.pair_of_row]
    assert (rebuilt_from == from_ids).all() and (rebuilt_to == to_ids).all()


@pytest.mark.parametrize(
    ("pairs", "order", "boundary"),
    [
        ([(1, 2), (3, 4)], [0, 1], 2),  # no mirrors: order kept
        ([(2, 1), (1, 2), (5, 6)], [1, 2, 0], 2),
        ([(7, 7), (1, 2)], [0, 1], 2),  # a pair that is its own mirror stays put
        ([(9, 3), (3, 9), (4, 8), (8, 4)], [1, 2, 0, 3], 2),
        ([(1, 50), (2, 60)], [0, 1], 2),  # the sides' ranges do not meet
        ([(1, 100), (2, 200), (100, 1)], [0, 1, 2], 2),  # one pair of three has its mirror
        ([(300, 2), (5, 6), (2, 300), (6, 7)], [1, 2, 3, 0], 3),
    ],
)
def test_mirrors_are_kept_apart(
    pairs: list[tuple[int, int]], order: list[int], boundary: int
) -> None:
    from hubassoc_pandas.inputs.plan import mirror_last

    pair_from = np.array([p[0] for p in pairs])
    pair_to = np.array([p[1] for p in pairs])
    reordered, cut = mirror_last(pair_from, pair_to, np.arange(len(pairs)))
    assert reordered.tolist() == order and cut == boundary


def reference_plan(
    rows: list[tuple[int, int]], tags: list[int] | None = None
) -> tuple[list[int], list[tuple[int, ...]], list[int]]:
    """(pair_of_row, distinct keys in first-appearance order, rows per key), row by row;
    a row with an ID <= 0 (or a tag < 0) is invalid."""
    codes: dict[tuple[int, ...], int] = {}
    pair_of_row, counts = [], []
    for n, (f, t) in enumerate(rows):
        key = (f, t) if tags is None else (f, t, tags[n])
        if f <= 0 or t <= 0 or (tags is not None and tags[n] < 0):
            pair_of_row.append(-1)
            continue
        if key not in codes:
            codes[key] = len(codes)
            counts.append(0)
        counts[codes[key]] += 1
        pair_of_row.append(codes[key])
    return pair_of_row, list(codes), counts


@pytest.mark.parametrize(
    ("from_low", "from_high", "to_low", "to_high"),
    [
        (1, 40, 1, 30),  # packed directly
        (2**40, 2**40 + 50, 3, 20),
        (1, 2**62, 1, 2**40),  # from-IDs numbered first
        (1, 2**62, 1, 2**62),  # both numbered
    ],
    ids=["narrow", "high but narrow", "wide from", "both wide"],
)
@pytest.mark.parametrize("with_tags", [False, True], ids=["pairs", "tagged"])
@pytest.mark.parametrize("with_invalid", [False, True], ids=["all valid", "some invalid"])
def test_plan_matches_a_row_by_row_reference(
    from_low: int, from_high: int, to_low: int, to_high: int, with_tags: bool, with_invalid: bool
) -> None:
    rng = np.random.default_rng(11)
    n = 3_000
    from_pool = rng.integers(from_low, from_high, 60)
    to_pool = rng.integers(to_low, to_high, 40)
    from_ids = from_pool[rng.integers(0, 60, n)]
    to_ids = to_pool[rng.integers(0, 40, n)]
    if with_invalid:
        from_ids[rng.choice(n, 50, replace=False)] = -5
        to_ids[rng.choice(n, 50, replace=False)] = 0
    tags = rng.integers(-1 if with_invalid else 0, 3, n) if with_tags else None
    plan = make_plan(pd.Series(from_ids), pd.Series(to_ids), tags=tags)
    rows = list(zip(from_ids.tolist(), to_ids.tolist(), strict=True))
    pair_of_row, keys, counts = reference_plan(rows, None if tags is None else tags.tolist())
    assert plan.pair_of_row.tolist() == pair_of_row
    assert plan.pair_from.tolist() == [k[0] for k in keys]
    assert plan.pair_to.tolist() == [k[1] for k in keys]
    assert plan.rows_of_pair.tolist() == counts
    if tags is None:
        assert plan.pair_tag is None
    else:
        assert plan.pair_tag is not None and plan.pair_tag.tolist() == [k[2] for k in keys]
    invalid = np.array(pair_of_row) < 0
    assert all(p is not None for p in plan.row_problem[invalid & (from_ids <= 0)])
    for array in (plan.pair_of_row, plan.pair_from, plan.pair_to, plan.rows_of_pair):
        assert array.dtype == np.int64


def test_mirror_last_matches_a_pair_by_pair_reference() -> None:
    from hubassoc_pandas.inputs.plan import mirror_last

    rng = np.random.default_rng(5)
    for low, high in [(1, 30), (1, 3000), (20, 60)]:
        pairs = {(int(a), int(b)) for a, b in rng.integers(low, high, (400, 2))}
        pairs |= {(int(b), int(a)) for a, b in rng.integers(1, 30, (40, 2))}
        ordered = sorted(pairs, key=lambda _: rng.random())
        pair_from = np.array([p[0] for p in ordered])
        pair_to = np.array([p[1] for p in ordered])
        later = [p[0] > p[1] and (p[1], p[0]) in pairs for p in ordered]
        expected = [i for i, x in enumerate(later) if not x] + [i for i, x in enumerate(later) if x]
        reordered, cut = mirror_last(pair_from, pair_to, np.arange(len(ordered)))
        assert reordered.tolist() == expected and cut == later.count(False)
        # every pair, in another order; and a part of them (mirrors outside it do not count)
        shuffled = rng.permutation(len(ordered))
        reordered, cut = mirror_last(pair_from, pair_to, shuffled)
        moved = [k for k in shuffled.tolist() if later[k]]
        assert reordered.tolist() == [k for k in shuffled.tolist() if not later[k]] + moved
        part = shuffled[: len(ordered) // 2]
        chosen = {ordered[k] for k in part.tolist()}
        late = [ordered[k][0] > ordered[k][1] and ordered[k][::-1] in chosen for k in part.tolist()]
        reordered, cut = mirror_last(pair_from, pair_to, part)
        kept = [k for k, x in zip(part.tolist(), late, strict=True) if not x]
        assert reordered.tolist() == kept + [
            k for k, x in zip(part.tolist(), late, strict=True) if x
        ]
        assert cut == len(kept)


@pytest.mark.parametrize("repeat", [False, True], ids=["distinct", "one repeat"])
def test_rows_sorted_by_pair_plan_like_any_others(repeat: bool) -> None:
    rng = np.random.default_rng(8)
    rows = sorted({(int(a), int(b)) for a, b in rng.integers(1, 10**9, (5_000, 2))})
    if repeat:
        rows.insert(100, rows[99])
    plan = make_plan(pd.Series([r[0] for r in rows]), pd.Series([r[1] for r in rows]))
    pair_of_row, keys, counts = reference_plan(rows)
    assert plan.pair_of_row.tolist() == pair_of_row
    assert list(zip(plan.pair_from.tolist(), plan.pair_to.tolist(), strict=True)) == keys
    assert plan.rows_of_pair.tolist() == counts


@pytest.mark.parametrize(
    "n, at",
    [
        (0, []),
        (5, []),
        (5, [0]),
        (5, [4]),
        (5, [1, 2]),
        (5, [0, 1, 2, 3, 4]),
        (3000, list(range(0, 3000, 7))),  # more than a few: the masked copy
        (3000, list(range(2990, 3000))),
    ],
    ids=["empty", "none", "first", "last", "adjacent", "all", "many", "a tail"],
)
def test_moved_last_keeps_both_parts_in_order(n: int, at: list[int]) -> None:
    from hubassoc_pandas.inputs.plan import _moved_last

    items = np.random.default_rng(n).permutation(n).astype(np.int64)
    ordered, boundary = _moved_last(items, np.array(at, dtype=np.int64))
    moved = set(at)
    expected = [v for i, v in enumerate(items.tolist()) if i not in moved]
    assert ordered.tolist() == expected + [items[i] for i in at]
    assert boundary == n - len(at) and ordered.dtype == np.int64
