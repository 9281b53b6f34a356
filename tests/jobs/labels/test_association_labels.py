"""Association labels over real sockets: labels(), associate(label=/label_col=) through
batch/create, disassociate(label=) through batch/labels/archive, limits, faults, Ctrl-C,
journals, retry(), both API versions, the explorer and the command line."""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    RecordingBackoff,
    RecordingProgress,
    associate_on,
    disassociate_on,
    label_id,
    requests_to,
    retry_on,
    running_hub,
    sent_typed,
)

import hubassoc_pandas
from hubassoc_pandas.errors import (
    AuthenticationError,
    ConfigError,
    FatalApiError,
    JournalMismatchError,
    MissingScopesError,
)
from hubassoc_pandas.sandbox import Fault, Sandbox

CREATE, REMOVE_LABELS = "/batch/create", "/batch/labels/archive"
VERSIONS = ["2026-03", "v4"]

#: Primary runs here do not read first; what that warning says is tested with Primary itself
#: (tests/jobs/existing/test_primary.py).
pytestmark = pytest.mark.filterwarnings("ignore:label Primary:UserWarning")


def labels_on(hub: Sandbox, from_type: str = "contacts", to_type: str = "companies",
              **options: Any) -> pd.DataFrame:  # fmt: skip
    options.setdefault("token", hub.token)
    options.setdefault("base_url", hub.url)
    return hubassoc_pandas.labels(from_type, to_type, **options)


def pairs(n: int, start: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {"contact_id": range(start, start + n), "company_id": range(start + 100, start + 100 + n)}
    )


def types_of(hub: Sandbox, frame: pd.DataFrame, a: str = "contacts", b: str = "companies") -> list:
    held = hub.associations(a, b)
    return [
        held.get((str(f), str(t)), frozenset())
        for f, t in zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True)
    ]


# -- labels() ---------------------------------------------------------------------------------


@pytest.mark.parametrize("api_version", VERSIONS)
def test_labels_lists_the_direction_as_hubspot_does(hub: Sandbox, api_version: str) -> None:
    table = labels_on(hub, "Contact", "0-2", api_version=api_version)
    assert list(table.columns) == ["category", "type_id", "label"]
    assert [str(t) for t in table.dtypes] == ["string", "Int64", "string"]
    expected = hub.labels("contacts", "companies")
    assert table["type_id"].tolist() == [item["typeId"] for item in expected]
    assert table["category"].tolist() == [item["category"] for item in expected]
    assert table["label"].isna().tolist() == [item["label"] is None for item in expected]
    assert set(table["label"].dropna()) == {"Primary", "Billing contact", "Decision maker"}
    (request,) = hub.requests
    assert request.method == "GET"
    assert request.path == f"/crm/associations/{api_version}/contacts/companies/labels"


def test_a_paired_label_has_its_own_name_and_id_each_way(hub: Sandbox) -> None:
    manager, employee = (
        label_id(hub, "Manager", "contacts", "contacts"),
        label_id(hub, "Employee", "contacts", "contacts"),
    )
    table = labels_on(hub, "contacts", "contacts").dropna()
    assert dict(zip(table["label"], table["type_id"], strict=True)) == {
        "Manager": manager,
        "Employee": employee,
    }
    assert manager != employee


def test_labels_raises_what_a_run_raises(hub: Sandbox) -> None:
    hub.configure(tokens={hub.token: None, "narrow": ["crm.objects.contacts.read"]})
    with pytest.raises(AuthenticationError):
        labels_on(hub, token="wrong-token")
    with pytest.raises(MissingScopesError) as caught:
        labels_on(hub, token="narrow")
    assert caught.value.scopes == ["crm.objects.companies.read"]
    with pytest.raises(FatalApiError, match="Unable to infer object type"):
        labels_on(hub, "contacts", "2-999")
    with pytest.raises(FatalApiError, match="Unable to infer object type from: nonsense"):
        labels_on(hub, "contacts", "nonsense")
    before = len(hub.requests)
    with pytest.raises(ConfigError, match="cannot be a HubSpot object type"):
        labels_on(hub, "contacts", "a b")
    assert len(hub.requests) == before


