"""Records named by keys instead of IDs, over real sockets: contacts by email, a unique custom
property, companies by domain (one, none, several, paged, past search's cap), keys on both
sides, a large run that looks each key up once, Ctrl-C and resume, retry(), removal, search's
own rate limit, dry runs and the explorer."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hubassoc_testkit import (
    UNPACED,
    RecordingBackoff,
    RecordingProgress,
    StopWhileLookingUp,
    associate_on,
    disassociate_on,
    looked_up,
    objects_requests,
    retry_on,
    searched_domains,
    sent_pairs,
    stored_pairs,
    with_domains,
    with_emails,
)

from hubassoc_pandas.errors import AuthenticationError, ConfigError, JournalMismatchError
from hubassoc_pandas.jobs.keys.outcomes import not_found_note
from hubassoc_pandas.sandbox import Fault, Sandbox

NA = pd.NA


def by_email(hub: Sandbox, frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """Contacts by the ``email`` column, companies by ``company_id``."""
    options.setdefault("from_col", "email")
    options.setdefault("from_id_property", "email")
    return associate_on(hub, frame, **options)


def test_contacts_by_email_whatever_their_case_and_spaces(hub: Sandbox) -> None:
    with_emails(hub, {101: "ann@example.com", 102: "bo.lee+crm@example.com", 103: "cy@x.org"})
    frame = pd.DataFrame(
        {
            "email": ["Ann@Example.COM", "  bo.lee+crm@example.com\t", "ann@example.com",
                      "zed@example.com", "not-an-email", None, "", "mailto:CY@x.org"],
            "company_id": [7, 7, 8, 9, 9, 9, 9, 7],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17],
    )  # fmt: skip
    out = by_email(hub, frame)

    pd.testing.assert_frame_equal(out[["email", "company_id"]], frame)  # the keys as given
    assert out["from_id"].tolist() == ["101", "102", "101", NA, NA, NA, NA, "103"]
    assert out["status"].astype(str).tolist() == [
        "associated", "associated", "associated", "failed",
        "invalid", "invalid", "invalid", "associated",
    ]  # fmt: skip
    assert out.loc[13, "error_category"] == "KEY_NOT_FOUND"
    assert out.loc[13, "error_message"] == (
        f"email: No contact has email 'zed@example.com'. {not_found_note()}"
    )
    assert out.loc[13, "retryable"]  # retry() looks it up again
    assert (out.loc[[14, 15, 16], "error_category"] == "INVALID_KEY").all()
    assert out.loc[[14, 15, 16], "error_message"].tolist() == [
        "email: not an email: 'not-an-email'", "email: missing value", "email: empty",
    ]  # fmt: skip
    assert stored_pairs(hub) == {("101", "7"), ("102", "7"), ("101", "8"), ("103", "7")}
    # each distinct email once, as HubSpot stores it; invalid ones never sent
    assert sorted(looked_up(hub)) == [
        "ann@example.com", "bo.lee+crm@example.com", "cy@x.org", "zed@example.com",
    ]  # fmt: skip
    body = objects_requests(hub, "batch/read")[0].body
    assert body["idProperty"] == "email" and body["propertiesWithHistory"] == []
    assert "email" in body["properties"]
    record = out.attrs["hubassoc"]
    assert json.loads(json.dumps(record)) == record  # serialisable as it is
    assert record["from_id_property"] == "email" and record["lookup_requests"] == 1
    lookup = record["key_lookups"]["contacts by email"]
    assert (lookup["keys"], lookup["resolved"], lookup["not_found"]) == (4, 3, 1)
    assert record["counts"] == {
        "associated": 4, "failed": 1, "invalid": 3, "unconfirmed": 0, "not_sent": 0,
    }  # fmt: skip


def test_a_unique_custom_property_keeps_its_case(hub: Sandbox) -> None:
    hub.add_records(
        "contacts", [201, 202, 203],
        [{"external_id": "CUST-1"}, {"external_id": "CUST-2"}, {"external_id": "42"}],
    )  # fmt: skip
    frame = pd.DataFrame(
        {"customer": ["CUST-1", " CUST-2 ", "cust-1", 42, 42.0, None], "company_id": [1] * 6}
    )
    out = associate_on(
        hub, frame, from_col="customer", from_id_property="external_id", progress=False
    )
    assert out["from_id"].tolist() == ["201", "202", NA, "203", "203", NA]
    assert out.loc[2, "error_category"] == "KEY_NOT_FOUND"  # case is kept: no such value
    assert out.loc[5, "error_category"] == "INVALID_KEY"
    (request,) = objects_requests(hub, "batch/read")
    assert request.body["idProperty"] == "external_id"
    assert request.body["properties"] == ["external_id"]
    assert [i["id"] for i in request.body["inputs"]] == ["CUST-1", "CUST-2", "cust-1", "42"]
    assert stored_pairs(hub) == {("201", "1"), ("202", "1"), ("203", "1")}


@pytest.fixture
def companies(hub: Sandbox) -> Sandbox:
    """Companies with domains: one each for acme.com (7) and epsilon.ai (only as an additional
    domain of 11), two for beta.io (8, and the older 9), and acme.com also an additional
    domain of 10."""
    with_domains(
        hub,
        {
            7: {"domain": "acme.com"},
            8: {"domain": "beta.io", "createdate": "2023-05-01T00:00:00.000Z"},
            9: {"domain": "beta.io", "createdate": "2021-01-01T00:00:00.000Z"},
            10: {"domain": "gamma.org", "hs_additional_domains": "acme.com; delta.net"},
            11: {"domain": "zeta.org", "hs_additional_domains": "Epsilon.ai"},
        },
    )
    return hub


DOMAINS = ["https://www.Acme.com/about", "beta.io", "nobody.example", "EPSILON.ai", "ann@acme.com"]


def by_domain(hub: Sandbox, **options: Any) -> pd.DataFrame:
    frame = pd.DataFrame({"contact_id": [1, 2, 3, 4, 5], "site": DOMAINS})
    return associate_on(hub, frame, to_col="site", to_id_property="domain", **options)


def test_companies_by_domain_one_none_or_several(companies: Sandbox) -> None:
    out = by_domain(companies)
    assert out["to_id"].tolist() == ["7", NA, NA, "11", NA]  # acme.com: its own domain wins
    assert out["status"].astype(str).tolist() == [
        "associated", "failed", "failed", "associated", "invalid",
    ]  # fmt: skip
    assert out.loc[1, "error_category"] == "KEY_AMBIGUOUS"
    assert out.loc[1, "error_message"] == (
        "site: 2 companies have domain 'beta.io': 9, 8. Put the ID of the one you mean in the "
        "column, or pass on_ambiguous='oldest' to take the oldest."
    )  # the candidates oldest first
    assert out.loc[2, "error_category"] == "KEY_NOT_FOUND"
    assert "after a few moments" in out.loc[2, "error_message"]
    assert out.loc[4, "error_message"] == (
        "site: an email, not a domain: 'ann@acme.com'; give the part after @ (acme.com)"
    )
    search, again = objects_requests(companies, "search")
    for body in (search.body, again.body):
        assert len(json.dumps(body, separators=(",", ":"))) <= 3000
        filters = [f for g in body["filterGroups"] for f in g["filters"]]
        assert {f["propertyName"] for f in filters} == {"domain", "hs_additional_domains"}
        assert all(f["operator"] == "IN" for f in filters)
    assert sorted(searched_domains(companies)) == [
        "acme.com", "beta.io", "epsilon.ai", "nobody.example", "www.nobody.example",
    ]  # fmt: skip  # only the domain no company matched is searched again with www.
    assert stored_pairs(companies) == {("1", "7"), ("4", "11")}


def test_a_company_holding_its_domain_after_www_is_found(hub: Sandbox) -> None:
    with_domains(
        hub,
        {
            7: {"domain": "www.gamma.io"},
            8: {"domain": "acme.com"},
            9: {"domain": "WWW.acme.com"},  # acme.com itself is held by 8: 8 alone matches
            10: {"domain": "beta.io", "hs_additional_domains": "www.delta.net"},
        },
    )
    sites = ["gamma.io", "https://www.gamma.io/x", "acme.com", "www.delta.net", "nobody.io"]
    frame = pd.DataFrame({"contact_id": [1, 2, 3, 4, 5], "site": sites})
    out = associate_on(hub, frame, to_col="site", to_id_property="domain")

    assert out["to_id"].tolist() == ["7", "7", "8", "10", NA]
    assert out.loc[4, "error_category"] == "KEY_NOT_FOUND"
    assert sorted(searched_domains(hub)) == [
        "acme.com", "delta.net", "gamma.io", "nobody.io", "www.delta.net", "www.gamma.io",
        "www.nobody.io",
    ]  # fmt: skip


def test_the_oldest_company_when_asked(companies: Sandbox) -> None:
    out = by_domain(companies, on_ambiguous="oldest")
    assert out["to_id"].tolist() == ["7", "9", NA, "11", NA]  # 9: created first, not lowest ID
    assert out.attrs["hubassoc"]["on_ambiguous"] == "oldest"
    assert ("2", "9") in stored_pairs(companies)


def test_pages_and_search_cap(hub: Sandbox) -> None:
    """451 companies for two domains need three pages; a domain held by 10,001 companies is
    searched apart (the pack's total was past the cap) and cannot be listed in full."""
    big = {20_001 + n: {"domain": "big.example"} for n in range(450)}
    big[20_300]["createdate"] = "2001-01-01T00:00:00.000Z"
    with_domains(hub, {**big, 21_000: {"domain": "small.example"}})
    with_domains(hub, {30_001 + n: {"domain": "huge.example"} for n in range(10_001)})
    frame = pd.DataFrame({"contact_id": [1, 2, 3], "site": ["huge.example", "small.example",
                                                          "big.example"]})  # fmt: skip
    out = associate_on(hub, frame, to_col="site", to_id_property="domain", on_ambiguous="oldest")
    assert out["to_id"].tolist() == [NA, "21000", "20300"]
    assert out.loc[0, "error_category"] == "KEY_AMBIGUOUS"  # whatever the rule
    assert out.loc[0, "error_message"].startswith(
        "site: 10,001 companies have domain 'huge.example', more than search can list"
    )
    searches = objects_requests(hub, "search")
    bodies = [s.body for s in searches]
    first_values = [
        sorted(v for g in b["filterGroups"] for f in g["filters"] if f["propertyName"] ==
               "domain" for v in f["values"])
        for b in bodies
    ]  # fmt: skip
    assert first_values[:3] == [
        ["big.example", "huge.example", "small.example"],
        ["huge.example"],
        ["big.example", "small.example"],
    ]
    assert [b.get("after") for b in bodies[2:]] == [None, "200", "400"]
    assert len(searches) == 5

    failing = associate_on(hub, frame, to_col="site", to_id_property="domain")
    assert failing.loc[2, "error_message"].endswith(
        "have domain 'big.example': 20300, 20001, 20002, 20003, 20004, 20005, 20006, 20007, "
        "20008, 20009 and 440 more. Put the ID of the one you mean in the column, or pass "
        "on_ambiguous='oldest' to take the oldest."
    )


def test_keys_on_both_sides(companies: Sandbox) -> None:
    with_emails(companies, {101: "ann@example.com", 102: "bo@example.com"})
    frame = pd.DataFrame(
        {
            "email": ["ANN@example.com", "bo@example.com", "zed@example.com", "bo@example.com"],
            "site": ["acme.com", "beta.io", "acme.com", "www.epsilon.ai"],
        }
    )
    out = associate_on(
        companies, frame, from_col="email", to_col="site",
        from_id_property="email", to_id_property="domain",
    )  # fmt: skip
    assert out["from_id"].tolist() == ["101", "102", NA, "102"]
    assert out["to_id"].tolist() == ["7", NA, "7", "11"]
    assert out["status"].astype(str).tolist() == ["associated", "failed", "failed", "associated"]
    assert out.loc[1, "error_category"] == "KEY_AMBIGUOUS"
    assert out.loc[2, "error_category"] == "KEY_NOT_FOUND"
    assert stored_pairs(companies) == {("101", "7"), ("102", "11")}


def test_contacts_with_contacts_look_each_email_up_once(hub: Sandbox) -> None:
    with_emails(hub, {1: "a@x.io", 2: "b@x.io", 3: "c@x.io"})
    frame = pd.DataFrame({"who": ["a@x.io", "b@x.io", "C@x.io"], "whom": ["b@x.io", "c@x.io",
                                                                         "a@x.io"]})  # fmt: skip
    out = associate_on(
        hub, frame, "contacts", "contacts", from_col="who", to_col="whom",
        from_id_property="email", to_id_property="email",
    )  # fmt: skip
    assert (out["status"] == "associated").all()
    assert sorted(looked_up(hub)) == ["a@x.io", "b@x.io", "c@x.io"]
    assert len(objects_requests(hub, "batch/read")) == 1
    assert stored_pairs(hub, "contacts", "contacts") >= {("1", "2"), ("2", "3"), ("3", "1")}


def test_twenty_thousand_rows_look_up_five_thousand_emails_once(hub: Sandbox) -> None:
    emails = {n: f"user{n}@example.com" for n in range(1, 5_001)}
    with_emails(hub, emails)
    spellings = [str.lower, str.upper, lambda e: f"  {e} ", str.title]
    column = [spell(e) for e in emails.values() for spell in spellings]
    frame = pd.DataFrame({"email": column, "company_id": np.tile([1, 2, 3, 4], 5_000)})
    out = by_email(hub, frame, batch_size=1_000, rate_limit=UNPACED)
    assert len(out) == 20_000 and (out["status"] == "associated").all()
    assert len(objects_requests(hub, "batch/read")) == 50
    sent = looked_up(hub)
    assert len(sent) == 5_000 and sorted(sent) == sorted(emails.values())
    assert out.attrs["hubassoc"]["lookup_requests"] == 50
    assert len(stored_pairs(hub)) == 20_000


def test_ctrl_c_while_writing_then_resume_looks_nothing_up_again(
    hub: Sandbox, tmp_path: Path
) -> None:
    with_emails(hub, {n: f"p{n}@example.com" for n in range(1, 601)})
    frame = pd.DataFrame({"email": [f"P{n}@example.com" for n in range(1, 601)],
                          "company_id": range(1, 601)})  # fmt: skip
    path = tmp_path / "run.db"
    hub.configure(latency=0.01)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        first = by_email(
            hub, frame, journal=path, batch_size=50, max_workers=2,
            progress=RecordingProgress(stop_after=200),
        )  # fmt: skip
    done = first[first["status"] == "associated"]
    assert 200 <= len(done) < 600
    assert first["from_id"].notna().all()  # every key was found before writing began
    before = len(hub.requests)
    second = by_email(hub, frame, journal=path, batch_size=50)
    assert (second["status"] == "associated").all()
    assert looked_up(hub, since=before) == []  # nothing looked up again
    lookup = second.attrs["hubassoc"]["key_lookups"]["contacts by email"]
    assert (lookup["from_journal"], lookup["looked_up"]) == (600, 0)
    assert second.attrs["hubassoc"]["resumed_pairs"] == len(done)
    done_pairs = set(zip(done["from_id"], done["to_id"], strict=True))
    assert not set(sent_pairs(hub, since=before)) & done_pairs
    assert second["from_id"].tolist() == [str(n) for n in range(1, 601)]


def test_ctrl_c_while_looking_up_writes_nothing_and_resume_finishes(
    hub: Sandbox, tmp_path: Path
) -> None:
    with_emails(hub, {n: f"q{n}@example.com" for n in range(1, 1_001)})
    frame = pd.DataFrame({"email": [f"q{n}@example.com" for n in range(1, 1_001)],
                          "company_id": range(1, 1_001)})  # fmt: skip
    path = tmp_path / "run.db"
    hub.configure(latency=0.01)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        first = by_email(hub, frame, journal=path, max_workers=1, progress=StopWhileLookingUp(300))
    assert (first["status"] == "not_sent").all()
    assert set(first["error_category"]) == {"INTERRUPTED"}
    assert first["retryable"].all()
    assert not [r for r in hub.requests if "/associations/" in r.path]  # nothing written
    first_lookups = looked_up(hub)
    assert 300 <= len(first_lookups) < 1_000
    before = len(hub.requests)
    second = by_email(hub, frame, journal=path)
    assert (second["status"] == "associated").all()
    again = looked_up(hub, since=before)
    assert sorted(first_lookups + again) == sorted(f"q{n}@example.com" for n in range(1, 1_001))


def test_disassociate_by_email(hub: Sandbox) -> None:
    with_emails(hub, {101: "ann@example.com", 102: "bo@example.com"})
    associate_on(hub, pd.DataFrame({"contact_id": [101, 101, 102], "company_id": [7, 8, 7]}))
    frame = pd.DataFrame({"email": ["ANN@example.com", "bo@example.com", "zed@example.com"],
                          "company_id": [7, 7, 7]})  # fmt: skip
    out = disassociate_on(hub, frame, from_col="email", from_id_property="email")
    assert out["status"].astype(str).tolist() == ["removed", "removed", "failed"]
    assert out["from_id"].tolist() == ["101", "102", NA]
    assert out.loc[2, "error_category"] == "KEY_NOT_FOUND"
    assert out.attrs["hubassoc"]["operation"] == "disassociate"
    assert stored_pairs(hub) == {("101", "8")}


def test_retry_looks_up_only_what_is_still_missing(
    hub: Sandbox, fast_backoff: RecordingBackoff
) -> None:
    with_emails(hub, {n: f"r{n}@example.com" for n in range(1, 201)})
    frame = pd.DataFrame({"email": [f"r{n}@example.com" for n in range(1, 201)],
                          "company_id": range(1, 201)})  # fmt: skip
    hub.configure(
        faults=[
            Fault("500_json", rate=1.0, times=2, paths=["/objects/"]),
            Fault("500_json", rate=1.0, times=2, paths=["/batch/associate"]),
        ]
    )
    out = by_email(hub, frame, max_attempts=2, backoff=fast_backoff, max_workers=1)
    unresolved = out["from_id"].isna()
    assert unresolved.sum() == 100  # the first lookup batch, refused twice
    assert (out.loc[unresolved, "status"] == "failed").all() and out["retryable"].all()
    assert out.loc[unresolved, "error_message"].str.startswith("email: Could not look up").all()
    assert (out["status"] == "failed").all()  # the 100 found failed to be written
    hub.configure(faults=[])
    before = len(hub.requests)
    fixed = retry_on(hub, out)
    assert (fixed["status"] == "associated").all()
    assert fixed["from_id"].tolist() == [str(n) for n in range(1, 201)]
    assert sorted(looked_up(hub, since=before)) == sorted(out.loc[unresolved, "email"])
    assert len(stored_pairs(hub)) == 200
    assert fixed.attrs["hubassoc"]["retries"] == 1


def test_retry_of_a_frame_read_back_from_csv(hub: Sandbox, tmp_path: Path) -> None:
    with_emails(hub, {1: "a@x.io", 2: "b@x.io"})
    hub.configure(faults=[Fault("500_json", rate=1.0, paths=["/objects/"])])
    frame = pd.DataFrame({"email": ["a@x.io", "b@x.io"], "company_id": [5, 6]})
    out = by_email(hub, frame, max_attempts=1)
    assert out["from_id"].isna().all()
    out.to_csv(tmp_path / "out.csv", index=False)
    hub.configure(faults=[])
    fixed = retry_on(
        hub, pd.read_csv(tmp_path / "out.csv"), from_type="contacts", to_type="companies",
        from_id_property="email", from_col="email", to_col="company_id", base_url=hub.url,
        operation="associate",
    )  # fmt: skip
    assert (fixed["status"] == "associated").all()
    assert stored_pairs(hub) == {("1", "5"), ("2", "6")}


def test_search_keeps_to_its_own_limit(hub: Sandbox) -> None:
    with_domains(hub, {n: {"domain": f"company-{n}.example"} for n in range(1, 301)})
    hub.configure(search_rate_limit=(2, 1.0))
    frame = pd.DataFrame({"contact_id": range(1, 301),
                          "site": [f"company-{n}.example" for n in range(1, 301)]})  # fmt: skip
    out = associate_on(hub, frame, to_col="site", to_id_property="domain")
    assert (out["status"] == "associated").all()
    assert out["to_id"].tolist() == [str(n) for n in range(1, 301)]
    searches = objects_requests(hub, "search")
    refused = [s for s in searches if s.status == 429]
    assert refused and all(s.response_body["policyName"] == "SECONDLY" for s in refused)
    assert out.attrs["hubassoc"]["lookup_rate_limited"] == len(refused)
    assert sorted(searched_domains(hub)) == sorted(set(searched_domains(hub)))  # once each


def test_a_dry_run_sends_nothing(hub: Sandbox) -> None:
    frame = pd.DataFrame({"email": ["a@x.io", "nope"], "company_id": [1, 2]})
    out = by_email(hub, frame, dry_run=True)
    assert hub.requests == []
    assert out["status"].astype(str).tolist() == ["not_sent", "invalid"]
    assert out["error_category"].tolist() == ["DRY_RUN", "INVALID_KEY"]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"to_col": "company_id", "to_type": "contacts", "to_id_property": "domain"},
         "'domain' finds companies"),
        ({"on_ambiguous": "newest"}, "on_ambiguous='newest'"),
        ({"from_id_property": " "}, "give the name of the property"),
        ({"from_id_property": "hs_object_id"}, "already holds record IDs"),
    ],
)  # fmt: skip
def test_bad_key_arguments_are_refused_before_anything_is_sent(
    hub: Sandbox, options: dict[str, Any], words: str
) -> None:
    frame = pd.DataFrame({"email": ["a@x.io"], "company_id": [1]})
    options = {"from_col": "email", "from_id_property": "email", **options}
    to_type = options.pop("to_type", "companies")
    with pytest.raises(ConfigError, match=re.escape(words)):
        associate_on(hub, frame, "contacts", to_type, **options)
    assert hub.requests == []


