"""Reading ID columns: every dtype pandas produces, every kind of bad value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas.inputs.ids import MAX_ID, id_string_array, id_strings, read_id_column, read_ids

GOOD = [
    ("int64", pd.Series([1, 22, 333]), [1, 22, 333]),
    ("nullable Int64", pd.Series([5, None, 7], dtype="Int64"), [5, 0, 7]),
    ("float from a missing value", pd.Series([123.0, np.nan, 9.0]), [123, 0, 9]),
    ("strings with whitespace", pd.Series([" 12", "13 ", "\t14\n"]), [12, 13, 14]),
    ("string dtype", pd.Series(["1", None, "3"], dtype="string"), [1, 0, 3]),
    ("leading zeros", pd.Series(["007", "0010"]), [7, 10]),
    ("text of a whole float", pd.Series(["12.0", "5.00"]), [12, 5]),
    ("categorical", pd.Series(["5", "6", None, "5"], dtype="category"), [5, 6, 0, 5]),
    ("categorical of ints", pd.Series([5, 6, 5], dtype="category"), [5, 6, 5]),
    ("arrow int", pd.Series([1, None, 3], dtype="int64[pyarrow]"), [1, 0, 3]),
    ("arrow string", pd.Series(["1", " 2", None], dtype="string[pyarrow]"), [1, 2, 0]),
    ("uint64", pd.Series([5, 6], dtype="uint64"), [5, 6]),
    ("mixed objects", pd.Series([1, "2", 3.0, np.int64(4)], dtype=object), [1, 2, 3, 4]),
    ("largest ID", pd.Series([str(MAX_ID)]), [MAX_ID]),
    ("int32", pd.Series([1, 2], dtype="int32"), [1, 2]),
    ("empty", pd.Series([], dtype=object), []),
]


@pytest.mark.parametrize(("label", "values", "expected"), GOOD, ids=[g[0] for g in GOOD])
def test_readable_ids(label: str, values: pd.Series, expected: list[int]) -> None:
    ids, problems = read_ids(values)
    assert ids.dtype == np.int64
    assert ids.tolist() == expected
    for number, problem in zip(ids.tolist(), problems.tolist(), strict=True):
        assert (problem is None) == (number > 0)


BAD = [
    (None, "missing value"),
    (np.nan, "missing value"),
    (pd.NA, "missing value"),
    ("", "empty text"),
    ("   ", "empty text"),
    ("abc", "'abc' is not a whole number"),
    (12.5, "12.5 is not a whole number"),
    ("12.5", "'12.5' is not a whole number"),
    (-3, "-3 is not a positive ID"),
    (0, "0 is not a positive ID"),
    ("0", "0 is not a positive ID"),
    (True, "True is a boolean"),
    ("1e5", "'1e5' is not a whole number"),
    (1e20, "too large to be exact in a float column"),
    (float("inf"), "inf is not a number"),
    (2**64, "too large for a HubSpot ID"),
    ("99999999999999999999", "too large for a HubSpot ID"),
    ("١٢٣", "is not a whole number"),  # non-ASCII digits
    (b"\xff", "is not a whole number"),
    ([1], "(list) is not an ID"),
]


@pytest.mark.parametrize(("value", "fragment"), BAD, ids=[repr(b[0]) for b in BAD])
def test_unreadable_values_say_what_is_wrong(value: object, fragment: str) -> None:
    # mixed with a good value so the object path and the typed paths are both exercised
    ids, problems = read_ids(pd.Series([value, 5], dtype=object))
    assert ids.tolist() == [0, 5]
    assert fragment in problems[0]
    assert problems[1] is None


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (pd.Series([1.0, 12.5]), "12.5 is not a whole number"),
        (pd.Series([1.0, -2.0]), "-2 is not a positive ID"),
        (pd.Series([1.0, 2.0**60]), "too large to be exact"),
        (pd.Series([1, 0]), "0 is not a positive ID"),
        (pd.Series([True, False]), "boolean"),
        (pd.Series([1, None], dtype="boolean"), "boolean"),
        (pd.Series(["1", "x"], dtype="string"), "'x' is not a whole number"),
        (pd.Series([2**64 - 1, 1], dtype="uint64"), "too large for a HubSpot ID"),
    ],
)
def test_typed_columns_report_bad_values(values: pd.Series, fragment: str) -> None:
    ids, problems = read_ids(values)
    assert any(p is not None and fragment in p for p in problems)
    assert all((p is None) == (i > 0) for i, p in zip(ids, problems, strict=True))


@pytest.mark.parametrize(("dtype", "bits"), [("float64", 53), ("float32", 24), ("Float64", 53)])
def test_float_exactness_boundary(dtype: str, bits: int) -> None:
    # 2**bits itself may be 2**bits + 1 rounded down by the float column, so it is refused
    ids, problems = read_ids(pd.Series([2.0**bits - 1, 2.0**bits, 2.0**bits + 2], dtype=dtype))
    assert ids[0] == 2**bits - 1 and problems[0] is None
    assert ids[1] == 0 and "too large to be exact" in problems[1]
    assert ids[2] == 0 and "too large to be exact" in problems[2]


def test_id_strings() -> None:
    assert id_strings(np.array([7, 0, 123456789012], dtype=np.int64)).tolist() == [
        "7",
        None,
        "123456789012",
    ]


@pytest.mark.parametrize(
    "dtype", ["int64", "Int64", "int64[pyarrow]", "float64", "Float64", "int32", "object"]
)
def test_reading_leaves_the_column_as_it_was(dtype: str) -> None:
    values = pd.Series([5, -3, 0, 7], dtype=dtype)
    before = values.copy()
    ids, _problems = read_ids(values)
    assert ids.tolist() == [5, 0, 0, 7]
    pd.testing.assert_series_equal(values, before)


@pytest.mark.parametrize(("label", "values", "expected"), GOOD, ids=[g[0] for g in GOOD])
def test_id_column_keeps_only_the_unread_rows(
    label: str, values: pd.Series, expected: list[int]
) -> None:
    column = read_id_column(values)
    ids, problems = read_ids(values)
    assert column.ids.tolist() == ids.tolist() == expected
    assert column.bad.tolist() == [i for i, p in enumerate(problems) if p is not None]
    assert column.problems.tolist() == [p for p in problems if p is not None]


def test_id_column_of_bad_values_in_every_reader() -> None:
    cases = [
        pd.Series([1.0, np.nan, 12.5, -2.0, 3.0]),
        pd.Series([1, 0, -4, 9]),
        pd.Series([1, None, -4], dtype="Int64"),
        pd.Series(["1", None, "x", " 4 ", str(MAX_ID), "99999999999999999999"]),
        pd.Series(["5", None, "x", "5"], dtype="category"),
        pd.Series([2**64 - 1, 0, 3], dtype="uint64"),
    ]
    for values in cases:
        column = read_id_column(values)
        ids, problems = read_ids(values)
        assert column.bad.tolist() == np.flatnonzero(ids == 0).tolist()
        assert column.problems.tolist() == problems[column.bad].tolist()
        assert all(isinstance(p, str) and p for p in column.problems)
        assert column.dense_problems().tolist() == problems.tolist()


def test_id_string_array_matches_python_strings() -> None:
    ids = np.array([7, 0, 123456789012, MAX_ID, 1], dtype=np.int64)
    expected = pd.array(id_strings(ids), dtype="string")
    assert id_string_array(ids).dtype == expected.dtype
    assert list(id_string_array(ids)) == list(expected)


@pytest.mark.parametrize("dtype", ["int64", "Int64", "int64[pyarrow]"])
def test_a_clean_int64_column_is_read_without_a_copy_and_cannot_be_written(dtype: str) -> None:
    values = pd.Series([5, 6, 7], dtype=dtype)
    column = read_id_column(values)
    assert column.ids.tolist() == [5, 6, 7] and len(column.bad) == 0
    with pytest.raises(ValueError, match="read-only"):
        column.ids[0] = 1
    ids, _problems = read_ids(values)  # the dense form is always the caller's own copy
    ids[0] = 1
    assert values.tolist() == [5, 6, 7]
