"""Every frame's record counts the requests its call sent, by kind (lookups, reads, writes),
as the sandbox saw them; retries and a plan carried out add theirs up."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    associate_on,
    read_on,
    retry_on,
    sync_on_hub,
    with_emails,
)

from hubassoc_pandas.results.outcome import add_requests, request_counts
from hubassoc_pandas.sandbox import Fault, Sandbox


def kinds_seen(hub: Sandbox, since: int = 0) -> dict[str, int]:
    """The requests the sandbox received, by kind, told by their paths."""
    seen = {"lookups": 0, "reads": 0, "writes": 0}
    for request in hub.requests[since:]:
        if "/objects/" in request.path or request.path.endswith("/labels"):
            seen["lookups"] += 1  # keys, and the direction's labels
        elif request.path.endswith("/batch/read"):
            seen["reads"] += 1
        else:
            seen["writes"] += 1
    return seen


def counts_of(frame: pd.DataFrame) -> tuple[int, dict[str, int]]:
    record = frame.attrs["hubassoc"]
    return record["requests"], record["requests_by_kind"]


def both(kinds: dict[str, int]) -> tuple[int, dict[str, int]]:
    return sum(kinds.values()), kinds


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"lookups": 0, "reads": 0, "writes": 1}),
        ({"check_existing": True}, {"lookups": 0, "reads": 1, "writes": 1}),
        ({"keys": True}, {"lookups": 1, "reads": 0, "writes": 1}),
        ({"keys": True, "check_existing": True}, {"lookups": 1, "reads": 1, "writes": 1}),
    ],
)
def test_a_run_counts_its_lookups_reads_and_writes(
    hub: Sandbox, options: dict[str, Any], expected: dict[str, int]
) -> None:
    with_emails(hub, {1: "a@x.io", 2: "b@x.io"})
    frame = pd.DataFrame(
        {"contact_id": [1, 2], "email": ["a@x.io", "b@x.io"], "company_id": [5, 6]}
    )
    if options.pop("keys", False):
        options.update(from_col="email", from_id_property="email")
    out = associate_on(hub, frame, **options)
    assert counts_of(out) == both(kinds_seen(hub)) == both(expected)


def test_a_labelled_run_and_sync_count_the_label_list_read(hub: Sandbox) -> None:
    frame = pd.DataFrame({"contact_id": [1, 2], "company_id": [5, 6]})
    out = associate_on(hub, frame, label="Billing contact")
    assert counts_of(out) == both(kinds_seen(hub)) == both({"lookups": 1, "reads": 0, "writes": 1})
    before = len(hub.requests)
    plan = sync_on_hub(hub, frame, label="Billing contact")
    assert counts_of(plan) == both(kinds_seen(hub, before))
    assert counts_of(plan) == both({"lookups": 1, "reads": 1, "writes": 0})


def test_retries_add_up_and_the_retried_attempts_count(hub: Sandbox) -> None:
    hub.configure(faults=[Fault("500_json", on_requests=[2])])
    frame = pd.DataFrame({"contact_id": [1, 2], "company_id": [5, 6]})
    first = associate_on(hub, frame, batch_size=1, max_workers=1, max_attempts=1)
    assert counts_of(first) == both({"lookups": 0, "reads": 0, "writes": 2})
    hub.configure(faults=[Fault("500_json", on_requests=[3])])
    fixed = retry_on(hub, first, max_attempts=2)  # refused once, then sent again
    assert (fixed["status"] == "associated").all()
    assert (
        counts_of(fixed) == both(kinds_seen(hub)) == both({"lookups": 0, "reads": 0, "writes": 4})
    )


def test_a_read_and_a_sync_count_theirs(hub: Sandbox) -> None:
    associate_on(hub, pd.DataFrame({"contact_id": [1], "company_id": [9]}))
    frame = pd.DataFrame({"contact_id": [1, 1], "company_id": [5, 6]})
    before = len(hub.requests)
    links = read_on(hub, frame)
    assert (
        counts_of(links)
        == both(kinds_seen(hub, before))
        == both({"lookups": 0, "reads": 1, "writes": 0})
    )

    before = len(hub.requests)
    plan = sync_on_hub(hub, frame, remove_extra=True)
    assert counts_of(plan) == both({"lookups": 0, "reads": 1, "writes": 0})
    done = plan.hubassoc.apply_plan(token=hub.token, progress=False)
    # the plan's read, its creation and its removal
    assert (
        counts_of(done)
        == both(kinds_seen(hub, before))
        == both({"lookups": 0, "reads": 1, "writes": 2})
    )


@pytest.mark.parametrize(
    ("records", "total"),
    [
        ([], 0),
        ([{}], 0),
        ([request_counts(lookups=1)], 1),
        ([request_counts(reads=2), {"requests": 7}, request_counts(writes=3, lookups=1)], 6),
    ],
)
def test_add_requests(records: list[dict[str, Any]], total: int) -> None:
    added = add_requests(*records)
    assert added["requests"] == total == sum(added["requests_by_kind"].values())