def test_a_journal_of_other_keys_is_refused(hub: Sandbox, tmp_path: Path) -> None:
    with_emails(hub, {1: "a@x.io"})
    frame = pd.DataFrame({"email": ["a@x.io"], "company_id": [1]})
    by_email(hub, frame, journal=tmp_path / "run.db")
    with pytest.raises(JournalMismatchError, match="from_id_property"):
        by_email(hub, frame, journal=tmp_path / "run.db", from_id_property="external_id")


def test_the_explorer_retries_a_run_by_keys(hub: Sandbox) -> None:
    with_emails(hub, {1: "a@x.io", 2: "b@x.io"})
    hub.configure(faults=[Fault("500_json", rate=1.0, times=1, paths=["/objects/"])])
    frame = pd.DataFrame({"email": ["a@x.io", "b@x.io"], "company_id": [5, 6]})
    out = by_email(hub, frame, max_attempts=1)
    assert (out["status"] == "failed").all() and out["from_id"].isna().all()
    explorer = out.hubassoc.explore(token=hub.token)
    explorer.retry_button.click()
    assert (explorer.results["status"] == "associated").all()
    assert explorer.results["from_id"].tolist() == ["1", "2"]
    assert stored_pairs(hub) == {("1", "5"), ("2", "6")}


def test_keys_with_a_label_and_its_retry(hub: Sandbox, fast_backoff: RecordingBackoff) -> None:
    with_emails(hub, {101: "ann@x.io", 102: "bo@x.io"})
    hub.configure(faults=[Fault("500_json", rate=1.0, times=1, paths=["/objects/"])])
    frame = pd.DataFrame({"email": ["ANN@x.io", "bo@x.io"], "company_id": [7, 7]})
    out = by_email(hub, frame.iloc[:1], label="Billing contact", max_attempts=1)
    assert out.loc[0, "status"] == "failed" and out.loc[0, "retryable"]
    fixed = retry_on(hub, out)
    assert fixed.loc[0, "status"] == "associated" and fixed.loc[0, "label"] == "Billing contact"
    both = by_email(hub, frame, label="Billing contact")
    assert (both["status"] == "associated").all()
    assert both["from_id"].tolist() == ["101", "102"]
    billing = hub.label_type_id("contacts", "companies", "Billing contact")
    held = hub.associations("contacts", "companies")
    assert billing in held[("101", "7")] and billing in held[("102", "7")]


