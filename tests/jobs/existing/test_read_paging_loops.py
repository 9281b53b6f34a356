"""batch/read cursors that go round in a circle (the sandbox's ``cursor_loop`` fault) or never
end, over real sockets: read(), associate(check_existing=True) and sync(remove_extra=True)
end with the from-ID failed and say why, use none of its links, and go on with the rest."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    JsonAnswer,
    JsonPortal,
    associate_on,
    read_on,
    read_requests,
    running_hub,
    stored_pairs,
    sync_on_hub,
)

from hubassoc_pandas.operations import read as read_module
from hubassoc_pandas.sandbox import Fault, Sandbox
from hubassoc_pandas.sandbox.cursor_loop import LOOP

#: What HubSpot holds: contact 7's pages loop, contact 8's read fine.
BEFORE = [(7, 1), (7, 2), (7, 3), (8, 4), (8, 5)]
LOOPING = Fault("cursor_loop", rate=1.0, endpoints=["read"], ids=["7"])


def frame_of(pairs: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["contact_id", "company_id"])


@pytest.fixture
def looping() -> Any:
    """A sandbox holding :data:`BEFORE`, read two targets a page, contact 7's cursors looping."""
    with running_hub(read_page_size=2) as hub:
        assert (associate_on(hub, frame_of(BEFORE))["status"] == "associated").all()
        hub.configure(faults=[LOOPING])
        yield hub


def assert_loop_message(message: str) -> None:
    assert message.startswith(f"HubSpot sent the page cursor {LOOP[0]!r} a second time (page 3")
    assert "its pages go round in a circle" in message
    assert "could not be read to the end" in message
    assert "nothing is removed for it" in message


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
def test_read_fails_the_looping_from_id_and_lists_none_of_its_links(
    looping: Sandbox, api_version: str
) -> None:
    links = read_on(looping, frame_of([(7, 0), (8, 0)]), api_version=api_version)

    assert links["from_id"].tolist() == ["8", "8"]  # none of 7's, though its pages listed two
    status = links.hubassoc.read_status().set_index("from_id")
    assert status["status"].astype(str).to_dict() == {"7": "failed", "8": "found"}
    failed = status.loc["7"]
    assert failed["error_category"] == "PAGING_LOOP"
    assert_loop_message(failed["error_message"])
    assert failed["retryable"] and pd.isna(failed["links"]) and failed["http_status"] == 200
    assert links.attrs["hubassoc"]["counts"]["failed"] == 1
    last = read_requests(looping)[-3:]
    asked = [[i.get("after") for i in r.body["inputs"] if i["id"] == "7"] for r in last]
    assert asked == [[None], [LOOP[0]], [LOOP[1]]]  # three pages, then it stopped


def test_check_existing_sends_the_looping_from_ids_pairs_and_marks_them_unknown(
    looping: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    request = frame_of([(7, 1), (7, 9), (8, 4), (8, 9)])
    with caplog.at_level(logging.WARNING, logger="hubassoc_pandas"):
        results = associate_on(looping, request, check_existing=True)

    assert results["status"].astype(str).tolist() == ["associated"] * 4
    assert results["preexisting"].tolist() == [pd.NA, pd.NA, True, False]
    assert not pd.isna(results.loc[0, "batch"])  # 7's held pair was sent anyway
    assert pd.isna(results.loc[2, "batch"])  # 8's held pair was not
    assert results.attrs["hubassoc"]["read"]["unread_from_ids"] == 1
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("contacts 7:")]
    assert len(said) == 1
    assert_loop_message(said[0].removeprefix("contacts 7: "))
    assert {("7", "9"), ("8", "9")} <= stored_pairs(looping)


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
def test_sync_removes_nothing_for_the_looping_from_id_and_the_rest_proceeds(
    looping: Sandbox, api_version: str
) -> None:
    wanted = frame_of([(7, 1), (8, 4), (8, 6)])
    with pytest.warns(RuntimeWarning, match="could not read the associations of 1 of the 2"):
        done = sync_on_hub(
            looping, wanted, dry_run=False, remove_extra=True, api_version=api_version
        )

    assert stored_pairs(looping) == {("7", "1"), ("7", "2"), ("7", "3"), ("8", "4"), ("8", "6")}
    archived = [r for r in looping.requests if r.path.endswith("/batch/archive")]
    assert [i["from"]["id"] for r in archived for i in r.body["inputs"]] == ["8"]
    seven = done[done["from_id"] == "7"]
    assert seven[["to_id", "action"]].astype(str).values.tolist() == [["1", "create"]]
    assert seven["existed"].isna().all() and seven["status"].tolist() == ["associated"]
    note = seven["note"].iloc[0]
    assert note.startswith("its from-ID's associations could not be read (PAGING_LOOP: ")
    assert_loop_message(note.split("(PAGING_LOOP: ", 1)[1])
    assert note.endswith("nothing is removed for this from-ID")
    eight = done[done["from_id"] == "8"].set_index("to_id")
    assert eight["action"].astype(str).to_dict() == {"4": "keep", "6": "create", "5": "remove"}
    assert eight.loc["5", "status"] == "removed" and eight.loc["6", "status"] == "associated"
    assert done.attrs["hubassoc"]["read"]["unread_from_ids"] == 1


def endless_pages(body: Any, number: int) -> JsonAnswer:
    """batch/read answered with a new cursor every time, for ever."""
    results = [
        {
            "from": {"id": item["id"]},
            "to": [{"toObjectId": number, "associationTypes": [{"typeId": 279}]}],
            "paging": {"next": {"after": f"page-{number}"}},
        }
        for item in body["inputs"]
    ]
    return 200, {"status": "COMPLETE", "results": results}, {}


def test_pages_without_end_fail_the_from_id_not_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_module, "MAX_PAGES", 6)
    with JsonPortal(endless_pages) as portal:
        links = pd.DataFrame({"contact_id": [7]}).hubassoc.read(
            "contacts", "companies", from_col="contact_id", token="t", base_url=portal.url,
            progress=False,
        )  # fmt: skip
    assert len(portal.bodies) == 6
    assert links.empty
    failed = links.hubassoc.read_status().set_index("from_id").loc["7"]
    assert failed["status"] == "failed" and failed["error_category"] == "PAGING_LIMIT"
    assert not failed["retryable"]
    assert failed["error_message"].startswith(
        "HubSpot still announced another page of the associations of this from-ID after 6 pages"
    )
