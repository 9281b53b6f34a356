"""Long result columns built from a few values equal the ones pandas builds element by element."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas.inputs.columns import code_dtype, flags, integers, missing_text, text_by_code


def assert_same_array(got: Any, expected: Any) -> None:
    pd.testing.assert_extension_array_equal(got, expected)


@pytest.mark.parametrize("n_rows", [0, 1, 7, 8, 9, 1000])
def test_missing_text(n_rows: int) -> None:
    got = missing_text(n_rows)
    assert_same_array(got, pd.array([None] * n_rows, dtype="string"))
    assert got.isna().all()
    if n_rows:
        series = pd.Series(got)
        series.iloc[0] = "written"  # a column of the results can be edited like any other
        assert series.iloc[0] == "written" and series.iloc[1:].isna().all()


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_text_by_code(dtype: type) -> None:
    table = ["DRY_RUN", None, "c: missing value", ""]
    codes = np.array([0, 1, 2, -1, 3, 0, 2], dtype=dtype)
    expected = pd.array([None if c < 0 else table[c] for c in codes.tolist()], dtype="string")
    assert_same_array(text_by_code(table, codes), expected)


@pytest.mark.parametrize(
    ("table", "codes"),
    [([], np.array([], dtype=np.int8)), (["a"], np.array([-1, -1])), ([None], np.array([0]))],
    ids=["empty", "all -1", "only None"],
)
def test_text_by_code_all_missing(table: list[str | None], codes: np.ndarray) -> None:
    assert_same_array(text_by_code(table, codes), pd.array([None] * len(codes), dtype="string"))


def test_text_by_code_keeps_every_character() -> None:
    table = ["ünïcode ✓", "a;b", "x" * 300]
    codes = np.array([2, 0, 1, 0])
    assert text_by_code(table, codes).tolist() == [table[c] for c in codes.tolist()]


@pytest.mark.parametrize(
    ("value", "other"), [(3, None), (None, 0), (0, 0), (None, None), (5, 5), (0, 9), (None, 4)]
)
def test_integers(value: int | None, other: int | None) -> None:
    invalid = np.array([False, True, True, False, False])
    got = integers(invalid, value, other)
    expected = pd.array([other if bad else value for bad in invalid.tolist()], dtype="Int64")
    assert_same_array(got, expected)


@pytest.mark.parametrize(
    ("value", "other"), [(True, False), (None, False), (False, None), (True, True), (None, None)]
)
def test_flags(value: bool | None, other: bool | None) -> None:
    invalid = np.array([True, False, False, True])
    got = flags(invalid, value, other)
    expected = pd.array([other if bad else value for bad in invalid.tolist()], dtype="boolean")
    assert_same_array(got, expected)


def test_built_columns_do_not_share_the_mask_they_were_given() -> None:
    invalid = np.array([False, True])
    column = flags(invalid, True, False)
    column[0] = False
    assert invalid.tolist() == [False, True]


@pytest.mark.parametrize(
    ("n_values", "dtype"),
    [(0, np.int8), (128, np.int8), (129, np.int16), (40_000, np.int32), (2**31 + 1, np.int64)],
)
def test_code_dtype(n_values: int, dtype: type) -> None:
    assert code_dtype(n_values) == np.dtype(dtype)


def test_columns_built_in_several_chunks_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from hubassoc_pandas.inputs import columns
    from hubassoc_pandas.inputs.ids import id_string_array, id_strings

    monkeypatch.setattr(columns, "CHUNK_ROWS", 4)
    ids = np.array([7, 0, 123456789012, 5, 0, 0, 9, 1, 2, 3, 4], dtype=np.int64)
    built = id_string_array(ids)
    assert_same_array(built, pd.array(id_strings(ids), dtype="string"))
    table = ["DRY_RUN", "INVALID_ID", None]
    codes = np.array([0, 1, 2, -1, 0, 0, 1, 0, 2, 0, 0], dtype=np.int8)
    expected = pd.array([None if c < 0 else table[c] for c in codes.tolist()], dtype="string")
    assert_same_array(text_by_code(table, codes), expected)
    series = pd.Series(built)
    assert series.str.len().sum() == sum(len(str(i)) for i in ids.tolist() if i > 0)
    assert (series == "9").sum() == 1 and series.isna().sum() == 3
