"""Pure, vectorised questions about a results frame: which rows match, how many per status.

Nothing here knows which operation produced the frame. The statuses needing attention are
fixed (:data:`ATTENTION_STATUSES`); every other status is a success, whatever its word
(``associated``, ``removed``, ...). The statuses offered are those of the frame's own
``status`` column (its categories when it is a Categorical). A ``label`` column, when
present, can be filtered and searched; so can the user's own text columns.

Examples
--------
>>> frame = pd.DataFrame({
...     "status": pd.Categorical(["removed", "failed", "invalid"]),
...     "from_id": pd.array(["1", "2", None], dtype="string")})
>>> attention_mask(frame).tolist()
[False, True, True]
>>> match_mask(frame, status=NEEDS_ATTENTION, search="2").tolist()
[False, True, False]
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable

import numpy as np
import pandas as pd

from hubassoc_pandas.results.schema import ANNOTATION_DTYPES

__all__ = [
    "ATTENTION_STATUSES",
    "LABEL_COLUMN",
    "NEEDS_ATTENTION",
    "NO_LABEL",
    "RESULT_COLUMNS",
    "Special",
    "attention_mask",
    "category_choices",
    "category_counts",
    "label_choices",
    "label_counts",
    "match_mask",
    "opening_status",
    "search_mask",
    "status_choices",
    "status_counts",
    "statuses_of",
    "user_columns",
]

#: Statuses of rows that need a look, in the order they are offered; any other is a success.
ATTENTION_STATUSES = ("failed", "unconfirmed", "not_sent", "invalid")
#: The column naming a row's association label (labelled runs only).
LABEL_COLUMN = "label"
#: Columns a results frame adds to the input's own (``label`` only on labelled runs).
RESULT_COLUMNS = frozenset([*ANNOTATION_DTYPES, LABEL_COLUMN])


class Special(enum.Enum):
    """Filter values that are neither a status nor a label, so they can never clash with one."""

    NEEDS_ATTENTION = "needs attention"
    NO_LABEL = "no label"


#: ``match_mask(status=NEEDS_ATTENTION)``: every row whose status is in ATTENTION_STATUSES.
NEEDS_ATTENTION = Special.NEEDS_ATTENTION
#: ``match_mask(label=NO_LABEL)``: rows whose label is missing or blank.
NO_LABEL = Special.NO_LABEL

#: Annotation columns the free-text search looks in; the flag marks few-distinct-values ones.
_SEARCHED = (
    ("from_id", False),
    ("to_id", False),
    ("error_message", True),
    ("correlation_id", True),
    (LABEL_COLUMN, True),
)


# -- statuses -------------------------------------------------------------------------------


def statuses_of(results: pd.DataFrame) -> list[str]:
    """The statuses a frame can hold: its Categorical's categories, in their order.

    A plain (non-categorical) column, e.g. read back from CSV, gives the statuses present:
    successes by name, then those needing attention in :data:`ATTENTION_STATUSES` order.

    Examples
    --------
    >>> statuses_of(pd.DataFrame({"status": pd.Categorical(["removed"], ["removed", "failed"])}))
    ['removed', 'failed']
    >>> statuses_of(pd.DataFrame({"status": ["failed", "associated", "failed"]}))
    ['associated', 'failed']
    """
    column = results["status"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(status) for status in column.cat.categories]
    present = {str(status) for status in column.dropna().unique()}
    successes = sorted(present.difference(ATTENTION_STATUSES))
    return successes + [status for status in ATTENTION_STATUSES if status in present]


def attention_mask(results: pd.DataFrame) -> np.ndarray:
    """Rows whose status needs attention (failed, unconfirmed, not_sent or invalid).

    Examples
    --------
    >>> attention_mask(pd.DataFrame({"status": ["associated", "not_sent"]})).tolist()
    [False, True]
    """
    return results["status"].isin(ATTENTION_STATUSES).to_numpy(dtype=bool)


def opening_status(results: pd.DataFrame) -> Special | None:
    """The status filter to open on: :data:`NEEDS_ATTENTION` if any row needs it, else None.

    Examples
    --------
    >>> opening_status(pd.DataFrame({"status": ["removed", "removed"]})) is None
    True
    """
    return NEEDS_ATTENTION if attention_mask(results).any() else None


def status_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Rows and share per status, every status of :func:`statuses_of` listed in its order.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": pd.Categorical(["failed", "associated", "failed"])})
    >>> status_counts(frame).loc["failed"].tolist()
    [2.0, 0.6667]
    """
    statuses = statuses_of(results)
    counts = results["status"].value_counts(sort=False).reindex(statuses, fill_value=0)
    total = len(results)
    table = pd.DataFrame({"rows": counts.to_numpy(dtype=np.int64)}, index=statuses)
    table.index.name = "status"
    table["share"] = (table["rows"] / total).round(4) if total else 0.0
    return table