def test_labels_rides_out_5xx_and_429(hub: Sandbox) -> None:
    hub.configure(faults=[Fault("503_html", on_requests=[1]), Fault("429", on_requests=[2])],
                  retry_after=False)  # fmt: skip
    assert len(labels_on(hub)) == 4
    assert [r.status for r in hub.requests] == [503, 429, 200]


def test_a_run_whose_labels_cannot_be_read_writes_nothing(
    hub: Sandbox, fast_backoff: RecordingBackoff
) -> None:
    hub.configure(faults=[Fault("500_json", rate=1.0, paths=["/labels"])])
    with pytest.raises(FatalApiError, match="could not be read after 3 attempts") as caught:
        associate_on(hub, pairs(5), label="Primary", max_attempts=3, backoff=fast_backoff)
    assert caught.value.status == 500 and caught.value.results is None
    assert fast_backoff.asked == [1, 2] and len(hub.requests) == 3
    assert not requests_to(hub, CREATE)


# -- associate(label=...) ---------------------------------------------------------------------


@pytest.mark.parametrize("api_version", VERSIONS)
@pytest.mark.parametrize(
    "form", ["name", "any case", "type ID", "pair", "pair text"], ids=lambda f: f.replace(" ", "_")
)
def test_a_label_in_any_form_is_written_with_its_category(
    hub: Sandbox, api_version: str, form: str
) -> None:
    billing = label_id(hub, "Billing contact")
    label = {
        "name": "Billing contact",
        "any case": "  BILLING Contact ",
        "type ID": billing,
        "pair": ("USER_DEFINED", billing),
        "pair text": f"user_defined:{billing}",
    }[form]
    frame = pairs(30)
    results = associate_on(hub, frame, label=label, api_version=api_version, batch_size=10)
    assert (results["status"] == "associated").all()
    assert (results["label"] == "Billing contact").all()
    assert (results["association_type_id"] == billing).all()
    assert (results["association_category"] == "USER_DEFINED").all()
    assert list(results.columns[-6:-3]) == [
        "association_type_id",
        "association_category",
        "label",
    ]
    assert all(held == {billing, 279} for held in types_of(hub, frame))
    sent = sent_typed(hub, CREATE)
    assert len(sent) == 30 and {s[2:] for s in sent} == {("USER_DEFINED", billing)}
    creates = requests_to(hub, CREATE)
    assert all(len(i["types"]) == 1 for r in creates for i in r.body["inputs"])
    assert len(creates) == 3 and all(("/crm/v4/" in r.path) == (api_version == "v4")
                                     for r in creates)  # fmt: skip
    assert not requests_to(hub, "/batch/associate/default")
    record = results.attrs["hubassoc"]
    assert record["labelled"] and record["operation"] == "associate"
    assert record["label"] == (list(label) if isinstance(label, tuple) else label)


