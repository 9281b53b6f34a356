"""The pair pipeline of ``associate()`` and ``disassociate()``: check the arguments, plan the
pairs (by IDs, by keys, labelled or not), send them and build the results frame."""

from __future__ import annotations

import pandas as pd

from hubassoc_pandas.jobs.labels.primary import warn_of_unread_primary
from hubassoc_pandas.jobs.pairs.by_keys import associate_by_keys
from hubassoc_pandas.jobs.pairs.planning import plan_run
from hubassoc_pandas.jobs.pairs.sending import execute_pairs
from hubassoc_pandas.operations.typed_pairs import TypedPairs
from hubassoc_pandas.options import PairJob
from hubassoc_pandas.results.ahead import ResultsAhead
from hubassoc_pandas.results.frame import build_results
from hubassoc_pandas.results.outcome import (
    hand_back,
    row_counts,
    run_record,
)
from hubassoc_pandas.results.uniform import build_uniform_results

__all__ = ["run_pairs"]


def run_pairs(verb: str, frame: pd.DataFrame, job: PairJob) -> pd.DataFrame:
    """Plan the pairs of a checked job (by keys, labelled or not), send them and build the
    results frame."""
    if job.keys.keyed:
        return associate_by_keys(verb, frame, job)
    settings = job.settings
    planned = plan_run(frame, job, verb)
    plan, operation, labelling = planned.plan, planned.operation, planned.labelling
    warn_of_unread_primary(operation, job)
    ahead = ResultsAhead.of_run(plan, success=operation.success, dry_run=job.run.dry_run)
    done = execute_pairs(
        operation, plan, job, first_batch=1, on_sending=None if ahead is None else ahead.start
    )
    record = run_record(
        operation, plan, done, settings, job.connection.base_url, lookups=planned.label_requests
    )
    record.update(from_col=str(job.from_col), to_col=str(job.to_col))
    if ahead is not None:
        results = ahead.finish(frame, done.ledger, record, success=operation.success)
    else:  # a dry run: when every key is alike, no per-key arrays
        uniform = (
            None
            if labelling is not None
            else build_uniform_results(frame, plan, done.ledger, record, success=operation.success)
        )
        results = (
            uniform
            if uniform is not None
            else build_results(frame, plan, done.ledger, record, success=operation.success)
        )
    if labelling is not None and isinstance(operation, TypedPairs):
        record.update(labelling.record(planned.known))
        results = labelling.finish(results, plan, operation)
    results.attrs["hubassoc"]["counts"] = row_counts(results, operation.success)
    return hand_back(results, done)
