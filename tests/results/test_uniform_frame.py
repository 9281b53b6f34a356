"""The results frame of a run whose keys share one outcome is the frame build_results makes."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas import associate
from hubassoc_pandas.engine.ledger import Ledger
from hubassoc_pandas.inputs.plan import make_plan
from hubassoc_pandas.operations.archive import Archive
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.results.frame import build_results
from hubassoc_pandas.results.outcome import row_counts
from hubassoc_pandas.results.uniform import build_uniform_results, shared_outcome
from hubassoc_pandas.status import DRY_RUN, NOT_SENT, UNCONFIRMED
from hubassoc_pandas.transport.responses import ErrorInfo

DRY = ErrorInfo(DRY_RUN, "Dry run: not sent.", retryable=True)


def dry_run(ledger: Ledger) -> None:
    ledger.refused(np.arange(len(ledger)), DRY, status=NOT_SENT, batch=0, attempts=0)


def all_failed(ledger: Ledger) -> None:
    info = ErrorInfo("VALIDATION_ERROR", "bad", http_status=400, correlation_id="c-1", detail="{}")
    ledger.refused(np.arange(len(ledger)), info, batch=3, attempts=2)


def all_unconfirmed(ledger: Ledger) -> None:
    info = ErrorInfo("UNCONFIRMED", "no word", http_status=200, retryable=True)
    ledger.refused(np.arange(len(ledger)), info, status=UNCONFIRMED, batch=2, attempts=1)


def all_succeeded(ledger: Ledger) -> None:
    keys = np.arange(len(ledger))
    given = {"association_type_id": 279, "association_category": "HUBSPOT_DEFINED"}
    values = {name: [given[name]] * len(keys) for name in ledger.columns}
    ledger.succeeded(keys, batch=1, attempts=1, http_status=201, values=values)


def both(
    frame: pd.DataFrame,
    outcome: Callable[[Ledger], None] = dry_run,
    operation_class: type[PairOperation] = AssociateDefault,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(uniform frame, build_results frame) of one plan and ledger, with the warnings of each."""
    plan = make_plan(frame["c"], frame["k"], from_label="c", to_label="k")
    operation = operation_class("contacts", "companies", "2026-03", plan)
    ledger = Ledger(plan.rows_of_pair, operation.value_columns)
    outcome(ledger)
    attrs = {"operation": operation.verb, "rows": len(frame)}
    with warnings.catch_warnings(record=True) as expected_warnings:
        warnings.simplefilter("always")
        expected = build_results(frame, plan, ledger, attrs, success=operation.success)
    with warnings.catch_warnings(record=True) as got_warnings:
        warnings.simplefilter("always")
        got = build_uniform_results(frame, plan, ledger, attrs, success=operation.success)
    assert got is not None
    assert [str(w.message) for w in got_warnings] == [str(w.message) for w in expected_warnings]
    return got, expected


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert list(got.columns) == list(expected.columns)
    assert got.attrs == expected.attrs
    for column in got.columns:
        assert got[column].dtype == expected[column].dtype, column


MIXED = pd.DataFrame(
    {
        "c": [1.0, np.nan, 3.0, 3.0, 12.5, -7.0, 8.0, np.inf, 1.0],
        "k": [7, 7, 8, 8, 9, 0, -3, 5, 7],
        "score": np.arange(9.0),
    },
    index=pd.Index(list("abcdefghi"), name="row"),
)


@pytest.mark.parametrize(
    "outcome", [dry_run, all_failed, all_unconfirmed, all_succeeded], ids=lambda f: f.__name__
)
@pytest.mark.parametrize(
    "operation_class", [AssociateDefault, Archive], ids=["associate", "archive"]
)
def test_same_frame_for_every_shared_outcome(
    outcome: Callable[[Ledger], None], operation_class: type[PairOperation]
) -> None:
    assert_same(*both(MIXED, outcome, operation_class))


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"c": [1, 2, 2], "k": [5, 6, 6]}),  # no invalid row
        pd.DataFrame({"c": [None, "x"], "k": [5, 6]}),  # no valid row
        pd.DataFrame({"c": pd.Series([], dtype="int64"), "k": pd.Series([], dtype="int64")}),
        pd.DataFrame({"c": ["7", " 8", "x"], "k": [1, 1, 1]}, index=[5, 5, 3]),
        pd.DataFrame({"c": [1, 2], "k": [3, 4], "status": ["a", "b"], "batch": [1, 2]}),
    ],
    ids=["all valid", "all invalid", "empty", "repeated index", "clashing columns"],
)
def test_same_frame_for_every_shape(frame: pd.DataFrame) -> None:
    frame.attrs["source"] = {"file": "x.csv"}
    assert_same(*both(frame))


def test_same_frame_for_a_results_frame_passed_back_in() -> None:
    first = associate(MIXED, "contacts", "companies", from_col="c", to_col="k", dry_run=True,
                      progress=False)  # fmt: skip
    assert_same(*both(first))


def test_a_dry_run_hands_back_the_frame_build_results_makes() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {"c": rng.integers(-2, 400, 5_000).astype(float), "k": rng.integers(-1, 30, 5_000)}
    )
    frame.loc[::97, "c"] = np.nan
    out = associate(frame, "contacts", "companies", from_col="c", to_col="k", dry_run=True,
                    progress=False)  # fmt: skip
    _got, expected = both(frame)
    pd.testing.assert_frame_equal(out, expected, check_exact=True)
    assert out.attrs["hubassoc"]["dry_run"] is True
    assert out.attrs["hubassoc"]["counts"]["invalid"] == int((out["status"] == "invalid").sum())


def test_keys_that_differ_are_left_to_build_results() -> None:
    plan = make_plan(pd.Series([1, 2, 3]), pd.Series([4, 5, 6]))
    ledger = Ledger(plan.rows_of_pair, AssociateDefault.value_columns)
    dry_run(ledger)
    assert shared_outcome(ledger) is not None
    ledger.succeeded(
        np.array([1]), batch=1, attempts=1, http_status=201,
        values={"association_type_id": [279], "association_category": ["HUBSPOT_DEFINED"]},
    )  # fmt: skip
    assert shared_outcome(ledger) is None
    frame = pd.DataFrame({"c": [1, 2, 3], "k": [4, 5, 6]})
    assert build_uniform_results(frame, plan, ledger, {}) is None


def test_same_frame_when_text_columns_come_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    from hubassoc_pandas.inputs import columns

    monkeypatch.setattr(columns, "CHUNK_ROWS", 2)
    assert_same(*both(MIXED))


@pytest.mark.parametrize(
    "outcome", [dry_run, all_failed, all_unconfirmed, all_succeeded], ids=lambda f: f.__name__
)
@pytest.mark.parametrize(
    "operation_class", [AssociateDefault, Archive], ids=["associate", "archive"]
)
def test_row_counts_on_codes_are_those_on_values(
    outcome: Callable[[Ledger], None], operation_class: type[PairOperation]
) -> None:
    got, expected = both(MIXED, outcome, operation_class)
    success = operation_class.success
    assert isinstance(got["status"].dtype, pd.CategoricalDtype)
    counts = row_counts(got, success)  # on the categorical column's codes
    assert sum(counts.values()) == len(MIXED) and counts["invalid"] == 5
    as_text = expected.assign(status=expected["status"].astype(str))  # by value_counts
    assert row_counts(as_text, success) == counts