@pytest.mark.parametrize("label", ["Biling contact", 999_999, ("HUBSPOT_DEFINED", 1_000)])
def test_an_unknown_label_is_refused_before_any_write(hub: Sandbox, label: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        associate_on(hub, pairs(5), label=label)
    message = str(caught.value)
    assert "is not a label of contacts -> companies" in message
    for name in ("'Primary'", "'Billing contact'", "'Decision maker'", "unlabelled default"):
        assert name in message
    assert [r.path.rsplit("/", 1)[-1] for r in hub.requests] == ["labels"]
    assert hub.associated_pairs("contacts", "companies") == set()


def test_an_ambiguous_label_is_refused_before_any_write(hub: Sandbox) -> None:
    first = label_id(hub, "Decision maker")
    second, _ = hub.define_label("contacts", "companies", "decision MAKER",
                                 category="INTEGRATOR_DEFINED")  # fmt: skip
    with pytest.raises(ConfigError, match="ambiguous") as caught:
        associate_on(hub, pairs(5), label="Decision maker")
    assert f"USER_DEFINED {first}" in str(caught.value)
    assert f"INTEGRATOR_DEFINED {second}" in str(caught.value)
    assert not requests_to(hub, CREATE)
    results = associate_on(hub, pairs(5), label=second)  # its type ID settles it
    assert (results["label"] == "decision MAKER").all()
    assert all(held == {second, 279} for held in types_of(hub, pairs(5)))


def test_a_dry_run_reads_the_labels_and_writes_nothing(hub: Sandbox) -> None:
    results = associate_on(hub, pairs(4), label="primary", dry_run=True)
    assert (results["status"] == "not_sent").all() and (results["label"] == "Primary").all()
    assert [r.method for r in hub.requests] == ["GET"]


# -- label_col ---------------------------------------------------------------------------------


def test_a_label_column_mixes_good_unknown_and_empty_labels(hub: Sandbox) -> None:
    billing, decider = label_id(hub, "Billing contact"), label_id(hub, "Decision maker")
    frame = pd.DataFrame(
        {
            "contact_id": [1, 1, 2, 3, 4, 5, 6, 1, "x"],
            "company_id": [101, 101, 102, 103, 104, 105, 106, 101, 107],
            "role": ["Billing contact", "decision maker", "", None, "Nope", decider,
                     f"USER_DEFINED:{billing}", " billing CONTACT", "Nope"],
        }
    )  # fmt: skip
    results = associate_on(hub, frame, label_col="role")
    status = results["status"].astype(str).tolist()
    assert status == ["associated"] * 4 + ["invalid"] + ["associated"] * 3 + ["invalid"]
    assert results["label"].tolist()[:4] == ["Billing contact", "Decision maker", pd.NA, pd.NA]
    assert results["association_type_id"].tolist()[:4] == [billing, decider, 279, 279]
    assert results.loc[4, "error_category"] == "INVALID_LABEL"
    assert results.loc[4, "error_message"].startswith(
        "role: 'Nope' is not a label of contacts -> companies (labels there: 'Primary'"
    )
    assert pd.isna(results.loc[4, "label"]) and not results.loc[4, "retryable"]
    assert results.loc[8, "error_category"] == "INVALID_ID"  # its ID is the first problem
    assert "role: 'Nope'" in results.loc[8, "error_message"]
    held = hub.associations("contacts", "companies")
    assert held[("1", "101")] == {billing, decider, 279}  # one pair, two labels, both written
    assert held[("2", "102")] == held[("3", "103")] == {279}
    assert ("4", "104") not in held
    assert held[("5", "105")] == {decider, 279} and held[("6", "106")] == {billing, 279}
    sent = sent_typed(hub, CREATE)
    assert len(sent) == 6  # a key per (pair, label): row 7 repeats row 0 and shares its outcome
    assert results.attrs["hubassoc"]["unique_pairs"] == 6
    assert results.attrs["hubassoc"]["counts"]["invalid"] == 2


def test_an_input_column_named_label_is_kept(hub: Sandbox) -> None:
    frame = pairs(2).assign(label=["primary", "Billing contact"])
    results = associate_on(hub, frame, label_col="label")
    assert results["label_input"].tolist() == ["primary", "Billing contact"]
    assert results["label"].tolist() == ["Primary", "Billing contact"]
    with pytest.warns(UserWarning, match="'label' -> 'label_input'"):
        associate_on(hub, frame, label="Primary")


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"label": "Primary", "label_col": "role"}, "not both"),
        ({"label_col": "missing"}, "label_col='missing' is not one column"),
        ({"label_col": "contact_id"}, "also the column of record IDs"),
        ({"label_col": ["role"]}, "give one column name"),
    ],
)
def test_label_arguments_are_checked_before_any_request(
    hub: Sandbox, options: dict[str, Any], words: str
) -> None:
    with pytest.raises(ConfigError, match=words):
        associate_on(hub, pairs(2).assign(role="Primary"), **options)
    assert hub.requests == []


# -- a paired label, mirrors, the sandbox's answer variants -------------------------------------


