"""Per-pair outcomes, and the results frame built from them. Pure: no I/O.

The results frame holds every input row exactly once, in input order with the input's index
and columns, followed by the annotation columns in :data:`ANNOTATION_DTYPES`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._stack import user_stacklevel
from .ids import id_string_array
from .plan import Plan
from .responses import ApiResponse, BatchVerdict, ErrorInfo, map_success

__all__ = [
    "ANNOTATION_DTYPES",
    "STATUSES",
    "PairOutcomes",
    "apply_success",
    "build_results",
    "failures",
    "is_results_frame",
    "retry_mask",
    "summary",
]

#: Row statuses, in the order their category codes use.
STATUSES = ("associated", "failed", "invalid", "unconfirmed", "not_sent")
ASSOCIATED, FAILED, INVALID, UNCONFIRMED, NOT_SENT = range(5)

#: Annotation column -> dtype, in the order they follow the input's columns.
ANNOTATION_DTYPES: dict[str, Any] = {
    "from_id": "string",
    "to_id": "string",
    "status": pd.CategoricalDtype(list(STATUSES)),
    "error_category": "string",
    "error_message": "string",
    "http_status": "Int64",
    "batch": "Int64",
    "attempts": "Int64",
    "association_type_id": "Int64",
    "association_category": "string",
    "retryable": "boolean",
    "correlation_id": "string",
    "error_detail": "string",
}
INVALID_ID = "INVALID_ID"


class PairOutcomes:
    """What happened to each unique pair of a plan; arrays indexed by pair.

    Integer columns use 0 (or -1 for type IDs and ``retryable``) where the value is missing.
    """

    def __init__(self, n_pairs: int) -> None:
        self.status = np.full(n_pairs, NOT_SENT, dtype=np.int8)
        self.error_category = np.full(n_pairs, None, dtype=object)
        self.error_message = np.full(n_pairs, None, dtype=object)
        self.http_status = np.zeros(n_pairs, dtype=np.int64)
        self.batch = np.zeros(n_pairs, dtype=np.int64)
        self.attempts = np.zeros(n_pairs, dtype=np.int64)
        self.type_id = np.full(n_pairs, -1, dtype=np.int64)
        self.association_category = np.full(n_pairs, None, dtype=object)
        self.retryable = np.full(n_pairs, -1, dtype=np.int8)
        self.correlation_id = np.full(n_pairs, None, dtype=object)
        self.error_detail = np.full(n_pairs, None, dtype=object)

    def __len__(self) -> int:
        return len(self.status)

    def _sent(
        self, pairs: Sequence[int] | np.ndarray, batch: int, attempts: int, http: int
    ) -> None:
        self.batch[pairs] = batch
        self.attempts[pairs] += attempts
        self.http_status[pairs] = http

    def associated(
        self,
        pairs: Sequence[int] | np.ndarray,
        *,
        batch: int,
        attempts: int,
        http_status: int,
        type_ids: Sequence[int | None],
        categories: Sequence[str | None],
    ) -> None:
        """Record pairs HubSpot confirmed, with the type ID and category it reported."""
        if len(pairs) == 0:
            return
        self._sent(pairs, batch, attempts, http_status)
        self.status[pairs] = ASSOCIATED
        self.type_id[pairs] = [-1 if t is None else t for t in type_ids]
        self.association_category[pairs] = categories
        self.retryable[pairs] = -1
        for column in (
            self.error_category,
            self.error_message,
            self.correlation_id,
            self.error_detail,
        ):
            column[pairs] = None

    def refused(
        self,
        pairs: Sequence[int] | np.ndarray,
        info: ErrorInfo,
        *,
        status: int = FAILED,
        batch: int,
        attempts: int,
    ) -> None:
        """Record pairs refused (``FAILED``) or left open (``UNCONFIRMED``, ``NOT_SENT``)."""
        if len(pairs) == 0:
            return
        if batch:
            self._sent(pairs, batch, attempts, info.http_status or 0)
        self.status[pairs] = status
        self.error_category[pairs] = info.category
        self.error_message[pairs] = info.message
        self.retryable[pairs] = int(info.retryable)
        self.correlation_id[pairs] = info.correlation_id
        self.error_detail[pairs] = info.detail

    def restore(
        self,
        pairs: np.ndarray,
        batch: np.ndarray,
        attempts: np.ndarray,
        type_id: np.ndarray,
        category: np.ndarray,
        http_status: np.ndarray,
    ) -> None:
        """Mark pairs associated from a journal of an earlier run."""
        self.status[pairs] = ASSOCIATED
        self.batch[pairs] = batch
        self.attempts[pairs] = attempts
        self.type_id[pairs] = type_id
        self.association_category[pairs] = category
        self.http_status[pairs] = http_status

    def counts(self, rows_of_pair: np.ndarray) -> dict[str, int]:
        """Rows per status, weighting each pair by its number of rows."""
        totals = np.bincount(self.status, weights=rows_of_pair, minlength=len(STATUSES))
        return {name: int(totals[code]) for code, name in enumerate(STATUSES) if totals[code]}


def apply_success(
    outcomes: PairOutcomes,
    pairs: np.ndarray,
    from_ids: Sequence[str],
    to_ids: Sequence[str],
    response: ApiResponse,
    *,
    batch: int,
    attempts: int,
) -> tuple[np.ndarray, np.ndarray, BatchVerdict]:
    """Record what a 2xx answer says about each pair of its batch.

    Returns the pairs it decided (confirmed or refused), the pairs it left open (neither),
    and the verdict itself.
    """
    verdict = map_success(response.body, from_ids, to_ids)
    if verdict.confirmed:
        positions = np.fromiter(
            verdict.confirmed.keys(), dtype=np.int64, count=len(verdict.confirmed)
        )
        specs = list(verdict.confirmed.values())
        outcomes.associated(
            pairs[positions],
            batch=batch,
            attempts=attempts,
            http_status=response.status,
            type_ids=[spec[0] for spec in specs],
            categories=[spec[1] for spec in specs],
        )
    else:
        positions = np.empty(0, dtype=np.int64)
    by_error: dict[ErrorInfo, list[int]] = {}
    for position, info in verdict.refused.items():
        by_error.setdefault(info, []).append(position)
    for info, group in by_error.items():
        outcomes.refused(
            pairs[group],
            dataclasses.replace(info, http_status=response.status),
            batch=batch,
            attempts=attempts,
        )
    refused = np.fromiter(verdict.refused.keys(), dtype=np.int64, count=len(verdict.refused))
    decided = pairs[np.concatenate([positions, refused])]
    return decided, pairs[np.asarray(verdict.unmentioned, dtype=np.int64)], verdict


def is_results_frame(frame: pd.DataFrame) -> bool:
    """Whether a frame carries every annotation column of a results frame."""
    return all(column in frame.columns for column in ANNOTATION_DTYPES)


def input_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The input's own columns, with any that clash with an annotation name renamed.

    A results frame passed back in loses its old annotation columns (they are re-computed);
    any other clashing column is kept under ``<name>_input`` and reported in the returned map.
    """
    if is_results_frame(frame):
        return frame.drop(columns=list(ANNOTATION_DTYPES)), {}
    renames: dict[str, str] = {}
    for column in frame.columns:
        if column in ANNOTATION_DTYPES:
            new_name = f"{column}_input"
            while new_name in frame.columns or new_name in renames.values():
                new_name += "_"
            renames[column] = new_name
    return (frame.rename(columns=renames) if renames else frame), renames


