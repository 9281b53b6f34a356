"""The parts of a results frame that depend on the input alone, made on a thread of their own
while the run sends, so that the frame is ready soon after the last answer.

The ID text columns and the fingerprints of the plan's pairs take a few hundred milliseconds
at a million rows; most of that work (pyarrow's casts, numpy's arithmetic) leaves Python's
lock free, so it costs the sending threads little.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.results.frame import row_id_columns
from hubassoc_pandas.results.made import pair_fingerprints

__all__ = ["ResultsAhead"]


class ResultsAhead:
    """Start the input-only parts of ``plan``'s results frame on a thread.

    Parameters
    ----------
    plan : Plan
        The run's plan (read, never changed).
    fingerprints : bool
        Also fingerprint every pair of the plan (a run that may associate: see
        :func:`~hubassoc_pandas.results.made.made_of_run`).

    Examples
    --------
    >>> import pandas as pd
    >>> from hubassoc_pandas.inputs.plan import make_plan
    >>> ahead = ResultsAhead(make_plan(pd.Series([1, 2]), pd.Series([7, 8])), fingerprints=True)
    >>> ahead.id_columns()["to_id"].tolist(), len(ahead.fingerprints())
    (['7', '8'], 2)
    """

    def __init__(self, plan: Plan, *, fingerprints: bool) -> None:
        pool = ThreadPoolExecutor(1, thread_name_prefix="hubassoc-results")
        self._ids: Future[dict[str, Any]] = pool.submit(row_id_columns, plan)
        self._fingerprints: Future[np.ndarray] | None = (
            pool.submit(pair_fingerprints, plan.pair_from, plan.pair_to) if fingerprints else None
        )
        pool.shutdown(wait=False)  # the thread ends when its work is done

    def id_columns(self) -> dict[str, Any]:
        """The ``from_id`` and ``to_id`` columns (waits for them)."""
        return self._ids.result()

    def fingerprints(self) -> np.ndarray | None:
        """Each plan pair's fingerprint (waits for them); None when not asked for."""
        return None if self._fingerprints is None else self._fingerprints.result()