@pytest.mark.parametrize("api_version", VERSIONS)
def test_both_directions_of_a_paired_label(hub: Sandbox, api_version: str) -> None:
    manager = label_id(hub, "Manager", "contacts", "contacts")
    employee = label_id(hub, "Employee", "contacts", "contacts")
    frame = pd.DataFrame(
        {
            "boss": [1, 4, 7, 8, 10],
            "other": [2, 3, 8, 7, 11],
            "role": ["Manager", "Employee", "Manager", "Manager", "employee"],
        }
    )
    results = associate_on(hub, frame, "contacts", "contacts", from_col="boss", to_col="other",
                           label_col="role", api_version=api_version)  # fmt: skip
    assert (results["status"] == "associated").all()
    assert results["label"].tolist() == ["Manager", "Employee", "Manager", "Manager", "Employee"]
    held = hub.associations("contacts", "contacts")
    assert held[("1", "2")] == {manager, 449} and held[("2", "1")] == {employee, 449}
    assert held[("4", "3")] == {employee, 449} and held[("3", "4")] == {manager, 449}
    assert held[("7", "8")] == held[("8", "7")] == {manager, employee, 449}
    for request in requests_to(hub, CREATE):  # a pair and its mirror never share a batch
        sent = {(i["from"]["id"], i["to"]["id"]) for i in request.body["inputs"]}
        assert not {("7", "8"), ("8", "7")} <= sent


@pytest.mark.parametrize(
    "variant",
    [
        {"create_status": 200},
        {"create_result_ids": "string"},
        {"results_direction": "one"},
        {"error_context": "ids", "create_partial_status": 200},
        {"error_context": "message", "group_errors": True},
    ],
    ids=lambda v: "-".join(f"{k}={v}" for k, v in v.items()),
)
def test_every_answer_variant_is_read(hub: Sandbox, variant: dict[str, Any]) -> None:
    hub.configure(**variant)
    frame = pd.concat([pairs(20), pd.DataFrame({"contact_id": [90_000], "company_id": [5]})],
                      ignore_index=True)  # fmt: skip
    results = associate_on(hub, frame, label="Decision maker")
    assert (results["status"].iloc[:20] == "associated").all()
    assert results.loc[20, "status"] == "failed"
    assert results.loc[20, "error_category"] == "OBJECT_NOT_FOUND"
    assert not results.loc[20, "retryable"]


# -- refusals: limits, unknown types ------------------------------------------------------------


def test_a_label_limit_fails_the_pairs_beyond_it(hub: Sandbox) -> None:
    billing, _ = hub.define_label("contacts", "companies", "Billing site", limit=2)
    frame = pd.DataFrame({"contact_id": [1] * 5 + [2], "company_id": [11, 12, 13, 14, 15, 11]})
    results = associate_on(hub, frame, label="billing site", batch_size=1)
    status = results["status"].astype(str).tolist()
    assert status == ["associated", "associated", "failed", "failed", "failed", "associated"]
    failed = results[results["status"] == "failed"]
    assert (failed["error_category"] == "VALIDATION_ERROR").all()
    assert failed["error_message"].str.contains("maximum of 2 'Billing site'").all()
    assert not failed["retryable"].any()
    assert (failed["association_type_id"] == billing).all()  # what the row asked for
    held = hub.associations("contacts", "companies")
    assert {pair for pair, types in held.items() if billing in types} == {
        ("1", "11"), ("1", "12"), ("2", "11"),
    }  # fmt: skip
    assert ("1", "13") not in held  # nothing of a refused input is stored


@pytest.mark.parametrize("unknown_types", ["per_input", "batch_400"])
def test_a_type_hubspot_does_not_know_fails_its_rows_only(hub: Sandbox, unknown_types: str) -> None:
    """retry() sends the types a frame names without looking them up again."""
    hub.configure(unknown_types=unknown_types)
    frame = pairs(6)
    results = associate_on(hub, frame, label="Primary", dry_run=True)
    results["association_category"] = results["association_category"].where(
        results.index != 2, "USER_DEFINED"
    )
    results["association_type_id"] = results["association_type_id"].where(results.index != 2, 3)
    fixed = retry_on(hub, results)
    assert (
        fixed["status"].astype(str).tolist() == ["associated"] * 2 + ["failed"] + ["associated"] * 3
    )
    assert fixed.loc[2, "error_message"].endswith("USER_DEFINED=3 is not a valid association "
                                                  "definition id")  # fmt: skip
    assert not fixed.loc[2, "retryable"]


# -- removal ----------------------------------------------------------------------------------