def test_a_refused_token_while_looking_up_writes_nothing(hub: Sandbox) -> None:
    with_emails(hub, {1: "a@x.io"})
    frame = pd.DataFrame({"email": ["a@x.io", "nope"], "company_id": [1, 1]})
    with pytest.raises(AuthenticationError) as caught:
        by_email(hub, frame, token="pat-not-this-portal")
    results = caught.value.results
    assert results["status"].astype(str).tolist() == ["not_sent", "invalid"]
    assert results.loc[0, "error_category"] == "FATAL"
    assert "pat-not-this-portal" not in json.dumps(results.attrs["hubassoc"])
    assert not [r for r in hub.requests if "/associations/" in r.path]


def test_a_keyed_run_makes_its_id_columns_while_it_writes(
    hub: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The results' input-only parts of a run by keys start once its first write is on its
    way, as for a run by IDs, and the frame is the one they make."""
    from hubassoc_pandas.results import ahead

    def writes() -> int:
        return sum(1 for r in hub.requests if r.path.endswith("/associate/default"))

    started: list[int] = []  # writes the sandbox had received at each start
    original = ahead.ResultsAhead.start

    def start(self: ahead.ResultsAhead) -> None:
        if not self.started:
            started.append(writes())
        original(self)

    monkeypatch.setattr(ahead.ResultsAhead, "start", start)
    with_emails(hub, {101 + n: f"p{n}@example.com" for n in range(30)})
    frame = pd.DataFrame(
        {"email": [f"p{n}@example.com" for n in range(30)] + ["nobody@example.com"],
         "company_id": [7 + n % 3 for n in range(31)]}
    )  # fmt: skip
    out = by_email(hub, frame, batch_size=10, max_workers=1)

    assert len(started) == 1 and started[0] <= 1  # at the first write, not after the last
    assert writes() == 3
    assert out["from_id"].tolist() == [str(101 + n) for n in range(30)] + [NA]
    assert out["to_id"].tolist() == [str(7 + n % 3) for n in range(31)]
    assert out["status"].astype(str).value_counts().to_dict() == {"associated": 30, "failed": 1}
