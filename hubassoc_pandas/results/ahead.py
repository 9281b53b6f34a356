"""The parts of a results frame that depend on the input alone, made on a thread of their own
while the run sends, so that the frame is ready soon after the last answer.

The ID text columns and the fingerprints of the plan's pairs take a few hundred milliseconds
at a million rows; most of that work (pyarrow's casts, numpy's arithmetic) leaves Python's
lock free, so it costs the sending threads little. It starts once the first request is on
its way (:meth:`ResultsAhead.start`, called by the engine), so that it does not slow the run
before then, when the main thread prepares the first batches.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.engine.ledger import Ledger
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.results.frame import build_results, row_id_columns
from hubassoc_pandas.results.made import MADE, made_of_run, pair_fingerprints

__all__ = ["ResultsAhead"]


class ResultsAhead:
    """The input-only parts of ``plan``'s results frame, made on a thread once started.

    Parameters
    ----------
    plan : Plan
        The run's plan (read, never changed).
    fingerprints : bool
        Also fingerprint every pair of the plan (a run that may associate: see
        :func:`~hubassoc_pandas.results.made.made_of_run`).

    Nothing is made until :meth:`start`; asking for a part before that (a run that sent
    nothing) starts the thread and waits for it.

    Examples
    --------
    >>> import pandas as pd
    >>> from hubassoc_pandas.inputs.plan import make_plan
    >>> ahead = ResultsAhead(make_plan(pd.Series([1, 2]), pd.Series([7, 8])), fingerprints=True)
    >>> ahead.start()
    >>> ahead.id_columns()["to_id"].tolist(), len(ahead.fingerprints())
    (['7', '8'], 2)
    """

    def __init__(self, plan: Plan, *, fingerprints: bool) -> None:
        self._plan = plan
        self._wants_fingerprints = fingerprints
        self._ids: Future[dict[str, Any]] | None = None
        self._fingerprints: Future[np.ndarray] | None = None
        self._lock = threading.Lock()

    @classmethod
    def of_run(cls, plan: Plan, *, success: str, dry_run: bool) -> ResultsAhead | None:
        """The parts for a run of ``plan`` that sends (None for a dry run); a run whose
        operation associates (``success``) fingerprints its pairs too."""
        return None if dry_run else cls(plan, fingerprints=success == "associated")

    def finish(
        self, frame: pd.DataFrame, ledger: Ledger, record: dict[str, Any], *, success: str
    ) -> pd.DataFrame:
        """The run's results frame (:func:`~hubassoc_pandas.results.frame.build_results`)
        with these ID columns; first, for a run that associates, the pairs it made go into
        ``record`` (before the frame, which may take the ledger's arrays as they are)."""
        if self._wants_fingerprints:
            record[MADE] = made_of_run(self._plan, ledger, self.fingerprints())
        return build_results(
            frame, self._plan, ledger, record, success=success, id_columns=self.id_columns()
        )

    @property
    def started(self) -> bool:
        """Whether the parts are being made (or made)."""
        return self._ids is not None

    def start(self) -> None:
        """Start making the parts on a thread of their own (once; later calls do nothing)."""
        with self._lock:
            if self._ids is not None:
                return
            plan = self._plan
            pool = ThreadPoolExecutor(1, thread_name_prefix="hubassoc-results")
            self._ids = pool.submit(row_id_columns, plan)
            if self._wants_fingerprints:
                self._fingerprints = pool.submit(pair_fingerprints, plan.pair_from, plan.pair_to)
            pool.shutdown(wait=False)  # the thread ends when its work is done

    def id_columns(self) -> dict[str, Any]:
        """The ``from_id`` and ``to_id`` columns (waits for them)."""
        self.start()
        assert self._ids is not None
        return self._ids.result()

    def fingerprints(self) -> np.ndarray | None:
        """Each plan pair's fingerprint (waits for them); None when not asked for."""
        self.start()
        return None if self._fingerprints is None else self._fingerprints.result()
