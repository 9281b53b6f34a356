"""Keys other than record IDs in every operation that reads, over real sockets: read() by
email and by domain, associate(check_existing=True) by email and its undo(), sync() by email
and by domain (dry runs, real runs and apply_plan(), with keys that name no record or several
records: nothing is removed for them), resuming from a journal, Ctrl-C while looking up, and
the command's --from-id-property / --to-id-property / --on-ambiguous end to end (and their
older spellings --from-property / --to-property)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    StopWhileLookingUp,
    associate_on,
    association_writes,
    label_id,
    looked_up,
    objects_requests,
    read_on,
    read_requests,
    retry_on,
    stored_pairs,
    sync_on_hub,
    with_domains,
    with_emails,
)

from hubassoc_pandas.cli import main
from hubassoc_pandas.errors import AuthenticationError
from hubassoc_pandas.jobs.keys.outcomes import not_found_note
from hubassoc_pandas.sandbox import Fault, Sandbox
from hubassoc_pandas.synchronise import apply_plan

NA = pd.NA
EMAILS = {101: "ann@x.io", 102: "bo@x.io", 103: "cy@x.io"}


def written(hub: Sandbox, since: int = 0) -> list[tuple[str, str]]:
    """The (from, to) pairs sent to association writes (creations and removals)."""
    return [
        (i["from"]["id"], target["id"])
        for r in association_writes(hub, since)
        for i in r.body["inputs"]
        for target in (i["to"] if isinstance(i["to"], list) else [i["to"]])
    ]


def read_ids(hub: Sandbox, since: int = 0) -> list[str]:
    """The from-IDs association reads asked for, in order."""
    return [i["id"] for r in read_requests(hub)[since:] for i in r.body["inputs"]]


def pairs(*items: tuple[int, int]) -> set[tuple[str, str]]:
    return {(str(f), str(t)) for f, t in items}


def link(hub: Sandbox, items: list[tuple[int, int]], *types: str) -> None:
    frame = pd.DataFrame(items, columns=["f", "t"])
    associate_on(hub, frame, *types, from_col="f", to_col="t")


# -- read ------------------------------------------------------------------------------------


def test_read_by_email_shows_each_key_and_what_it_came_to(hub: Sandbox) -> None:
    with_emails(hub, EMAILS)
    link(hub, [(101, 7), (101, 8), (102, 9)])
    frame = pd.DataFrame(
        {"email": ["ANN@x.io", "zed@x.io", "bo@x.io", "nope", " cy@x.io", "ann@x.io"]},
        index=list("abcdef"),
    )
    before, reads_before = len(hub.requests), len(read_requests(hub))
    links = read_on(hub, frame, from_col="email", from_id_property="email")

    assert links.columns.tolist() == [
        "row", "email", "from_id", "to_id", "association_type_id", "association_category",
        "label",
    ]  # fmt: skip
    shown = zip(links["row"], links["email"], links["from_id"], links["to_id"], strict=True)
    assert list(shown) == [
        ("a", "ANN@x.io", "101", "7"), ("a", "ANN@x.io", "101", "8"), ("c", "bo@x.io", "102", "9"),
    ]  # fmt: skip
    status = links.hubassoc.read_status()
    assert status.columns.tolist()[:3] == ["email", "from_id", "status"]
    assert status["email"].tolist() == ["ANN@x.io", "bo@x.io", " cy@x.io", "zed@x.io", "nope"]
    assert status["from_id"].tolist() == ["101", "102", "103", NA, NA]
    assert status["status"].astype(str).tolist() == ["found", "found", "none", "failed", "invalid"]
    assert status["rows"].tolist() == [2, 1, 1, 1, 1]
    assert status["error_category"].tolist()[3:] == ["KEY_NOT_FOUND", "INVALID_KEY"]
    assert status["error_message"].tolist()[3:] == [
        f"email: No contact has email 'zed@x.io'. {not_found_note('read() again')}",
        "email: not an email: 'nope'",
    ]
    assert status["retryable"].tolist()[3:] == [True, False]  # a record made since is found
    # each distinct email looked up once (invalid ones never), each record read once
    assert sorted(looked_up(hub, since=before)) == ["ann@x.io", "bo@x.io", "cy@x.io", "zed@x.io"]
    assert read_ids(hub, reads_before) == ["101", "102", "103"]
    record = links.attrs["hubassoc"]
    assert json.loads(json.dumps(record)) == record
    assert (record["from_id_property"], record["lookup_requests"]) == ("email", 1)
    assert record["counts"] == {"found": 2, "none": 1, "failed": 1, "invalid": 1, "not_sent": 0}


def test_read_companies_by_domain_takes_the_oldest_when_asked(hub: Sandbox) -> None:
    with_domains(
        hub,
        {
            7: {"domain": "acme.com"},
            8: {"domain": "beta.io", "createdate": "2023-05-01T00:00:00.000Z"},
            9: {"domain": "beta.io", "createdate": "2021-01-01T00:00:00.000Z"},
        },
    )
    link(hub, [(7, 1), (8, 2), (9, 3)], "companies", "contacts")
    frame = pd.DataFrame({"site": ["https://www.acme.com/", "beta.io"]})
    options: dict[str, Any] = {"from_col": "site", "from_id_property": "domain"}
    failing = read_on(hub, frame, "companies", "contacts", **options)
    assert failing["to_id"].tolist() == ["1"]
    status = failing.hubassoc.read_status()
    assert status.loc[1, "error_category"] == "KEY_AMBIGUOUS"
    assert status.loc[1, "error_message"].startswith(
        "site: 2 companies have domain 'beta.io': 9, 8."
    )

    oldest = read_on(hub, frame, "companies", "contacts", on_ambiguous="oldest", **options)
    assert list(zip(oldest["site"], oldest["from_id"], oldest["to_id"], strict=True)) == [
        ("https://www.acme.com/", "7", "1"), ("beta.io", "9", "3"),
    ]  # fmt: skip
    assert oldest.attrs["hubassoc"]["on_ambiguous"] == "oldest"


def test_a_read_by_keys_resumed_from_its_journal_looks_up_and_reads_nothing_again(
    hub: Sandbox, tmp_path: Path
) -> None:
    with_emails(hub, EMAILS)
    link(hub, [(101, 7), (103, 9)])
    frame = pd.DataFrame({"email": ["ann@x.io", "bo@x.io", "cy@x.io", "zed@x.io"]})
    path = tmp_path / "read.db"
    first = read_on(hub, frame, from_col="email", from_id_property="email", journal=path)
    before = len(hub.requests)
    again = read_on(hub, frame, from_col="email", from_id_property="email", journal=path)
    assert hub.requests[before:] == []
    pd.testing.assert_frame_equal(again, first)
    lookup = again.attrs["hubassoc"]["key_lookups"]["contacts by email"]
    assert (lookup["from_journal"], lookup["looked_up"]) == (4, 0)
    assert again.attrs["hubassoc"]["resumed_from_ids"] == 3


def test_ctrl_c_while_looking_up_reads_nothing_and_the_journal_carries_on(
    hub: Sandbox, tmp_path: Path
) -> None:
    with_emails(hub, {n: f"q{n}@x.io" for n in range(1, 501)})
    link(hub, [(n, n) for n in range(1, 501)])
    frame = pd.DataFrame({"email": [f"q{n}@x.io" for n in range(1, 501)]})
    path = tmp_path / "read.db"
    hub.configure(latency=0.01)
    reads_before = len(read_requests(hub))
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        first = read_on(
            hub, frame, from_col="email", from_id_property="email", journal=path,
            max_workers=1, progress=StopWhileLookingUp(200),
        )  # fmt: skip
    assert len(first) == 0 and len(read_requests(hub)) == reads_before  # nothing read
    status = first.hubassoc.read_status()
    assert set(status["status"].astype(str)) == {"not_sent"}
    assert set(status["error_category"]) == {"INTERRUPTED"} and status["retryable"].all()
    assert status["rows"].sum() == 500
    done_before = looked_up(hub)
    assert 200 <= len(done_before) < 500

    before = len(hub.requests)
    second = read_on(hub, frame, from_col="email", from_id_property="email", journal=path)
    assert len(second) == 500 and second["to_id"].tolist() == [str(n) for n in range(1, 501)]
    again = looked_up(hub, since=before)
    assert sorted(done_before + again) == sorted(f"q{n}@x.io" for n in range(1, 501))


# -- check_existing and undo -----------------------------------------------------------------


def test_check_existing_by_email_then_undo(hub: Sandbox) -> None:
    with_emails(hub, EMAILS)
    link(hub, [(101, 7)])
    frame = pd.DataFrame(
        {
            "email": ["ANN@x.io", "ann@x.io", "bo@x.io", "zed@x.io", "nope"],
            "company_id": [7, 8, 8, 8, 8],
        }
    )
    before = len(hub.requests)
    out = associate_on(hub, frame, from_col="email", from_id_property="email", check_existing=True)

    pd.testing.assert_frame_equal(out[["email", "company_id"]], frame)  # the keys as given
    assert out["from_id"].tolist() == ["101", "101", "102", NA, NA]
    assert out["status"].astype(str).tolist() == ["associated"] * 3 + ["failed", "invalid"]
    assert out["preexisting"].tolist() == [True, False, False, NA, NA]
    assert out["error_category"].tolist()[3:] == ["KEY_NOT_FOUND", "INVALID_KEY"]
    assert out.loc[3, "error_message"] == (
        f"email: No contact has email 'zed@x.io'. {not_found_note()}"
    )
    assert out.loc[3, "retryable"]
    assert out["batch"].tolist() == [NA, 2, 2, 1, NA]  # the lookup was request 1
    assert written(hub, before) == [("101", "8"), ("102", "8")]  # only what was missing
    assert read_ids(hub)[-2:] == ["101", "102"]
    record = out.attrs["hubassoc"]
    assert record["check_existing"] and record["preexisting_pairs"] == 1
    assert record["from_id_property"] == "email" and record["lookup_requests"] == 1

    removed = out.hubassoc.undo(token=hub.token, progress=False)
    assert removed.index.tolist() == [1, 2]
    assert removed["email"].tolist() == ["ann@x.io", "bo@x.io"]
    assert (removed["status"] == "removed").all()
    assert removed.attrs["hubassoc"]["undo"]["kept_preexisting"] == 1
    assert stored_pairs(hub) == pairs((101, 7))


def test_check_existing_by_keys_resumed_from_its_journal(hub: Sandbox, tmp_path: Path) -> None:
    with_emails(hub, EMAILS)
    with_domains(hub, {7: {"domain": "acme.com"}, 8: {"domain": "beta.io"}})
    link(hub, [(101, 7)])
    frame = pd.DataFrame({"email": ["ann@x.io", "bo@x.io"], "site": ["acme.com", "beta.io"]})
    options: dict[str, Any] = {
        "from_col": "email", "to_col": "site", "from_id_property": "email",
        "to_id_property": "domain", "check_existing": True, "journal": tmp_path / "run.db",
    }  # fmt: skip
    first = associate_on(hub, frame, **options)
    assert first["preexisting"].tolist() == [True, False]
    before = len(hub.requests)
    again = associate_on(hub, frame, **options)
    assert looked_up(hub, since=before) == [] and objects_requests(hub, "search", before) == []
    assert association_writes(hub, before) == []
    # the pair the first call created is its own work, not something that existed before
    assert again["preexisting"].tolist() == [True, False]
    assert again["to_id"].tolist() == ["7", "8"]
    undone = again.hubassoc.undo(token=hub.token, progress=False)
    assert undone["to_id"].tolist() == ["8"] and stored_pairs(hub) == pairs((101, 7))


def test_labelled_check_existing_by_email(hub: Sandbox) -> None:
    with_emails(hub, EMAILS)
    link(hub, [(101, 7)])
    frame = pd.DataFrame({"email": ["ann@x.io", "bo@x.io", "zed@x.io"], "company_id": [7, 7, 7]})
    out = associate_on(
        hub, frame, from_col="email", from_id_property="email", label="Billing contact",
        check_existing=True,
    )  # fmt: skip
    assert out["status"].astype(str).tolist() == ["associated", "associated", "failed"]
    assert out["preexisting"].tolist() == [False, False, NA]
    assert out["pair_preexisting"].tolist() == [True, False, NA]
    billing = label_id(hub, "Billing contact")
    assert billing in hub.associations("contacts", "companies")[("101", "7")]
    out.hubassoc.undo(token=hub.token, progress=False)
    held = hub.associations("contacts", "companies")
    assert ("101", "7") in held and billing not in held[("101", "7")]  # the label only
    assert ("102", "7") not in held  # the whole association the run created


def test_a_labelled_check_existing_run_whose_lookup_failed_is_retried_with_its_label(
    hub: Sandbox,
) -> None:
    with_emails(hub, EMAILS)
    hub.configure(faults=[Fault("500_json", rate=1.0, times=1, paths=["/objects/"])])
    frame = pd.DataFrame({"email": ["ann@x.io", "bo@x.io"], "company_id": [7, 7]})
    out = associate_on(
        hub, frame, from_col="email", from_id_property="email", label="Billing contact",
        check_existing=True, max_attempts=1,
    )  # fmt: skip
    assert (out["status"] == "failed").all() and out["retryable"].all()
    assert out["label"].tolist() == ["Billing contact"] * 2  # the type each row asks for
    fixed = retry_on(hub, out)
    assert (fixed["status"] == "associated").all()
    assert fixed["from_id"].tolist() == ["101", "102"]
    billing = label_id(hub, "Billing contact")
    held = hub.associations("contacts", "companies")
    assert billing in held[("101", "7")] and billing in held[("102", "7")]


# -- sync ------------------------------------------------------------------------------------


def test_sync_by_email_dry_run_then_its_plan_applied(hub: Sandbox) -> None:
    with_emails(hub, EMAILS)
    link(hub, [(101, 5), (101, 6), (102, 7), (103, 8)])
    frame = pd.DataFrame(
        {"email": ["ANN@x.io", "cyy@x.io", "bo@x.io", "nope"], "company_id": [5, 8, 9, 7]}
    )
    options: dict[str, Any] = {"from_col": "email", "from_id_property": "email"}
    reads_before, writes_before = len(read_requests(hub)), len(association_writes(hub))
    plan = sync_on_hub(hub, frame, remove_extra=True, **options)

    assert len(association_writes(hub)) == writes_before  # a dry run writes nothing
    assert stored_pairs(hub) == pairs((101, 5), (101, 6), (102, 7), (103, 8))
    assert plan.columns.tolist()[:4] == ["row", "email", "from_id", "to_id"]
    rows = list(zip(plan["email"], plan["from_id"], plan["to_id"], plan["action"].astype(str),
                    strict=True))  # fmt: skip
    assert rows == [
        ("ANN@x.io", "101", "5", "keep"),
        ("ANN@x.io", "101", "6", "remove"),
        ("bo@x.io", "102", "9", "create"),
        ("bo@x.io", "102", "7", "remove"),
        ("cyy@x.io", NA, "8", "invalid"),
        ("nope", NA, "7", "invalid"),
    ]
    assert plan["note"].tolist()[4:] == [
        f"email: No contact has email 'cyy@x.io'. {not_found_note('sync() again')}",
        "email: not an email: 'nope'",
    ]
    assert read_ids(hub, reads_before) == ["101", "102"]  # 103, meant by a typo, is not read

    done = apply_plan(plan, token=hub.token, progress=False)
    assert done["status"].astype(str).tolist() == [
        "unchanged", "removed", "associated", "removed", "failed", "invalid",
    ]  # fmt: skip
    assert done["error_category"].tolist()[4:] == ["KEY_NOT_FOUND", "INVALID_KEY"]
    assert done["error_message"].tolist()[4] == (
        f"email: No contact has email 'cyy@x.io'. {not_found_note('sync() again')}"
    )
    assert done["retryable"].tolist()[4:] == [True, False]
    assert stored_pairs(hub) == pairs((101, 5), (102, 9), (103, 8))


@pytest.fixture
def domains(hub: Sandbox) -> Sandbox:
    """Companies: 7 (acme.com), 8 and 9 (both beta.io), 9 also nine.io (an additional
    domain no company has as its own); before each test 7 -> 1, 2; 8 -> 6; 9 -> 4."""
    with_domains(
        hub,
        {
            7: {"domain": "acme.com"},
            8: {"domain": "beta.io"},
            9: {"domain": "beta.io", "hs_additional_domains": "nine.io"},
        },
    )
    link(hub, [(7, 1), (7, 2), (8, 6), (9, 4)], "companies", "contacts")
    return hub


def by_domain(hub: Sandbox, frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    return sync_on_hub(
        hub, frame, "companies", "contacts", from_col="site", to_col="contact_id",
        from_id_property="domain", remove_extra=True, **options,
    )  # fmt: skip


def test_sync_by_domain_removes_nothing_a_domain_of_several_companies_may_mean(
    domains: Sandbox,
) -> None:
    hub = domains
    frame = pd.DataFrame(
        {
            "site": ["https://acme.com", "beta.io", "nine.io", "unknown.example"],
            "contact_id": [1, 3, 5, 2],
        }
    )
    reads_before, writes_before = len(read_requests(hub)), len(association_writes(hub))
    plan = by_domain(hub, frame)
    assert len(association_writes(hub)) == writes_before  # a dry run writes nothing
    rows = list(zip(plan["site"], plan["from_id"], plan["to_id"], plan["action"].astype(str),
                    strict=True))  # fmt: skip
    assert rows == [
        ("https://acme.com", "7", "1", "keep"),
        ("https://acme.com", "7", "2", "remove"),
        ("nine.io", "9", "5", "create"),
        ("nine.io", "9", "4", "extra"),
        ("beta.io", NA, "3", "invalid"),
        ("unknown.example", NA, "2", "invalid"),
    ]
    assert plan.loc[3, "note"] == (
        "not in the frame; left in place: the from-key domain 'beta.io' names several "
        "records, this one among them"
    )
    assert plan.loc[4, "note"].startswith("site: 2 companies have domain 'beta.io': 8, 9.")
    assert plan.loc[5, "note"].startswith("site: No company has domain 'unknown.example'.")
    assert read_ids(hub, reads_before) == ["7", "9"]  # 8 (only ambiguous) is never read

    done = by_domain(hub, frame, dry_run=False)
    assert done["status"].astype(str).tolist() == [
        "unchanged", "removed", "associated", "unchanged", "failed", "failed",
    ]  # fmt: skip
    assert done["error_category"].tolist()[4:] == ["KEY_AMBIGUOUS", "KEY_NOT_FOUND"]
    assert stored_pairs(hub, "companies", "contacts") == pairs((7, 1), (9, 4), (9, 5), (8, 6))


def test_a_domain_with_more_companies_than_a_lookup_lists_holds_back_every_removal(
    domains: Sandbox,
) -> None:
    hub = domains
    with_domains(hub, {500 + n: {"domain": "many.example"} for n in range(101)})
    with_domains(hub, {550: {"domain": "many.example", "hs_additional_domains": "solo.example"}})
    link(hub, [(550, 10)], "companies", "contacts")
    frame = pd.DataFrame(
        {"site": ["many.example", "solo.example", "acme.com"], "contact_id": [3, 11, 1]}
    )
    plan = by_domain(hub, frame)
    extras = plan[plan["action"].isin(["remove", "extra"])]
    assert list(zip(extras["from_id"], extras["to_id"], extras["action"].astype(str),
                    strict=True)) == [("550", "10", "extra"), ("7", "2", "extra")]  # fmt: skip
    assert (extras["note"] == (
        "not in the frame; left in place: 101 records have domain 'many.example' (a from-key), "
        "more than a lookup lists, and this may be one of them"
    )).all()  # fmt: skip
    assert (
        plan.loc[plan["site"] == "many.example", "note"]
        .iloc[0]
        .startswith("site: 101 companies have domain 'many.example'")
    )


def test_sync_by_keys_on_both_sides_keeps_what_a_failed_to_key_may_need(domains: Sandbox) -> None:
    hub = domains
    with_emails(hub, EMAILS)
    link(hub, [(101, 7), (101, 8), (102, 7)])
    frame = pd.DataFrame(
        {"email": ["ann@x.io", "ann@x.io", "bo@x.io"], "site": ["acme.com", "nowhere.example",
                                                             "nine.io"]}
    )  # fmt: skip
    done = sync_on_hub(
        hub, frame, from_col="email", to_col="site", from_id_property="email",
        to_id_property="domain", remove_extra=True, dry_run=False,
    )  # fmt: skip
    assert done.columns.tolist()[:5] == ["row", "email", "site", "from_id", "to_id"]
    sites = done["site"].astype("string")  # None for an association only HubSpot holds
    rows = list(zip(done["email"], sites, done["from_id"], done["to_id"],
                    done["action"].astype(str), strict=True))  # fmt: skip
    assert rows == [
        ("ann@x.io", "acme.com", "101", "7", "keep"),
        ("ann@x.io", NA, "101", "8", "extra"),
        ("bo@x.io", "nine.io", "102", "9", "create"),
        ("bo@x.io", NA, "102", "7", "remove"),
        ("ann@x.io", "nowhere.example", "101", NA, "invalid"),
    ]
    assert done.loc[1, "note"] == (
        "not in the frame; left in place: a row of this from-ID has a to-key that names no "
        "single record"
    )
    assert done.loc[4, "status"] == "failed" and done.loc[4, "error_category"] == "KEY_NOT_FOUND"
    assert pairs((101, 7), (101, 8), (102, 9)) <= stored_pairs(hub)
    assert ("102", "7") not in stored_pairs(hub)


def test_a_sync_stopped_while_looking_up_writes_nothing(hub: Sandbox) -> None:
    with_emails(hub, EMAILS)
    link(hub, [(101, 5)])
    frame = pd.DataFrame({"email": ["ann@x.io", "nope"], "company_id": [6, 6]})
    writes_before = len(association_writes(hub))
    with pytest.raises(AuthenticationError) as caught:
        sync_on_hub(hub, frame, from_col="email", from_id_property="email", dry_run=False,
                    remove_extra=True, token="pat-not-this-portal")  # fmt: skip
    assert len(association_writes(hub)) == writes_before and read_ids(hub) == []
    plan = caught.value.results  # no key was found, so no row has a from-ID
    assert plan["action"].astype(str).tolist() == ["invalid", "invalid"]
    assert plan.loc[0, "note"].startswith("email: Not sent: email 'ann@x.io' was not looked up.")
    assert "status" not in plan.columns  # refused as a whole, as when reading is refused
    assert plan.attrs["hubassoc"]["key_problems"]["error_category"] == ["FATAL", "INVALID_KEY"]
    assert "pat-not-this-portal" not in json.dumps(plan.attrs["hubassoc"])
    assert stored_pairs(hub) == pairs((101, 5))


# -- the command line ------------------------------------------------------------------------


def run(*argv: str) -> int:
    return main([*argv, "--no-progress"])


def test_the_command_line_by_keys_end_to_end(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = cli_hub
    with_emails(hub, {1: "ann@x.io", 2: "bo@x.io", 3: "cy@x.io"})
    with_domains(hub, {7: {"domain": "acme.com"}, 8: {"domain": "beta.io"}})
    with_domains(hub, {9: {"domain": "beta.io"}})
    link(hub, [(1, 7), (3, 50)])
    source = tmp_path / "in.csv"
    pd.DataFrame(
        {"mail": ["ANN@x.io", "zed@x.io", "bo@x.io", "cy@x.io"],
         "site": ["acme.com", "acme.com", "beta.io", "www.acme.com"]}
    ).to_csv(source, index=False)  # fmt: skip
    types = ["--from", "contacts", "--to", "companies", "--from-col", "mail", "--to-col", "site"]
    keys = ["--from-property", "email", "--to-property", "domain"]

    results = tmp_path / "results.csv"
    assert run("associate", str(source), *types, *keys, "--check-existing", "--out",
               str(results)) == 1  # fmt: skip
    saved = pd.read_csv(results, dtype=str)
    assert saved["from_id"].tolist()[:1] + saved["to_id"].tolist()[:1] == ["1", "7"]
    assert saved["error_category"].tolist()[1:3] == ["KEY_NOT_FOUND", "KEY_AMBIGUOUS"]
    assert saved["preexisting"].fillna("").tolist() == ["True", "", "", "False"]
    out = capsys.readouterr().out
    assert "--on-ambiguous 'oldest'" in out  # the message in terms of options
    assert stored_pairs(hub) == pairs((1, 7), (3, 50), (3, 7))

    links, status = tmp_path / "links.csv", tmp_path / "status.csv"
    assert run("read", str(source), "--from", "contacts", "--to", "companies", "--from-col",
               "mail", "--from-property", "email", "--out", str(links), "--status-out",
               str(status)) == 1  # fmt: skip
    read_back = pd.read_csv(status, dtype=str)
    assert read_back.columns.tolist()[:3] == ["mail", "from_id", "status"]
    assert read_back["status"].tolist() == ["found", "none", "found", "failed"]
    assert "zed@x.io" in capsys.readouterr().out

    plan = tmp_path / "plan.csv"
    assert run("sync", str(source), *types, *keys, "--on-ambiguous", "oldest", "--remove-extra",
               "--yes", "--out", str(plan)) == 1  # fmt: skip
    synced = pd.read_csv(plan, dtype=str)
    assert synced.loc[synced["mail"] == "zed@x.io", "error_category"].tolist() == ["KEY_NOT_FOUND"]
    assert stored_pairs(hub) == pairs((1, 7), (3, 7), (2, 8))  # beta.io: 8, the oldest

    assert run("undo", str(results), "--from", "contacts", "--to", "companies", "--yes") == 0
    assert stored_pairs(hub) == pairs((1, 7), (2, 8))  # 3 -> 7, which the run created


def test_retry_of_a_results_file_by_keys(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = cli_hub
    with_emails(hub, {n: f"p{n}@x.io" for n in range(1, 102)})  # two lookups of 100 and 1
    source = tmp_path / "in.csv"
    pd.DataFrame({"mail": [f"P{n}@x.io" for n in range(1, 102)], "co": 5}).to_csv(
        source, index=False
    )
    results = tmp_path / "results.csv"
    hub.configure(faults=[Fault("500_json", rate=1.0, times=1, paths=["/objects/"])])
    assert run("associate", str(source), "--from", "contacts", "--to", "companies",
               "--from-col", "mail", "--to-col", "co", "--from-property", "email",
               "--max-attempts", "1", "--max-workers", "1", "--out", str(results)) == 1  # fmt: skip
    first = pd.read_csv(results)
    assert first["from_id"].isna().sum() == 100 and (first["status"] == "associated").sum() == 1
    capsys.readouterr()

    again = ["retry", str(results), "--from", "contacts", "--to", "companies"]
    assert run(*again, "--from-property", "email") == 2
    assert "--from-id-property 'email' needs --from-col" in capsys.readouterr().err
    assert run(*again, "--from-property", "email", "--from-col", "mail") == 0
    fixed = pd.read_csv(results, dtype=str)
    assert fixed["from_id"].tolist() == [str(n) for n in range(1, 102)]
    assert (fixed["status"] == "associated").all()
    assert stored_pairs(hub) == {(str(n), "5") for n in range(1, 102)}


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--from-id-property", "domain"], "--from-id-property 'domain' finds companies"),
        (["--from-property", "hs_object_id"], "--from-id-property 'hs_object_id': that column"),
        (["--on-ambiguous", "newest"], "invalid choice: 'newest'"),
    ],
)
def test_bad_key_options_are_named_as_options(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str],
    words: str,
) -> None:  # fmt: skip
    source = tmp_path / "in.csv"
    pd.DataFrame({"mail": ["ann@x.io"], "co": [5]}).to_csv(source, index=False)
    for command in ("associate", "sync"):
        argv = [command, str(source), "--from", "contacts", "--to", "companies", "--from-col",
                "mail", "--to-col", "co", *extra]  # fmt: skip
        assert run(*argv) == 2
        assert words in capsys.readouterr().err
    assert cli_hub.requests == []


def test_a_sync_plan_by_to_keys_shows_a_missing_key_as_na(domains: Sandbox) -> None:
    frame = pd.DataFrame({"contact_id": [1], "site": ["nine.io"]})
    plan = sync_on_hub(
        domains, frame, to_col="site", to_id_property="domain", remove_extra=True
    )  # 1 -> 9 to create, 1 -> 7 to remove: a pair no row names, so no key
    rows = list(zip(plan["to_id"], plan["action"].astype(str), strict=True))
    assert rows == [("9", "create"), ("7", "remove")]
    assert plan["site"].iloc[0] == "nine.io" and pd.isna(plan["site"].iloc[1])
    assert "None" not in plan.to_string()