@pytest.mark.parametrize("api_version", VERSIONS)
def test_removing_a_label_leaves_the_rest_of_the_association(
    hub: Sandbox, api_version: str
) -> None:
    billing, decider = label_id(hub, "Billing contact"), label_id(hub, "Decision maker")
    frame = pairs(40)
    associate_on(hub, frame, label="Billing contact")
    associate_on(hub, frame.iloc[:10], label="Decision maker")
    results = disassociate_on(hub, frame.iloc[:30], label="billing contact",
                              api_version=api_version, batch_size=7)  # fmt: skip
    assert (results["status"] == "removed").all() and (results["label"] == "Billing contact").all()
    held = types_of(hub, frame)
    assert held[:10] == [{decider, 279}] * 10
    assert held[10:30] == [{279}] * 20  # still associated, without the label
    assert held[30:] == [{billing, 279}] * 10
    removals = requests_to(hub, REMOVE_LABELS)
    assert len(removals) == 5 and not requests_to(hub, "/batch/archive")
    assert {s[2:] for s in sent_typed(hub, REMOVE_LABELS)} == {("USER_DEFINED", billing)}
    assert {r.status for r in removals} == ({204} if api_version == "v4" else {200})
    assert results.attrs["hubassoc"]["operation"] == "disassociate"


def test_removing_the_unlabelled_default_removes_everything(hub: Sandbox) -> None:
    frame = pairs(5)
    associate_on(hub, frame, label="Billing contact")
    results = disassociate_on(hub, frame.iloc[:3], label=279)
    assert (results["status"] == "removed").all() and results["label"].isna().all()
    assert types_of(hub, frame)[:3] == [frozenset()] * 3
    assert hub.associated_pairs("contacts", "companies") == {("4", "104"), ("5", "105")}


def test_a_label_column_removes_row_by_row_and_refuses_empty_cells(hub: Sandbox) -> None:
    billing, decider = label_id(hub, "Billing contact"), label_id(hub, "Decision maker")
    frame = pairs(3)
    associate_on(hub, frame, label="Billing contact")
    associate_on(hub, frame, label="Decision maker")
    removal = frame.assign(role=["Decision maker", "", "Billing contact"])
    results = disassociate_on(hub, removal, label_col="role")
    assert results["status"].astype(str).tolist() == ["removed", "invalid", "removed"]
    assert results.loc[1, "error_category"] == "INVALID_LABEL"
    assert "name the label to remove" in results.loc[1, "error_message"]
    assert types_of(hub, frame) == [{billing, 279}, {billing, decider, 279}, {decider, 279}]


# -- faults, Ctrl-C, journals, retry -------------------------------------------------------------


def test_a_5xx_and_429_storm_is_ridden_out(hub: Sandbox, fast_backoff: RecordingBackoff) -> None:
    frame = pairs(300).assign(role=["Billing contact", "Decision maker", ""] * 100)
    # the first create meets a 429 whatever the order the storm's draws come in (answers
    # shuffled from the same seeded generator make that order depend on timing)
    hub.configure(
        faults=[Fault("429", rate=1.0, times=1, paths=[CREATE]),
                Fault("503_html", rate=0.2, paths=[CREATE]),
                Fault("429", rate=0.1, times=4, paths=[CREATE])],
        retry_after=False,
        seed=3,
    )  # fmt: skip
    results = associate_on(hub, frame, label_col="role", batch_size=20, max_attempts=10,
                           backoff=fast_backoff, rate_limit=(50, 0.1))  # fmt: skip
    assert (results["status"] == "associated").all()
    assert (results["attempts"] > 1).any()
    assert results.attrs["hubassoc"]["rate_limited_responses"] > 0
    wanted = {"Billing contact": label_id(hub, "Billing contact"),
              "Decision maker": label_id(hub, "Decision maker"), "": 279}  # fmt: skip
    assert types_of(hub, frame) == [{wanted[r], 279} for r in frame["role"]]


