"""Pure tables: reading a label into its association type, a label column row by row, keys of
(from, to, label) in the plan, and what a batch/create answer confirms or refuses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.inputs.plan import make_plan, take_without_mirrors
from hubassoc_pandas.jobs.labels.resolve import (
    describe_types,
    label_setting,
    resolve_label,
    resolve_label_column,
)
from hubassoc_pandas.operations.archive_labels import ArchiveLabels
from hubassoc_pandas.operations.create_labelled import CreateLabelled, read_holdings
from hubassoc_pandas.operations.label_list import LabelType, parse_label_list
from hubassoc_pandas.transport.responses import ApiResponse

DEFAULT = LabelType("HUBSPOT_DEFINED", 279, None)
PRIMARY = LabelType("HUBSPOT_DEFINED", 1, "Primary")
BILLING = LabelType("USER_DEFINED", 28, "Billing contact")
DECIDER = LabelType("USER_DEFINED", 29, "Decision maker")
#: A second "Decision maker" and a type ID two categories share.
TWIN = LabelType("INTEGRATOR_DEFINED", 30, "decision maker ")
SHARED_ID = LabelType("INTEGRATOR_DEFINED", 28, "Reseller")
TYPES = [DEFAULT, PRIMARY, BILLING, DECIDER]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Billing contact", BILLING),
        ("  bILLING CONTACT ", BILLING),  # any case, spaces around ignored
        ("primary", PRIMARY),
        (28, BILLING),
        (np.int64(29), DECIDER),
        (28.0, BILLING),  # a whole float, as a CSV column with gaps reads
        ("28", BILLING),
        (279, DEFAULT),  # the unlabelled default by its type ID
        (("USER_DEFINED", 28), BILLING),
        (["user_defined", "28"], BILLING),
        ("USER_DEFINED:28", BILLING),
        ("hubspot_defined=1", PRIMARY),
        (PRIMARY, PRIMARY),
    ],
)
def test_a_label_resolves_by_name_id_or_pair(given: Any, expected: LabelType) -> None:
    assert resolve_label(given, TYPES, "contacts", "companies") == expected


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("Billing", "'Billing' is not a label of contacts -> companies"),
        (31, "label=31 is not a label"),
        (("HUBSPOT_DEFINED", 28), "('HUBSPOT_DEFINED', 28) is not a label"),  # wrong category
        (("USER_DEFINED",), "is not a (category, type_id) pair"),
        (("USER_DEFINED", "x"), "is not a (category, type_id) pair"),
        (2.5, "is not a type ID"),
        (-1, "is not a type ID"),
        (True, "is a bool"),
        ({"a": 1}, "is a dict"),
        ("", "leave label=None for the unlabelled default"),
        ("  ", "give a name as HubSpot shows it"),
    ],
)
def test_a_label_that_names_no_type_is_refused_listing_those_that_exist(
    given: Any, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_label(given, TYPES, "contacts", "companies")
    message = str(caught.value)
    assert words in message
    if given not in ("", "  "):
        assert "'Billing contact' (USER_DEFINED 28)" in message
        assert "the unlabelled default (HUBSPOT_DEFINED 279)" in message
        assert "hubassoc_pandas.labels(from_type, to_type) lists them" in message


def test_ambiguous_names_and_ids_are_refused_and_a_pair_settles_them() -> None:
    types = [*TYPES, TWIN, SHARED_ID]
    with pytest.raises(ConfigError, match=r"ambiguous .* give its type ID instead"):
        resolve_label("Decision Maker", types, "contacts", "companies")
    with pytest.raises(ConfigError, match=r"ambiguous .* give its \(category, type_id\) pair"):
        resolve_label(28, types, "contacts", "companies")
    assert resolve_label(30, types, "contacts", "companies") == TWIN
    assert resolve_label(("INTEGRATOR_DEFINED", 28), types, "c", "d") == SHARED_ID


def test_describe_types_puts_the_default_last() -> None:
    assert describe_types([]) == "none"
    assert describe_types([DEFAULT]) == "the unlabelled default (HUBSPOT_DEFINED 279)"
    assert describe_types([DEFAULT, BILLING]).startswith("'Billing contact' (USER_DEFINED 28) and")


def test_label_setting_is_json_serialisable() -> None:
    assert label_setting(np.int64(5)) == 5
    assert label_setting(("USER_DEFINED", np.int64(28))) == ["USER_DEFINED", 28]
    assert label_setting(BILLING) == ["USER_DEFINED", 28]
    assert label_setting("Billing") == "Billing"
    assert label_setting(None) is None


def test_a_label_column_reads_each_distinct_value_once() -> None:
    values = pd.Series(
        ["Billing contact", None, "billing CONTACT", 29, "nope", "", np.nan, "nope", " "],
        dtype=object,
    )
    read = resolve_label_column(values, TYPES, "contacts", "companies", blank=DEFAULT,
                                column="role")  # fmt: skip
    named = [read.table[tag] if tag >= 0 else None for tag in read.tags.tolist()]
    assert named == [BILLING, DEFAULT, BILLING, DECIDER, None, DEFAULT, DEFAULT, None, DEFAULT]
    assert len(read.table) == 3
    assert read.problems[4] == read.problems[7]
    assert read.problems[4].startswith("role: 'nope' is not a label of contacts -> companies")
    assert "(labels there: 'Primary' (HUBSPOT_DEFINED 1)" in read.problems[4]
    assert [p is None for p in read.problems] == [True] * 4 + [False, True, True, False, True]


def test_blank_cells_may_be_refused() -> None:
    values = pd.Series(["Primary", None, ""], dtype="string")
    read = resolve_label_column(values, TYPES, "contacts", "companies",
                                blank="no label given", column="role")  # fmt: skip
    assert read.tags.tolist() == [0, -1, -1]
    assert read.problems.tolist() == [None, "role: no label given", "role: no label given"]


def test_parse_label_list_skips_what_it_cannot_read() -> None:
    body = {
        "results": [
            {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
            {"category": "USER_DEFINED", "typeId": "28", "label": "Billing contact",
             "fromObjectTypeId": "0-1", "toObjectTypeId": "0-2"},
            {"category": "USER_DEFINED", "typeId": True, "label": "x"},
            {"category": None, "typeId": 3, "label": "y"},
            {"category": "USER_DEFINED", "typeId": 4, "label": "  "},
            "junk",
        ]
    }  # fmt: skip
    assert parse_label_list(body, "contacts", "companies") == [
        DEFAULT,
        BILLING,
        LabelType("USER_DEFINED", 4, None),
    ]


# -- keys of (from, to, label) ---------------------------------------------------------------


def test_tags_split_a_pair_into_keys_and_leave_unlabelled_plans_alone() -> None:
    from_ids, to_ids = pd.Series([1, 1, 1, 2, 2, None]), pd.Series([7, 7, 7, 8, 8, 9])
    plain = make_plan(from_ids, to_ids)
    assert plain.pair_tag is None and plain.n_pairs == 2
    tags = np.array([0, 1, 0, 1, -1, 0])
    problems = np.array([None, None, None, None, "role: 'x' is not a label", None], dtype=object)
    plan = make_plan(from_ids, to_ids, tags=tags, tag_problems=problems)
    assert plan.pair_of_row.tolist() == [0, 1, 0, 2, -1, -1]
    assert plan.pair_from.tolist() == [1, 1, 2] and plan.pair_tag.tolist() == [0, 1, 1]
    assert plan.rows_of_pair.tolist() == [2, 1, 1]
    assert plan.row_problem[4] == "role: 'x' is not a label"
    assert plan.row_problem[5] == "from: missing value"  # the ID's problem, the label fine
    both = make_plan(pd.Series([None]), pd.Series([1]), tags=np.array([-1]),
                     tag_problems=np.array(["role: bad"], dtype=object))  # fmt: skip
    assert both.row_problem[0] == "from: missing value; role: bad"


def test_mirrors_never_share_a_batch_but_two_labels_of_a_pair_may() -> None:
    pair_from, pair_to = np.array([1, 2, 1, 5]), np.array([2, 1, 2, 5])
    assert take_without_mirrors(pair_from, pair_to, [0, 1, 2, 3], 10) == ([0, 2, 3], [1])
    assert take_without_mirrors(pair_from, pair_to, [1, 0, 3], 2) == ([1, 3], [0])


# -- what a batch/create answer says ----------------------------------------------------------


def _create(pairs: list[tuple[int, int]], types: list[LabelType], tags: list[int]) -> Any:
    plan = make_plan(
        pd.Series([p[0] for p in pairs]), pd.Series([p[1] for p in pairs]), tags=np.array(tags)
    )
    op = CreateLabelled("contacts", "companies", "2026-03", plan, types)
    keys = np.arange(plan.n_pairs)
    return op, keys, op.encode(keys)


def _decode(op: Any, keys: Any, encoded: Any, body: Any) -> Any:
    return op.decode(ApiResponse(status=201, body=body), keys, encoded)


def test_requests_always_carry_the_category_and_one_type() -> None:
    op, keys, encoded = _create([(1, 7), (1, 7), (2, 8)], [BILLING, DEFAULT], [0, 1, 1])
    assert encoded.payload == {
        "inputs": [
            {"from": {"id": "1"}, "to": {"id": "7"}, "types": [BILLING.spec()]},
            {"from": {"id": "1"}, "to": {"id": "7"}, "types": [DEFAULT.spec()]},
            {"from": {"id": "2"}, "to": {"id": "8"}, "types": [DEFAULT.spec()]},
        ]
    }
    assert op.journal_keys(keys) == [
        "1:7:USER_DEFINED=28",
        "1:7:HUBSPOT_DEFINED=279",
        "2:8:HUBSPOT_DEFINED=279",
    ]
    found, positions = op.find_in_journal(["2:8:HUBSPOT_DEFINED=279", "1:7:USER_DEFINED=29"])
    assert found.tolist() == [2] and positions.tolist() == [0]


@pytest.mark.parametrize(
    ("results", "confirmed"),
    [
        # IDs as numbers or strings, labels in any case
        ([{"fromObjectId": 1, "toObjectId": 7, "labels": ["billing contact"]}], [0]),
        ([{"fromObjectId": "1", "toObjectId": "7", "labels": ["Billing contact"]}], [0]),
        ([{"from": {"id": "1"}, "to": {"id": "7"}, "labels": ["Billing contact"]}], [0]),
        # the pair listed without the label asked for confirms nothing
        ([{"fromObjectId": 1, "toObjectId": 7, "labels": ["Decision maker"]}], []),
        ([{"fromObjectId": 1, "toObjectId": 7, "labels": []}], []),
        # listed from the other end only: not this direction's proof
        ([{"fromObjectId": 7, "toObjectId": 1, "labels": ["Billing contact"]}], []),
        # named by type instead of by label
        ([{"fromObjectId": 1, "toObjectId": 7,
           "associationTypes": [{"category": "USER_DEFINED", "typeId": 28}]}], [0]),
        ([{"fromObjectId": 1, "toObjectId": 7,
           "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                               "associationTypeId": 28}}], []),
        # the unlabelled default: any listing of the pair
        ([{"fromObjectId": 2, "toObjectId": 8, "labels": []}], [1]),
        ([{"fromObjectId": 2.0, "toObjectId": True, "labels": []}, "junk"], []),
    ],
)  # fmt: skip
def test_a_result_confirms_a_key_only_when_it_holds_the_label_asked_for(
    results: list[Any], confirmed: list[int]
) -> None:
    op, keys, encoded = _create([(1, 7), (2, 8)], [BILLING, DEFAULT], [0, 1])
    decoded = _decode(op, keys, encoded, {"status": "COMPLETE", "results": results})
    assert decoded.succeeded.tolist() == confirmed
    assert sorted(decoded.open.tolist()) == sorted({0, 1} - set(confirmed))


def test_errors_refuse_by_pair_and_by_the_label_they_name() -> None:
    op, keys, encoded = _create([(1, 7), (1, 7), (2, 8), (3, 9)], [BILLING, DECIDER], [0, 1, 0, 0])
    limit = {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "subCategory": "crm.associations.ASSOCIATION_LIMIT_EXCEEDED",
        "message": "contact 1 already has the maximum of 1 'Decision maker' associations",
        "context": {"fromObjectId": ["1"], "toObjectId": ["7"]},
    }
    unknown = {
        "category": "VALIDATION_ERROR",
        "message": "USER_DEFINED=28 is not a valid association definition id",
        "context": {"fromObjectId": ["2"], "toObjectId": ["8"]},
    }
    nowhere = {"category": "VALIDATION_ERROR", "message": "USER_DEFINED=9 is not valid"}
    body = {
        "results": [{"fromObjectId": 1, "toObjectId": 7, "labels": ["Billing contact"]}],
        "errors": [limit, unknown, nowhere],
    }
    decoded = _decode(op, keys, encoded, body)
    assert decoded.succeeded.tolist() == [0]
    refused = {info.message: positions for info, positions in decoded.refused.items()}
    assert refused == {limit["message"]: [1], unknown["message"]: [2]}
    assert all(not info.retryable for info in decoded.refused)
    assert decoded.open.tolist() == [3]  # "USER_DEFINED=9" is no record ID
    assert [info.message for info in decoded.unattributed] == [nowhere["message"]]


def test_an_error_naming_a_pair_of_two_keys_but_no_label_refuses_both() -> None:
    op, keys, encoded = _create([(1, 7), (1, 7)], [BILLING, DECIDER], [0, 1])
    missing = {"category": "OBJECT_NOT_FOUND", "message": "No contact 1",
               "context": {"fromObjectId": ["1"]}}  # fmt: skip
    decoded = _decode(op, keys, encoded, {"results": [], "errors": [missing]})
    assert list(decoded.refused.values()) == [[0, 1]]


def test_label_removal_counts_every_key_not_refused() -> None:
    plan = make_plan(pd.Series([1, 2]), pd.Series([7, 8]))
    op = ArchiveLabels("contacts", "companies", "v4", plan, [BILLING])
    keys = np.arange(2)
    encoded = op.encode(keys)
    assert op.path() == "crm/v4/associations/contacts/companies/batch/labels/archive"
    assert op.empty_ok and op.success == "removed" and op.name == "batch/labels/archive"
    decoded = op.decode(ApiResponse(status=204), keys, encoded)
    assert decoded.succeeded.tolist() == [0, 1]
    error = {"category": "OBJECT_NOT_FOUND", "message": "no contact 2",
             "context": {"fromObjectId": ["2"]}}  # fmt: skip
    decoded = op.decode(ApiResponse(status=200, body={"results": [], "errors": [error]}),
                        keys, encoded)  # fmt: skip
    assert decoded.succeeded.tolist() == [0] and list(decoded.refused.values()) == [[1]]


def test_read_holdings_gathers_every_listing_of_a_pair() -> None:
    held = read_holdings(
        [
            {"fromObjectId": 1, "toObjectId": 7, "labels": ["Billing contact"]},
            {"fromObjectId": 1, "toObjectId": 7, "labels": ["Decision maker", 5]},
            {"fromObjectId": None, "toObjectId": 7},
        ]
    )
    assert held == {(1, 7): ({"billing contact", "decision maker"}, set())}
    assert read_holdings(None) == {} and read_holdings({"a": 1}) == {}
