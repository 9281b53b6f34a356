"""retry(): re-sends failed-and-retryable, unconfirmed and not_sent rows, and nothing else."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    UNPACED,
    RecordingBackoff,
    associate_on,
    retry_on,
    sent_pairs,
    stored_pairs,
)

from hubassoc_pandas.sandbox import Fault, Sandbox


def pairs_of(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["from_id"], frame["to_id"], strict=True))


@pytest.fixture
def mixed(hub: Sandbox, make_frame: Any, fast_backoff: RecordingBackoff) -> pd.DataFrame:
    """A run leaving rows of every status, in batches of 10 sent one at a time."""
    frame = make_frame(200, seed=31)
    frame["company_id"] = frame["company_id"].astype(object)
    frame.loc[[3, 4], "company_id"] = 77_000_000  # missing: failed, not retryable
    frame.loc[[5], "contact_id"] = None  # invalid
    frame.loc[[6], "company_id"] = "abc"  # invalid
    rows = range(100, 110)
    silent = [(str(int(frame.at[i, "contact_id"])), str(frame.at[i, "company_id"])) for i in rows]
    hub.configure(
        silent_pairs=silent,  # unconfirmed
        faults=[Fault("500_json", on_requests=[4, 5]), Fault("429_daily", on_requests=[16])],
    )
    with pytest.warns(RuntimeWarning, match="daily"):
        results = associate_on(
            hub, frame, batch_size=10, max_workers=1, max_attempts=2, backoff=fast_backoff,
            rate_limit=UNPACED,  # retry() keeps it
        )  # fmt: skip
    return results


def test_retry_resends_only_what_may_still_succeed(hub: Sandbox, mixed: pd.DataFrame) -> None:
    counts = mixed["status"].value_counts()
    assert counts["failed"] == 12  # 10 after two 500s, 2 missing records
    assert counts["invalid"] == 2 and counts["unconfirmed"] == 10 and counts["not_sent"] > 0
    chosen = (
        (mixed["status"] == "failed") & mixed["retryable"].fillna(False).astype(bool)
    ) | mixed["status"].isin(["unconfirmed", "not_sent"])
    assert chosen.sum() == 10 + 10 + counts["not_sent"]

    hub.configure(silent_pairs=None, faults=[])
    before = len(hub.requests)
    fixed = retry_on(hub, mixed)
    resent = sent_pairs(hub, before)
    assert len(resent) == len(set(resent))
    assert set(resent) == pairs_of(mixed[chosen])

    untouched = ~chosen
    pd.testing.assert_frame_equal(fixed[untouched], mixed[untouched])
    assert (fixed.loc[chosen, "status"] == "associated").all()
    # attempts add up: those of the first run plus the one of the retry
    assert (fixed.loc[chosen, "attempts"] == mixed.loc[chosen, "attempts"] + 1).all()
    assert fixed.loc[chosen, "batch"].min() > mixed["batch"].max()
    assert fixed.index.equals(mixed.index)
    assert fixed.attrs["hubassoc"]["retries"] == 1
    assert fixed.attrs["hubassoc"]["retried_rows"] == int(chosen.sum())
    assert stored_pairs(hub) == pairs_of(fixed[fixed["status"] == "associated"])


def test_retry_of_a_complete_run_sends_nothing(hub: Sandbox, mixed: pd.DataFrame) -> None:
    hub.configure(silent_pairs=None, faults=[])
    fixed = retry_on(hub, mixed)
    before = len(hub.requests)
    again = retry_on(hub, fixed)
    assert len(hub.requests) == before
    pd.testing.assert_frame_equal(again, fixed)
    assert again.attrs["hubassoc"]["retries"] == 1  # nothing to send: the frame as it was


def test_retry_that_fails_again_keeps_counting_attempts(
    hub: Sandbox, mixed: pd.DataFrame, fast_backoff: RecordingBackoff
) -> None:
    hub.configure(silent_pairs=None, faults=[Fault("502_html", rate=1.0)])
    again = retry_on(hub, mixed, max_attempts=3, backoff=fast_backoff)
    failed_before = (mixed["status"] == "failed") & mixed["retryable"].fillna(False)
    assert (again.loc[failed_before, "attempts"] == mixed.loc[failed_before, "attempts"] + 3).all()
    assert (again.loc[failed_before, "status"] == "failed").all()
    assert again.loc[failed_before, "retryable"].all()
    assert (again.loc[failed_before, "http_status"] == 502).all()
