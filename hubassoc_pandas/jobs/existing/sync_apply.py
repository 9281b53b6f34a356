"""Carry out a sync plan: create, then remove, and record each action's outcome.

Creation goes first (batch/associate/default; for a labelled sync batch/create with the label),
removal after (batch/archive; for a labelled sync batch/labels/archive, which takes the label
and leaves the association), and removal is
skipped when creation stopped early (Ctrl-C, the daily limit, a fatal refusal), so a stopped
sync leaves extra associations rather than missing ones.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas.engine.execute import Execution
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.jobs.existing.read_outcome import stop_warning
from hubassoc_pandas.jobs.pairs.id_columns import pairs_plan
from hubassoc_pandas.jobs.pairs.planning import pair_operation
from hubassoc_pandas.jobs.pairs.sending import execute_pairs
from hubassoc_pandas.operations.archive import Archive
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.options import PairJob
from hubassoc_pandas.results.outcome import add_requests, request_counts
from hubassoc_pandas.status import HELD_BACK, INVALID_ID, status_words

__all__ = ["SYNC_STATUSES", "apply_actions", "label_type", "outcome_columns"]

#: The outcome of each plan row of a sync that was carried out, in category order.
SYNC_STATUSES = (
    "associated",
    "removed",
    "unchanged",
    "failed",
    "invalid",
    "unconfirmed",
    "not_sent",
)


@dataclass
class _Outcomes:
    """Per plan row: status word, error category and message, HTTP status (-1: none) and
    retryable (-1: not applicable)."""

    status: np.ndarray
    category: np.ndarray
    message: np.ndarray
    http: np.ndarray
    retryable: np.ndarray

    def attach(self, table: pd.DataFrame) -> pd.DataFrame:
        out = table.copy()
        out.attrs = dict(table.attrs)
        out["status"] = pd.Categorical(self.status, categories=list(SYNC_STATUSES))
        out["error_category"] = pd.array(self.category, dtype="string")
        out["error_message"] = pd.array(self.message, dtype="string")
        out["http_status"] = pd.arrays.IntegerArray(self.http, self.http < 0)
        out["retryable"] = pd.arrays.BooleanArray(self.retryable == 1, self.retryable < 0)
        return out


def _initial(table: pd.DataFrame, stopped: str | None) -> _Outcomes:
    """Keep and extra rows ``unchanged``, invalid rows ``invalid``, creations and removals
    ``not_sent`` (because of ``stopped``) until they are sent."""
    action = table["action"].astype(str).to_numpy()
    n = len(table)
    outcomes = _Outcomes(
        status=np.full(n, "not_sent", dtype=object),
        category=np.full(n, None, dtype=object),
        message=np.full(n, None, dtype=object),
        http=np.full(n, -1, dtype=np.int64),
        retryable=np.full(n, -1, dtype=np.int64),
    )
    outcomes.status[np.isin(action, ["keep", "extra"])] = "unchanged"
    invalid = action == "invalid"
    outcomes.status[invalid] = "invalid"
    outcomes.category[invalid] = INVALID_ID
    outcomes.message[invalid] = table["note"].to_numpy(dtype=object)[invalid]
    outcomes.retryable[invalid] = 0
    _key_outcomes(table, outcomes)
    pending = np.isin(action, ["create", "remove"])
    outcomes.retryable[pending] = 1
    if stopped is not None:
        outcomes.category[pending] = stopped
        outcomes.message[pending] = (
            f"Not sent: the sync stopped early ({stopped}); run sync() again."
        )
    return outcomes


def _key_outcomes(table: pd.DataFrame, outcomes: _Outcomes) -> None:
    """The rows of a sync by keys whose key names no single record: the status, category
    and retryable ``associate()`` gives them (their message is their note)."""
    keyed = (table.attrs.get("hubassoc") or {}).get("key_problems")
    if not keyed:
        return
    at = table.index.get_indexer(keyed["labels"])
    kept = np.flatnonzero(at >= 0)
    at = at[kept]
    outcomes.status[at] = np.array(keyed["status"], dtype=object)[kept]
    outcomes.category[at] = np.array(keyed["error_category"], dtype=object)[kept]
    outcomes.retryable[at] = np.array(keyed["retryable"], dtype=np.int64)[kept]


def outcome_columns(table: pd.DataFrame, *, stopped: str | None = None) -> pd.DataFrame:
    """The plan with its outcome columns, nothing sent (see :func:`apply_actions`)."""
    return _initial(table, stopped).attach(table)


def apply_actions(table: pd.DataFrame, job: PairJob) -> pd.DataFrame:
    """Send the plan's creations, then (unless that step stopped) its removals; return the
    plan with each row's outcome. ``job`` sends through its open client (and the pacer a run
    by keys shares with its lookups)."""
    outcomes = _initial(table, None)
    record = {**table.attrs.get("hubassoc", {}), "dry_run": False}
    action = table["action"].astype(str).to_numpy()
    creates = np.flatnonzero(action == "create")
    make_create, make_remove = _operations(job.settings, label_type(record))
    created = _step(make_create, table, creates, job, outcomes, 1)
    record["create"] = _step_record(created)
    last = created or None
    same_type = job.settings.from_type == job.settings.to_type
    removals = _held_back(table, creates, removals=np.flatnonzero(action == "remove"),
                          outcomes=outcomes, same_type=same_type)  # fmt: skip
    if last is None or (last.report.stopped is None and last.report.fatal is None):
        first = (created.report.batches + 1) if created is not None else 1
        removed = _step(make_remove, table, removals, job, outcomes, first)
        record["remove"] = _step_record(removed)
        last = removed or last
    else:
        outcomes.category[removals] = last.report.stopped
        outcomes.message[removals] = (
            f"Not sent: creating stopped early ({last.report.stopped}), so nothing was "
            "removed; run sync() again."
        )
    out = outcomes.attach(table)
    counts = out["status"].value_counts(sort=False)
    stopped = last.report.stopped if last is not None else None
    writes = sum(
        int(record[step].get("requests", 0)) for step in ("create", "remove") if step in record
    )
    out.attrs["hubassoc"] = {
        **record,
        **add_requests(record, request_counts(writes=writes)),
        "counts": {str(k): int(v) for k, v in counts.items()},
        "stopped": stopped,
    }
    if last is not None and last.report.fatal is not None:
        last.report.fatal.results = out
        raise last.report.fatal
    message = stop_warning(stopped, "sync", "sync() again (it reads HubSpot afresh and carries on)")
    if message:
        warnings.warn(message, RuntimeWarning, stacklevel=user_stacklevel())
    return out


#: How a run's messages say to carry on, and how a sync carries on instead: it keeps no
#: journal, and running it again reads HubSpot afresh.
_CARRY_ON = (
    re.compile(r"run retry\(\) on these results or the same call again with the same journal"),
    re.compile(r"run retry\(\) or the same call again with the same journal(?: to send it)?"),
)


def _for_sync(message: str | None) -> str | None:
    """A message of the engine in a sync's words: sync() again, not retry() or a journal.

    Examples
    --------
    >>> _for_sync("Interrupted before this row was sent; run retry() or the same call again "
    ...           "with the same journal to send it.")
    'Interrupted before this row was sent; run sync() again (it reads HubSpot afresh).'
    """
    if message is None:
        return None
    for pattern in _CARRY_ON:
        message = pattern.sub("run sync() again (it reads HubSpot afresh)", message)
    return message


def _held_back(
    table: pd.DataFrame,
    creates: np.ndarray,
    *,
    removals: np.ndarray,
    outcomes: _Outcomes,
    same_type: bool = False,
) -> np.ndarray:
    """The removals to send: those of from-IDs whose creations all succeeded (or that had
    none). The others stay, ``not_sent`` with the reason: a from-ID is never left with fewer
    of the frame's pairs than it had, nor with none, because its new pairs did not go in.
    Between records of one type a link is read from both ends, so a removal whose to-ID is
    such a from-ID stays too."""
    from_ids = table["from_id"].to_numpy(dtype=object)
    unfinished = from_ids[creates[outcomes.status[creates] != "associated"]]
    blocked = np.isin(from_ids[removals], unfinished)
    if same_type:
        blocked |= np.isin(table["to_id"].to_numpy(dtype=object)[removals], unfinished)
    kept = removals[blocked]
    outcomes.category[kept] = HELD_BACK
    outcomes.message[kept] = (
        "Not removed: a pair of this from-ID that the frame lists could not be created, so "
        "its other associations stay; run sync() again once the creation goes through."
    )
    outcomes.retryable[kept] = 1
    return removals[~blocked]


def label_type(record: dict[str, Any]) -> LabelType | None:
    """The association type a labelled sync compares (from its record), or None."""
    kept = record.get("label")
    if not isinstance(kept, dict):
        return None
    return LabelType(str(kept["category"]), int(kept["type_id"]), kept.get("label"))


def _operations(settings: RunSettings, typed: LabelType | None) -> tuple[Any, Any]:
    """How to build the create and the remove operation over a plan of pairs: the labelled
    ones (batch/create, batch/labels/archive) for a labelled sync, else the default ones."""
    types = None if typed is None else [typed]
    return (
        lambda plan: pair_operation(AssociateDefault.verb, settings, plan, types),
        lambda plan: pair_operation(Archive.verb, settings, plan, types),
    )


def _step(
    make: Callable[[Plan], PairOperation],
    table: pd.DataFrame,
    positions: np.ndarray,
    job: PairJob,
    outcomes: _Outcomes,
    first_batch: int,
) -> Execution | None:
    """Run one operation over the plan rows at ``positions`` and record their outcomes."""
    if len(positions) == 0:
        return None
    from_ids = table["from_id"].to_numpy(dtype=object)[positions].astype(np.int64)
    to_ids = table["to_id"].to_numpy(dtype=object)[positions].astype(np.int64)
    subset = pairs_plan(from_ids, to_ids, np.ones(len(positions), dtype=np.int64))
    operation = make(subset)
    done = execute_pairs(operation, subset, job, first_batch=first_batch)
    ledger = done.ledger  # key i is the plan row positions[i]
    infos = [*ledger.infos, None]
    codes = ledger.info.codes.tolist()
    outcomes.status[positions] = np.array(status_words(operation.success), dtype=object)[
        ledger.status
    ]
    outcomes.category[positions] = [getattr(infos[c], "category", None) for c in codes]
    outcomes.message[positions] = [_for_sync(getattr(infos[c], "message", None)) for c in codes]
    outcomes.http[positions] = np.where(ledger.http_status > 0, ledger.http_status, -1)
    outcomes.retryable[positions] = ledger.retryable
    return done


def _step_record(done: Execution | None) -> dict[str, Any]:
    if done is None:
        return {"requests": 0, "stopped": None}
    report = done.report
    return {"requests": report.requests, "batches": report.batches, "stopped": report.stopped}
