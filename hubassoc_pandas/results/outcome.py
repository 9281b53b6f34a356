"""What a finished run hands back: its record for ``attrs``, its row counts, the warnings
for a run that stopped early, and the error (with every row attached) that stopped it.

Every record counts the HTTP requests its call sent (retried attempts included):
``requests``, the total, and ``requests_by_kind``: ``lookups`` (keys turned into record IDs,
a direction's labels read), ``reads`` (associations read: a read, a check of what exists, a
sync's plan) and ``writes`` (associations created, labelled or removed).
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas._version import __version__
from hubassoc_pandas.engine.execute import Execution
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.errors import JournalError
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.status import status_words

__all__ = [
    "REQUEST_KINDS",
    "add_requests",
    "hand_back",
    "request_counts",
    "row_counts",
    "run_record",
]

#: The kinds of request a run record counts, in the order they are shown.
REQUEST_KINDS = ("lookups", "reads", "writes")


def hand_back(results: pd.DataFrame, done: Execution) -> pd.DataFrame:
    """Return the results, or raise the error that stopped the run with them attached."""
    _warn_if_stopped(done)
    if done.report.fatal is not None:
        done.report.fatal.results = results
        raise done.report.fatal
    if done.report.journal_error is not None:
        error = JournalError(done.report.journal_error)
        error.results = results
        raise error
    return results


def run_record(
    operation: PairOperation,
    plan: Plan,
    done: Execution,
    settings: RunSettings,
    base_url: str,
    *,
    lookups: int = 0,
    reads: int = 0,
    writes: int | None = None,
) -> dict[str, Any]:
    """The run record of ``done``: settings, sizes, requests and timings. ``lookups`` and
    ``reads``: the requests the run made besides its writes; ``writes`` defaults to
    ``done``'s requests."""
    report = done.report
    return {
        "version": __version__,
        "operation": operation.verb,
        "from_type": settings.from_type,
        "to_type": settings.to_type,
        "api_version": settings.api_version,
        "base_url": base_url,
        **done.record,
        "final_batch_size": report.final_batch_size or done.record["batch_size"],
        **settings.record(),
        "rows": plan.n_rows,
        "unique_pairs": plan.n_pairs,
        **request_counts(
            lookups=lookups, reads=reads, writes=report.requests if writes is None else writes
        ),
        "batches": report.batches,
        "rate_limited_responses": report.rate_limited,
        "stopped": report.stopped,
        "started_at": _iso(report.started),
        "finished_at": _iso(report.finished or report.started),
        "seconds": round(max(0.0, (report.finished or report.started) - report.started), 3),
        "retries": 0,
    }


def request_counts(*, lookups: int = 0, reads: int = 0, writes: int = 0) -> dict[str, Any]:
    """The run record's request fields: the total, and the requests of each kind.

    Examples
    --------
    >>> request_counts(lookups=2, writes=3)
    {'requests': 5, 'requests_by_kind': {'lookups': 2, 'reads': 0, 'writes': 3}}
    """
    kinds = {"lookups": int(lookups), "reads": int(reads), "writes": int(writes)}
    return {"requests": sum(kinds.values()), "requests_by_kind": kinds}


def add_requests(*records: dict[str, Any]) -> dict[str, Any]:
    """The request fields of several calls' records added up (a run and its retries, a sync's
    plan and its carrying out); a record that counts none (read back from a file) adds 0.

    Examples
    --------
    >>> add_requests(request_counts(reads=1), {}, request_counts(writes=2))["requests"]
    3
    """
    kinds = dict.fromkeys(REQUEST_KINDS, 0)
    for record in records:
        by_kind = record.get("requests_by_kind") or {}
        for kind in REQUEST_KINDS:
            kinds[kind] += int(by_kind.get(kind) or 0)
    return request_counts(**kinds)


def row_counts(results: pd.DataFrame, success: str) -> dict[str, int]:
    """Rows per status word; on a categorical status column, counted on its codes (no copy
    of a million codes, unlike ``value_counts``).

    Examples
    --------
    >>> frame = pd.DataFrame({"status": pd.Categorical(["failed", "invalid", "failed"])})
    >>> row_counts(frame, "associated")["failed"]
    2
    """
    status = results["status"]
    if not isinstance(status.dtype, pd.CategoricalDtype):
        counts = status.value_counts()
        return {name: int(counts.get(name, 0)) for name in status_words(success)}
    codes = status.array.codes
    scratch = np.empty(len(codes), dtype=bool)
    counted = {
        str(word): int(np.count_nonzero(np.equal(codes, code, out=scratch)))
        for code, word in enumerate(status.dtype.categories)
    }
    return {word: counted.get(word, 0) for word in status_words(success)}


def _warn_if_stopped(done: Execution) -> None:
    stopped = done.report.stopped
    if stopped == "DAILY_LIMIT":
        warnings.warn(
            "HubSpot's daily API limit was reached: the rows not yet sent are "
            "not_sent (DAILY_LIMIT). Run retry() after the daily reset.",
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )
    elif stopped == "MIGRATION":
        warnings.warn(
            "HubSpot is migrating this account (477): the rows not yet sent are not_sent "
            "(MIGRATION). Run retry() once the migration is over.",
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )
    elif stopped == "NETWORK":
        warnings.warn(
            "HubSpot could not be reached, so the run stopped: the rows not yet sent are "
            "not_sent (NETWORK). Check the network and base_url, then run retry().",
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )
    elif stopped == "INTERRUPTED":
        warnings.warn(
            "Interrupted: finished rows are kept; the rest are not_sent "
            "(INTERRUPTED). Run retry() to send them.",
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )


def _iso(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp, tz=_dt.UTC).isoformat(timespec="seconds")
