"""disassociate() over real sockets when HubSpot answers 2xx without confirming the removal
(``{}``, PENDING, PROCESSING, ``numErrors`` without ``errors``, a 207 naming only some inputs):
no row is marked removed on such an answer; the rows are sent once more, then unconfirmed with
the reason, and retry() finishes them. The documented answers still remove."""

from __future__ import annotations

import pandas as pd
import pytest
from hubassoc_testkit import (
    associate_on,
    disassociate_on,
    requests_to,
    retry_on,
    sent_pairs,
    stored_pairs,
)

from hubassoc_pandas.sandbox import Fault, Sandbox

#: Contact 1 with companies 5 and 6, contact 2 with company 7: two inputs of one request.
FRAME = pd.DataFrame({"contact_id": [1, 1, 2], "company_id": [5, 6, 7]})
PAIRS = {("1", "5"), ("1", "6"), ("2", "7")}

#: Fault kind -> the words the unconfirmed rows' message gives as the reason.
DOUBTS = {
    "empty_object_2xx": "its body was {}, not the status COMPLETE that says a removal is done",
    "pending_2xx": "its status was PENDING, not COMPLETE: the removal had not finished",
    "processing_2xx": "its status was PROCESSING, not COMPLETE: the removal had not finished",
    "num_errors_2xx": "its numErrors was 3, its errors listed 0: which inputs failed",
}


@pytest.fixture
def linked(hub: Sandbox) -> Sandbox:
    assert (associate_on(hub, FRAME)["status"] == "associated").all()
    return hub


def archive_requests(hub: Sandbox) -> list[object]:
    return requests_to(hub, "/batch/archive")


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
@pytest.mark.parametrize("kind", list(DOUBTS))
def test_an_answer_that_confirms_nothing_leaves_every_row_unconfirmed(
    linked: Sandbox, kind: str, api_version: str
) -> None:
    hub = linked
    hub.configure(faults=[Fault(kind, endpoints=["archive"], rate=1.0)])
    results = disassociate_on(hub, FRAME, api_version=api_version)

    assert (results["status"] == "unconfirmed").all()
    assert results["retryable"].all() and (results["error_category"] == "UNCONFIRMED").all()
    message = results.loc[0, "error_message"]
    assert message.startswith("HubSpot answered 200 twice without confirming or refusing this")
    assert DOUBTS[kind] in message
    assert "so it may or may not be removed" in message and "retry()" in message
    assert results.attrs["hubassoc"]["counts"]["removed"] == 0
    assert len(archive_requests(hub)) == 2  # sent once more, never marked removed
    assert stored_pairs(hub) == PAIRS

    hub.configure(faults=[])
    again = retry_on(hub, results)
    assert (again["status"] == "removed").all()
    assert stored_pairs(hub) == set()


def test_an_answer_confirmed_on_its_second_sending_is_removed(linked: Sandbox) -> None:
    hub = linked
    hub.configure(faults=[Fault("pending_2xx", endpoints=["archive"], times=1, rate=1.0)])
    results = disassociate_on(hub, FRAME)
    assert (results["status"] == "removed").all()
    assert results["attempts"].tolist() == [2, 2, 2]
    assert stored_pairs(hub) == set()


def test_a_207_naming_some_inputs_fails_them_and_proves_nothing_of_the_rest(
    linked: Sandbox,
) -> None:
    hub = linked
    hub.configure(faults=[Fault("207_some_errors", endpoints=["archive"], times=1, rate=1.0)])
    results = disassociate_on(hub, FRAME)

    assert results["status"].astype(str).tolist() == ["failed", "failed", "removed"]
    assert (results.loc[:1, "error_category"] == "VALIDATION_ERROR").all()
    assert results.loc[0, "http_status"] == 207
    first, second = archive_requests(hub)
    assert first.status == 207 and second.status == 200
    assert sent_pairs(hub, hub.requests.index(second)) == [("2", "7")]  # only the unproven
    assert stored_pairs(hub) == {("1", "5"), ("1", "6")}  # the fault removed nothing


def test_a_207_naming_some_inputs_every_time_ends_unconfirmed(hub: Sandbox) -> None:
    frame = pd.DataFrame({"contact_id": [1, 2, 3], "company_id": [5, 7, 8]})
    associate_on(hub, frame)
    hub.configure(faults=[Fault("207_some_errors", endpoints=["archive"], rate=1.0)])
    results = disassociate_on(hub, frame)

    # each answer names its first input, and counts errors for the others it does not list
    assert results["status"].astype(str).tolist() == ["failed", "failed", "unconfirmed"]
    message = results.loc[2, "error_message"]
    assert "HubSpot answered 207 twice without confirming or refusing this row" in message
    assert "its numErrors was 2, its errors listed 1: which inputs failed is unknown" in message
    assert len(stored_pairs(hub)) == 3


def test_a_labelled_removal_answered_pending_is_unconfirmed(linked: Sandbox) -> None:
    hub = linked
    labelled = associate_on(hub, FRAME, label="Billing contact")
    assert (labelled["status"] == "associated").all()
    hub.configure(faults=[Fault("pending_2xx", endpoints=["labels_archive"], rate=1.0)])
    results = disassociate_on(hub, FRAME, label="Billing contact")

    assert (results["status"] == "unconfirmed").all()
    assert DOUBTS["pending_2xx"] in results.loc[0, "error_message"]
    assert len(requests_to(hub, "/batch/labels/archive")) == 2
    billing = hub.label_type_id("contacts", "companies", "Billing contact")
    held = hub.associations("contacts", "companies")
    assert all(billing in held[pair] for pair in PAIRS)


@pytest.mark.parametrize("partial_status", [200, 207])
def test_the_documented_answer_naming_a_missing_record_removes_the_rest(
    linked: Sandbox, partial_status: int
) -> None:
    hub = linked
    hub.configure(partial_status=partial_status)
    frame = pd.concat([FRAME, pd.DataFrame({"contact_id": [50_000], "company_id": [5]})])
    results = disassociate_on(hub, frame.reset_index(drop=True))

    assert results["status"].astype(str).tolist() == ["removed"] * 3 + ["failed"]
    assert results.loc[3, "error_category"] == "OBJECT_NOT_FOUND"
    assert {r.status for r in archive_requests(hub)} == {partial_status}
    assert len(archive_requests(hub)) == 1 and stored_pairs(hub) == set()
