"""The results frame's big ``string`` columns, allocated with the system allocator. Pure.

When pandas keeps strings in Arrow, the ID columns and the text columns of a million-row
results frame are tens of megabytes of Arrow buffers. Arrow's default allocator (mimalloc)
takes fresh memory from the system on a process's first run and is then several times
slower than the C library's allocator for the same work (0.3 s against 0.1 s for a
million-row frame, measured), so these columns are allocated from Arrow's system pool.
The values are those of :func:`~hubassoc_pandas.ids.id_string_array` and of a ``string``
array's ``take``; without Arrow those are used as they are.

Examples
--------
>>> list(id_strings(np.array([7, 0])))
['7', <NA>]
>>> list(coded_strings(["a", None, "bc"], np.array([2, -1, 0, 1])))
['bc', <NA>, 'a', <NA>]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .ids import id_string_array

__all__ = ["coded_strings", "id_strings"]


def _pool() -> Any:
    """Arrow's system memory pool, or None when pandas does not keep strings in Arrow."""
    if pd.StringDtype().storage != "pyarrow":
        return None
    import pyarrow as pa

    return pa.system_memory_pool()


def id_strings(ids: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """IDs as a ``string`` array of their digits, <NA> where the ID is 0 (or below)."""
    pool = _pool()
    if pool is None:
        return id_string_array(ids)
    import pyarrow as pa

    numbers = pa.array(ids, mask=ids <= 0, memory_pool=pool)
    return pd.arrays.ArrowStringArray(numbers.cast(pa.large_string(), memory_pool=pool))


def coded_strings(table: Sequence[Any], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A ``string`` array holding ``table[code]`` for each code (<NA> for -1 and None).

    Converting the few distinct values once and expanding them by code is much faster on a
    million rows than converting every element.
    """
    pool = _pool()
    if pool is None or not all(text is None or isinstance(text, str) for text in table):
        if not len(table) or (codes < 0).all():
            return pd.array(np.full(len(codes), None, dtype=object), dtype="string")
        distinct = pd.array(np.array(list(table), dtype=object), dtype="string")
        return distinct.take(codes, allow_fill=True)
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(table) or (codes < 0).all():
        return pd.arrays.ArrowStringArray(pa.nulls(len(codes), pa.large_string(), memory_pool=pool))
    distinct = pa.array(list(table), type=pa.large_string())
    indices = pa.array(codes, mask=codes < 0, memory_pool=pool)
    return pd.arrays.ArrowStringArray(pc.take(distinct, indices, memory_pool=pool))
