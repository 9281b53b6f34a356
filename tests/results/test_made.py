"""The fingerprints of the pairs a run made: which rows an undo may take back."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas.results.made import MADE, made_by_run, made_record, merge_made

MADE_PAIRS = made_record(np.array([1, 2, 30]), np.array([7, 7, 1]))


@pytest.mark.parametrize(
    ("from_ids", "to_ids", "expected"),
    [
        (["1", "2", "30"], ["7", "7", "1"], [True, True, True]),
        (["7", "7", "1"], ["1", "2", "30"], [False, False, False]),  # the other way round
        (["1", "2"], ["8", "1"], [False, False]),
        (["001", " 2"], ["7", "7"], [True, True]),  # the same IDs, spelt otherwise
        (["x", None, "1.5", "-1"], ["7", "7", "7", "7"], [False] * 4),
        (["1", pd.NA], [pd.NA, "7"], [False, False]),
    ],
)
def test_rows_whose_pair_the_run_made(
    from_ids: list[Any], to_ids: list[Any], expected: list[bool]
) -> None:
    record = {MADE: MADE_PAIRS}
    found = made_by_run(record, pd.Series(from_ids, dtype="string"), pd.Series(to_ids))
    assert found is not None
    assert found.tolist() == expected


def test_no_fingerprints_means_no_opinion() -> None:
    assert made_by_run({}, pd.Series(["1"]), pd.Series(["7"])) is None


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({MADE: MADE_PAIRS}, [True, True, False]),
        ({}, None),  # a record without fingerprints gets none from a retry alone
    ],
)
def test_a_retry_adds_the_pairs_it_associated(
    record: dict[str, Any], expected: list[bool] | None
) -> None:
    retried = pd.DataFrame(
        {"from_id": ["5", "6"], "to_id": ["9", "9"], "status": ["associated", "failed"]}
    )
    merge_made(record, retried)
    found = made_by_run(record, pd.Series(["1", "5", "6"]), pd.Series(["7", "9", "9"]))
    assert (None if found is None else found.tolist()) == expected


def test_fingerprints_spread_over_many_pairs() -> None:
    rng = np.random.default_rng(7)
    ids = rng.integers(1, 10**11, size=(200_000, 2))
    packed = made_record(ids[:, 0], ids[:, 1])
    others = pd.Series(ids[:, 0] + 1).astype(str), pd.Series(ids[:, 1]).astype(str)
    found = made_by_run({MADE: packed}, *others)
    assert found is not None
    assert found.sum() < 20  # about 200,000 * 200,000 / 2**32 ~ 9 by chance
