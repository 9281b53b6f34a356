"""Read a column of record IDs into HubSpot's wire form: strings of ASCII digits.

Pure and vectorised: an int, nullable-int, float, string, categorical or Arrow-backed column
of a million rows is read in well under a second. Anything that is not a positive whole
number that fits a HubSpot ID is reported with what is wrong with that value, never guessed.

A column is read into an :class:`IdColumn`: the IDs, and the few unreadable rows with what is
wrong with each, so that a clean column of millions of rows costs one array of IDs and no
Python object per row.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.columns import arrow_strings, arrow_text

__all__ = ["MAX_ID", "IdColumn", "id_string_array", "id_strings", "read_id_column", "read_ids"]

#: HubSpot record IDs are 64-bit signed integers.
MAX_ID = 2**63 - 1
#: From this on, a float64 no longer holds every integer exactly.
_MAX_EXACT_FLOAT = 2**53
_DIGITS_PATTERN = r"[0-9]+(?:\.0+)?"
_DIGITS = re.compile(_DIGITS_PATTERN)
_MISSING = "missing value"

IdArrays = tuple[np.ndarray, np.ndarray]


class IdColumn(NamedTuple):
    """A column of IDs as read.

    Attributes
    ----------
    ids : numpy.ndarray of int64
        Per row, the ID, or 0 where the value cannot be read as an ID. Read-only when it is
        the column's own memory (an int64 column with nothing to correct).
    bad : numpy.ndarray of int64
        The positions of the rows whose ID is 0, in increasing order.
    problems : numpy.ndarray of object
        For each of ``bad``, a short text saying what is wrong with the value.
    """

    ids: np.ndarray
    bad: np.ndarray
    problems: np.ndarray

    def dense_problems(self) -> np.ndarray:
        """Per row, what is wrong with its value, or None (an object array)."""
        dense = np.full(len(self.ids), None, dtype=object)
        dense[self.bad] = self.problems
        return dense


def read_ids(values: pd.Series) -> IdArrays:
    """Read IDs from a column.

    Parameters
    ----------
    values : pandas.Series
        The column, of any dtype.

    Returns
    -------
    ids : numpy.ndarray of int64
        The ID as a number, or 0 where the value cannot be read as an ID.
    problems : numpy.ndarray of object
        None where the ID was read, else a short text saying what is wrong with the value.

    Examples
    --------
    >>> ids, problems = read_ids(pd.Series([101, None, 12.5]))
    >>> ids.tolist(), problems.tolist()
    ([101, 0, 0], [None, 'missing value', '12.5 is not a whole number'])
    """
    column = read_id_column(values)
    ids = column.ids if column.ids.flags.writeable else column.ids.copy()
    return ids, column.dense_problems()


def read_id_column(values: pd.Series) -> IdColumn:
    """Read IDs from a column, keeping only the unreadable rows' problems.

    The same reading as :func:`read_ids`, without an object per row, and without a copy of
    an int64 column that holds only IDs (:attr:`IdColumn.ids` is then a read-only view).

    Examples
    --------
    >>> column = read_id_column(pd.Series([101, None, 12.5]))
    >>> column.ids.tolist(), column.bad.tolist(), column.problems.tolist()
    ([101, 0, 0], [1, 2], ['missing value', '12.5 is not a whole number'])
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _read_categorical(values)
    if pd.api.types.is_bool_dtype(dtype):
        return _read_objects(values.to_numpy(dtype=object, na_value=None))
    if pd.api.types.is_integer_dtype(dtype):
        return _read_integers(values)
    if pd.api.types.is_float_dtype(dtype):
        return _read_floats(values.to_numpy(dtype=np.float64, na_value=np.nan), _exact_limit(dtype))
    if pd.api.types.is_string_dtype(dtype) and pd.api.types.infer_dtype(values) in (
        "string",
        "empty",
    ):
        return _read_strings(values)
    return _read_objects(values.to_numpy(dtype=object, na_value=None))


