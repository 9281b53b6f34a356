"""Where 64-bit keys sit among a batch's keys, by hashing. Pure.

Matching a few thousand listings to the pairs of a batch is one hash look-up per listing,
done in compiled code: pandas' own hash table for unsigned 64-bit keys when this pandas has
it (the one behind ``Index.get_indexer``, without that method's layers), otherwise a
:class:`pandas.Index`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["KeyIndex"]

try:  # pandas' compiled hash table: not public API, so only used when it behaves
    from pandas._libs.hashtable import UInt64HashTable as _Table

    _probe = _Table(4)
    _probe.map_locations(np.array([7, 9], dtype=np.uint64))
    if _probe.lookup(np.array([9, 8], dtype=np.uint64)).tolist() != [1, -1] or len(_probe) != 2:
        _Table = None
except Exception:  # any failure means: use the public Index
    _Table = None


class KeyIndex:
    """The positions of distinct uint64 ``keys``.

    ``unique`` is False when a key occurs twice (then :meth:`positions` must not be used).

    Examples
    --------
    >>> index = KeyIndex(np.array([10, 20, 30], dtype=np.uint64))
    >>> index.unique, index.positions(np.array([30, 5], dtype=np.uint64)).tolist()
    (True, [2, -1])
    """

    def __init__(self, keys: np.ndarray, *, compiled: bool = True) -> None:
        self._table: Any
        if compiled and _Table is not None:
            self._table = _Table(max(2 * len(keys), 8))
            self._table.map_locations(keys)
            self.unique = len(self._table) == len(keys)
        else:
            self._table = pd.Index(keys)
            self.unique = bool(self._table.is_unique)

    def positions(self, queries: np.ndarray) -> np.ndarray:
        """The position of each query among the keys (int64), -1 where it is not one."""
        if isinstance(self._table, pd.Index):
            return np.asarray(self._table.get_indexer(queries), dtype=np.int64)
        return np.asarray(self._table.lookup(queries), dtype=np.int64)