def test_ctrl_c_keeps_what_is_done_and_the_journal_resumes(hub: Sandbox, tmp_path: Path) -> None:
    frame = pd.concat([pairs(600).assign(role="Billing contact"),
                       pairs(600).assign(role="Decision maker")], ignore_index=True)  # fmt: skip
    path = tmp_path / "labelled.db"
    hub.configure(latency=0.01)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        first = associate_on(hub, frame, label_col="role", journal=path, batch_size=50,
                             max_workers=2, progress=RecordingProgress(stop_after=300))  # fmt: skip
    done = first[first["status"] == "associated"]
    assert 300 <= len(done) < 1_200
    assert set(first["status"].astype(str)) <= {"associated", "not_sent", "unconfirmed"}
    before = len(hub.requests)
    second = associate_on(hub, frame, label_col="role", journal=path, batch_size=50)
    assert (second["status"] == "associated").all()
    assert second.attrs["hubassoc"]["resumed_pairs"] == len(done)
    assert second["label"].equals(first["label"])
    resent = {(f, t, n) for f, t, _, n in sent_typed(hub, CREATE, since=before)}
    done_keys = set(zip(done["from_id"], done["to_id"], done["association_type_id"], strict=True))
    assert not resent & done_keys
    billing, decider = label_id(hub, "Billing contact"), label_id(hub, "Decision maker")
    assert types_of(hub, pairs(600)) == [{billing, decider, 279}] * 600


