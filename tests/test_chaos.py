"""Chaos: thousands of rows through random 5xx, 429s, resets, hangs, truncated bodies and
jittery latency; afterwards every row is accounted for once and the store matches."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import RecordingBackoff, associate_on, associated_pairs, stored_pairs

from hubassoc_pandas.sandbox import Fault, Sandbox

pytestmark = pytest.mark.slow

FAULTS = [
    Fault("500_json", rate=0.04),
    Fault("502_html", rate=0.03),
    Fault("503_html", rate=0.02),
    Fault("close", rate=0.03),
    Fault("close_after_commit", rate=0.03),
    Fault("hang", rate=0.02, hang_seconds=1.5),
    Fault("truncated", rate=0.03),
    Fault("non_json", rate=0.02),
    Fault("429", rate=0.03),
]


def test_chaos(hub: Sandbox, make_frame: Any) -> None:
    frame = make_frame(6000, seed=77)
    frame["company_id"] = frame["company_id"].astype(object)
    frame.loc[frame.index[::500], "company_id"] = 60_000_000  # 12 missing companies
    frame.loc[frame.index[7::1000], "contact_id"] = None  # 6 invalid rows
    frame = pd.concat([frame, frame.iloc[100:150]])  # 50 duplicated rows, duplicate index
    hub.configure(
        rate_limit=(40, 1.0),
        rate_limit_headers=True,
        latency=0.01,
        latency_jitter=0.04,
        faults=FAULTS,
        seed=2024,
    )
    started = time.monotonic()
    results = associate_on(
        hub, frame, batch_size=20, rate_limit=(40, 1.0), max_attempts=8, timeout=(2, 0.5),
        backoff=RecordingBackoff(base=0.02, cap=0.2),
    )  # fmt: skip
    seconds = time.monotonic() - started
    stats = hub.stats()
    counts = results["status"].value_counts().to_dict()
    print(
        f"\nchaos: {len(frame)} rows in {seconds:.1f}s, {stats['endpoint_requests']} requests, "
        f"faults {dict(stats['faults'])}, 429s {stats['rate_limited']}, statuses {counts}, "
        f"pairs sent more than once {stats['pairs_sent_more_than_once']}"
    )
    # every row once, with one status, in the input's order
    assert len(results) == len(frame)
    assert results.index.equals(frame.index)
    assert results["status"].notna().all()
    assert results[["contact_id", "company_id"]].equals(frame[["contact_id", "company_id"]])
    missing = results["to_id"] == "60000000"
    invalid = results["contact_id"].isna()
    assert (results.loc[invalid, "status"] == "invalid").all()
    assert (results.loc[missing & ~invalid, "error_category"] == "OBJECT_NOT_FOUND").all()
    assert (results.loc[missing & ~invalid, "status"] == "failed").all()
    assert (results.loc[~missing & ~invalid, "status"] == "associated").all()
    # the store holds exactly the associated pairs
    assert stored_pairs(hub) == associated_pairs(results)
    assert sum(stats["faults"].values()) >= 50
    assert stats["rate_limited"] / stats["endpoint_requests"] < 0.10
