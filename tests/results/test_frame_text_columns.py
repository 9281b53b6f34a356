"""The results frame's string columns, built by Arrow on its system pool, are the columns pandas
builds from the same values (with Arrow and without)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas.inputs import columns
from hubassoc_pandas.inputs import ids as id_module
from hubassoc_pandas.inputs.columns import text_by_code
from hubassoc_pandas.inputs.ids import id_string_array, id_strings

RNG = np.random.default_rng(5)
TABLES = [
    (["HUBSPOT_DEFINED"], np.where(RNG.random(5000) < 0.99, 0, -1)),
    (
        ["USER_DEFINED", "HUBSPOT_DEFINED"],
        np.ones((1 << 20) + 1, dtype=np.int8),
    ),  # one on every row, two chunks
    (["a", None], np.ones(4, dtype=np.int64)),  # None on every row
    (["A", "BBBB", "ccé ☃", None], RNG.integers(-1, 4, 5000)),
    (["a", None, "bc"], np.array([2, -1, 0, 1])),
    ([None], np.zeros(5, dtype=np.int64)),
    ([], np.full(3, -1)),
    (["a"], np.zeros(0, dtype=np.int64)),
    ([7, "x"], np.array([0, 1, -1])),  # not all texts: pandas converts them
]


def taken(table: list[object], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The column the way pandas builds it from the distinct values."""
    if not len(table) or (codes < 0).all():
        return pd.array(np.full(len(codes), None, dtype=object), dtype="string")
    return pd.array(np.array(table, dtype=object), dtype="string").take(codes, allow_fill=True)


@pytest.mark.parametrize("arrow", [True, False])
@pytest.mark.parametrize(("table", "codes"), TABLES)
def test_text_by_code_is_the_values_taken_by_code(
    table: list[object], codes: np.ndarray, arrow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not arrow:
        monkeypatch.setattr(columns, "arrow_strings", lambda: False)
    built, expected = text_by_code(table, codes), taken(table, codes)
    assert built.dtype == expected.dtype == "string"
    assert pd.Series(built).equals(pd.Series(expected))


@pytest.mark.parametrize("arrow", [True, False])
def test_id_string_array_is_the_ids_digits(arrow: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not arrow:
        monkeypatch.setattr(id_module, "arrow_strings", lambda: False)
    for ids in (
        np.array([7, 0, -3, 2**63 - 1, 10**8]),
        RNG.integers(-5, 2**63 - 1, 1000),
        np.zeros(0, dtype=np.int64),
    ):
        built = id_string_array(ids)
        expected = pd.array(id_strings(ids), dtype="string")  # through Python strings
        assert built.dtype == expected.dtype == "string"
        assert pd.Series(built).equals(pd.Series(expected))
    assert list(id_string_array(np.array([12, 0]))) == ["12", pd.NA]


@pytest.mark.parametrize("arrow", [True, False])
@pytest.mark.parametrize("n_rows", [0, 1, 5, (1 << 16) + 3, 1_520_000])
def test_a_repeated_text_is_that_text_on_every_row(
    n_rows: int, arrow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not arrow:
        monkeypatch.setattr(columns, "arrow_strings", lambda: False)
    built = columns.repeated_text("HUBSPOT_DEFINED", n_rows)
    expected = pd.array(np.full(n_rows, "HUBSPOT_DEFINED", dtype=object), dtype="string")
    assert built.dtype == "string"
    assert pd.Series(built).equals(pd.Series(expected))


def test_a_long_repeated_text_holds_one_block_of_memory() -> None:
    pytest.importorskip("pyarrow")
    built = columns.repeated_text("HUBSPOT_DEFINED", 1_520_000)
    chunks = built._pa_array.chunks  # type: ignore[attr-defined]
    data = {chunk.buffers()[2].address for chunk in chunks}
    assert len(chunks) > 1 and len(data) == 1  # every chunk reads the same bytes
    assert chunks[0].nbytes < 1_520_000 * 15 / 8  # a sixteenth of the column, about
