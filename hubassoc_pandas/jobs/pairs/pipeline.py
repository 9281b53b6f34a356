"""The pair pipeline of ``associate()`` and ``disassociate()``: check the arguments, plan the
pairs (by IDs, by keys, labelled or not), send them and build the results frame."""

from __future__ import annotations

import pandas as pd

from hubassoc_pandas.inputs.plan import make_plan
from hubassoc_pandas.jobs.labels.labelling import Labelling
from hubassoc_pandas.jobs.pairs.by_keys import associate_by_keys
from hubassoc_pandas.jobs.pairs.sending import execute_pairs
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.options import PairJob
from hubassoc_pandas.results.frame import build_results
from hubassoc_pandas.results.outcome import hand_back, row_counts, run_record
from hubassoc_pandas.results.uniform import build_uniform_results

__all__ = ["run_pairs"]


def run_pairs(
    operation_class: type[PairOperation], frame: pd.DataFrame, job: PairJob
) -> pd.DataFrame:
    """Plan the pairs of a checked job (by keys, labelled or not), send them and build the
    results frame."""
    if job.keys.keyed:
        return associate_by_keys(operation_class, frame, job)
    settings = job.settings
    from_col, to_col = job.from_col, job.to_col
    labelling = Labelling.of(job.labels, operation_class.verb)
    operation: PairOperation
    if labelling is None:
        plan = make_plan(
            frame[from_col], frame[to_col], from_label=str(from_col), to_label=str(to_col)
        )
        operation = operation_class(
            settings.from_type, settings.to_type, settings.api_version, plan
        )
    else:
        plan, typed, known = labelling.prepare(frame, job)
        operation = typed
    done = execute_pairs(operation, plan, job, first_batch=1)
    record = run_record(operation, plan, done, settings, job.connection.base_url)
    record.update(from_col=str(from_col), to_col=str(to_col))
    results = None
    if job.run.dry_run and labelling is None:  # every key alike: built without per-key arrays
        results = build_uniform_results(frame, plan, done.ledger, record, success=operation.success)
    if results is None:
        results = build_results(frame, plan, done.ledger, record, success=operation.success)
    if labelling is not None:
        record.update(labelling.record(known))
        results = labelling.finish(results, plan, typed)
    results.attrs["hubassoc"]["counts"] = row_counts(results, operation.success)
    return hand_back(results, done)
