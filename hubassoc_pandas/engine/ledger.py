"""Per-key outcomes of a run, and the one tally of rows per status. Pure: no I/O.

Every array is indexed by key (a unique pair, for the pair operations). Integer columns use 0
where the value is missing (-1 for ``retryable`` and integer value columns). Texts are held
as codes into small tables (a run has few distinct errors and categories), so recording a
batch and building a million-row frame never touch a Python object per key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hubassoc_pandas.operations.base import Coded, Decoded
from hubassoc_pandas.status import FAILED, NOT_SENT, SUCCESS
from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = ["Ledger"]

_INT_MISSING = -1
#: The text columns, each read from the ErrorInfo that decided a key.
TEXT_COLUMNS = {
    "error_category": "category",
    "error_message": "message",
    "correlation_id": "correlation_id",
    "error_detail": "detail",
}


class Interned:
    """A column of few distinct values: a code per key into ``table`` (-1: missing)."""

    def __init__(self, n_keys: int) -> None:
        self.codes = np.full(n_keys, -1, dtype=np.int32)
        self.table: list[Any] = []
        self._code_of: dict[Any, int] = {}

    def code(self, value: Any) -> int:
        """The code of ``value`` (-1 for None), added to the table if new."""
        if value is None:
            return -1
        code = self._code_of.get(value)
        if code is None:
            code = self._code_of[value] = len(self.table)
            self.table.append(value)
        return code

    def set(self, keys: np.ndarray, values: Sequence[Any] | Coded) -> None:
        """Give each of ``keys`` its value (None for missing)."""
        if isinstance(values, Coded):
            codes = np.array([*map(self.code, values.table), -1], dtype=np.int32)
            self.codes[keys] = codes[values.codes]
            return
        found: list[Any] = list(map(self._code_of.get, values))
        if None in found:  # new values, or None itself
            self.codes[keys] = [self.code(value) for value in values]
        else:
            self.codes[keys] = found

    def materialise(self, keys: Any = slice(None)) -> np.ndarray:
        """The values of ``keys`` as an object array (None for missing)."""
        table = np.array([*self.table, None], dtype=object)
        return table[self.codes[keys]]


class Ledger:
    """What happened to each key of a run.

    Parameters
    ----------
    rows_of_key : numpy.ndarray of int64
        How many input rows share each key (their weight in the tally).
    value_columns : mapping
        The operation's value columns: name -> (dtype, missing); ``"Int64"`` columns are held
        as int64 with -1 for missing, others as objects with None.

    Examples
    --------
    >>> ledger = Ledger(np.array([2, 1]), {})
    >>> ledger.succeeded(np.array([0]), batch=1, attempts=1, http_status=200, values={})
    >>> ledger.tally_decided(np.array([0]))
    2
    >>> ledger.rows_by_status().tolist()
    [2, 0, 0, 0, 0]

    ``info`` holds per key a code into ``infos``, the ErrorInfo that refused (or left open)
    the key, -1 where none did; ``text`` and ``values`` give the columns as object arrays.
    """

    def __init__(
        self, rows_of_key: np.ndarray, value_columns: Mapping[str, tuple[Any, Any]]
    ) -> None:
        n_keys = len(rows_of_key)
        self.rows_of_key = rows_of_key
        self.status = np.full(n_keys, NOT_SENT, dtype=np.int8)
        self.http_status = np.zeros(n_keys, dtype=np.int64)
        self.batch = np.zeros(n_keys, dtype=np.int64)
        self.attempts = np.zeros(n_keys, dtype=np.int64)
        self.retryable = np.full(n_keys, -1, dtype=np.int8)
        self.info = Interned(n_keys)
        self.columns: dict[str, np.ndarray | Interned] = {
            name: np.full(n_keys, _INT_MISSING, dtype=np.int64)
            if dtype == "Int64"
            else Interned(n_keys)
            for name, (dtype, _missing) in value_columns.items()
        }
        self._tally = np.zeros(5, dtype=np.int64)

    @property
    def infos(self) -> list[ErrorInfo]:
        """The distinct ErrorInfos recorded, indexed by the codes in ``info.codes``."""
        return self.info.table

    @property
    def text(self) -> dict[str, np.ndarray]:
        """The text columns as object arrays (built on each access: for tests and tools)."""
        infos = self.info.materialise()
        return {
            name: np.array([getattr(i, field, None) for i in infos], dtype=object)
            for name, field in TEXT_COLUMNS.items()
        }

    @property
    def values(self) -> dict[str, np.ndarray]:
        """The value columns: int64 arrays (-1 missing) or object arrays (None missing)."""
        return {
            name: column.materialise() if isinstance(column, Interned) else column
            for name, column in self.columns.items()
        }

    def __len__(self) -> int:
        return len(self.status)

    # -- recording ---------------------------------------------------------------------------
    def _sent(self, keys: np.ndarray, batch: int, attempts: int, http: int) -> None:
        self.batch[keys] = batch
        self.attempts[keys] += attempts
        self.http_status[keys] = http

    def succeeded(
        self,
        keys: np.ndarray,
        *,
        batch: int,
        attempts: int,
        http_status: int,
        values: Mapping[str, Any],
    ) -> None:
        """Record keys HubSpot confirmed, with the operation's values for each."""
        if len(keys) == 0:
            return
        self._sent(keys, batch, attempts, http_status)
        self.status[keys] = SUCCESS
        self.retryable[keys] = -1
        self.info.codes[keys] = -1
        self.set_values(keys, values)

    def set_values(self, keys: np.ndarray, values: Mapping[str, Any]) -> None:
        """Fill value columns for ``keys``: sequences (None for missing), int64 arrays (-1
        for missing) or :class:`~hubassoc_pandas.operations.base.Coded` values."""
        for name, given in values.items():
            column = self.columns[name]
            if isinstance(column, Interned):
                column.set(keys, given)
            elif isinstance(given, np.ndarray):
                column[keys] = given
            elif None in given:
                column[keys] = [_INT_MISSING if v is None else int(v) for v in given]
            else:
                column[keys] = given

    def refused(
        self,
        keys: np.ndarray,
        info: ErrorInfo,
        *,
        status: int = FAILED,
        batch: int,
        attempts: int,
    ) -> None:
        """Record keys refused (``FAILED``) or left open (``UNCONFIRMED``, ``NOT_SENT``)."""
        if len(keys) == 0:
            return
        if batch:
            self._sent(keys, batch, attempts, info.http_status or 0)
        self.status[keys] = status
        self.retryable[keys] = int(info.retryable)
        self.info.codes[keys] = self.info.code(info)

    def apply(
        self, keys: np.ndarray, decoded: Decoded, *, batch: int, attempts: int, http_status: int
    ) -> np.ndarray:
        """Record what a 2xx answer decided about the batch ``keys``; returns those keys
        (the succeeded, then the refused ones)."""
        succeeded = keys[decoded.succeeded]
        self.succeeded(
            succeeded,
            batch=batch,
            attempts=attempts,
            http_status=http_status,
            values=decoded.values,
        )
        decided = [succeeded]
        for info, positions in decoded.refused.items():
            refusal = dataclasses.replace(info, http_status=http_status)
            self.refused(keys[positions], refusal, batch=batch, attempts=attempts)
            decided.append(keys[positions])
        return np.concatenate(decided)

    def restore(
        self,
        keys: np.ndarray,
        *,
        batch: np.ndarray,
        attempts: np.ndarray,
        http_status: np.ndarray,
        values: Mapping[str, Sequence[Any]],
    ) -> None:
        """Mark keys done by an earlier run (from its journal)."""
        self.status[keys] = SUCCESS
        self.batch[keys] = batch
        self.attempts[keys] = attempts
        self.http_status[keys] = http_status
        self.set_values(keys, values)

    def journal_rows(
        self, keys: np.ndarray, key_texts: Sequence[str], words: Sequence[str]
    ) -> list[dict[str, Any]]:
        """The outcomes of ``keys`` as journal rows (see :meth:`Journal.record`)."""
        status = self.status[keys].tolist()
        batch, attempts = self.batch[keys].tolist(), self.attempts[keys].tolist()
        http_status = self.http_status[keys].tolist()
        infos = self.info.materialise(keys).tolist()
        category = [None if i is None else i.category for i in infos]
        message = [None if i is None else i.message for i in infos]
        values = {
            name: column.materialise(keys).tolist()
            if isinstance(column, Interned)
            else [None if v == _INT_MISSING else v for v in column[keys].tolist()]
            for name, column in self.columns.items()
        }
        return [
            {
                "key": text,
                "status": words[status[n]],
                "batch": batch[n],
                "attempts": attempts[n],
                "http_status": http_status[n],
                "error_category": category[n],
                "error_message": message[n],
                "values": {name: column[n] for name, column in values.items()},
            }
            for n, text in enumerate(key_texts)
        ]

    # -- the tally -----------------------------------------------------------------------------
    def tally_decided(self, keys: np.ndarray) -> int:
        """Count the rows of keys just decided (each key once); returns how many rows."""
        weights = self.rows_of_key[keys]
        self._tally += np.bincount(self.status[keys], weights=weights, minlength=5).astype(np.int64)
        return int(weights.sum())

    def rows_by_status(self) -> np.ndarray:
        """Rows per status code among the keys counted so far."""
        return self._tally.copy()

    def is_open(self, keys: np.ndarray) -> np.ndarray:
        """Which of ``keys`` nothing was recorded for yet."""
        return (self.status[keys] == NOT_SENT) & (self.info.codes[keys] < 0)
