"""read() over real sockets, both API versions: pages, none found, invalid and failed inputs,
labels, batches of 1,000, Ctrl-C and journal resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    RecordingProgress,
    associate_on,
    fail_requests,
    read_on,
    read_requests,
    running_hub,
)

from hubassoc_pandas.errors import AuthenticationError, ConfigError
from hubassoc_pandas.sandbox import Sandbox


def link(hub: Sandbox, pairs: list[tuple[int, int]]) -> None:
    frame = pd.DataFrame(pairs, columns=["contact_id", "company_id"])
    assert (associate_on(hub, frame)["status"] == "associated").all()


def triples(links: pd.DataFrame) -> list[tuple[str, str, int]]:
    return list(
        zip(links["from_id"], links["to_id"], links["association_type_id"].tolist(), strict=True)
    )


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
def test_read_follows_every_page_of_one_from_id(api_version: str) -> None:
    with running_hub(read_page_size=4) as hub:
        link(hub, [(7, n) for n in range(1, 12)] + [(8, 3)])
        frame = pd.DataFrame({"contact_id": [7, 8, 9]}, index=["x", "y", "z"])
        links = read_on(hub, frame, api_version=api_version)

        assert triples(links) == [("7", str(n), 279) for n in range(1, 12)] + [("8", "3", 279)]
        assert links["row"].tolist() == ["x"] * 11 + ["y"]
        assert list(links.columns) == [
            "row",
            "from_id",
            "to_id",
            "association_type_id",
            "association_category",
            "label",
        ]
        assert (links["association_category"] == "HUBSPOT_DEFINED").all()
        assert links["label"].isna().all()
        bodies = [r.body for r in read_requests(hub)]
        assert all(("/crm/v4/" in r.path) == (api_version == "v4") for r in read_requests(hub))
        # the first request asks for all three; then 7's cursor twice (pages of 4: 11 targets)
        assert bodies[0] == {"inputs": [{"id": "7"}, {"id": "8"}, {"id": "9"}]}
        assert [[i["id"] for i in b["inputs"]] for b in bodies[1:]] == [["7"], ["7"]]
        assert all("after" in b["inputs"][0] for b in bodies[1:])
        status = links.hubassoc.read_status().set_index("from_id")
        assert status["status"].astype(str).to_dict() == {"7": "found", "8": "found", "9": "none"}
        assert status["links"].tolist() == [11, 1, 0]
        assert links.attrs["hubassoc"]["requests"] == 3


def test_none_found_is_not_an_error_and_every_from_id_is_accounted_for(hub: Sandbox) -> None:
    link(hub, [(1, 5)])
    frame = pd.DataFrame({"contact_id": [1, 2, 99_999, 2, "abc", None, 12.5, "abc"]})
    links = read_on(hub, frame)

    assert triples(links) == [("1", "5", 279)]
    status = links.hubassoc.read_status()
    by_id = status.dropna(subset=["from_id"]).set_index("from_id")
    assert by_id["status"].astype(str).to_dict() == {"1": "found", "2": "none", "99999": "none"}
    assert by_id.loc["2", "rows"] == 2
    assert by_id.loc["2", "links"] == 0
    assert by_id[["error_category", "error_message"]].isna().all().all()  # none is no error
    invalid = status[status["status"] == "invalid"]
    assert invalid["rows"].sum() == 4  # every unreadable input row is counted
    assert invalid["from_id"].isna().all()
    assert set(invalid["error_category"]) == {"INVALID_ID"}
    assert any("whole number" in m for m in invalid["error_message"])
    assert links.attrs["hubassoc"]["counts"] == {
        "found": 1,
        "none": 2,
        "failed": 0,
        "invalid": len(invalid),
        "not_sent": 0,
    }
    sent = [i["id"] for r in read_requests(hub) for i in r.body["inputs"]]
    assert sorted(sent) == ["1", "2", "99999"]  # each from-ID once, nothing unreadable


def test_a_from_id_whose_read_fails_is_failed_with_hubspots_message(
    hub: Sandbox, fast_backoff: Any
) -> None:
    link(hub, [(1, 5), (2, 6), (3, 7)])
    fail_requests(hub, after=2, count=2)  # the second read request, and its one retry
    frame = pd.DataFrame({"contact_id": [1, 2, 3]})
    links = read_on(hub, frame, batch_size=1, max_workers=1, max_attempts=2, backoff=fast_backoff)

    assert triples(links) == [("1", "5", 279), ("3", "7", 279)]
    status = links.hubassoc.read_status().set_index("from_id")
    assert status["status"].astype(str).to_dict() == {"1": "found", "2": "failed", "3": "found"}
    failed = status.loc["2"]
    assert failed["http_status"] == 500
    assert failed["retryable"]
    assert failed["error_message"]
    assert pd.isna(failed["links"])


def test_a_refused_run_raises_with_the_links_so_far(hub: Sandbox) -> None:
    with pytest.raises(AuthenticationError) as caught:
        read_on(hub, pd.DataFrame({"contact_id": [1]}), token="wrong-token")
    assert caught.value.results is not None
    assert caught.value.results.hubassoc.read_status()["status"].tolist() == ["not_sent"]


def test_labels_are_listed_once_per_type(hub: Sandbox) -> None:
    link(hub, [(1, 5), (1, 6)])
    labelled = pd.DataFrame({"contact_id": [1], "company_id": [5]})
    assert (associate_on(hub, labelled, label="Billing contact")["status"] == "associated").all()
    billing = hub.label_type_id("contacts", "companies", "Billing contact")
    links = read_on(hub, pd.DataFrame({"contact_id": [1]}))
    assert triples(links) == [("1", "5", 279), ("1", "5", billing), ("1", "6", 279)]
    assert links["label"].isna().tolist() == [True, False, True]
    assert links["label"].iloc[1] == "Billing contact"
    assert links["association_category"].tolist()[1] == "USER_DEFINED"


def test_more_than_1000_from_ids_take_requests_of_1000_at_most(hub: Sandbox) -> None:
    frame = pd.DataFrame({"contact_id": range(1, 2_501)})
    links = read_on(hub, frame)
    assert links.empty
    sizes = sorted(len(r.body["inputs"]) for r in read_requests(hub))
    assert sizes == [500, 1000, 1000]
    assert links.attrs["hubassoc"]["counts"]["none"] == 2_500


def test_duplicate_from_ids_and_a_multiindex_keep_the_first_row_label(hub: Sandbox) -> None:
    link(hub, [(4, 1), (4, 2)])
    index = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)])
    links = read_on(hub, pd.DataFrame({"contact_id": [3, 4, 4]}, index=index))
    assert links["row"].tolist() == [("a", 2), ("a", 2)]
    assert links.index.equals(pd.RangeIndex(2))


def test_ctrl_c_keeps_what_was_read_and_the_journal_resumes(hub: Sandbox, tmp_path: Path) -> None:
    link(hub, [(n, n) for n in range(1, 41)])
    frame = pd.DataFrame({"contact_id": range(1, 41)})
    journal = tmp_path / "read.db"
    stop = RecordingProgress(stop_after=10)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        first = read_on(hub, frame, batch_size=5, max_workers=1, progress=stop, journal=journal)
    status = first.hubassoc.read_status()
    done = set(status.loc[status["status"] == "found", "from_id"])
    assert 10 <= len(done) < 40
    assert set(status["status"].astype(str)) == {"found", "not_sent"}
    assert set(first["from_id"]) == done
    sent_before = len(read_requests(hub))

    second = read_on(hub, frame, batch_size=5, journal=journal)
    again = [i["id"] for r in read_requests(hub)[sent_before:] for i in r.body["inputs"]]
    assert not set(again) & done  # the journal's from-IDs are not read again
    assert triples(second) == [(str(n), str(n), 279) for n in range(1, 41)]
    assert second.attrs["hubassoc"]["counts"]["found"] == 40


def test_bad_arguments_are_refused_before_anything_is_sent(hub: Sandbox) -> None:
    frame = pd.DataFrame({"contact_id": [1]})
    with pytest.raises(ConfigError, match="at most 1000"):
        read_on(hub, frame, batch_size=1001)
    with pytest.raises(ConfigError, match="not a column"):
        read_on(hub, frame, from_col="contact")
    with pytest.raises(ConfigError, match="carries no read status"):
        frame.hubassoc.read_status()
    assert read_requests(hub) == []


def test_the_token_is_nowhere_in_the_result(hub: Sandbox) -> None:
    link(hub, [(1, 5)])
    links = read_on(hub, pd.DataFrame({"contact_id": [1, 2]}))
    assert hub.token not in repr(links.attrs) + links.to_csv()
    assert hub.token not in links.hubassoc.read_status().to_csv()


def test_an_answer_that_never_lists_a_from_id_fails_it_after_one_more_try(hub: Sandbox) -> None:
    link(hub, [(1, 5)])
    fail_requests(hub, after=1, count=2, kind="empty_2xx")  # both tries answer 200, empty
    links = read_on(hub, pd.DataFrame({"contact_id": [1]}))
    assert links.empty
    (row,) = links.hubassoc.read_status().itertuples()
    assert row.status == "failed" and row.retryable
    assert row.error_category == "UNCONFIRMED"
    assert "read it again" in row.error_message
    assert len(read_requests(hub)) == 2
