"""The results frame of a run whose keys all share one outcome, such as a dry run. Pure.

:func:`~hubassoc_pandas.results.frame.build_results` expands each per-key array of the ledger onto
every row. When every key had the same outcome (a dry run: each key ``not_sent``, DRY_RUN),
each annotation column holds one value on the valid rows and another on the invalid ones,
so it can be built straight from those two values: on a million rows that spares tens of MB
of intermediate arrays. The frame is the same, column for column (same values, dtypes, index,
column order, attrs and warnings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.engine.ledger import Interned, Ledger
from hubassoc_pandas.inputs.columns import (
    code_dtype,
    empty_column,
    flags,
    integers,
    text_by_code,
)
from hubassoc_pandas.inputs.ids import id_string_array
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.results.frame import assemble, input_base
from hubassoc_pandas.results.schema import BASE_VALUE_COLUMNS, annotation_dtypes
from hubassoc_pandas.status import INVALID, INVALID_ID, NOT_SENT
from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = ["SharedOutcome", "build_uniform_results", "shared_outcome"]


@dataclass(frozen=True)
class SharedOutcome:
    """What happened to every key of a ledger, when it was the same for each.

    Integer fields use the ledger's conventions (0 for no HTTP status or batch, -1 for an
    unknown ``retryable``); ``values`` holds each value column's value (None if missing).
    """

    status: int = NOT_SENT
    info: ErrorInfo | None = None
    batch: int = 0
    attempts: int = 0
    http_status: int = 0
    retryable: int = -1
    values: dict[str, Any] = field(default_factory=dict)


def shared_outcome(ledger: Ledger) -> SharedOutcome | None:
    """The outcome every key of ``ledger`` shares, or None if two keys differ.

    Examples
    --------
    >>> ledger = Ledger(np.array([2, 1]), {})
    >>> ledger.refused(np.array([0, 1]), ErrorInfo("DRY_RUN", "not sent"), status=NOT_SENT,
    ...                batch=0, attempts=0)
    >>> shared_outcome(ledger).info.category
    'DRY_RUN'
    >>> ledger.refused(np.array([1]), ErrorInfo("X", "no"), batch=1, attempts=1)
    >>> shared_outcome(ledger) is None
    True
    """
    if len(ledger) == 0:
        return SharedOutcome(values={name: None for name in ledger.columns})
    arrays: list[np.ndarray] = [
        ledger.status, ledger.info.codes, ledger.batch, ledger.attempts, ledger.http_status,
        ledger.retryable,
    ]  # fmt: skip
    columns = ledger.columns
    arrays += [c.codes if isinstance(c, Interned) else c for c in columns.values()]
    if any(array.min() != array.max() for array in arrays):
        return None
    first = [int(array[0]) for array in arrays]
    status, info_code, batch, attempts, http_status, retryable = first[:6]
    values: dict[str, Any] = {}
    for (name, column), code in zip(columns.items(), first[6:], strict=True):
        if isinstance(column, Interned):
            values[name] = None if code < 0 else column.table[code]
        else:
            values[name] = None if code == -1 else code
    info = None if info_code < 0 else ledger.infos[info_code]
    return SharedOutcome(status, info, batch, attempts, http_status, retryable, values)


def build_uniform_results(
    frame: pd.DataFrame,
    plan: Plan,
    ledger: Ledger,
    attrs: dict[str, Any],
    *,
    success: str = "associated",
) -> pd.DataFrame | None:
    """The frame :func:`~hubassoc_pandas.results.frame.build_results` builds, or None when the keys
    of ``ledger`` did not all share one outcome (build_results is then the way).

    Examples
    --------
    >>> from hubassoc_pandas.inputs.plan import make_plan
    >>> frame = pd.DataFrame({"c": [1, None], "k": [7, 7]})
    >>> plan = make_plan(frame["c"], frame["k"], from_label="c", to_label="k")
    >>> ledger = Ledger(plan.rows_of_pair, {})
    >>> out = build_uniform_results(frame, plan, ledger, {})
    >>> out["status"].tolist(), out["error_message"].tolist()
    (['not_sent', 'invalid'], [<NA>, 'c: missing value'])
    """
    outcome = shared_outcome(ledger)
    if outcome is None:
        return None
    base = input_base(frame)
    invalid = plan.pair_of_row < 0
    status = np.full(len(invalid), outcome.status, dtype=np.int8)
    status[invalid] = INVALID
    columns: dict[str, Any] = {
        "from_id": id_string_array(plan.row_from),
        "to_id": id_string_array(plan.row_to),
        "status": pd.Categorical.from_codes(status, dtype=annotation_dtypes(success)["status"]),
        **_error_columns(outcome.info, plan, invalid),
        "http_status": integers(invalid, outcome.http_status or None, None),
        "batch": integers(invalid, outcome.batch or None, None),
        "attempts": integers(invalid, outcome.attempts, 0),
        **_value_columns(ledger, outcome, invalid),
        "retryable": flags(
            invalid, None if outcome.retryable == -1 else outcome.retryable == 1, False
        ),
    }
    return assemble(frame, base, columns, attrs)


def _error_columns(
    info: ErrorInfo | None, plan: Plan, invalid: np.ndarray
) -> dict[str, pd.api.extensions.ExtensionArray]:
    """The text columns: the shared ErrorInfo's on valid rows; invalid rows say why they are."""
    on_invalid = invalid.view(np.int8)  # code 0 on valid rows, 1 on invalid ones
    rows, texts = plan.problems.rows, plan.problems.texts  # the invalid rows' problems only
    said = invalid[rows]
    problem_codes, problems = pd.factorize(texts[said])
    message_codes = np.zeros(len(invalid), dtype=code_dtype(len(problems) + 1))
    message_codes[invalid] = -1  # an invalid row with no problem said: <NA>
    message_codes[rows[said]] = problem_codes + 1

    def shared(name: str) -> Any:
        return None if info is None else getattr(info, name)

    return {
        "error_category": text_by_code([shared("category"), INVALID_ID], on_invalid),
        "error_message": text_by_code([shared("message"), *problems], message_codes),
        "correlation_id": text_by_code([shared("correlation_id"), None], on_invalid),
        "error_detail": text_by_code([shared("detail"), None], on_invalid),
    }


def _value_columns(ledger: Ledger, outcome: SharedOutcome, invalid: np.ndarray) -> dict[str, Any]:
    """The value columns, base ones first: integer ones nullable, the rest strings; <NA> on
    invalid rows."""
    columns: dict[str, Any] = {}
    stored = ledger.columns
    for name in [*BASE_VALUE_COLUMNS, *(n for n in stored if n not in BASE_VALUE_COLUMNS)]:
        column = stored.get(name)
        if column is None:  # the operation has none: an empty column
            columns[name] = empty_column(BASE_VALUE_COLUMNS[name], len(invalid))
        elif isinstance(column, Interned):
            columns[name] = text_by_code([outcome.values[name], None], invalid.view(np.int8))
        else:
            columns[name] = integers(invalid, outcome.values[name], None)
    return columns
