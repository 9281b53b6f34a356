"""The input-only parts of a results frame: made on a thread once started, never before."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.plan import make_plan
from hubassoc_pandas.results.ahead import ResultsAhead
from hubassoc_pandas.results.frame import row_id_columns
from hubassoc_pandas.results.made import pair_fingerprints

PLAN = make_plan(pd.Series([3, 1, 3, None]), pd.Series([7, 8, 7, 9]))


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("hubassoc-results")}


def test_nothing_is_made_before_start() -> None:
    before = _threads()
    ahead = ResultsAhead(PLAN, fingerprints=True)
    assert not ahead.started
    assert _threads() == before


def test_started_parts_equal_those_made_directly() -> None:
    ahead = ResultsAhead(PLAN, fingerprints=True)
    ahead.start()
    ahead.start()  # a second start changes nothing
    assert ahead.started
    expected = row_id_columns(PLAN)
    got = ahead.id_columns()
    assert list(got) == list(expected) == ["from_id", "to_id"]
    for name in expected:
        pd.testing.assert_extension_array_equal(got[name], expected[name])
    fingerprints = ahead.fingerprints()
    assert fingerprints is not None
    np.testing.assert_array_equal(fingerprints, pair_fingerprints(PLAN.pair_from, PLAN.pair_to))


def test_parts_asked_for_without_start_are_made_then() -> None:
    ahead = ResultsAhead(PLAN, fingerprints=False)
    assert ahead.id_columns()["from_id"].tolist() == ["3", "1", "3", pd.NA]
    assert ahead.started
    assert ahead.fingerprints() is None
