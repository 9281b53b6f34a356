"""Re-send the rows of a results frame that may still succeed: ``retry()``.

The operation, object types, base URL and batch size come from the frame's
``attrs["hubassoc"]``; only the rows that are failed-and-retryable, unconfirmed or not_sent
are sent again, and the whole frame comes back with them updated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.engine.execute import Execution
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.jobs.labels.labelling import with_label_columns
from hubassoc_pandas.jobs.pairs.by_keys import KEY_ARGUMENTS, is_keyed, retry_keyed
from hubassoc_pandas.jobs.pairs.planning import plan_run
from hubassoc_pandas.jobs.pairs.sending import execute_pairs
from hubassoc_pandas.operations.archive import Archive
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.registry import PAIR_VERBS
from hubassoc_pandas.operations.typed_pairs import TypedPairs
from hubassoc_pandas.options import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_WORKERS,
    Connection,
    KeyOptions,
    PairJob,
    RunOptions,
)
from hubassoc_pandas.progress import Progress
from hubassoc_pandas.results.frame import build_results
from hubassoc_pandas.results.made import merge_made
from hubassoc_pandas.results.outcome import add_requests, hand_back, request_counts, row_counts
from hubassoc_pandas.results.schema import ANNOTATION_DTYPES, restore_dtypes, retry_mask
from hubassoc_pandas.transport.backoff import Backoff
from hubassoc_pandas.transport.client import DEFAULT_API_VERSION, HubSpotClient

__all__ = ["RetryOptions", "retry"]

logger = logging.getLogger("hubassoc_pandas")


@dataclass(frozen=True)
class RetryOptions:
    """What a ``retry()`` call sets; every None keeps what the results' run used (its
    ``attrs["hubassoc"]``), or the default where the run recorded nothing."""

    token: str | None = field(default=None, repr=False)
    base_url: str | None = None
    client: HubSpotClient | None = None
    progress: bool | Progress = True
    journal: str | Path | None = None
    batch_size: int | None = None
    max_workers: int | None = None
    max_attempts: int | None = None
    rate_limit: Any = None
    timeout: Any = None
    backoff: Backoff | None = None
    api_version: str | None = None
    from_type: str | None = None
    to_type: str | None = None
    from_col: str | None = None
    to_col: str | None = None
    from_id_property: str | None = None
    to_id_property: str | None = None
    on_ambiguous: str | None = None
    operation: str | None = None


#: The fields of a run record a retry may be told instead (for frames read back from files).
_RECORDED = ("from_type", "to_type", "from_col", "to_col", *KEY_ARGUMENTS)


def retry(results: pd.DataFrame, given: RetryOptions) -> pd.DataFrame:
    """Re-send the rows that may still succeed and return the whole frame, updated.

    Rows ``failed`` with ``retryable`` true, ``unconfirmed`` and ``not_sent`` are sent again
    with the operation that made the frame (associate or disassociate); every other row is
    returned untouched. See :meth:`hubassoc_pandas.accessor.HubAssocAccessor.retry`.
    """
    record = dict(results.attrs.get("hubassoc") or {})
    for name in _RECORDED:
        if getattr(given, name) is not None:
            record[name] = getattr(given, name)
    verb = _operation_of(results, record, given.operation)
    results = restore_dtypes(results, PAIR_VERBS[verb].plain.success)
    job = _job_of(record, given)
    positions = np.flatnonzero(retry_mask(results))
    if len(positions) == 0:
        logger.info("retry(): no row is failed-and-retryable, unconfirmed or not_sent")
        unchanged = results.copy()
        unchanged.attrs = {**results.attrs, "hubassoc": {**record, "retried_rows": 0}}
        return unchanged
    subset = results.iloc[positions]
    first_batch = int(results["batch"].max()) + 1 if results["batch"].notna().any() else 1
    keyed = is_keyed(record)
    earlier = {"requests_by_kind": record.get("requests_by_kind")}
    if keyed:  # keys whose ID is still missing are looked up again
        operation, done, redone, fields = retry_keyed(verb, subset, record, job, first_batch)
        record.update(fields)
    else:
        operation, done, redone = _resend_by_ids(verb, subset, record, job, first_batch)
        record.update(request_counts(writes=done.report.requests))
    record.update(add_requests(earlier, record))  # the run's requests and its retries'
    updated = _merge_retried(results, positions, redone, ids=keyed)
    record.update(done.record)
    merge_made(record, redone)
    record["counts"] = row_counts(updated, operation.success)
    record["retries"] = int(record.get("retries", 0)) + 1
    record["retried_rows"] = len(positions)
    updated.attrs = {**results.attrs, "hubassoc": record}
    return hand_back(updated, done)


def _resend_by_ids(
    verb: str,
    subset: pd.DataFrame,
    record: dict[str, Any],
    job: PairJob,
    first_batch: int,
) -> tuple[PairOperation, Execution, pd.DataFrame]:
    """Send the rows again by their IDs (labelled rows with the type each one names)."""
    planned = plan_run(subset, job, verb, retried=record)
    operation, plan = planned.operation, planned.plan
    done = execute_pairs(operation, plan, job, first_batch=first_batch)
    redone = build_results(
        subset[["from_id"]].iloc[:, :0], plan, done.ledger, {}, success=operation.success
    )
    if isinstance(operation, TypedPairs):
        redone = with_label_columns(redone, plan, operation)
    return operation, done, redone


def _operation_of(results: pd.DataFrame, record: dict[str, Any], given: Any) -> str:
    """Which operation made the frame: given, recorded, or told by its statuses."""
    missing = [c for c in ANNOTATION_DTYPES if c not in results.columns]
    if missing or "from_type" not in record or "to_type" not in record:
        raise ConfigError(
            "retry() needs a results frame returned by associate() or disassociate(); "
            f"missing: {', '.join(missing) or 'its object types'}. For a frame read back from "
            "a file, pass from_type= and to_type= (and operation= if it is not clear)."
        )
    verb = given or record.get("operation")
    if verb is None:
        seen = set(results["status"].astype("string").dropna().unique())
        if "removed" in seen and "associated" not in seen:
            verb = Archive.verb
        elif "associated" in seen or "version" in record:
            verb = AssociateDefault.verb
        else:
            raise ConfigError(
                "retry() cannot tell whether these results come from associate() or "
                "disassociate(): pass operation='associate' or operation='disassociate'."
            )
    if verb not in PAIR_VERBS:
        raise ConfigError(
            f"operation={verb!r}: retry() re-sends {', '.join(map(repr, PAIR_VERBS))} runs."
        )
    record["operation"] = verb
    return str(verb)


def _job_of(record: dict[str, Any], given: RetryOptions) -> PairJob:
    """The retry's job: what the call gives, else what the run recorded."""

    def chosen(name: str, default: Any) -> Any:
        value = getattr(given, name)
        return value if value is not None else record.get(name, default)

    run = RunOptions.of(
        record["from_type"],
        record["to_type"],
        batch_size=chosen("batch_size", None),
        progress=given.progress,
        journal=given.journal,
        api_version=chosen("api_version", DEFAULT_API_VERSION),
        max_workers=chosen("max_workers", DEFAULT_MAX_WORKERS),
        rate_limit=chosen("rate_limit", None),
        max_attempts=chosen("max_attempts", DEFAULT_MAX_ATTEMPTS),
        timeout=given.timeout,
        backoff=given.backoff,
        client=given.client,
    )
    # the run's own URL, else (none recorded) HUBSPOT_BASE_URL, as Connection reads it
    base_url = given.base_url if given.base_url is not None else record.get("base_url") or None
    connection = Connection.of(given.token, base_url, given.client, needs_token=False)
    return PairJob("from_id", "to_id", connection, run, KeyOptions.from_record(record))


def _merge_retried(
    results: pd.DataFrame, positions: np.ndarray, redone: pd.DataFrame, *, ids: bool = False
) -> pd.DataFrame:
    """The results with the retried rows' annotations replaced (``from_id``/``to_id`` too
    when ``ids``: keys looked up again) and their attempts added up."""
    updated = results.copy()
    kept = ("attempts",) if ids else ("from_id", "to_id", "attempts")
    columns = [c for c in redone.columns if c not in kept]
    for column in columns:
        values = updated[column].array.copy()
        values[positions] = redone[column].array
        updated[column] = values
    attempts = updated["attempts"].array.copy()
    attempts[positions] = attempts[positions] + redone["attempts"].array
    updated["attempts"] = attempts
    return updated
