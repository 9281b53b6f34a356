"""Where read(), check_existing, sync() and undo() turn a frame's columns into record IDs.

The one place those features read their input columns. Columns of other keys (emails,
domains, unique properties) are first replaced by the record IDs they name, by
:func:`~hubassoc_pandas.jobs.existing.key_columns.id_columns`, and then read here like ID
columns. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.ids import read_ids
from hubassoc_pandas.inputs.plan import Plan, make_plan
from hubassoc_pandas.inputs.row_problems import RowProblems
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.typed_pairs import TypedPairs

__all__ = ["FromIds", "operation_over", "pairs_plan", "plan_pairs", "read_from_column"]


@dataclass(frozen=True, eq=False)
class FromIds:
    """The from-IDs of a frame's rows, deduplicated.

    Attributes
    ----------
    row_id : numpy.ndarray of int64
        Per input row, its from-ID (0 where it cannot be read).
    row_problem : numpy.ndarray of object
        Per input row, why its value is not an ID, or None.
    key_of_row : numpy.ndarray of int64
        Per input row, the index of its from-ID among ``ids`` (-1 for an unreadable one).
    ids : numpy.ndarray of int64
        The distinct from-IDs, in order of first appearance.
    first_row : numpy.ndarray of int64
        Per distinct from-ID, the position of its first input row.
    rows_of_id : numpy.ndarray of int64
        Per distinct from-ID, how many input rows hold it.
    """

    row_id: np.ndarray
    row_problem: np.ndarray
    key_of_row: np.ndarray
    ids: np.ndarray
    first_row: np.ndarray
    rows_of_id: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.row_id)

    @property
    def n_invalid(self) -> int:
        return int((self.key_of_row < 0).sum())


def read_from_column(frame: pd.DataFrame, column: object) -> FromIds:
    """Read one column of from-record IDs and deduplicate them.

    Examples
    --------
    >>> ids = read_from_column(pd.DataFrame({"c": [5, 3, 5, "x"]}), "c")
    >>> ids.ids.tolist(), ids.key_of_row.tolist(), ids.rows_of_id.tolist()
    ([5, 3], [0, 1, 0, -1], [2, 1])
    """
    row_id, row_problem = read_ids(frame[column])
    valid = np.flatnonzero(row_id > 0)
    key_of_row = np.full(len(row_id), -1, dtype=np.int64)
    codes, uniques = pd.factorize(row_id[valid])
    key_of_row[valid] = codes
    first_row = np.empty(len(uniques), dtype=np.int64)
    first_row[codes[::-1]] = valid[::-1]
    rows_of_id = np.bincount(codes, minlength=len(uniques)).astype(np.int64)
    return FromIds(
        row_id, row_problem, key_of_row, np.asarray(uniques, np.int64), first_row, rows_of_id
    )


def plan_pairs(frame: pd.DataFrame, from_col: object, to_col: object) -> Plan:
    """Read the from- and to-ID columns into a :class:`~hubassoc_pandas.inputs.plan.Plan`.

    Examples
    --------
    >>> plan_pairs(pd.DataFrame({"a": [1, 1], "b": [7, 7]}), "a", "b").n_pairs
    1
    """
    return make_plan(frame[from_col], frame[to_col], from_label=str(from_col), to_label=str(to_col))


def pairs_plan(
    pair_from: np.ndarray,
    pair_to: np.ndarray,
    rows_of_pair: np.ndarray,
    pair_tag: np.ndarray | None = None,
) -> Plan:
    """A plan whose rows are already distinct keys (each its own key), weighed by
    ``rows_of_pair`` input rows each; ``pair_tag`` gives each key's type (labelled runs).

    Examples
    --------
    >>> plan = pairs_plan(np.array([1, 2]), np.array([7, 7]), np.array([3, 1]))
    >>> plan.n_pairs, plan.pair_of_row.tolist()
    (2, [0, 1])
    """
    n = len(pair_from)
    return Plan(
        row_from=np.asarray(pair_from, dtype=np.int64),
        row_to=np.asarray(pair_to, dtype=np.int64),
        problems=RowProblems.none(n),
        pair_of_row=np.arange(n, dtype=np.int64),
        pair_from=np.asarray(pair_from, dtype=np.int64),
        pair_to=np.asarray(pair_to, dtype=np.int64),
        rows_of_pair=np.asarray(rows_of_pair, dtype=np.int64),
        pair_tag=None if pair_tag is None else np.asarray(pair_tag, dtype=np.int64),
    )


def operation_over(operation: PairOperation, keys: np.ndarray) -> PairOperation:
    """The same operation (same endpoint, types and labels) bound to the keys ``keys`` of
    its plan only, as a plan of their own (key ``i`` is ``keys[i]``)."""
    plan = operation.plan
    tags = operation.tag_of_key[keys] if isinstance(operation, TypedPairs) else None
    subset = pairs_plan(plan.pair_from[keys], plan.pair_to[keys], plan.rows_of_pair[keys], tags)
    where = (operation.from_type, operation.to_type, operation.api_version)
    if isinstance(operation, TypedPairs):
        return type(operation)(*where, subset, operation.types)
    return type(operation)(*where, subset)