def status_choices(results: pd.DataFrame) -> list[tuple[str | Special, str, int]]:
    """What a status filter offers: ``(value, text, rows)``, the attention choices first.

    First :data:`NEEDS_ATTENTION` (all such rows together), then each status needing
    attention, then the successes, in the order of :func:`statuses_of`.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": pd.Categorical(["removed", "failed"])})
    >>> [(text, rows) for _, text, rows in status_choices(frame)]
    [('needs attention', 1), ('failed', 1), ('removed', 1)]
    """
    counts = status_counts(results)["rows"]
    attention = [s for s in counts.index if s in ATTENTION_STATUSES]
    attention.sort(key=ATTENTION_STATUSES.index)
    successes = [s for s in counts.index if s not in ATTENTION_STATUSES]
    choices: list[tuple[str | Special, str, int]] = [
        (NEEDS_ATTENTION, NEEDS_ATTENTION.value, int(counts[attention].sum()))
    ]
    choices += [(status, status, int(counts[status])) for status in attention + successes]
    return choices


# -- categories and labels ------------------------------------------------------------------


def _ranked(values: pd.Series, name: str, total: int) -> pd.DataFrame:
    """Counts of ``values``: most frequent first, ties by name, with each one's share."""
    counts = values.value_counts()
    table = pd.DataFrame(
        {name: counts.index.astype(str).to_numpy(), "rows": counts.to_numpy(dtype=np.int64)}
    )
    table = table.sort_values(["rows", name], ascending=[False, True], kind="stable")
    table["share"] = (table["rows"] / total).round(4) if total else 0.0
    return table.reset_index(drop=True)


def category_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Rows and share per error category, most frequent first (ties by name).

    Examples
    --------
    >>> frame = pd.DataFrame({"error_category": pd.array(["B", "A", "B", None], dtype="string")})
    >>> category_counts(frame)["error_category"].tolist()
    ['B', 'A']
    """
    return _ranked(results["error_category"].dropna(), "error_category", len(results))


def label_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Rows and share per label, most frequent first, then the rows with no label.

    The last row, with ``label`` <NA>, counts rows whose label is missing or blank; it is
    there even when that count is 0. A frame without a ``label`` column gives no rows.

    Examples
    --------
    >>> frame = pd.DataFrame({"label": pd.array(["Billing", None, "Billing", " "], "string")})
    >>> label_counts(frame)[["label", "rows"]].values.tolist()
    [['Billing', 2], [<NA>, 2]]
    """
    total = len(results)
    if LABEL_COLUMN not in results.columns:
        empty = pd.DataFrame({"label": pd.array([], dtype="string"), "rows": [], "share": []})
        return empty.astype({"rows": np.int64, "share": float})
    column = results[LABEL_COLUMN]
    blank = _label_is_blank(column)
    table = _ranked(column[~blank], "label", total)
    unlabelled = int(blank.sum())
    table.loc[len(table)] = [None, unlabelled, round(unlabelled / total, 4) if total else 0.0]
    return table.astype({"label": "string", "rows": np.int64, "share": float})


def category_choices(categories: pd.DataFrame) -> list[tuple[str, str, int]]:
    """What a category filter offers: ``(value, text, rows)`` from :func:`category_counts`.

    Examples
    --------
    >>> frame = pd.DataFrame({"error_category": pd.array(["B", None], dtype="string")})
    >>> category_choices(category_counts(frame))
    [('B', 'B', 1)]
    """
    return [
        (str(name), str(name), int(rows))
        for name, rows in zip(categories["error_category"], categories["rows"], strict=True)
    ]


def label_choices(results: pd.DataFrame) -> list[tuple[str | Special, str, int]]:
    """What a label filter offers: ``(value, text, rows)``, :data:`NO_LABEL` last.

    Empty when the frame has no ``label`` column.

    Examples
    --------
    >>> frame = pd.DataFrame({"label": pd.array(["Billing", None], dtype="string")})
    >>> [(text, rows) for _, text, rows in label_choices(frame)]
    [('Billing', 1), ('(no label)', 1)]
    """
    table = label_counts(results)
    return [
        (NO_LABEL, "(no label)", int(rows)) if pd.isna(name) else (str(name), str(name), int(rows))
        for name, rows in zip(table["label"], table["rows"], strict=True)
    ]


