"""Build long result columns from a few distinct values, cheaply. Pure.

A results frame of a million rows holds columns in which most rows share one of a handful of
values (one error message, one status, all missing). These helpers build such columns from
the distinct values and a small code per row, without a Python object per row, and touching
as little fresh memory as they can: an all-missing integer column is left to the kernel's
zero pages, and text columns are built by Arrow with the system allocator.

Long text columns are built in chunks of :data:`CHUNK_ROWS` rows: Arrow grows a buffer as it
writes it, and growing a bounded chunk reuses the memory of the last one, where growing one
buffer of ten million rows touches fresh memory several times its final size.

Why the system allocator: Arrow's default allocator (mimalloc) asks the kernel for
transparent huge pages, and where the kernel compacts memory to provide them
(``/sys/kernel/mm/transparent_hugepage/defrag`` = ``madvise``), first touching tens of MB of
fresh memory can take longer than building the column itself. The columns built here are
ordinary Arrow arrays; only where their buffers come from differs, for these calls alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CHUNK_ROWS",
    "REPEAT_ROWS",
    "arrow_strings",
    "arrow_text",
    "code_dtype",
    "empty_column",
    "flags",
    "integers",
    "missing_text",
    "repeated_text",
    "text_by_code",
]

#: Rows per Arrow chunk of a long text column.
CHUNK_ROWS = 1 << 20
#: Rows of the block a column of one repeated text is made of (see :func:`repeated_text`).
REPEAT_ROWS = 1 << 16


def code_dtype(n_values: int) -> np.dtype:
    """The smallest signed integer type holding codes ``-1 .. n_values - 1``.

    Examples
    --------
    >>> code_dtype(3), code_dtype(1000)
    (dtype('int8'), dtype('int16'))
    """
    for dtype in (np.int8, np.int16, np.int32):
        if n_values - 1 <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def arrow_strings() -> bool:
    """Whether pandas keeps ``string`` columns in Arrow (pyarrow installed)."""
    return bool(pd.StringDtype().storage == "pyarrow")


def arrow_text(
    n_rows: int, build: Callable[[int, int, Any], Any], chunk_rows: int = CHUNK_ROWS
) -> pd.api.extensions.ExtensionArray:
    """A ``string`` array of ``n_rows`` rows from Arrow chunks of ``chunk_rows`` rows:
    ``build(start, stop, pool)`` returns rows ``start:stop`` as an Arrow ``large_string``
    array allocated from ``pool``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> def rows(start, stop, pool):
    ...     return pa.array(["a", "b"][start:stop], pa.large_string(), memory_pool=pool)
    >>> list(arrow_text(2, rows))
    ['a', 'b']
    """
    import pyarrow as pa

    pool = pa.system_memory_pool()
    chunks = [
        build(start, min(start + chunk_rows, n_rows), pool)
        for start in range(0, n_rows, chunk_rows)
    ]
    column = pa.chunked_array(chunks, type=pa.large_string())
    return pd.array(column, dtype=pd.StringDtype("pyarrow"))


def missing_text(n_rows: int) -> pd.api.extensions.ExtensionArray:
    """A ``string`` array of ``n_rows`` <NA>.

    Examples
    --------
    >>> list(missing_text(2))
    [<NA>, <NA>]
    """
    if arrow_strings():
        import pyarrow as pa

        # zeroed by the kernel when first read: an all-missing column costs nothing until used
        validity = pa.py_buffer(np.zeros((n_rows + 7) // 8, dtype=np.uint8))
        offsets = pa.py_buffer(np.zeros(n_rows + 1, dtype=np.int64))
        nulls = pa.Array.from_buffers(
            pa.large_string(), n_rows, [validity, offsets, pa.py_buffer(b"")], null_count=n_rows
        )
        return pd.array(nulls, dtype=pd.StringDtype("pyarrow"))
    return pd.array(np.full(n_rows, None, dtype=object), dtype="string")


def text_by_code(
    table: Sequence[str | None], codes: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """A ``string`` array holding ``table[code]`` for each code; <NA> for -1 and for None.

    Parameters
    ----------
    table : sequence
        The distinct values (few): texts or None; other values are converted by pandas.
    codes : numpy.ndarray of integers
        Per row, an index into ``table``, or -1; any integer width (int8 is cheapest).

    Examples
    --------
    >>> list(text_by_code(["DRY_RUN", None, "INVALID_ID"], np.array([0, 2, -1, 1, 0])))
    ['DRY_RUN', 'INVALID_ID', <NA>, <NA>, 'DRY_RUN']
    """
    texts = list(table)
    if not any(t is not None for t in texts) or not len(codes) or (codes < 0).all():
        return missing_text(len(codes))
    if not arrow_strings() or not all(t is None or isinstance(t, str) for t in texts):
        # values that are not all text are converted by pandas, once each
        distinct = pd.array(np.array(texts, dtype=object), dtype="string")
        return distinct.take(codes, allow_fill=True)
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct = pa.array(texts, type=pa.large_string())
    first = int(codes[0])
    one = texts[first] if first >= 0 else None
    if one is not None and codes.min() == codes.max():
        return repeated_text(one, len(codes))  # the usual association category

    def take(start: int, stop: int, pool: Any) -> Any:
        part = codes[start:stop]
        negative = part < 0
        indices = pa.array(part, mask=negative) if negative.any() else pa.array(part)
        return pc.take(distinct, indices, memory_pool=pool)

    return arrow_text(len(codes), take)


def repeated_text(text: str, n_rows: int) -> pd.api.extensions.ExtensionArray:
    """A ``string`` array of ``text`` on each of ``n_rows`` rows, held by Arrow as one block
    of :data:`REPEAT_ROWS` rows (or a sixteenth of the column, if more) that every chunk
    shares: a column of one value costs a sixteenth of its length at most, and no more than
    that block for a column of up to a million rows.

    Without Arrow, an object array of ``n_rows`` references to one string.

    Examples
    --------
    >>> column = repeated_text("HUBSPOT_DEFINED", 3)
    >>> column.tolist(), str(column.dtype)
    (['HUBSPOT_DEFINED', 'HUBSPOT_DEFINED', 'HUBSPOT_DEFINED'], 'string')
    """
    if not arrow_strings():
        return pd.array(np.full(n_rows, text, dtype=object), dtype="string")
    import pyarrow as pa

    unit = min(n_rows, max(REPEAT_ROWS, -(-n_rows // 16)))
    if unit == 0:
        return missing_text(0)
    one = pa.scalar(text, type=pa.large_string())
    block = pa.repeat(one, unit, memory_pool=pa.system_memory_pool())
    return arrow_text(n_rows, lambda start, stop, pool: block.slice(0, stop - start), unit)


def empty_column(dtype: str, n_rows: int) -> pd.api.extensions.ExtensionArray:
    """A column of ``n_rows`` <NA> of ``dtype`` (``"Int64"``, ``"string"`` or another pandas
    extension dtype), costing no fresh memory until read where it can.

    Examples
    --------
    >>> empty_column("Int64", 2).tolist(), empty_column("string", 1).tolist()
    ([<NA>, <NA>], [<NA>])
    """
    if dtype == "Int64":
        return integers(np.zeros(n_rows, dtype=bool), None, None)
    if dtype == "string":
        return missing_text(n_rows)
    return pd.array([None] * n_rows, dtype=dtype)


def integers(invalid: np.ndarray, value: int | None, other: int | None) -> pd.arrays.IntegerArray:
    """An ``Int64`` array: ``value`` where ``invalid`` is False, ``other`` where it is True;
    None is <NA>.

    Values that are 0 or missing cost no fresh memory until read.

    Examples
    --------
    >>> integers(np.array([False, True]), 3, None).tolist()
    [3, <NA>]
    >>> integers(np.array([False, True]), None, 0).tolist()
    [<NA>, 0]
    """
    n_rows = len(invalid)
    data = np.zeros(n_rows, dtype=np.int64)
    if value:
        data.fill(value)
    if (other or 0) != (value or 0):
        data[invalid] = other or 0
    return pd.arrays.IntegerArray(data, _where(invalid, value is None, other is None))


def flags(invalid: np.ndarray, value: bool | None, other: bool | None) -> pd.arrays.BooleanArray:
    """A ``boolean`` array: ``value`` where ``invalid`` is False, ``other`` where True; None is
    <NA>.

    Examples
    --------
    >>> flags(np.array([False, True, False]), True, False).tolist()
    [True, False, True]
    """
    data = _where(invalid, bool(value), bool(other))
    return pd.arrays.BooleanArray(data, _where(invalid, value is None, other is None))


def _where(invalid: np.ndarray, when_valid: bool, when_invalid: bool) -> np.ndarray:
    """A boolean array: ``when_valid`` where ``invalid`` is False, ``when_invalid`` where True."""
    if when_valid == when_invalid:
        return np.ones(len(invalid), dtype=bool) if when_valid else np.zeros(len(invalid), bool)
    return invalid.copy() if when_invalid else ~invalid
