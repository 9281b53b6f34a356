"""Turn two ID columns into unique pairs to send, and cut them into batches.

Pure: no I/O. Every input row maps to one unique pair (``pair_of_row``) or to -1 when one of
its IDs cannot be read; identical pairs are sent once and share one outcome.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.ids import read_id_column
from hubassoc_pandas.inputs.row_problems import RowProblems, id_problems, with_more

__all__ = ["Plan", "chunk", "count_batches", "make_plan", "mirror_last", "take_without_mirrors"]


@dataclass(frozen=True, eq=False)
class Plan:
    """What a run will send.

    Attributes
    ----------
    row_from, row_to : numpy.ndarray of int64
        Per input row, the IDs (0 where unreadable).
    problems : RowProblems
        Why each invalid row is invalid, kept for those rows only; ``row_problem`` gives
        it per input row (an object array: None where the row is fine), built when first
        asked for.
    pair_of_row : numpy.ndarray of int64
        Per input row, the index of its unique pair, or -1 for an invalid row.
    pair_from, pair_to : numpy.ndarray of int64
        The unique pairs, in order of first appearance.
    rows_of_pair : numpy.ndarray of int64
        How many input rows share each pair.
    pair_tag : numpy.ndarray of int64 or None
        With ``make_plan(tags=...)``, each key's tag (a label's code, say): a key is then a
        (from, to, tag) triple, and one pair may have several keys.
    """

    row_from: np.ndarray
    row_to: np.ndarray
    problems: RowProblems
    pair_of_row: np.ndarray
    pair_from: np.ndarray
    pair_to: np.ndarray
    rows_of_pair: np.ndarray
    pair_tag: np.ndarray | None = None

    @cached_property
    def row_problem(self) -> np.ndarray:
        """Per input row, why the row is invalid, or None."""
        return self.problems.dense()

    @property
    def n_rows(self) -> int:
        return len(self.pair_of_row)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_from)

    @property
    def row_is_pair(self) -> bool:
        """Whether each row holds its own pair, the i-th pair on the i-th row (no invalid
        row, no repeat: pairs are numbered in order of first appearance)."""
        return self.n_pairs == self.n_rows

    @property
    def n_invalid(self) -> int:
        return int((self.pair_of_row < 0).sum())


def make_plan(
    from_values: pd.Series,
    to_values: pd.Series,
    *,
    from_label: str = "from",
    to_label: str = "to",
    tags: np.ndarray | None = None,
    tag_problems: np.ndarray | None = None,
) -> Plan:
    """Read both ID columns, mark invalid rows and deduplicate the valid pairs.

    Parameters
    ----------
    from_values, to_values : pandas.Series
        The two ID columns, of equal length.
    from_label, to_label : str
        Column names used in the invalid-row messages.
    tags : numpy.ndarray of int64, optional
        Per row, a tag (>= 0) that is part of its key, or -1 when the row is invalid for a
        reason of its own (``tag_problems`` says which). Rows of one pair with different tags
        are different keys.
    tag_problems : numpy.ndarray of object, optional
        Per row, why its tag is -1 (None elsewhere).

    Examples
    --------
    >>> plan = make_plan(pd.Series([1, 1, None]), pd.Series([7, 7, 8]))
    >>> plan.pair_of_row.tolist(), plan.pair_from.tolist(), plan.n_invalid
    ([0, 0, -1], [1], 1)
    >>> plan = make_plan(pd.Series([1, 1, 1]), pd.Series([7, 7, 7]), tags=np.array([0, 1, 0]))
    >>> plan.pair_of_row.tolist(), plan.pair_tag.tolist()
    ([0, 1, 0], [0, 1])
    """
    from_ids, to_ids = read_id_column(from_values), read_id_column(to_values)
    row_from, row_to = from_ids.ids, to_ids.ids
    problems = id_problems(from_ids, to_ids, from_label, to_label)
    invalid_rows = problems.rows
    if tags is not None:
        invalid_rows = np.union1d(invalid_rows, np.flatnonzero(tags < 0))
        if tag_problems is not None:
            problems = with_more(problems, tag_problems)
    deduped = None if tags is not None else _dedupe_packed(row_from, row_to, invalid_rows)
    if deduped is None:
        deduped = _dedupe(row_from, row_to, _valid_rows(len(row_from), invalid_rows), tags)
    pair_of_row, pair_from, pair_to, rows_of_pair, pair_tag = deduped
    return Plan(row_from, row_to, problems, pair_of_row, pair_from, pair_to, rows_of_pair, pair_tag)


def _valid_rows(n_rows: int, invalid_rows: np.ndarray) -> np.ndarray | None:
    """The positions of the rows not in ``invalid_rows`` (sorted, distinct); None for all."""
    if len(invalid_rows) == 0:
        return None
    keep = np.ones(n_rows, dtype=bool)
    keep[invalid_rows] = False
    return np.flatnonzero(keep)


Deduped = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]


def _dedupe_packed(
    row_from: np.ndarray, row_to: np.ndarray, invalid_rows: np.ndarray
) -> Deduped | None:
    """:func:`_dedupe` for untagged pairs whose IDs' ranges let one int64 hold a pair, or None.

    Every row's pair is packed in place (an invalid row's 0 too) and hashed with the invalid
    rows masked out: no copies of the valid rows, and the distinct pairs unpacked from the
    distinct keys.
    """
    n_rows = len(row_from)
    if n_rows == 0 or len(invalid_rows) == n_rows:
        return None
    packing = _pack(row_from, row_to)
    if packing is None:
        return None
    packed, from_low, to_low, to_span = packing
    if len(invalid_rows):
        invalid = np.zeros(n_rows, dtype=bool)
        invalid[invalid_rows] = True
        codes, found = pd.factorize(pd.arrays.IntegerArray(packed, invalid))  # invalid: -1
        keys = found.to_numpy(dtype=np.int64)
    elif _increasing(packed):  # sorted by from-ID, then to-ID, no repeat: each row a pair
        codes, keys = np.arange(n_rows, dtype=np.int64), packed.copy()
    else:
        codes, keys = pd.factorize(packed)
    pair_of_row = codes.astype(np.int64, copy=False)
    pair_of_row += 1  # counted with the invalid rows' -1 as 0, then put back
    rows_of_pair = np.bincount(pair_of_row, minlength=len(keys) + 1)[1:]
    pair_of_row -= 1
    pair_from, pair_to = _unpack(
        np.asarray(keys, dtype=np.int64), packed, from_low, to_low, to_span
    )
    return pair_of_row, pair_from, pair_to, rows_of_pair.astype(np.int64, copy=False), None


def _increasing(values: np.ndarray) -> bool:
    """Whether ``values`` rise strictly (then they are distinct, and already in order)."""
    return bool(np.less(values[:-1], values[1:]).all())


def _unpack(
    keys: np.ndarray, packed: np.ndarray, from_low: int, to_low: int, to_span: int
) -> tuple[np.ndarray, np.ndarray]:
    """The (from-IDs, to-IDs) of distinct packed ``keys``, written over ``keys`` and over the
    start of ``packed`` (the rows' keys, no longer needed), so that unpacking takes no fresh
    memory; ``packed`` is trimmed to size when the pairs fill less than half of it."""
    owned = keys.flags.writeable and not np.may_share_memory(keys, packed)
    pair_from = keys if owned else keys.copy()
    pair_to = packed[: len(keys)]
    np.divmod(pair_from, to_span, out=(pair_from, pair_to))
    pair_from += from_low
    pair_to += to_low
    if 2 * len(keys) < len(packed):  # do not keep a buffer of every row for a few pairs
        pair_to = pair_to.copy()
    return pair_from, pair_to


def _pack(from_ids: np.ndarray, to_ids: np.ndarray) -> tuple[np.ndarray, int, int, int] | None:
    """``(from - from_low) * to_span + (to - to_low)`` per row, built in place (one array),
    with ``from_low``, ``to_low`` and ``to_span``; None when that would not fit an int64."""
    to_low = int(to_ids.min())
    to_span = int(to_ids.max()) - to_low + 1
    from_low = int(from_ids.min())
    if (int(from_ids.max()) - from_low + 1) * to_span >= 2**63:
        return None
    packed = from_ids - from_low
    packed *= to_span
    packed -= to_low  # stays above -2**63, and the sum below under 2**63
    packed += to_ids
    return packed, from_low, to_low, to_span


def _dedupe(
    row_from: np.ndarray,
    row_to: np.ndarray,
    valid_rows: np.ndarray | None,
    tags: np.ndarray | None,
) -> Deduped:
    """Number the distinct keys of the valid rows (all rows for None) in order of first
    appearance: (pair_of_row, pair_from, pair_to, rows_of_pair, pair_tag)."""
    n_rows = len(row_from)
    if (n_rows if valid_rows is None else len(valid_rows)) == 0:
        empty = np.empty(0, dtype=np.int64)
        return np.full(n_rows, -1, np.int64), empty, empty, empty, None if tags is None else empty
    # with every row valid, the rows' own arrays serve (no copies of a million IDs)
    valid_from = row_from if valid_rows is None else row_from[valid_rows]
    valid_to = row_to if valid_rows is None else row_to[valid_rows]
    pair_codes, pairs = _pair_codes(valid_from, valid_to)
    if tags is not None:
        valid_tags = np.asarray(tags, dtype=np.int64)
        valid_tags = valid_tags if valid_rows is None else valid_tags[valid_rows]
        packed, _ = pd.factorize(pair_codes * (int(valid_tags.max()) + 1) + valid_tags)
        pair_codes, pairs = packed.astype(np.int64, copy=False), None
    if valid_rows is None:
        pair_of_row = pair_codes
    else:
        pair_of_row = np.full(n_rows, -1, dtype=np.int64)
        pair_of_row[valid_rows] = pair_codes
    n_pairs = int(pair_codes.max()) + 1
    rows_of_pair = np.bincount(pair_codes, minlength=n_pairs).astype(np.int64, copy=False)
    if pairs is not None:
        return pair_of_row, pairs[0], pairs[1], rows_of_pair, None
    rows = np.arange(n_rows, dtype=np.int64) if valid_rows is None else valid_rows
    first_rows = np.empty(n_pairs, dtype=np.int64)
    # reversed assignment keeps the first occurrence of each pair
    first_rows[pair_codes[::-1]] = rows[::-1]
    pair_tag = None if tags is None else np.asarray(tags, dtype=np.int64)[first_rows]
    return pair_of_row, row_from[first_rows], row_to[first_rows], rows_of_pair, pair_tag


def _pair_codes(
    from_ids: np.ndarray, to_ids: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """A code per (from, to) pair, numbered in order of first appearance, and the distinct
    pairs (from-IDs, to-IDs) in that order when they come for free.

    The pair is packed into one int64 (one hash pass, and the distinct pairs unpacked from
    the distinct keys) when the IDs' ranges allow it, else the from-IDs are numbered first
    and packed with the to-IDs.
    """
    packing = _pack(from_ids, to_ids)
    if packing is not None:
        packed, from_low, to_low, to_span = packing
        codes, keys = pd.factorize(packed)
        pairs = _unpack(np.asarray(keys, dtype=np.int64), packed, from_low, to_low, to_span)
        return codes.astype(np.int64, copy=False), pairs
    to_low = int(to_ids.min())
    to_span = int(to_ids.max()) - to_low + 1
    from_codes, uniques = pd.factorize(from_ids)
    if len(uniques) * to_span < 2**63:
        packed = from_codes.astype(np.int64) * to_span + (to_ids - to_low)
    else:
        to_codes, to_uniques = pd.factorize(to_ids)
        packed = from_codes.astype(np.int64) * len(to_uniques) + to_codes
    codes, _ = pd.factorize(packed)
    return codes.astype(np.int64, copy=False), None


def mirror_last(
    pair_from: np.ndarray, pair_to: np.ndarray, pairs: np.ndarray
) -> tuple[np.ndarray, int]:
    """Order pairs so that no batch holds a pair together with its mirror (a->b, b->a).

    HubSpot may list a confirmed pair from its other end too, and such a listing of a->b is
    indistinguishable from one of b->a by IDs alone; keeping mirrors in different batches
    removes the doubt. Returns the reordered pairs and the position where the mirrors with
    the larger from-ID begin: batches must not straddle it.

    Examples
    --------
    >>> order, boundary = mirror_last(np.array([2, 1, 5]), np.array([1, 2, 6]), np.arange(3))
    >>> order.tolist(), boundary
    ([1, 2, 0], 2)
    """
    if len(pairs) == 0:
        return pairs, 0
    every = len(pairs) == len(pair_from)  # every pair (the keys are distinct): read in place
    from_ids, to_ids = (pair_from, pair_to) if every else (pair_from[pairs], pair_to[pairs])
    later = _later_mirrors(from_ids, to_ids)
    if not later.any():
        return pairs, len(pairs)
    if every:  # per key, then in the order of ``pairs``
        later = later[pairs]
    return _moved_last(pairs, np.flatnonzero(later))


def _moved_last(items: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, int]:
    """``items`` with those at the sorted positions ``at`` moved to the end, both parts in
    their order, and where the moved ones begin (one fresh array).

    Examples
    --------
    >>> _moved_last(np.array([5, 6, 7, 8]), np.array([0, 2]))
    (array([6, 8, 5, 7]), 2)
    """
    boundary = len(items) - len(at)
    ordered = np.empty_like(items)
    keep = np.ones(len(items), dtype=bool)
    keep[at] = False
    ordered[:boundary] = items[keep]
    ordered[boundary:] = items[at]
    return ordered, boundary


def _later_mirrors(from_ids: np.ndarray, to_ids: np.ndarray) -> np.ndarray:
    """Per pair, whether its mirror is among the pairs too and it has the larger from-ID."""
    # only a pair whose from-ID is also a to-ID, and to-ID a from-ID, can have its mirror;
    # first, cheaply, within the other side's range (a pair's mirror passes that too)
    near = np.flatnonzero(
        (from_ids >= to_ids.min())
        & (from_ids <= to_ids.max())
        & (to_ids >= from_ids.min())
        & (to_ids <= from_ids.max())
    )
    near_from, near_to = from_ids[near], to_ids[near]
    crossing = pd.Series(near_from).isin(near_to).to_numpy()
    maybe = near[crossing & pd.Series(near_to).isin(near_from).to_numpy()]
    later = np.zeros(len(from_ids), dtype=bool)
    if len(maybe):
        some_from, some_to = from_ids[maybe], to_ids[maybe]
        codes, uniques = pd.factorize(np.concatenate([some_from, some_to]))
        width = np.int64(len(uniques))
        from_codes = codes[: len(maybe)].astype(np.int64)
        to_codes = codes[len(maybe) :].astype(np.int64)
        keys = pd.Series(from_codes * width + to_codes)
        mirrored = pd.Series(to_codes * width + from_codes).isin(keys).to_numpy()
        later[maybe] = mirrored & (some_from > some_to)
    return later


def take_without_mirrors(
    pair_from: np.ndarray, pair_to: np.ndarray, keys: Sequence[int], limit: int
) -> tuple[list[int], list[int]]:
    """Up to ``limit`` of ``keys`` for one batch, leaving any whose mirror is taken.

    Examples
    --------
    >>> take_without_mirrors(np.array([1, 2, 3]), np.array([2, 1, 4]), [0, 1, 2], 5)
    ([0, 2], [1])
    """
    taken: list[int] = []
    kept: list[int] = []
    seen: set[tuple[int, int]] = set()
    for key in keys:
        pair = (int(pair_from[key]), int(pair_to[key]))
        if len(taken) < limit and (pair == pair[::-1] or pair[::-1] not in seen):
            taken.append(key)
            seen.add(pair)
        else:
            kept.append(key)
    return taken, kept


def chunk(pairs: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """Yield consecutive slices of ``pairs`` of at most ``size`` items.

    Examples
    --------
    >>> [c.tolist() for c in chunk(np.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    for start in range(0, len(pairs), size):
        yield pairs[start : start + size]


def count_batches(n_pairs: int, size: int) -> int:
    """Number of requests needed for ``n_pairs`` pairs at ``size`` per batch."""
    return math.ceil(n_pairs / size) if n_pairs else 0
