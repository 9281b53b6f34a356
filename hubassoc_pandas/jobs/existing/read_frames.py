"""The frames ``read()`` returns: the links found, and the status of every from-ID. Pure.

The links frame has one row per (from-ID, to-ID, association type) found: ``row`` (the index
label of the first input row holding that from-ID), ``from_id``, ``to_id``,
``association_type_id``, ``association_category`` and ``label``.

The status frame (:func:`status_frame`) has one row per distinct from-ID of the input and one
per kind of unreadable value: ``from_id``, ``status`` (found, none, failed, invalid,
not_sent), ``links`` (how many link rows it has), ``rows`` (input rows holding it),
``error_category``, ``error_message``, ``http_status`` and ``retryable``. The links frame
carries it in ``attrs["hubassoc"]["read_status"]`` as one JSON text (cheap for pandas to copy
along with the frame, and kept by Parquet); :func:`decode_status` turns it back into a frame.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.ids import id_string_array
from hubassoc_pandas.jobs.existing.reading import Existing
from hubassoc_pandas.jobs.pairs.id_columns import FromIds
from hubassoc_pandas.status import (
    FAILED,
    INVALID_ID,
    NOT_SENT,
    SUCCESS,
    UNCONFIRMED,
    UNCONFIRMED_CODE,
)

__all__ = [
    "LINK_COLUMNS",
    "READ_STATUSES",
    "decode_status",
    "encode_status",
    "index_labels",
    "links_frame",
    "status_frame",
]

#: The statuses of a from-ID in a read, in category order.
READ_STATUSES = ("found", "none", "failed", "invalid", "not_sent")
#: The columns of the links frame.
LINK_COLUMNS = (
    "row",
    "from_id",
    "to_id",
    "association_type_id",
    "association_category",
    "label",
)
_STATUS_DTYPES: dict[str, Any] = {
    "from_id": "string",
    "status": pd.CategoricalDtype(list(READ_STATUSES)),
    "links": "Int64",
    "rows": "int64",
    "error_category": "string",
    "error_message": "string",
    "http_status": "Int64",
    "retryable": "boolean",
}


def links_frame(index: pd.Index, ids: FromIds, existing: Existing) -> pd.DataFrame:
    """One row per link found, in input order of the from-IDs (then by to-ID and type ID)."""
    first_rows = ids.first_row[existing.link_key]
    order = np.lexsort((existing.link_type, existing.link_to, first_rows))
    key = existing.link_key[order]
    type_ids = existing.link_type[order]
    return pd.DataFrame(
        {
            "row": index_labels(index, first_rows[order]),
            "from_id": id_string_array(existing.from_ids[key]),
            "to_id": id_string_array(existing.link_to[order]),
            "association_type_id": pd.arrays.IntegerArray(type_ids, type_ids < 0),
            "association_category": pd.array(existing.link_category[order], dtype="string"),
            "label": pd.array(existing.link_label[order], dtype="string"),
        }
    )


def index_labels(index: pd.Index, positions: np.ndarray) -> np.ndarray:
    """The index labels at ``positions`` as a 1-d object array (tuples for a MultiIndex)."""
    taken = index.take(positions)
    if not isinstance(taken, pd.MultiIndex):
        return np.asarray(taken.to_numpy(dtype=object))
    labels = np.empty(len(taken), dtype=object)
    for at, label in enumerate(taken):
        labels[at] = label
    return labels


def status_frame(
    ids: FromIds,
    existing: Existing,
    *,
    problems: pd.DataFrame | None = None,
    keys: pd.Series | None = None,
) -> pd.DataFrame:
    """Every distinct from-ID with what its read found, then each unreadable input value.

    A read by keys passes the rows whose key names no single record (``problems``, by
    position: status, error_category, error_message, retryable, http_status): one status row
    each per distinct outcome, after the from-IDs; and its key column (``keys``), shown first
    with the key of each status row's first input row.
    """
    ledger = existing.ledger
    n = len(existing.from_ids)
    counts = existing.links_per_key()
    status = np.full(n, READ_STATUSES.index("not_sent"), dtype=np.int8)
    read = ledger.status == SUCCESS
    status[read] = np.where(counts[read] > 0, 0, 1)
    status[(ledger.status == FAILED) | (ledger.status == UNCONFIRMED)] = 2
    status[ledger.status == NOT_SENT] = 4
    infos = ledger.infos
    codes = ledger.info.codes
    category = [infos[c].category if c >= 0 else None for c in codes.tolist()]
    message = [_message(infos[c]) if c >= 0 else None for c in codes.tolist()]
    retryable = ledger.retryable.astype(np.int64)
    frame = pd.DataFrame(
        {
            "from_id": [str(v) for v in existing.from_ids.tolist()],
            "status": [READ_STATUSES[s] for s in status.tolist()],
            "links": np.where(read, counts, -1),
            "rows": ids.rows_of_id,
            "error_category": category,
            "error_message": message,
            "http_status": np.where(ledger.http_status > 0, ledger.http_status, -1),
            "retryable": np.where(read, -1, retryable),
        }
    )
    skip = None if problems is None else problems.index.to_numpy(np.int64)
    invalid = _invalid_values(ids, skip)
    keyed, first = _key_values(problems)
    parts = [part for part in (frame, invalid, keyed) if len(part)]
    out = _typed(pd.concat(parts, ignore_index=True) if parts else frame)
    if keys is not None:
        positions = np.concatenate([ids.first_row, np.full(len(invalid), -1), first])
        values = keys.astype("string").array.take(positions, allow_fill=True)
        name = keys.name
        while name in out.columns:
            name = f"{name}_input"
        out.insert(0, name, values)
    return out


def _message(info: Any) -> str:
    """The message of a from-ID's outcome, worded for a read where the engine's is not."""
    if info.category == UNCONFIRMED_CODE:
        return (
            "HubSpot answered twice without listing this from-ID or an error for it; read it again."
        )
    return str(info.message)


def _invalid_values(ids: FromIds, skip: np.ndarray | None = None) -> pd.DataFrame:
    """One row per kind of unreadable from-ID, the rows at positions ``skip`` left out."""
    unread = ids.key_of_row < 0
    if skip is not None:
        unread[skip] = False
    problems = ids.row_problem[unread]
    if len(problems) == 0:
        return pd.DataFrame()
    grouped = pd.Series(problems, dtype=object).value_counts(sort=False)
    return pd.DataFrame(
        {
            "from_id": [None] * len(grouped),
            "status": "invalid",
            "links": -1,
            "rows": grouped.to_numpy(np.int64),
            "error_category": INVALID_ID,
            "error_message": [str(p) for p in grouped.index],
            "http_status": -1,
            "retryable": 0,
        }
    )


def _key_values(problems: pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per distinct outcome of the rows whose key names no single record, and the
    position of each one's first row."""
    if problems is None or problems.empty:
        return pd.DataFrame(), np.empty(0, dtype=np.int64)
    table = problems.assign(position=problems.index.to_numpy(np.int64))
    grouped = table.groupby(
        ["status", "error_category", "error_message"], sort=False, dropna=False
    ).agg(
        first=("position", "first"),
        rows=("position", "size"),
        retryable=("retryable", "first"),
        http_status=("http_status", "first"),
    )
    grouped = grouped.reset_index()
    return pd.DataFrame(
        {
            "from_id": [None] * len(grouped),
            "status": grouped["status"].to_numpy(object),
            "links": -1,
            "rows": grouped["rows"].to_numpy(np.int64),
            "error_category": grouped["error_category"].to_numpy(object),
            "error_message": grouped["error_message"].to_numpy(object),
            "http_status": [-1 if pd.isna(v) else int(v) for v in grouped["http_status"]],
            "retryable": [int(bool(v)) for v in grouped["retryable"]],
        }
    ), grouped["first"].to_numpy(np.int64)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in their dtypes; -1 stands for missing in the integer and boolean columns."""
    out = {}
    for column, dtype in _STATUS_DTYPES.items():
        values = frame[column]
        if dtype in ("Int64", "boolean"):
            numbers = values.to_numpy(np.int64)
            array = pd.arrays.IntegerArray(numbers, numbers < 0)
            out[column] = array.astype(dtype)
        else:
            out[column] = values.astype(dtype)
    return pd.DataFrame(out)


def encode_status(status: pd.DataFrame) -> str:
    """The status frame as one compact JSON text (texts stored once, by code).

    Examples
    --------
    >>> text = encode_status(pd.DataFrame({c: [] for c in _STATUS_DTYPES}))
    >>> decode_status(text).columns.tolist()[:3]
    ['from_id', 'status', 'links']
    """
    columns: dict[str, Any] = {}
    extra = [c for c in status.columns if c not in _STATUS_DTYPES]
    if extra:  # a read by keys: its key column, first
        columns["keys"] = [
            [str(c), [None if pd.isna(v) else str(v) for v in status[c].tolist()]] for c in extra
        ]
    for column in _STATUS_DTYPES:
        values = status[column].astype(object).where(status[column].notna(), None)
        if column in ("error_category", "error_message", "status"):
            codes, uniques = pd.factorize(values.to_numpy(object), use_na_sentinel=True)
            columns[column] = {"codes": codes.tolist(), "values": [str(u) for u in uniques]}
        else:
            columns[column] = [None if v is None else _plain(v) for v in values.tolist()]
    return json.dumps(columns, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    return str(value)


def decode_status(text: str) -> pd.DataFrame:
    """The status frame back from :func:`encode_status` text."""
    stored = json.loads(text)
    out: dict[str, Any] = {}
    for column, dtype in _STATUS_DTYPES.items():
        values = stored[column]
        if isinstance(values, dict):
            table = np.array([*values["values"], None], dtype=object)
            values = table[np.asarray(values["codes"], dtype=np.int64)].tolist()
        if dtype == "int64":
            out[column] = np.asarray(values, dtype=np.int64)
        else:
            out[column] = pd.array(values, dtype=dtype)
    keys = {name: pd.array(values, dtype="string") for name, values in stored.get("keys", [])}
    return pd.DataFrame({**keys, **out})
