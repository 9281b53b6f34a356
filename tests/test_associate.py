"""associate() end to end over real HTTP against the sandbox: every wire variant.

Each test starts its own sandbox on 127.0.0.1 (port 0); nothing here is mocked.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hubassoc_testkit import associate_on, associated_pairs, running_hub, stored_pairs

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas import (
    ANNOTATION_DTYPES,
    AuthenticationError,
    ConfigError,
    FatalApiError,
    InsecureTransportError,
    MissingScopesError,
)
from hubassoc_pandas.sandbox import Fault, Sandbox

CONTACTS = range(1, 2001)
COMPANIES = range(1, 1001)


@pytest.fixture
def portal() -> Iterator[Sandbox]:
    with running_hub(
        records={"contacts": CONTACTS, "companies": COMPANIES, "deals": range(1, 501)}
    ) as hub:
        yield hub


def run(hub: Sandbox, frame: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """:func:`associate_on` with this module's columns, contact and company, and a client
    limit far above anything sent (the sandboxes here have none)."""
    options = {"from_col": "contact", "to_col": "company", "rate_limit": (10_000, 10), **kwargs}
    return associate_on(hub, frame, **options)


def messy_frame(n: int = 600, seed: int = 1) -> pd.DataFrame:
    """Good pairs, pairs with records that do not exist, duplicates and junk."""
    rng = np.random.default_rng(seed)
    contact: list[object] = rng.integers(1, 2001, n).tolist()
    company: list[object] = rng.integers(1, 1001, n).tolist()
    for i in range(0, n, 37):
        contact[i] = 5000 + i  # no such contact
    for i in range(5, n, 53):
        company[i] = 7000 + i  # no such company
    contact[3], company[4], contact[6] = "abc", None, 12.5
    contact[n - 1], company[n - 1] = contact[10], company[10]  # a duplicate pair
    return pd.DataFrame({"contact": contact, "company": company, "note": range(n)})


def expected_outcome(frame: pd.DataFrame) -> pd.Series:
    """What a faithful run must report per row, from the input alone."""

    def one(contact: object, company: object) -> str:
        try:
            c, co = float(contact), float(company)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return "invalid"
        if math.isnan(c) or math.isnan(co) or c != int(c) or co != int(co):
            return "invalid"
        return "associated" if int(c) in CONTACTS and int(co) in COMPANIES else "failed"

    return pd.Series(
        [one(a, b) for a, b in zip(frame["contact"], frame["company"], strict=True)],
        index=frame.index,
    )


def check_consistent(results: pd.DataFrame, frame: pd.DataFrame, hub: Sandbox) -> None:
    assert len(results) == len(frame)
    assert results.index.equals(frame.index)
    assert (results["status"].astype(str) == expected_outcome(frame)).all()
    assert associated_pairs(results) == stored_pairs(hub)


def test_every_row_once_with_the_documented_columns(portal: Sandbox) -> None:
    frame = messy_frame()
    results = run(portal, frame)
    check_consistent(results, frame, portal)
    assert list(results.columns) == ["contact", "company", "note", *ANNOTATION_DTYPES]
    for column, dtype in ANNOTATION_DTYPES.items():
        assert results[column].dtype == dtype, column
    assert (results["note"] == frame["note"]).all()
    ok = results[results["status"] == "associated"]
    assert (ok["association_type_id"] == 279).all()
    assert (ok["association_category"] == "HUBSPOT_DEFINED").all()
    assert ok["http_status"].isin([200, 207]).all() and (ok["attempts"] >= 1).all()
    failed = results[results["status"] == "failed"]
    assert (failed["error_category"] == "OBJECT_NOT_FOUND").all()
    assert failed["error_message"].str.contains("exist").all()
    assert not failed["retryable"].any()
    invalid = results[results["status"] == "invalid"]
    assert (invalid["error_category"] == "INVALID_ID").all()
    assert invalid["batch"].isna().all() and invalid["from_id"].isna().any()
    assert "'abc' is not a whole number" in invalid.loc[3, "error_message"]
    assert invalid.loc[6, "error_message"].startswith("contact: 12.5 is not a whole number")
    # the duplicate pair was sent once and both rows share its outcome
    assert results.loc[len(frame) - 1, "batch"] == results.loc[10, "batch"]
    record = results.attrs["hubassoc"]
    json.dumps(record)
    assert record["from_type"] == "contacts" and record["base_url"] == portal.url
    assert record["counts"]["associated"] == len(ok)
    assert portal.token not in json.dumps(record)


def test_index_with_duplicates_and_multiindex_is_kept(portal: Sandbox) -> None:
    frame = pd.DataFrame(
        {"contact": [1, 2, 3, 1], "company": [5, 6, 7, 5]},
        index=pd.MultiIndex.from_tuples([("a", 1), ("a", 1), ("b", 2), ("c", 3)]),
    )
    results = run(portal, frame)
    assert results.index.equals(frame.index)
    assert results["status"].tolist() == ["associated"] * 4
    frame2 = frame.reset_index(drop=True)
    frame2.index = [7, 7, 7, 7]
    assert run(portal, frame2).index.tolist() == [7, 7, 7, 7]


@pytest.mark.parametrize("error_context", ["from_to", "ids", "message"])
@pytest.mark.parametrize("results_direction", ["both", "one"])
@pytest.mark.parametrize("group_errors", [False, True])
def test_per_input_error_styles(
    portal: Sandbox, error_context: str, results_direction: str, group_errors: bool
) -> None:
    portal.configure(
        error_context=error_context, results_direction=results_direction, group_errors=group_errors
    )
    frame = messy_frame(400, seed=2)
    results = run(portal, frame)
    check_consistent(results, frame, portal)


@pytest.mark.parametrize(("success", "partial"), [(200, 200), (201, 201), (200, 207), (201, 207)])
def test_any_2xx_code_is_read_the_same(portal: Sandbox, success: int, partial: int) -> None:
    portal.configure(success_status=success, partial_status=partial)
    frame = messy_frame(300, seed=3)
    results = run(portal, frame)
    check_consistent(results, frame, portal)
    assert set(results["http_status"].dropna()) <= {success, partial}


@pytest.mark.parametrize("error_context", ["from_to", "ids", "message"])
@pytest.mark.parametrize("category", ["VALIDATION_ERROR", "OBJECT_NOT_FOUND"])
def test_whole_batch_400_isolates_the_bad_pairs(
    portal: Sandbox, error_context: str, category: str
) -> None:
    portal.configure(
        missing_ids="batch_400", error_context=error_context, batch_400_category=category
    )
    frame = messy_frame(500, seed=4)
    results = run(portal, frame, batch_size=100)
    check_consistent(results, frame, portal)
    failed = results[results["status"] == "failed"]
    assert (failed["http_status"] == 400).all()
    assert failed["error_message"].str.contains("do not exist").all()
    bad_pairs = failed[["from_id", "to_id"]].drop_duplicates().shape[0]
    planned = math.ceil(results["from_id"].notna().sum() / 100)
    extra = portal.stats()["endpoint_requests"] - planned
    print(f"{bad_pairs} bad pairs isolated with {extra} extra requests")
    assert extra <= 2 * bad_pairs * math.log2(100), (extra, bad_pairs)


def test_whole_batch_400_naming_nothing_is_bisected(portal: Sandbox) -> None:
    # a 400 for the first request only, naming no ID: the halves go through
    portal.configure(
        missing_ids="batch_400",
        error_context="message",
        faults=[Fault("400_too_large", on_requests=[1])],
    )
    frame = pd.DataFrame({"contact": range(1, 101), "company": range(1, 101)})
    results = run(portal, frame, batch_size=100)
    assert (results["status"] == "associated").all()


def test_batch_too_large_shrinks_the_batch_size(portal: Sandbox) -> None:
    portal.configure(max_batch_size=40)
    frame = pd.DataFrame({"contact": range(1, 501), "company": range(1, 501)})
    results = run(portal, frame, batch_size=100, max_workers=1)
    assert (results["status"] == "associated").all()
    assert results.attrs["hubassoc"]["final_batch_size"] == 40
    sizes = [r.inputs for r in portal.requests]
    assert sizes[0] == 100 and max(sizes[2:]) <= 40
    assert sum(1 for r in portal.requests if r.status == 400) == 1


def test_silent_pairs_are_sent_twice_then_unconfirmed(portal: Sandbox) -> None:
    portal.configure(silent_pairs={("1", "1"), ("2", "2")})
    frame = pd.DataFrame({"contact": range(1, 151), "company": range(1, 151)})
    results = run(portal, frame)
    silent = results[results["status"] == "unconfirmed"]
    assert silent["from_id"].tolist() == ["1", "2"]
    assert silent["retryable"].all() and (silent["attempts"] == 2).all()
    assert silent["error_message"].str.contains("neither|without confirming").all()
    assert (results["status"] == "associated").sum() == 148
    sends = [r.body for r in portal.requests]
    pair_sends = sum(1 for body in sends for i in body["inputs"] if i["from"]["id"] == "1")
    assert pair_sends == 2


def test_an_empty_2xx_is_not_taken_as_success(portal: Sandbox) -> None:
    portal.configure(faults=[Fault("empty_2xx", on_requests=[1])])
    frame = pd.DataFrame({"contact": range(1, 51), "company": range(1, 51)})
    results = run(portal, frame)
    assert (results["status"] == "associated").all()
    assert len(portal.requests) == 2


def test_association_limits_fail_the_excess_for_good(portal: Sandbox) -> None:
    portal.configure(association_limits={("contacts", "companies"): 2})
    frame = pd.DataFrame({"contact": [1] * 5, "company": [1, 2, 3, 4, 5]})
    results = run(portal, frame)
    assert (results["status"] == "associated").sum() == 2
    failed = results[results["status"] == "failed"]
    assert len(failed) == 3 and not failed["retryable"].any()
    assert len(stored_pairs(portal)) == 2


def test_legacy_v4_path_and_custom_objects() -> None:
    with running_hub(
        records={"contacts": range(1, 10), "p_cars": range(1, 10)},
        custom_object_types={"2-3453": "p_cars"},
    ) as hub:
        frame = pd.DataFrame({"contact": [1, 2], "company": [3, 4]})
        results = run(hub, frame, to_type="2-3453", api_version="v4")
        assert (results["status"] == "associated").all()
        assert all(r.path.startswith("/crm/v4/associations/contacts/2-3453/") for r in hub.requests)
        results = run(hub, frame, to_type="p_cars", api_version="2026-09")
        assert (results["status"] == "associated").all()
        assert hub.requests[-1].path.startswith("/crm/associations/2026-09/contacts/p_cars/")


def test_unknown_custom_object_stops_with_hubspots_message(portal: Sandbox) -> None:
    frame = pd.DataFrame({"contact": [1, 2], "company": [3, 4]})
    with pytest.raises(FatalApiError, match="Unable to infer object type") as info:
        run(portal, frame, to_type="p_widgets")
    assert info.value.results is not None
    assert (info.value.results["status"] == "not_sent").all()


def test_wrong_token_raises_with_results_attached(portal: Sandbox) -> None:
    frame = messy_frame(250)
    with pytest.raises(AuthenticationError) as info:
        run(portal, frame, token="not-the-token")
    error = info.value
    assert error.status == 401 and "token" in str(error)
    assert "not-the-token" not in str(error) and "not-the-token" not in repr(error.body)
    results = error.results
    assert results is not None and len(results) == len(frame)
    assert set(results["status"].astype(str)) == {"not_sent", "invalid"}
    assert stored_pairs(portal) == set()


@pytest.mark.parametrize("scopes_key", ["requiredScopes", "missingScopes"])
def test_missing_scopes_names_them(scopes_key: str) -> None:
    with running_hub(
        records={"contacts": range(1, 10), "companies": range(1, 10)},
        tokens={"narrow": {"crm.objects.contacts.write"}},
        scopes_key=scopes_key,
    ) as hub:
        frame = pd.DataFrame({"contact": [1, 2], "company": [3, 4]})
        with pytest.raises(MissingScopesError) as info:
            run(hub, frame, token="narrow")
    assert "crm.objects.companies.write" in info.value.scopes
    assert "crm.objects.companies.write" in str(info.value)


BAD_ARGUMENTS = [
    ({"from_col": "nope"}, "from_col='nope' is not a column"),
    ({"to_col": "nope"}, "to_col='nope' is not a column"),
    ({"from_type": ""}, "from_type"),
    ({"to_type": "wid gets"}, "to_type='wid gets' cannot be a HubSpot object type"),
    ({"batch_size": 0}, "batch_size=0"),
    ({"batch_size": 2.5}, "batch_size=2.5"),
    ({"max_workers": 0}, "max_workers=0"),
    ({"rate_limit": "fast"}, "rate_limit='fast'"),
    ({"api_version": "v3"}, "api_version='v3'"),
    ({"timeout": -1}, "timeout=-1"),
    ({"base_url": "http://api.example.com"}, "plain HTTP"),
    ({"base_url": "ftp://127.0.0.1"}, "not an http"),
]


@pytest.mark.parametrize(("change", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_refused_before_any_request(
    portal: Sandbox, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run(portal, messy_frame(20), **change)
    assert portal.requests == []


def test_plain_http_elsewhere_is_an_insecure_transport_error(portal: Sandbox) -> None:
    with pytest.raises(InsecureTransportError):
        run(portal, messy_frame(20), base_url="http://10.1.2.3:8080")
    assert isinstance(InsecureTransportError("x"), ValueError)


def test_missing_token_is_reported_before_any_request(
    portal: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="HUBSPOT_ACCESS_TOKEN"):
        run(portal, messy_frame(20), token=None)
    assert portal.requests == []


def test_token_and_base_url_from_the_environment(
    portal: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", portal.token)
    monkeypatch.setenv("HUBSPOT_BASE_URL", portal.url)
    frame = pd.DataFrame({"c": [1], "co": [2]})
    results = frame.hubassoc.associate(
        "contacts", "companies", from_col="c", to_col="co", progress=False
    )
    assert results["status"].tolist() == ["associated"]
    assert portal.requests[0].headers["Authorization"] == "Bearer ***"


def test_empty_frame_sends_nothing(portal: Sandbox) -> None:
    frame = pd.DataFrame(
        {"contact": pd.Series([], dtype="int64"), "company": pd.Series([], dtype="int64")}
    )
    results = run(portal, frame)
    assert len(results) == 0 and list(results.columns)[2:] == list(ANNOTATION_DTYPES)
    assert results["status"].dtype == ANNOTATION_DTYPES["status"]
    assert portal.requests == []


def test_dry_run_sends_nothing_and_plans(portal: Sandbox) -> None:
    frame = messy_frame(450)
    results = run(portal, frame, dry_run=True, token=None, batch_size=100)
    assert portal.requests == []
    assert set(results["status"].astype(str)) == {"not_sent", "invalid"}
    assert (results.loc[results["status"] == "not_sent", "error_category"] == "DRY_RUN").all()
    valid_pairs = results[["from_id", "to_id"]].dropna().drop_duplicates().shape[0]
    assert results.attrs["hubassoc"]["planned_batches"] == math.ceil(valid_pairs / 100)


def test_clashing_input_columns_are_kept_under_a_new_name(portal: Sandbox) -> None:
    frame = pd.DataFrame(
        {"contact": [1, 2], "company": [3, 4], "status": ["lead", "customer"], "batch": [9, 9]}
    )
    with pytest.warns(UserWarning, match="'status' -> 'status_input'"):
        results = run(portal, frame)
    assert results["status_input"].tolist() == ["lead", "customer"]
    assert results["batch_input"].tolist() == [9, 9]
    assert results["status"].tolist() == ["associated", "associated"]


def test_a_results_frame_reruns_cleanly(portal: Sandbox) -> None:
    frame = messy_frame(200)
    first = run(portal, frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        second = run(portal, first)
    assert list(second.columns) == list(first.columns)
    assert (second["status"] == first["status"]).all()


def test_progress_bar_counts_rows_and_closes(
    portal: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = messy_frame(300)
    run(portal, frame, progress=True)
    err = capsys.readouterr().err
    assert "associating" in err and "300/300" in err and "associated=" in err


def test_summary_and_failures(portal: Sandbox) -> None:
    frame = messy_frame(400)
    results = run(portal, frame)
    summary = results.hubassoc.summary()
    by_status = summary.loc["status"]
    assert by_status["rows"].sum() == len(frame)
    assert math.isclose(by_status["share"].sum(), 1.0, abs_tol=1e-3)
    assert by_status.loc["associated", "rows"] == (results["status"] == "associated").sum()
    categories = summary.loc["error_category"]
    assert list(categories.index) == ["OBJECT_NOT_FOUND", "INVALID_ID"]
    failures = results.hubassoc.failures()
    assert len(failures) == (results["status"] != "associated").sum()
    assert failures["error_category"].iloc[0] == "OBJECT_NOT_FOUND"
    assert failures["error_category"].iloc[-1] == "INVALID_ID"
    with pytest.raises(ConfigError, match="not a results frame"):
        frame.hubassoc.summary()


@pytest.mark.parametrize("results_direction", ["both", "one"])
@pytest.mark.parametrize("error_context", ["from_to", "ids", "message"])
def test_a_pair_and_its_mirror_in_one_batch_are_told_apart(
    results_direction: str, error_context: str
) -> None:
    # contact 35 exists but company 35 does not: 35->5 is good, its mirror 5->35 is not
    with running_hub(
        records={"contacts": range(1, 41), "companies": range(1, 31)},
        results_direction=results_direction,
        error_context=error_context,
    ) as hub:
        frame = pd.DataFrame({"contact": [35, 5, 1, 2, 2], "company": [5, 35, 2, 1, 3]})
        results = run(hub, frame)
        stored = stored_pairs(hub)
    assert results["status"].astype(str).tolist() == [
        "associated",
        "failed",
        "associated",
        "associated",
        "associated",
    ]
    assert associated_pairs(results) == stored
    assert results.loc[0, "association_type_id"] == 279


@pytest.mark.parametrize("results_direction", ["both", "one"])
def test_a_batch_of_mirrors_only(results_direction: str) -> None:
    with running_hub(
        records={"contacts": range(1, 5), "companies": range(1, 5)},
        results_direction=results_direction,
    ) as hub:
        frame = pd.DataFrame({"contact": [1, 2], "company": [2, 1]})
        results = run(hub, frame)
        assert (results["status"] == "associated").all()
        assert associated_pairs(results) == stored_pairs(hub)


def test_a_refusal_of_the_request_itself_is_not_split_forever(portal: Sandbox) -> None:
    # every request gets the same 400 naming no pair: bisecting each batch down to single
    # pairs would cost about 2 requests per row; once single pairs came back with it, the
    # rest fail whole
    portal.configure(faults=[Fault("400_json", rate=1.0)])
    frame = pd.DataFrame({"contact": range(1, 501), "company": range(1, 501)})
    results = run(portal, frame, max_workers=1)
    assert (results["status"] == "failed").all()
    assert results["error_message"].str.startswith("Invalid input JSON").all()
    assert (results["http_status"] == 400).all()
    # pairs refused alone are settled; the rest, failed whole, may be tried again
    assert 3 <= (~results["retryable"]).sum() <= 10 and results["retryable"].sum() >= 490
    assert portal.stats()["endpoint_requests"] <= 30


def test_missing_records_refused_whole_without_naming_them_are_still_isolated(
    portal: Sandbox,
) -> None:
    # the same refusal text for every batch, naming no ID: it is about particular pairs
    # (some of each batch get through), so every good pair must still be associated
    portal.configure(missing_ids="batch_400", batch_400_names_ids=False)
    contacts = [5000 + i if i % 10 == 0 else i for i in range(1, 61)]  # one bad per ten
    frame = pd.DataFrame({"contact": contacts, "company": range(1, 61)})
    results = run(portal, frame, batch_size=10, max_workers=1)
    check_consistent(results, frame, portal)
    assert (results["status"] == "failed").sum() == 6
