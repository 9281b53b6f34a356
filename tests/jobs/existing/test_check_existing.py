"""associate(check_existing=True) and undo() over real sockets: pre-existing pairs are not
sent and are marked, undo removes only what the run created, and refuses without knowing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    RecordingProgress,
    associate_on,
    disassociate_on,
    endpoint_requests,
    fail_requests,
    label_id,
    read_requests,
    sent_typed,
    stored_pairs,
)

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.sandbox import Sandbox

BEFORE = [(1, 5), (1, 6), (2, 7)]


def frame_of(pairs: list[tuple[Any, Any]], index: Any = None) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["contact_id", "company_id"], index=index)


def sent_associations(hub: Sandbox, since: int = 0) -> set[tuple[str, str]]:
    return {
        (i["from"]["id"], i["to"]["id"])
        for r in endpoint_requests(hub)[since:]
        for i in r.body["inputs"]
    }


@pytest.fixture
def linked(hub: Sandbox) -> Sandbox:
    """The hub with the pairs of BEFORE associated."""
    associate_on(hub, frame_of(BEFORE))
    return hub


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
def test_pairs_that_exist_are_not_sent_and_are_marked(linked: Sandbox, api_version: str) -> None:
    hub = linked
    before = len(endpoint_requests(hub))
    request = frame_of([(1, 5), (1, 8), (2, 7), (3, 9), (1, 5), ("x", 4)], index=list("abcdef"))
    results = associate_on(hub, request, check_existing=True, api_version=api_version)

    assert sent_associations(hub, before) == {("1", "8"), ("3", "9")}
    assert results["preexisting"].dtype == "boolean"
    assert results["preexisting"].tolist() == [True, False, True, False, True, pd.NA]
    assert results["status"].astype(str).tolist() == ["associated"] * 5 + ["invalid"]
    assert results.loc["a", "association_type_id"] == 279  # read back for a pre-existing pair
    assert pd.isna(results.loc["a", "batch"]) and results.loc["a", "attempts"] == 0
    assert results.loc["b", "batch"] >= 1
    record = results.attrs["hubassoc"]
    assert record["check_existing"] and record["preexisting_pairs"] == 2
    assert record["read"]["from_ids"] == 3 and record["read"]["unread_from_ids"] == 0
    assert all(("/crm/v4/" in r.path) == (api_version == "v4") for r in read_requests(hub))
    assert [len(r.body["inputs"]) for r in read_requests(hub)] == [3]  # one read for 3 IDs
    assert stored_pairs(hub) == {("1", "5"), ("1", "6"), ("2", "7"), ("1", "8"), ("3", "9")}


def test_a_from_id_that_cannot_be_read_is_sent_and_marked_unknown(
    linked: Sandbox, fast_backoff: Any
) -> None:
    hub = linked
    fail_requests(hub, after=1, count=2)  # the read and its one retry
    request = frame_of([(1, 5), (4, 9)])
    results = associate_on(hub, request, check_existing=True, max_attempts=2, backoff=fast_backoff)
    assert results["preexisting"].isna().all()
    assert (results["status"] == "associated").all()
    assert results.attrs["hubassoc"]["read"]["unread_from_ids"] == 2
    assert {("1", "5"), ("4", "9")} <= sent_associations(hub)


def test_a_dry_run_reads_but_sends_nothing(linked: Sandbox) -> None:
    hub = linked
    before = len(endpoint_requests(hub))
    results = associate_on(hub, frame_of([(1, 5), (1, 9)]), check_existing=True, dry_run=True)
    assert results["status"].astype(str).tolist() == ["associated", "not_sent"]
    assert results["preexisting"].tolist() == [True, False]
    assert len(endpoint_requests(hub)) == before
    assert len(read_requests(hub)) == 1


def test_undo_removes_only_what_the_run_created(linked: Sandbox) -> None:
    hub = linked
    request = frame_of([(1, 5), (1, 8), (2, 7), (3, 9), (3, 9), (5, 999_999)], index=list("abcdef"))
    results = associate_on(hub, request, check_existing=True)
    assert results.loc["f", "status"] == "failed"  # no such company

    removed = results.hubassoc.undo(token=hub.token, progress=False)

    assert stored_pairs(hub) == {(str(f), str(t)) for f, t in BEFORE}
    assert list(removed.index) == ["b", "d", "e"]
    assert (removed["status"] == "removed").all()
    archived = [r for r in hub.requests if r.path.endswith("/batch/archive")]
    assert {
        (i["from"]["id"], t["id"]) for r in archived for i in r.body["inputs"] for t in i["to"]
    } == {
        ("1", "8"),
        ("3", "9"),
    }
    assert removed.attrs["hubassoc"]["operation"] == "disassociate"
    assert removed.attrs["hubassoc"]["undo"] == {
        "removed": 3,
        "kept_preexisting": 2,
        "unknown_left": 0,
        "not_created": 1,
        "undone_before": 0,
        "edited_left": 0,
        "force": False,
    }
    assert list(removed.columns[:3]) == ["contact_id", "company_id", "preexisting"]


def test_undo_refuses_a_run_made_without_check_existing(linked: Sandbox) -> None:
    hub = linked
    results = associate_on(hub, frame_of([(1, 5), (1, 8)]))
    with pytest.raises(ConfigError, match="without check_existing=True"):
        results.hubassoc.undo(token=hub.token, progress=False)
    assert ("1", "8") in stored_pairs(hub)

    removed = results.hubassoc.undo(token=hub.token, progress=False, force=True)
    assert (removed["status"] == "removed").all() and len(removed) == 2
    assert stored_pairs(hub) == {("1", "6"), ("2", "7")}  # force takes the old pair too


def test_undo_leaves_pairs_of_unread_from_ids_unless_forced(
    linked: Sandbox, fast_backoff: Any
) -> None:
    hub = linked
    fail_requests(hub, after=1, count=2)
    results = associate_on(
        hub, frame_of([(1, 5), (4, 9)]), check_existing=True, max_attempts=2, backoff=fast_backoff
    )
    hub.configure(faults=[])
    with pytest.warns(UserWarning, match="force=True"):
        removed = results.hubassoc.undo(token=hub.token, progress=False)
    assert removed.empty
    assert {("1", "5"), ("4", "9")} <= stored_pairs(hub)
    forced = results.hubassoc.undo(token=hub.token, progress=False, force=True)
    assert len(forced) == 2 and not {("1", "5"), ("4", "9")} & stored_pairs(hub)


def test_undo_refuses_removal_results(linked: Sandbox) -> None:
    removal = disassociate_on(linked, frame_of([(1, 5)]))
    with pytest.raises(ConfigError, match="takes back an associate"):
        removal.hubassoc.undo(token=linked.token)


def test_an_interrupted_run_resumed_with_its_journal_still_knows_its_own_pairs(
    linked: Sandbox, tmp_path: Path
) -> None:
    hub = linked
    new = [(n, n + 100) for n in range(10, 60)]
    request = frame_of([*BEFORE, *new])
    journal = tmp_path / "run.db"
    # one sink sees both steps: the read decides every row, then sending 10 more stops it
    stop = RecordingProgress(stop_after=len(request) + 10)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        first = associate_on(
            hub,
            request,
            check_existing=True,
            journal=journal,
            batch_size=5,
            max_workers=1,
            progress=stop,
        )
    assert (first["status"] == "not_sent").any()
    made_first = {(str(f), str(t)) for f, t in new} & stored_pairs(hub)
    assert made_first

    second = associate_on(hub, request, check_existing=True, journal=journal)
    assert (second["status"] == "associated").all()
    assert second["preexisting"].tolist() == [True] * len(BEFORE) + [False] * len(new)
    second.hubassoc.undo(token=hub.token, progress=False)
    assert stored_pairs(hub) == {(str(f), str(t)) for f, t in BEFORE}


def test_check_existing_must_be_true_or_false(hub: Sandbox) -> None:
    with pytest.raises(ConfigError, match="check_existing"):
        associate_on(hub, frame_of([(1, 5)]), check_existing="yes")


def test_ctrl_c_while_reading_sends_nothing(linked: Sandbox) -> None:
    hub = linked
    before = len(endpoint_requests(hub))
    request = frame_of([(n, 1) for n in range(1, 31)])
    stop = RecordingProgress(stop_after=5)
    with pytest.warns(RuntimeWarning, match="Interrupted.*Nothing was sent"):
        results = associate_on(
            hub, request, check_existing=True, batch_size=5, max_workers=1, progress=stop
        )
    assert len(endpoint_requests(hub)) == before
    assert (results["status"] == "not_sent").all()
    assert set(results["error_category"]) == {"INTERRUPTED"}


def test_a_labelled_run_sends_only_pairs_without_the_label(linked: Sandbox) -> None:
    hub = linked  # (1, 5), (1, 6), (2, 7) associated without labels
    associate_on(hub, frame_of([(1, 6)]), label="Billing contact")
    billing = label_id(hub, "Billing contact")
    request = frame_of([(1, 5), (1, 6), (3, 9)])
    results = associate_on(hub, request, check_existing=True, label="billing contact")

    assert sent_typed(hub, "/batch/create")[-2:] == [
        ("1", "5", "USER_DEFINED", billing),
        ("3", "9", "USER_DEFINED", billing),
    ]
    assert results["preexisting"].tolist() == [False, True, False]  # held that label
    assert results["pair_preexisting"].tolist() == [True, True, False]  # associated at all
    assert (results["status"] == "associated").all()
    assert results["label"].tolist() == ["Billing contact"] * 3
    assert results.attrs["hubassoc"]["labelled"] is True


def test_undo_of_a_labelled_run_takes_back_the_label_and_leaves_what_existed(
    linked: Sandbox,
) -> None:
    hub = linked
    associate_on(hub, frame_of([(1, 6)]), label="Billing contact")
    billing = label_id(hub, "Billing contact")
    default = hub.association_type_id("contacts", "companies")
    before = hub.associations("contacts", "companies")
    request = frame_of([(1, 5), (1, 6), (3, 9)])
    results = associate_on(hub, request, check_existing=True, label="Billing contact")

    removed = results.hubassoc.undo(token=hub.token, progress=False)

    assert hub.associations("contacts", "companies") == before
    assert list(removed.index) == [0, 2]
    assert sent_typed(hub, "/batch/labels/archive") == [
        ("1", "5", "USER_DEFINED", billing),  # the pair existed: only the label goes
        ("3", "9", "HUBSPOT_DEFINED", default),  # the run made the pair: all of it goes
    ]
    assert removed.attrs["hubassoc"]["undo"]["labels_only"] == 1
    assert (removed["status"] == "removed").all()


def test_a_label_column_run_checks_each_rows_own_label(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 5)]), label="Billing contact")
    before = hub.associations("contacts", "companies")
    request = frame_of([(1, 5), (1, 5), (1, 5), (2, 6)])
    request["role"] = ["Billing contact", "Decision maker", None, "no such label"]
    since = len(hub.requests)
    results = associate_on(hub, request, check_existing=True, label_col="role")

    assert results["status"].astype(str).tolist() == ["associated"] * 3 + ["invalid"]
    assert results["preexisting"].tolist() == [True, False, True, pd.NA]
    assert results["pair_preexisting"].tolist() == [True, True, True, pd.NA]
    decision = label_id(hub, "Decision maker")
    assert sent_typed(hub, "/batch/create", since) == [("1", "5", "USER_DEFINED", decision)]

    removed = results.hubassoc.undo(token=hub.token, progress=False)
    assert removed["label"].tolist() == ["Decision maker"]
    assert hub.associations("contacts", "companies") == before


def test_dry_run_must_be_true_or_false_with_check_existing(hub: Sandbox) -> None:
    with pytest.raises(ConfigError, match="dry_run"):
        associate_on(hub, frame_of([(1, 5)]), check_existing=True, dry_run="no")
    assert hub.requests == []


def test_check_existing_takes_keys_and_sends_nothing_for_a_key_not_found(hub: Sandbox) -> None:
    frame = pd.DataFrame({"email": ["a@example.com"], "company_id": [5]})
    out = associate_on(hub, frame, from_col="email", from_id_property="email", check_existing=True)
    assert out.loc[0, "status"] == "failed" and out.loc[0, "error_category"] == "KEY_NOT_FOUND"
    assert out["preexisting"].isna().all()
    assert not [r for r in hub.requests if "/associations/" in r.path]  # neither read nor sent