def _per_distinct(column: pd.Series, verdict: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """Apply ``verdict`` to each distinct value once and spread it back over the rows.

    ``verdict`` gets the distinct non-missing values as a ``string`` Series and returns one
    bool each; missing values get the verdict's answer for a missing string.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    distinct = pd.concat(
        [pd.Series(uniques).astype("string"), pd.Series([pd.NA], dtype="string")],
        ignore_index=True,
    )
    return np.asarray(verdict(distinct), dtype=bool)[codes]  # code -1 picks the missing slot


def _label_is_blank(column: pd.Series) -> np.ndarray:
    return _per_distinct(
        column, lambda values: values.str.strip().fillna("").eq("").to_numpy(dtype=bool)
    )


def _label_mask(results: pd.DataFrame, label: str | Special) -> np.ndarray:
    if LABEL_COLUMN not in results.columns:
        return np.full(len(results), label is NO_LABEL, dtype=bool)
    column = results[LABEL_COLUMN]
    if label is NO_LABEL:
        return _label_is_blank(column)
    return _per_distinct(
        column, lambda values: values.eq(str(label)).to_numpy(dtype=bool, na_value=False)
    )


# -- free-text search -----------------------------------------------------------------------


def _contains(column: pd.Series, needle: str, few_values: bool) -> np.ndarray:
    fold = needle.lower() != needle.upper()  # only text with letters needs case folding

    def found(values: pd.Series) -> np.ndarray:
        hits = values.str.contains(needle, case=not fold, regex=False)
        return hits.to_numpy(dtype=bool, na_value=False)

    if few_values:  # match each distinct value once
        return _per_distinct(column, found)
    return found(column.astype("string"))


def _is_text(column: pd.Series) -> bool:
    dtype = column.dtype
    return pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)


def user_columns(results: pd.DataFrame) -> list[Hashable]:
    """The input's own columns: every column that is not one of :data:`RESULT_COLUMNS`.

    Examples
    --------
    >>> user_columns(pd.DataFrame(columns=["owner", "status", "from_id", "note"]))
    ['owner', 'note']
    """
    return [column for column in results.columns if column not in RESULT_COLUMNS]


def search_mask(results: pd.DataFrame, text: str) -> np.ndarray:
    """Rows containing ``text`` (any case) in an ID, message, correlation ID, label or own column.

    The user's own columns are searched when they hold text (string, object or categorical
    dtype). The text is matched literally (no regular expressions); blank text matches every
    row.

    Examples
    --------
    >>> frame = pd.DataFrame({c: pd.array(v, dtype="string") for c, v in {
    ...     "from_id": ["11", "12"], "to_id": ["7", "8"],
    ...     "error_message": [None, "Not Found"], "correlation_id": [None, None]}.items()})
    >>> search_mask(frame, "not found").tolist()
    [False, True]
    """
    needle = text.strip()
    if not needle:
        return np.ones(len(results), dtype=bool)
    mask = np.zeros(len(results), dtype=bool)
    for name, few_values in _SEARCHED:
        if name in results.columns:
            mask |= _contains(results[name], needle, few_values)
    for position, name in enumerate(results.columns):
        if name not in RESULT_COLUMNS:
            column = results.iloc[:, position]  # by position: names may repeat
            if _is_text(column):
                mask |= _contains(column, needle, few_values=True)
    return mask


def match_mask(
    results: pd.DataFrame,
    *,
    status: str | Special | None = None,
    category: str | None = None,
    label: str | Special | None = None,
    search: str = "",
) -> np.ndarray:
    """Rows matching every given filter; None or blank means "any".

    ``status`` is a status word or :data:`NEEDS_ATTENTION`; ``label`` is a label or
    :data:`NO_LABEL`.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "status": pd.Categorical(["failed", "associated"]),
    ...     "error_category": pd.array(["RATE_LIMIT", None], dtype="string"),
    ...     "from_id": pd.array(["1", "2"], dtype="string")})
    >>> match_mask(frame, status="failed").tolist()
    [True, False]
    """
    mask = np.ones(len(results), dtype=bool)
    if status is NEEDS_ATTENTION:
        mask &= attention_mask(results)
    elif status:
        mask &= (results["status"] == status).to_numpy(dtype=bool, na_value=False)
    if category:
        mask &= (results["error_category"] == category).to_numpy(dtype=bool, na_value=False)
    if label is not None and label != "":
        mask &= _label_mask(results, label)
    if search.strip():
        mask &= search_mask(results, search)
    return mask
