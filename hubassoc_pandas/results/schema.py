"""The results frame's vocabulary, and reading one: summary, failures, rows to retry. Pure.

A results frame holds every input row exactly once, in input order with the input's index and
columns, followed by the annotation columns of :func:`annotation_dtypes` (built by
:mod:`.frame`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.status import ATTENTION, status_words

__all__ = [
    "ANNOTATION_DTYPES",
    "STATUSES",
    "annotation_dtypes",
    "failures",
    "is_results_frame",
    "restore_dtypes",
    "retry_mask",
    "summary",
]

#: The statuses of an associate run, in the order their category codes use.
STATUSES = status_words("associated")

#: Value columns every results frame has (an operation may add more after them).
BASE_VALUE_COLUMNS: dict[str, Any] = {
    "association_type_id": "Int64",
    "association_category": "string",
}


def annotation_dtypes(
    success: str = "associated", value_columns: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Annotation column -> dtype, in the order they follow the input's columns.

    Examples
    --------
    >>> list(annotation_dtypes("removed"))[:3]
    ['from_id', 'to_id', 'status']
    >>> annotation_dtypes("removed")["status"].categories.tolist()[0]
    'removed'
    """
    values = {**BASE_VALUE_COLUMNS, **(value_columns or {})}
    return {
        "from_id": "string",
        "to_id": "string",
        "status": pd.CategoricalDtype(list(status_words(success))),
        "error_category": "string",
        "error_message": "string",
        "http_status": "Int64",
        "batch": "Int64",
        "attempts": "Int64",
        **values,
        "retryable": "boolean",
        "correlation_id": "string",
        "error_detail": "string",
    }


#: The annotation columns of an associate run.
ANNOTATION_DTYPES: dict[str, Any] = annotation_dtypes("associated")


def is_results_frame(frame: pd.DataFrame) -> bool:
    """Whether a frame carries every annotation column of a results frame."""
    return all(column in frame.columns for column in ANNOTATION_DTYPES)


def retry_mask(results: pd.DataFrame) -> np.ndarray:
    """Rows ``retry()`` sends again: failed and retryable, unconfirmed, not_sent."""
    status = results["status"]
    retryable = results["retryable"].fillna(False).to_numpy(dtype=bool)
    return ((status == "failed").to_numpy(dtype=bool) & retryable) | status.isin(
        ["unconfirmed", "not_sent"]
    ).to_numpy(dtype=bool)


def restore_dtypes(results: pd.DataFrame, success: str = "associated") -> pd.DataFrame:
    """The frame with its annotation columns back in their dtypes (after a CSV round trip,
    say); a frame already right is returned as it is.

    Examples
    --------
    >>> frame = pd.DataFrame({c: [None] for c in ANNOTATION_DTYPES})
    >>> frame["status"], frame["attempts"] = ["failed"], [2.0]
    >>> restore_dtypes(frame)["attempts"].dtype
    Int64Dtype()
    """
    dtypes = annotation_dtypes(success)
    wrong = [c for c, d in dtypes.items() if c in results.columns and results[c].dtype != d]
    if not wrong:
        return results
    restored = results.copy()
    for column in wrong:
        values = restored[column]
        try:
            if dtypes[column] == "boolean" and not pd.api.types.is_bool_dtype(values.dtype):
                text = values.astype("string").str.strip().str.lower()
                values = text.map({"true": True, "false": False, "1": True, "0": False})
            elif dtypes[column] == "string" and pd.api.types.is_float_dtype(values.dtype):
                values = values.astype("Int64")
            restored[column] = values.astype(dtypes[column])
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"column {column!r} cannot be read as {dtypes[column]}: {exc}"
            ) from None
    unknown = restored["status"].isna() & results["status"].notna()
    if unknown.any():
        bad = results.loc[unknown, "status"].iloc[0]
        raise ConfigError(
            f"column 'status' holds {bad!r}, not one of {', '.join(status_words(success))}."
        )
    return restored


def status_order(results: pd.DataFrame) -> list[str]:
    """The status words of a results frame, success first (from its categorical dtype)."""
    dtype = results["status"].dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return [str(c) for c in dtype.categories]
    return list(STATUSES)


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """Rows and shares by status, then by error category (most frequent first)."""
    total = len(results)
    parts = []
    by_status = (
        results["status"].value_counts(sort=False).reindex(status_order(results), fill_value=0)
    )
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
    """Every row that did not succeed, the most common error (category, message) first."""
    rows = results[results["status"].isin(ATTENTION).to_numpy(dtype=bool)]
    if rows.empty:
        return rows
    category = rows["error_category"].fillna("(none)")
    message = rows["error_message"].fillna("")
    category_rank = category.map(category.value_counts())
    message_rank = message.map(message.value_counts())
    order = np.lexsort((np.arange(len(rows)), -message_rank.to_numpy(), -category_rank.to_numpy()))
    return rows.iloc[order]
