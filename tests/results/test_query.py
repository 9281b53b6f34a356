"""Pure questions about a results frame (hubassoc_pandas.results.query) and the explorer's pure
helpers, for any operation: table-driven, on hand-made frames with ``removed`` as the success
word, a ``label`` column and input columns of several dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from explorer_frames import REMOVAL_STATUSES, frame, removal_frame

from hubassoc_pandas.explorer import view
from hubassoc_pandas.explorer.rows import row_detail, table_columns
from hubassoc_pandas.results.query import (
    NEEDS_ATTENTION,
    NO_LABEL,
    attention_mask,
    label_choices,
    label_counts,
    match_mask,
    opening_status,
    search_mask,
    status_choices,
    status_counts,
    statuses_of,
    user_columns,
)

REMOVAL = removal_frame()
ALL = list(range(len(REMOVAL)))

# -- statuses -------------------------------------------------------------------------------


def test_statuses_follow_the_frames_categories() -> None:
    assert statuses_of(REMOVAL) == list(REMOVAL_STATUSES)
    table = status_counts(REMOVAL)
    assert table.index.tolist() == list(REMOVAL_STATUSES)  # no "associated" here
    assert table["rows"].tolist() == [3, 1, 1, 1, 1]
    assert table.loc["removed", "share"] == round(3 / 7, 4)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["failed", "associated", "failed"], ["associated", "failed"]),
        (
            ["removed", "not_sent", "invalid", "unconfirmed", "failed", "merged"],
            ["merged", "removed", "failed", "unconfirmed", "not_sent", "invalid"],
        ),
        ([], []),
    ],
)
def test_statuses_of_a_plain_column(values: list[str], expected: list[str]) -> None:
    plain = pd.DataFrame({"status": pd.Series(values, dtype=object)})  # e.g. read from CSV
    assert statuses_of(plain) == expected
    assert status_counts(plain).index.tolist() == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["associated", "removed", "merged"], [False, False, False]),
        (["failed", "unconfirmed", "not_sent", "invalid"], [True, True, True, True]),
        (["removed", "failed", "removed"], [False, True, False]),
        ([], []),
    ],
)
@pytest.mark.parametrize("categorical", [True, False])
def test_attention_mask_any_other_status_is_a_success(
    values: list[str], expected: list[bool], categorical: bool
) -> None:
    column = pd.Categorical(values) if categorical else pd.Series(values, dtype=object)
    assert attention_mask(pd.DataFrame({"status": column})).tolist() == expected


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        (frame(), NEEDS_ATTENTION),
        (REMOVAL, NEEDS_ATTENTION),
        (REMOVAL.iloc[[0, 1, 5]], None),  # every row removed
        (frame().iloc[[0]], None),  # every row associated
        (REMOVAL.iloc[:0], None),
    ],
)
def test_opening_status(results: pd.DataFrame, expected: Any) -> None:
    assert opening_status(results) is expected


def test_status_choices_put_the_rows_needing_attention_first() -> None:
    assert status_choices(REMOVAL) == [
        (NEEDS_ATTENTION, "needs attention", 4),
        ("failed", "failed", 1),
        ("unconfirmed", "unconfirmed", 1),
        ("not_sent", "not_sent", 1),
        ("invalid", "invalid", 1),
        ("removed", "removed", 3),
    ]
    associate = [(value, rows) for value, _, rows in status_choices(frame())]
    assert associate[0] == (NEEDS_ATTENTION, 6)
    assert associate[-1] == ("associated", 1)


# -- labels ---------------------------------------------------------------------------------


def test_label_counts_most_frequent_first_then_no_label() -> None:
    table = label_counts(REMOVAL)
    assert table["label"].tolist()[:2] == ["Billing contact", "Decision maker"]  # tie: by name
    assert table["label"].isna().tolist() == [False, False, True]
    assert table["rows"].tolist() == [2, 2, 3]  # missing and blank labels count as none
    assert table["share"].tolist() == [round(n / 7, 4) for n in (2, 2, 3)]
    assert label_choices(REMOVAL) == [
        ("Billing contact", "Billing contact", 2),
        ("Decision maker", "Decision maker", 2),
        (NO_LABEL, "(no label)", 3),
    ]


@pytest.mark.parametrize("results", [frame(), removal_frame(label=False)])
def test_no_label_column_no_label_choices(results: pd.DataFrame) -> None:
    assert label_counts(results).empty
    assert label_choices(results) == []
    assert match_mask(results, label=NO_LABEL).all()  # no row has a label
    assert not match_mask(results, label="Billing contact").any()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ALL),
        ({"label": "Billing contact"}, [0, 3]),
        ({"label": "billing contact"}, []),  # a label is matched exactly
        ({"label": NO_LABEL}, [1, 4, 6]),
        ({"label": ""}, ALL),
        ({"label": None}, ALL),
        ({"status": NEEDS_ATTENTION}, [2, 3, 4, 6]),
        ({"status": NEEDS_ATTENTION, "label": NO_LABEL}, [4, 6]),
        ({"status": "removed"}, [0, 1, 5]),
        ({"status": "associated"}, []),  # not a status of this run
        ({"status": "removed", "label": "Decision maker"}, [5]),
        ({"category": "OBJECT_NOT_FOUND", "label": "Decision maker"}, [2]),
        ({"label": "Decision maker", "search": "26"}, [5]),
    ],
)
def test_match_mask_on_a_labelled_removal(filters: dict[str, Any], expected: list[int]) -> None:
    assert np.flatnonzero(match_mask(REMOVAL, **filters)).tolist() == expected


# -- free-text search -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("billing", [0, 3]),  # the label, any case
        ("DECISION", [2, 5]),
        ("chloé", [2]),  # a string column of the input
        ("CHLOÉ", [2]),
        ("vip", [1, 6]),  # an object column: "VIP list" and "vip"
        ("abc", [5]),
        ("2.5", [4]),  # non-text values of an object column are searched as text
        ("south", [1, 5]),  # a categorical column
        ("12345", []),  # a numeric column is not searched
        ("83", [2]),  # an ID
    ],
)
def test_search_covers_labels_and_the_inputs_text_columns(text: str, expected: list[int]) -> None:
    assert np.flatnonzero(search_mask(REMOVAL, text)).tolist() == expected


def test_search_columns_with_repeated_names() -> None:
    extra = pd.DataFrame({"owner": ["zed"] + [""] * 6}, index=REMOVAL.index)
    twice = pd.concat([REMOVAL, extra], axis=1)
    assert list(twice.columns).count("owner") == 2
    assert np.flatnonzero(search_mask(twice, "zed")).tolist() == [0]
    assert np.flatnonzero(search_mask(twice, "gus")).tolist() == [6]


# -- the explorer's row helpers -------------------------------------------------------------


def test_the_label_is_a_result_column_shown_after_the_status() -> None:
    assert user_columns(REMOVAL) == ["owner", "note", "region", "score"]
    assert table_columns(REMOVAL, 2) == [
        "from_id",
        "to_id",
        "status",
        "label",
        "error_category",
        "error_message",
        "http_status",
        "attempts",
        "owner",
        "note",
    ]


@pytest.mark.parametrize(("position", "label"), [(0, "Billing contact"), (1, None)])
def test_row_detail_includes_the_label(position: int, label: str | None) -> None:
    detail = row_detail(REMOVAL, position)
    assert detail is not None
    assert detail["label"] == label and detail["status"] == "removed"
    assert "label" not in (row_detail(frame(), 0) or {})


# -- rendering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (REMOVAL.attrs["hubassoc"], "hubassoc results, disassociate contacts → companies: 7 rows"),
        (
            {"operation": "associate", "from_type": "deals", "to_type": "companies"},
            "hubassoc results, associate deals → companies: 7 rows",
        ),
        (frame().attrs["hubassoc"], "hubassoc results, contacts → companies: 7 rows"),
        (None, "hubassoc results, ? → ?: 7 rows"),
        ("not a record", "hubassoc results, ? → ?: 7 rows"),
    ],
)
def test_title_names_the_operation(record: Any, expected: str) -> None:
    assert view.title(record, 7) == expected


def test_every_status_word_gets_a_colour() -> None:
    assert view.status_colour("failed") == view.STATUS_COLOURS["failed"]
    removed = view.status_colour("removed")
    assert removed not in view.STATUS_COLOURS.values()
    other = view.status_colour("merged")  # a success word without a colour of its own
    assert other not in {removed, *view.STATUS_COLOURS.values()}
    html_text = view.counts_html(status_counts(REMOVAL), pd.DataFrame(), "t")
    assert removed in html_text and "removed: 3" in html_text


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (
            status_counts(REMOVAL),
            "4 rows need attention (failed, unconfirmed, not_sent or invalid)",
        ),
        (status_counts(frame().iloc[[1]]), "1 row needs attention"),
        (status_counts(REMOVAL.iloc[[0, 1]]), "no row needs attention"),
        (status_counts(pd.DataFrame({"status": pd.Series([], dtype=object)})), "no rows"),
    ],
)
def test_attention_text(statuses: pd.DataFrame, expected: str) -> None:
    assert view.attention_text(statuses).startswith(expected)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"failed": 3, "removed": 1}, {"failed": 1, "removed": 3}, "failed 3 → 1, removed 1 → 3"),
        ({"failed": 2}, {"failed": 2}, "no change"),
        ({"failed": 2}, {"failed": 0, "removed": 2}, "failed 2 → 0, removed 0 → 2"),
    ],
)
def test_changes_text(before: dict[str, int], after: dict[str, int], expected: str) -> None:
    assert view.changes_text(pd.Series(before), pd.Series(after)) == expected


def test_message_hides_secrets_and_escapes() -> None:
    text = view.message_html("<b>pat-1</b> and pat-2", error=True, secrets=["pat-1", None, "pat-2"])
    assert "pat-1" not in text and "pat-2" not in text
    assert "&lt;b&gt;***&lt;/b&gt; and ***" in text
    assert view.status_colour("failed") in text


def test_dropdown_options() -> None:
    options = view.dropdown_options("any label", label_choices(REMOVAL))
    assert options == [
        ("any label", ""),
        ("Billing contact (2)", "Billing contact"),
        ("Decision maker (2)", "Decision maker"),
        ("(no label) (3)", NO_LABEL),
    ]
