"""Build the results frame: every input row once, in input order, with its outcome. Pure.

The frame holds the input's index and columns, followed by the annotation columns (see
:func:`~hubassoc_pandas.results.schema.annotation_dtypes`).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas.engine.ledger import Interned, Ledger
from hubassoc_pandas.inputs.columns import empty_column, text_by_code
from hubassoc_pandas.inputs.ids import id_string_array
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.results.schema import (
    ANNOTATION_DTYPES,
    BASE_VALUE_COLUMNS,
    annotation_dtypes,
    is_results_frame,
)
from hubassoc_pandas.status import INVALID, INVALID_ID

__all__ = ["assemble", "build_results", "input_base", "input_columns"]


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


def input_base(frame: pd.DataFrame) -> pd.DataFrame:
    """The input's own columns for a results frame (:func:`input_columns`), warning about
    any that had to be renamed."""
    base, renames = input_columns(frame)
    if renames:
        warnings.warn(
            "input columns renamed to keep them beside the result columns: "
            + ", ".join(f"{old!r} -> {new!r}" for old, new in renames.items()),
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return base


def assemble(
    frame: pd.DataFrame, base: pd.DataFrame, columns: dict[str, Any], attrs: dict[str, Any]
) -> pd.DataFrame:
    """The results frame: the input's columns ``base``, then the annotation ``columns``
    (``correlation_id`` and ``error_detail`` last, as documented), with the input's attrs
    and the run record ``attrs`` under ``"hubassoc"``."""
    columns["correlation_id"] = columns.pop("correlation_id")
    columns["error_detail"] = columns.pop("error_detail")
    annotations = pd.DataFrame(columns, index=base.index, copy=False)
    results = pd.concat([base, annotations], axis=1) if len(base.columns) else annotations
    results.attrs = {**copy.deepcopy(frame.attrs), "hubassoc": attrs}  # the input's kept
    return results


def build_results(
    frame: pd.DataFrame,
    plan: Plan,
    ledger: Ledger,
    attrs: dict[str, Any],
    *,
    success: str = "associated",
    id_columns: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Join the per-key outcomes back onto every input row.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input frame (its index and columns are kept).
    plan : Plan
        The plan the outcomes belong to (its unique pairs are the ledger's keys).
    ledger : Ledger
        One entry per unique pair of the plan.
    attrs : dict
        JSON-serialisable run record stored under ``results.attrs["hubassoc"]``.
    success : str
        The operation's word for success (the first status category).
    id_columns : mapping, optional
        :func:`row_id_columns` of ``plan``, if made already.
    """
    base = input_base(frame)
    invalid = plan.pair_of_row < 0
    any_invalid = bool(invalid.any())
    take = np.where(invalid, 0, plan.pair_of_row) if any_invalid else plan.pair_of_row

    def pick(values: np.ndarray, missing: Any) -> np.ndarray:
        """Each row's value (``missing`` for rows with no pair): a new array, or the ledger's
        own when each row holds its own pair (the ledger is not used after)."""
        if plan.row_is_pair:
            return values
        picked = values.take(take) if len(values) else np.zeros(len(take), values.dtype)
        if any_invalid:
            picked[invalid] = missing
        return picked

    status = pick(ledger.status, INVALID)
    retryable = pick(ledger.retryable, 0)
    dtypes = annotation_dtypes(success)
    columns: dict[str, Any] = {
        **(row_id_columns(plan) if id_columns is None else id_columns),
        "status": pd.Categorical.from_codes(status, dtype=dtypes["status"]),
        **_error_columns(ledger, plan, invalid, pick(ledger.info.codes, -1)),
        "http_status": _nullable(pick(ledger.http_status, 0), 0),
        "batch": _nullable(pick(ledger.batch, 0), 0),
        "attempts": _nullable(pick(ledger.attempts, 0), None),
        **_value_columns(ledger, pick, len(plan.pair_of_row)),
        "retryable": pd.array(retryable == 1, dtype="boolean"),
    }
    retryable_na = retryable == -1
    if retryable_na.any():
        columns["retryable"][retryable_na] = pd.NA
    return assemble(frame, base, columns, attrs)


def row_id_columns(plan: Plan) -> dict[str, Any]:
    """The ``from_id`` and ``to_id`` columns: each row's IDs as text (<NA> where invalid)."""
    return {"from_id": id_string_array(plan.row_from), "to_id": id_string_array(plan.row_to)}


def _error_columns(
    ledger: Ledger, plan: Plan, invalid: np.ndarray, codes: np.ndarray
) -> dict[str, pd.api.extensions.ExtensionArray]:
    """The text columns from each row's ErrorInfo code; invalid rows say why they are."""
    infos = ledger.infos
    problems: Any = np.empty(0, dtype=object)
    message_codes = codes
    category_codes = codes
    if invalid.any():
        problem_codes, problems = pd.factorize(plan.row_problem[invalid])
        category_codes = codes.copy()
        category_codes[invalid] = len(infos)
        message_codes = codes.copy()
        message_codes[invalid] = len(infos) + problem_codes
    return {
        "error_category": _text_column([i.category for i in infos] + [INVALID_ID], category_codes),
        "error_message": _text_column([i.message for i in infos] + list(problems), message_codes),
        "correlation_id": _text_column([i.correlation_id for i in infos], codes),
        "error_detail": _text_column([i.detail for i in infos], codes),
    }


def _value_columns(ledger: Ledger, pick: Any, n_rows: int) -> dict[str, Any]:
    """The value columns of ``n_rows`` rows, base ones first: integer ones nullable, the rest
    strings."""
    columns: dict[str, Any] = {}
    stored = ledger.columns
    for name in [*BASE_VALUE_COLUMNS, *(n for n in stored if n not in BASE_VALUE_COLUMNS)]:
        column = stored.get(name)
        if column is None:  # the operation has none: an empty column
            columns[name] = empty_column(BASE_VALUE_COLUMNS[name], n_rows)
        elif isinstance(column, Interned):
            columns[name] = _text_column(column.table, pick(column.codes, -1))
        else:
            columns[name] = _nullable(pick(column, -1), -1)
    return columns


def _text_column(table: Sequence[Any], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A ``string`` array holding ``table[code]`` for each code (<NA> for -1 and None)."""
    return text_by_code(table, codes)


def _nullable(values: np.ndarray, missing: int | None) -> pd.arrays.IntegerArray:
    """An ``Int64`` array over ``values`` (not copied), <NA> where they are ``missing``."""
    mask = np.zeros(len(values), dtype=bool) if missing is None else values == missing
    return pd.arrays.IntegerArray(values.astype(np.int64, copy=False), mask)