def build_results(
    frame: pd.DataFrame, plan: Plan, outcomes: PairOutcomes, attrs: dict[str, Any]
) -> pd.DataFrame:
    """Join the per-pair outcomes back onto every input row.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input frame (its index and columns are kept).
    plan : Plan
        The plan the outcomes belong to.
    outcomes : PairOutcomes
        One entry per unique pair of the plan.
    attrs : dict
        JSON-serialisable run record stored under ``results.attrs["hubassoc"]``.
    """
    base, renames = input_columns(frame)
    if renames:
        warnings.warn(
            "input columns renamed to keep them beside the result columns: "
            + ", ".join(f"{old!r} -> {new!r}" for old, new in renames.items()),
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    pair_of_row = plan.pair_of_row
    invalid = pair_of_row < 0
    # one extra slot at the end stands for "no pair" (invalid rows)
    take = np.where(invalid, len(outcomes), pair_of_row)

    def pick(values: np.ndarray, missing: Any) -> np.ndarray:
        return np.append(values, np.array([missing], dtype=values.dtype))[take]

    status = pick(outcomes.status, INVALID)
    error_category = pick(outcomes.error_category, None)
    error_message = pick(outcomes.error_message, None)
    retryable = pick(outcomes.retryable, 0)
    if invalid.any():
        error_category[invalid] = INVALID_ID
        error_message[invalid] = plan.row_problem[invalid]
    columns: dict[str, Any] = {
        "from_id": id_string_array(plan.row_from),
        "to_id": id_string_array(plan.row_to),
        "status": pd.Categorical.from_codes(status, dtype=ANNOTATION_DTYPES["status"]),
        "error_category": error_category,
        "error_message": error_message,
        "http_status": _nullable(pick(outcomes.http_status, 0), 0),
        "batch": _nullable(pick(outcomes.batch, 0), 0),
        "attempts": pd.array(pick(outcomes.attempts, 0), dtype="Int64"),
        "association_type_id": _nullable(pick(outcomes.type_id, -1), -1),
        "association_category": pick(outcomes.association_category, None),
        "retryable": pd.array(retryable == 1, dtype="boolean"),
        "correlation_id": pick(outcomes.correlation_id, None),
        "error_detail": pick(outcomes.error_detail, None),
    }
    retryable_na = retryable == -1
    if retryable_na.any():
        columns["retryable"][retryable_na] = pd.NA
    annotations = pd.DataFrame(
        {
            name: _string_array(values) if isinstance(values, np.ndarray) else values
            for name, values in columns.items()
        },
        index=base.index,
        copy=False,
    )
    results = pd.concat([base, annotations], axis=1) if len(base.columns) else annotations
    results.attrs = {"hubassoc": attrs}
    return results


def _string_array(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A ``string`` array from an object array of few distinct values (None for missing).

    Converting the distinct values once and expanding them by position is several times
    faster on a million rows than converting every element.
    """
    present = values != None  # noqa: E711  (elementwise)
    codes = np.full(len(values), -1, dtype=np.intp)
    distinct: Any = np.empty(0, dtype=object)
    if present.any():
        codes[present], distinct = pd.factorize(values[present])
    return pd.array(np.asarray(distinct, dtype=object), dtype="string").take(codes, allow_fill=True)


def _nullable(values: np.ndarray, missing: int) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values.astype(np.int64), values == missing)


def retry_mask(results: pd.DataFrame) -> np.ndarray:
    """Rows ``retry()`` sends again: failed and retryable, unconfirmed, not_sent."""
    status = results["status"]
    retryable = results["retryable"].fillna(False).to_numpy(dtype=bool)
    return ((status == "failed").to_numpy(dtype=bool) & retryable) | status.isin(
        ["unconfirmed", "not_sent"]
    ).to_numpy(dtype=bool)


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Rows and shares by status, then by error category (most frequent first)."""
    total = len(results)
    parts = []
    by_status = results["status"].value_counts(sort=False).reindex(list(STATUSES), fill_value=0)
    by_status = by_status[by_status > 0]
    parts.append(
        pd.DataFrame(
            {"by": "status", "value": by_status.index.astype(str), "rows": by_status.to_numpy()}
        )
    )
    categories = results["error_category"].dropna().value_counts()
    parts.append(
        pd.DataFrame(
            {
                "by": "error_category",
                "value": categories.index.astype(str),
                "rows": categories.to_numpy(),
            }
        )
    )
    table = pd.concat(parts, ignore_index=True)
    table["rows"] = table["rows"].astype("int64")
    table["share"] = (table["rows"] / total).round(4) if total else 0.0
    return table.set_index(["by", "value"])


def failures(results: pd.DataFrame) -> pd.DataFrame:
    """Every row not associated, the most common error (category, message) first."""
    rows = results[results["status"] != "associated"]
    if rows.empty:
        return rows
    category = rows["error_category"].fillna("(none)")
    message = rows["error_message"].fillna("")
    category_rank = category.map(category.value_counts())
    message_rank = message.map(message.value_counts())
    order = np.lexsort((np.arange(len(rows)), -message_rank.to_numpy(), -category_rank.to_numpy()))
    return rows.iloc[order]
