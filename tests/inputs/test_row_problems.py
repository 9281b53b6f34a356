"""The invalid rows' problems, kept for those rows only, read like the per-row form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.ids import read_id_column
from hubassoc_pandas.inputs.plan import make_plan
from hubassoc_pandas.inputs.row_problems import RowProblems, id_problems, with_more


def test_id_problems_name_the_column_once_per_row() -> None:
    from_ids = read_id_column(pd.Series([1.0, np.nan, 12.5, 4.0, np.nan]))
    to_ids = read_id_column(pd.Series([0, 5, -2, 6, 7]))
    problems = id_problems(from_ids, to_ids, "c", "k")
    assert problems.rows.tolist() == [0, 1, 2, 4]
    assert problems.dense().tolist() == [
        "k: 0 is not a positive ID",
        "c: missing value",
        "c: 12.5 is not a whole number; k: -2 is not a positive ID",
        None,
        "c: missing value",
    ]


def test_with_more_adds_after_the_id_problem() -> None:
    first = RowProblems(5, np.array([1, 3]), np.array(["c: missing value", "k: bad"], object))
    more = np.array([None, "role: x", "role: y", None, None], dtype=object)
    combined = with_more(first, more)
    assert combined.rows.tolist() == [1, 2, 3]
    assert combined.dense().tolist() == [
        None,
        "c: missing value; role: x",
        "role: y",
        "k: bad",
        None,
    ]
    assert with_more(first, np.full(5, None, dtype=object)) is first


def test_a_plan_gives_its_problems_per_row_when_asked() -> None:
    plan = make_plan(pd.Series([1, None, 3]), pd.Series([4, 5, "x"]), from_label="a", to_label="b")
    assert plan.problems.rows.tolist() == [1, 2]
    assert plan.row_problem.tolist() == [
        None,
        "a: missing value",
        "b: 'x' is not a whole number written in digits",
    ]
    assert plan.row_problem is plan.row_problem  # built once
    clean = make_plan(pd.Series([1, 2]), pd.Series([3, 4]))
    assert len(clean.problems.rows) == 0 and clean.row_problem.tolist() == [None, None]