def test_a_journal_names_its_operation(hub: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "run.db"
    associate_on(hub, pairs(5), journal=path)
    with pytest.raises(JournalMismatchError, match="journal has 'associate/default', this run "
                                                   "'batch/create'"):  # fmt: skip
        associate_on(hub, pairs(5), journal=path, label="Primary")
    labelled = tmp_path / "labelled.db"
    associate_on(hub, pairs(5), journal=labelled, label="Primary")
    again = associate_on(hub, pairs(5), journal=labelled, label="Billing contact")
    assert again.attrs["hubassoc"]["resumed_pairs"] == 0  # another label: another key
    with pytest.raises(JournalMismatchError, match="'batch/labels/archive'"):
        disassociate_on(hub, pairs(5), journal=labelled, label="Primary")


@pytest.mark.parametrize("through_csv", [False, True], ids=["attrs", "csv"])
def test_retry_sends_each_row_again_with_its_label(
    hub: Sandbox, fast_backoff: RecordingBackoff, tmp_path: Path, through_csv: bool
) -> None:
    frame = pairs(40).assign(role=["Primary", "Billing contact", "", "Decision maker"] * 10)
    hub.configure(faults=[Fault("500_json", rate=1.0, paths=[CREATE])])
    results = associate_on(hub, frame, label_col="role", batch_size=10, max_attempts=2,
                           backoff=fast_backoff)  # fmt: skip
    assert (results["status"] == "failed").all() and results["retryable"].all()
    assert results["association_type_id"].notna().all()
    options: dict[str, Any] = {}
    if through_csv:
        results.to_csv(tmp_path / "out.csv", index=False)
        results = pd.read_csv(tmp_path / "out.csv")
        options = {
            "from_type": "contacts",
            "to_type": "companies",
            "base_url": hub.url,
            "operation": "associate",
        }  # every row failed: the statuses cannot tell

    hub.configure(faults=[])
    before = len(hub.requests)
    fixed = retry_on(hub, results, **options)
    assert (fixed["status"] == "associated").all()
    assert {r.method for r in hub.requests[before:]} == {"POST"}  # no label lookup
    wanted = {"Primary": 1, "Billing contact": label_id(hub, "Billing contact"), "": 279,
              "Decision maker": label_id(hub, "Decision maker")}  # fmt: skip
    roles = frame["role"].tolist()
    assert types_of(hub, frame) == [{wanted[r], 279} for r in roles]
    assert fixed["association_type_id"].tolist() == [wanted[r] for r in roles]
    assert fixed.attrs["hubassoc"]["retries"] == 1


def test_retry_of_a_labelled_removal(hub: Sandbox, fast_backoff: RecordingBackoff) -> None:
    frame = pairs(20)
    associate_on(hub, frame, label="Billing contact")
    hub.configure(faults=[Fault("502_html", rate=1.0, paths=[REMOVE_LABELS])])
    results = disassociate_on(hub, frame, label="Billing contact", max_attempts=2,
                              backoff=fast_backoff)  # fmt: skip
    assert (results["status"] == "failed").all()
    hub.configure(faults=[])
    fixed = retry_on(hub, results)
    assert (fixed["status"] == "removed").all()
    assert types_of(hub, frame) == [{279}] * 20


# -- explorer and command line ------------------------------------------------------------------


def test_the_explorer_filters_a_labelled_run(hub: Sandbox) -> None:
    pytest.importorskip("ipywidgets")
    from hubassoc_pandas.explorer.widget import Explorer
    from hubassoc_pandas.results.query import NO_LABEL

    frame = pairs(6).assign(role=["Primary", "Primary", "", "Nope", "Billing contact", ""])
    results = associate_on(hub, frame, label_col="role")
    explorer = Explorer(results, token=hub.token)
    assert explorer.label_filter.layout.display is None
    offered = dict(explorer.label_filter.options)
    assert {"Primary (2)", "Billing contact (1)"} <= set(offered)
    assert offered["(no label) (3)"] is NO_LABEL  # two defaults and the invalid row
    explorer.status_filter.value = ""
    explorer.label_filter.value = "Primary"
    assert "matching rows 1-2 of 2 " in explorer.table.value
    explorer.label_filter.value = NO_LABEL
    assert "matching rows 1-3 of 3 " in explorer.table.value


def test_the_command_line_lists_labels_and_writes_them(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hubassoc_pandas.cli import main

    assert main(["labels", "--from", "contacts", "--to", "contacts", "--api-version", "v4"]) == 0
    out = capsys.readouterr().out
    assert "contacts -> contacts: 3 association types" in out
    assert "Manager" in out and "Employee" in out and "(no label: the default)" in out
    source = tmp_path / "in.csv"
    pd.DataFrame({"c": [1, 2], "co": [3, 4], "r": ["Manager", "nope"]}).to_csv(source)
    argv = ["associate", str(source), "--from", "contacts", "--to", "contacts", "--from-col", "c",
            "--to-col", "co", "--no-progress"]  # fmt: skip
    assert main([*argv, "--label", "employee"]) == 0
    assert main([*argv, "--label", "boss"]) == 2
    assert "--label 'boss' is not a label of contacts -> contacts" in capsys.readouterr().err
    assert main([*argv, "--label-col", "r", "--out", str(tmp_path / "out.csv")]) == 1
    written = pd.read_csv(tmp_path / "out.csv")
    assert written["status"].tolist() == ["associated", "invalid"]
    assert written["label"].tolist()[0] == "Manager"


def test_the_command_line_removes_one_label_after_asking(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hubassoc_pandas.cli import main

    billing = label_id(cli_hub, "Billing contact")
    source = tmp_path / "in.csv"
    pd.DataFrame({"c": [1, 2], "co": [3, 4]}).to_csv(source, index=False)
    argv = ["--from", "contacts", "--to", "companies", "--from-col", "c", "--to-col", "co",
            "--no-progress", "--label", "Billing contact"]  # fmt: skip
    assert main(["associate", str(source), *argv]) == 0
    assert main(["disassociate", str(source), *argv]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert not requests_to(cli_hub, REMOVE_LABELS)
    assert main(["disassociate", str(source), *argv, "--yes"]) == 0
    assert cli_hub.associations("contacts", "companies") == {("1", "3"): {279}, ("2", "4"): {279}}
    assert {s[3] for s in sent_typed(cli_hub, REMOVE_LABELS)} == {billing}


def test_a_labelled_run_never_shows_the_token(tmp_path: Path) -> None:
    token, wrong = "pat-na1-5a6b7c8d-label-safe-0001", "pat-na1-9f8e7d6c-label-safe-0002"
    with running_hub(tokens={token: None}) as hub:
        journal = tmp_path / "run.db"
        frame = pairs(50).assign(role=["Primary", "nope"] * 25)
        results = associate_on(hub, frame, label_col="role", token=token, journal=journal)
        with pytest.raises(AuthenticationError) as caught:
            labels_on(hub, token=wrong)
        with pytest.raises(AuthenticationError) as refused:
            associate_on(hub, frame, label="Primary", token=wrong)
    texts = [
        json.dumps(results.attrs),
        results.to_csv(),
        str(caught.value),
        repr(caught.value),
        json.dumps(caught.value.body),
        "".join(traceback.format_exception(caught.value)),
        "".join(traceback.format_exception(refused.value)),
        journal.read_bytes().decode("utf-8", "replace"),
    ]
    for text in texts:
        assert token not in text and wrong not in text
        assert "label-safe" not in text
