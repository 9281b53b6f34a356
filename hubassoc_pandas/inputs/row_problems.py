"""What is wrong with the invalid rows of a plan, kept for those rows only. Pure.

A plan of a million rows with a few hundred unreadable IDs holds a few hundred texts, not an
object per row; :meth:`RowProblems.dense` gives the per-row form when something needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.ids import IdColumn

__all__ = ["RowProblems", "id_problems", "with_more"]


@dataclass(frozen=True, eq=False)
class RowProblems:
    """Per invalid row, why it is invalid.

    Attributes
    ----------
    n_rows : int
        Rows in the input.
    rows : numpy.ndarray of int64
        The rows with a problem, in increasing order.
    texts : numpy.ndarray of object
        For each of ``rows``, what is wrong (a str).
    """

    n_rows: int
    rows: np.ndarray
    texts: np.ndarray

    @classmethod
    def none(cls, n_rows: int) -> RowProblems:
        """No row has a problem.

        Examples
        --------
        >>> RowProblems.none(2).dense().tolist()
        [None, None]
        """
        return cls(n_rows, np.empty(0, dtype=np.int64), np.empty(0, dtype=object))

    def dense(self) -> np.ndarray:
        """Per row, its problem or None (an object array of ``n_rows``)."""
        dense = np.full(self.n_rows, None, dtype=object)
        dense[self.rows] = self.texts
        return dense


def id_problems(
    from_ids: IdColumn, to_ids: IdColumn, from_label: str, to_label: str
) -> RowProblems:
    """What is wrong with each row's IDs, naming the column; each distinct pair of problems
    is worded once.

    Examples
    --------
    >>> from hubassoc_pandas.inputs.ids import read_id_column
    >>> problems = id_problems(read_id_column(pd.Series([1, None])),
    ...                        read_id_column(pd.Series([0, 5])), "c", "k")
    >>> problems.rows.tolist(), problems.texts.tolist()
    ([0, 1], ['k: 0 is not a positive ID', 'c: missing value'])
    """
    bad = np.union1d(from_ids.bad, to_ids.bad).astype(np.int64, copy=False)
    if len(bad) == 0:
        return RowProblems.none(len(from_ids.ids))
    from_codes, from_texts = _codes_at(bad, from_ids)
    to_codes, to_texts = _codes_at(bad, to_ids)
    codes, distinct = pd.factorize((from_codes + 1) * (len(to_texts) + 1) + (to_codes + 1))
    worded = []
    for packed in distinct.tolist():
        from_code, to_code = divmod(packed, len(to_texts) + 1)
        parts = []
        if from_code:
            parts.append(f"{from_label}: {from_texts[from_code - 1]}")
        if to_code:
            parts.append(f"{to_label}: {to_texts[to_code - 1]}")
        worded.append("; ".join(parts))
    texts = np.empty(len(worded), dtype=object)
    texts[:] = worded
    return RowProblems(len(from_ids.ids), bad, texts[codes])


def _codes_at(rows: np.ndarray, column: IdColumn) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``rows`` (sorted), a code into the column's distinct problems (-1: none)."""
    codes = np.full(len(rows), -1, dtype=np.int64)
    if len(column.bad) == 0:
        return codes, np.empty(0, dtype=object)
    problem_codes, texts = pd.factorize(column.problems)
    at = np.searchsorted(rows, column.bad)  # every bad row of the column is among ``rows``
    codes[at] = problem_codes
    return codes, np.asarray(texts, dtype=object)


def with_more(problems: RowProblems, more: np.ndarray) -> RowProblems:
    """Each row's problems with ``more`` (per row, a text or None) added after them
    (``"; "`` between the two).

    Examples
    --------
    >>> first = RowProblems(3, np.array([0, 2]), np.array(["a", "b"], dtype=object))
    >>> with_more(first, np.array([None, "x", "y"], dtype=object)).dense().tolist()
    ['a', 'x', 'b; y']
    """
    extra = np.flatnonzero(more != None)  # noqa: E711
    if len(extra) == 0:
        return problems
    rows = np.union1d(problems.rows, extra).astype(np.int64, copy=False)
    texts = np.full(len(rows), None, dtype=object)
    texts[np.searchsorted(rows, problems.rows)] = problems.texts
    at = np.searchsorted(rows, extra)
    earlier = texts[at]
    alone = earlier == None  # noqa: E711
    texts[at[alone]] = more[extra[alone]]
    for index in np.flatnonzero(~alone).tolist():  # rows with both: few, worded one by one
        texts[at[index]] = f"{earlier[index]}; {more[extra[index]]}"
    return RowProblems(problems.n_rows, rows, texts)