def id_strings(ids: np.ndarray) -> np.ndarray:
    """Digit strings for an array of IDs, None where the ID is 0.

    Examples
    --------
    >>> id_strings(np.array([7, 0])).tolist()
    ['7', None]
    """
    out = np.full(len(ids), None, dtype=object)
    good = ids > 0
    out[good] = [str(number) for number in ids[good].tolist()]
    return out


def id_string_array(ids: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """IDs as a pandas ``string`` array, ``<NA>`` where the ID is 0.

    Built by Arrow when pandas keeps strings in Arrow (pyarrow installed), which is about
    ten times faster on a million IDs than going through Python strings; straight to the
    ``large_string`` pandas holds (no second copy), in chunks, with the system allocator
    (see :mod:`hubassoc_pandas.inputs.columns` for why).

    Examples
    --------
    >>> list(id_string_array(np.array([7, 0])))
    ['7', <NA>]
    """
    if arrow_strings():
        import pyarrow as pa
        import pyarrow.compute as pc

        def cast(start: int, stop: int, pool: Any) -> Any:
            part = ids[start:stop]
            missing = part <= 0
            numbers = pa.array(part, mask=missing) if missing.any() else pa.array(part)
            return pc.cast(numbers, pa.large_string(), memory_pool=pool)

        return arrow_text(len(ids), cast)
    return pd.array(id_strings(ids), dtype="string")


def _texts(items: list[Any]) -> np.ndarray:
    """An object array of ``items`` (never a 2-D array, whatever they are)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _read_categorical(values: pd.Series) -> IdColumn:
    categories = read_id_column(pd.Series(values.cat.categories))
    category_problems = categories.dense_problems()
    codes = values.cat.codes.to_numpy()
    missing = codes < 0
    if len(categories.ids) == 0:
        ids = np.zeros(len(values), dtype=np.int64)
    else:
        ids = categories.ids[np.where(missing, 0, codes)]
        ids[missing] = 0
    bad = np.flatnonzero(ids == 0)
    bad_codes = codes[bad]
    problems = np.full(len(bad), _MISSING, dtype=object)
    known = bad_codes >= 0
    problems[known] = category_problems[bad_codes[known]]
    return IdColumn(ids, bad, problems)


def _read_integers(values: pd.Series) -> IdColumn:
    unsigned = pd.api.types.is_unsigned_integer_dtype(values.dtype)
    missing: np.ndarray | None = None
    if isinstance(values.dtype, np.dtype):  # plain numpy integers: nothing is missing
        numbers = values.to_numpy()
    else:
        numbers = values.to_numpy(dtype=np.uint64 if unsigned else np.int64, na_value=0)
        missing = values.isna().to_numpy()
    if unsigned:
        bad = np.flatnonzero((numbers == 0) | (numbers > np.uint64(MAX_ID)))
    else:
        bad = np.flatnonzero(numbers <= 0)
    if len(bad) == 0 and numbers.dtype == np.int64:
        ids = numbers.view()  # the column itself, read-only: no copy of a million IDs
        ids.flags.writeable = False
    else:
        ids = numbers.astype(np.int64)  # a copy: ``numbers`` may be the caller's memory
        ids[bad] = 0
    problems = _texts(
        [
            _MISSING if missing is not None and missing[position] else _problem_of_int(number)
            for position, number in zip(bad.tolist(), numbers[bad].tolist(), strict=True)
        ]
    )
    return IdColumn(ids, bad, problems)


def _exact_limit(dtype: Any) -> int:
    """The power of two below which a float dtype holds every integer exactly."""
    numpy_type = getattr(dtype, "numpy_dtype", dtype)  # Float64 and Arrow floats have one
    try:
        mantissa_bits = int(np.finfo(numpy_type).nmant)
    except (TypeError, ValueError):
        mantissa_bits = 52
    return int(2 ** (mantissa_bits + 1))


def _read_floats(numbers: np.ndarray, exact_limit: int = _MAX_EXACT_FLOAT) -> IdColumn:
    with np.errstate(invalid="ignore"):  # NaN, inf and huge values cast to garbage, dropped
        ids = numbers.astype(np.int64)
        good = ids == numbers
        test = np.greater(numbers, 0)  # one scratch array for every test
        good &= test
        good &= np.less(numbers, exact_limit, out=test)
    bad = np.flatnonzero(np.logical_not(good, out=test))
    ids[bad] = 0
    unread = numbers[bad]
    problems = np.full(len(bad), _MISSING, dtype=object)
    for index in np.flatnonzero(~np.isnan(unread)).tolist():
        problem = _problem_of_float(float(unread[index]), exact_limit)
        problems[index] = problem or "not an ID"
    return IdColumn(ids, bad, problems)


def _read_strings(values: pd.Series) -> IdColumn:
    text = values.astype("string").str.strip()
    missing = text.isna().to_numpy()
    matches = text.str.fullmatch(_DIGITS_PATTERN).fillna(False).to_numpy(dtype=bool)
    ids = np.zeros(len(values), dtype=np.int64)
    if matches.any():
        digits = text[matches].str.split(".", n=1).str[0].str.lstrip("0")
        lengths = digits.str.len().to_numpy()
        # 19 digits may exceed MAX_ID; those few go through the exact path below.
        simple = (lengths > 0) & (lengths < 19)
        positions = np.flatnonzero(matches)
        ids[positions[simple]] = digits[simple].astype("int64").to_numpy()
    unread = np.flatnonzero(ids == 0)
    problems = np.full(len(unread), _MISSING, dtype=object)
    for index in np.flatnonzero(~missing[unread]).tolist():
        position = unread[index]
        ids[position], problems[index] = _read_one(values.iloc[position])
    read_late = ids[unread] > 0  # long digit strings read exactly by _read_one
    return IdColumn(ids, unread[~read_late], problems[~read_late])


def _read_objects(values: np.ndarray) -> IdColumn:
    ids = np.zeros(len(values), dtype=np.int64)
    problems = np.full(len(values), None, dtype=object)
    cache: dict[Any, tuple[int, str | None]] = {}
    for position, value in enumerate(values):
        try:
            key = (type(value), value)
            outcome = cache.get(key)
        except TypeError:  # unhashable
            key, outcome = None, None
        if outcome is None:
            outcome = _read_one(value)
            if key is not None and len(cache) < 1_000_000:
                cache[key] = outcome
        ids[position], problems[position] = outcome
    bad = np.flatnonzero(ids == 0)
    return IdColumn(ids, bad, problems[bad])


def _read_one(value: Any) -> tuple[int, str | None]:
    """Read one value of any Python type; the slow path for mixed columns."""
    if value is None or value is pd.NA or value is pd.NaT:
        return 0, "missing value"
    if isinstance(value, bool | np.bool_):
        return 0, f"{value} is a boolean, not an ID"
    if isinstance(value, int | np.integer):
        number = int(value)
        problem = _problem_of_int(number)
        return (0, problem) if problem else (number, None)
    if isinstance(value, float | np.floating):
        real = float(value)
        if math.isnan(real):
            return 0, "missing value"
        problem = _problem_of_float(real)
        return (0, problem) if problem else (int(real), None)
    if isinstance(value, Decimal):
        value = str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0, "empty text"
        if not _DIGITS.fullmatch(text):
            return 0, f"{_short(value)} is not a whole number written in digits"
        number = int(text.split(".", 1)[0])
        problem = _problem_of_int(number)
        return (0, problem) if problem else (number, None)
    return 0, f"{_short(value)} ({type(value).__name__}) is not an ID"


def _problem_of_int(number: int) -> str | None:
    if number <= 0:
        return f"{number} is not a positive ID"
    if number > MAX_ID:
        return f"{number} is too large for a HubSpot ID (at most 2**63-1)"
    return None


def _problem_of_float(number: float, exact_limit: int = _MAX_EXACT_FLOAT) -> str | None:
    if not math.isfinite(number):
        return f"{number} is not a number"
    if number != math.floor(number):
        return f"{number!r} is not a whole number"
    if number <= 0:
        return f"{int(number)} is not a positive ID"
    if number < exact_limit:  # the limit itself may be a larger ID rounded down
        return None
    return (
        f"{number!r} is too large to be exact in a float column; "
        "read the IDs as int64 or str (e.g. pd.read_csv(..., dtype=str))"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
