"""The results explorer: pure filter/count/page functions (table-driven) and the widget,
driven headlessly through its controls' state, against a sandbox on 127.0.0.1."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import pandas as pd
import pytest
from explorer_frames import frame as _frame
from explorer_frames import removal_frame
from hubassoc_testkit import associate_on, running_hub, stored_pairs

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas.explorer.view import status_colour
from hubassoc_pandas.explorer.widget import (
    DEFAULT_EXPORT_PATH,
    NEEDS_ATTENTION,
    NO_LABEL,
    STATUS_COLOURS,
    Explorer,
    category_counts,
    export_rows,
    match_mask,
    page_of,
    retry_mask,
    row_detail,
    search_mask,
    status_counts,
    table_columns,
)
from hubassoc_pandas.results.schema import STATUSES
from hubassoc_pandas.sandbox import Fault, Sandbox

# -- pure functions -------------------------------------------------------------------------


def test_status_counts_lists_every_status_in_order() -> None:
    table = status_counts(_frame())
    assert table.index.tolist() == list(STATUSES)
    assert table["rows"].tolist() == [1, 3, 1, 1, 1]
    assert table["share"].tolist() == [round(n / 7, 4) for n in (1, 3, 1, 1, 1)]


def test_status_counts_of_an_empty_frame() -> None:
    table = status_counts(_frame().iloc[:0])
    assert table["rows"].sum() == 0
    assert (table["share"] == 0).all()


def test_category_counts_most_frequent_first_ties_by_name() -> None:
    table = category_counts(_frame())
    assert table["error_category"].tolist() == [
        "RATE_LIMIT",
        "INTERRUPTED",
        "INVALID_ID",
        "OBJECT_NOT_FOUND",
        "UNCONFIRMED",
    ]
    assert table["rows"].tolist() == [2, 1, 1, 1, 1]
    assert table.loc[0, "share"] == round(2 / 7, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [0, 1, 2, 3, 4, 5, 6]),
        ("   ", [0, 1, 2, 3, 4, 5, 6]),
        ("12", [1]),  # from_id, and the message "No contact with ID 12"
        ("7", [0, 1, 2, 3, 4, 5, 6]),  # every to_id starts with 7
        ("74", [3]),  # to_id of the invalid row (from_id missing)
        ("too many", [2, 4]),  # message, any case
        ("TOO MANY", [2, 4]),
        ("(a+b)", [2, 4]),  # literal, not a regular expression
        ("corr-b", [2, 4]),  # correlation ID
        ("nothing like this", []),
    ],
)
def test_search_mask(text: str, expected: list[int]) -> None:
    assert np.flatnonzero(search_mask(_frame(), text)).tolist() == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [0, 1, 2, 3, 4, 5, 6]),
        ({"status": "failed"}, [1, 2, 4]),
        ({"status": ""}, [0, 1, 2, 3, 4, 5, 6]),
        ({"category": "RATE_LIMIT"}, [2, 4]),
        ({"status": "failed", "category": "OBJECT_NOT_FOUND"}, [1]),
        ({"status": "associated", "category": "RATE_LIMIT"}, []),
        ({"status": "failed", "search": "15"}, [4]),
        ({"category": "INVALID_ID", "search": "74"}, [3]),
    ],
)
def test_match_mask(filters: dict[str, str], expected: list[int]) -> None:
    assert np.flatnonzero(match_mask(_frame(), **filters)).tolist() == expected


def test_retry_mask_matches_what_retry_resends() -> None:
    # failed and retryable (2, 4), unconfirmed (5), not_sent (6); not the 404 nor invalid
    assert np.flatnonzero(retry_mask(_frame())).tolist() == [2, 4, 5, 6]


@pytest.mark.parametrize(
    ("mask", "number", "size", "positions", "page", "pages"),
    [
        ([True] * 5, 0, 2, [0, 1], 0, 3),
        ([True] * 5, 2, 2, [4], 2, 3),
        ([True] * 5, 9, 2, [4], 2, 3),  # past the end: the last page
        ([True] * 5, -3, 2, [0, 1], 0, 3),
        ([False, True, False, True], 0, 10, [1, 3], 0, 1),
        ([False] * 4, 0, 10, [], 0, 1),
        ([], 0, 10, [], 0, 1),
    ],
)
def test_page_of(
    mask: list[bool], number: int, size: int, positions: list[int], page: int, pages: int
) -> None:
    got = page_of(np.array(mask, dtype=bool), number, size)
    assert (got.positions.tolist(), got.number, got.pages) == (positions, page, pages)
    assert got.matches == sum(mask)


def test_page_caption() -> None:
    assert page_of(np.ones(45, dtype=bool), 1, 20).caption == (
        "matching rows 21-40 of 45 (page 2 of 3)"
    )
    assert page_of(np.zeros(3, dtype=bool), 0, 20).caption == "no matching rows"


@pytest.mark.parametrize(
    ("own", "limit", "extra"),
    [
        ({"a": [0] * 7}, 3, ["a"]),
        ({"a": [0] * 7, "b": [0] * 7, "c": [0] * 7, "d": [0] * 7}, 3, ["a", "b", "c"]),
        ({"a": [0] * 7, "b": [0] * 7}, 0, []),
    ],
)
def test_table_columns(own: dict[str, list[int]], limit: int, extra: list[str]) -> None:
    columns = table_columns(_frame(own), limit)
    assert columns == [
        "from_id",
        "to_id",
        "status",
        "error_category",
        "error_message",
        "http_status",
        "attempts",
        *extra,
    ]


def test_row_detail_pretty_prints_the_error_object() -> None:
    detail = row_detail(_frame(), 1)
    assert detail is not None
    assert detail["index"] == "r1"
    assert detail["correlation_id"] == "corr-A"
    assert detail["batch"] == 1 and detail["attempts"] == 1
    assert json.loads(detail["error_detail"])["context"] == {"fromObjectId": ["12"]}
    assert "\n  " in detail["error_detail"]  # indented


@pytest.mark.parametrize(
    ("position", "error_detail"),
    [(0, None), (4, "<html>not json</html>")],  # no error object; not JSON: kept verbatim
)
def test_row_detail_without_json(position: int, error_detail: str | None) -> None:
    detail = row_detail(_frame(), position)
    assert detail is not None and detail["error_detail"] == error_detail


@pytest.mark.parametrize("position", [-1, 7, 100])
def test_row_detail_outside_the_frame(position: int) -> None:
    assert row_detail(_frame(), position) is None


def test_export_rows_writes_the_masked_rows(tmp_path: Path) -> None:
    frame = _frame()
    written = export_rows(frame, match_mask(frame, status="failed"), tmp_path / "sub" / "f.csv")
    assert written == (tmp_path / "sub" / "f.csv").resolve()
    back = pd.read_csv(written, index_col=0, dtype=str)
    assert back.index.tolist() == ["r1", "r2", "r4"]
    assert back["from_id"].tolist() == ["12", "13", "15"]


# -- the widget, headless -------------------------------------------------------------------


def _shown_positions(explorer: Explorer) -> list[int]:
    return explorer._page.positions.tolist()


def test_filters_change_the_rows_shown() -> None:
    explorer = Explorer(_frame(), page_size=50, opens_on="all")
    assert "matching rows 1-7 of 7" in explorer.table.value
    explorer.status_filter.value = "failed"
    assert _shown_positions(explorer) == [1, 2, 4]
    assert "matching rows 1-3 of 3" in explorer.table.value
    assert "No contact with ID 12" in explorer.table.value
    assert "user0" not in explorer.table.value  # the associated row is filtered out
    explorer.category_filter.value = "RATE_LIMIT"
    assert _shown_positions(explorer) == [2, 4]
    explorer.search_box.value = "15"
    assert _shown_positions(explorer) == [4]
    assert len(explorer.filtered) == 1
    explorer.status_filter.value = ""
    explorer.category_filter.value = ""
    explorer.search_box.value = ""
    assert _shown_positions(explorer) == list(range(7))


def test_filter_choices_carry_counts() -> None:
    explorer = Explorer(_frame())
    assert ("failed (3)", "failed") in explorer.status_filter.options
    assert explorer.category_filter.options[1] == ("RATE_LIMIT (2)", "RATE_LIMIT")


def test_paging() -> None:
    explorer = Explorer(_frame(), page_size=3, opens_on="all")
    assert _shown_positions(explorer) == [0, 1, 2]
    assert explorer.prev_button.disabled and not explorer.next_button.disabled
    explorer.next_button.click()
    explorer.next_button.click()
    assert _shown_positions(explorer) == [6]
    assert explorer.next_button.disabled
    explorer.prev_button.click()
    assert _shown_positions(explorer) == [3, 4, 5]
    assert explorer.page_box.value == 2
    explorer.page_box.value = 1
    assert _shown_positions(explorer) == [0, 1, 2]
    explorer.status_filter.value = "failed"  # a new filter starts at page 1
    assert _shown_positions(explorer) == [1, 2, 4]


def test_detail_shows_the_chosen_rows_error() -> None:
    explorer = Explorer(_frame())
    explorer.status_filter.value = "failed"
    assert explorer.row_picker.value == 1  # follows the first shown row
    assert "corr-A" in explorer.detail.value
    assert "&quot;fromObjectId&quot;" in explorer.detail.value
    explorer.row_picker.value = 4
    assert "corr-B" in explorer.detail.value
    assert "&lt;html&gt;not json&lt;/html&gt;" in explorer.detail.value


def test_status_colours_are_distinct_and_shown() -> None:
    assert set(STATUS_COLOURS) == set(STATUSES)
    assert len(set(STATUS_COLOURS.values())) == len(STATUSES)
    counts = Explorer(_frame()).counts.value
    for status in STATUSES:
        assert STATUS_COLOURS[status] in counts
    assert counts.index("RATE_LIMIT") < counts.index("INTERRUPTED")  # most frequent first


def test_user_values_are_escaped() -> None:
    nasty = "<script>alert(1)</script>"
    explorer = Explorer(_frame({"note": [nasty] * 7}))
    for html_text in (explorer.table.value, explorer._repr_html_()):
        assert nasty not in html_text
        assert "&lt;script&gt;" in html_text


def test_displays_readably_without_widgets() -> None:
    explorer = Explorer(_frame())
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "VBox(" not in bundle["text/plain"]
    assert "failed" in bundle["text/plain"] and "RATE_LIMIT" in bundle["text/plain"]
    assert "hubassoc-counts" in bundle["text/html"]
    assert "VBox(" not in repr(explorer)


def test_export_button_writes_the_filtered_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    explorer = Explorer(_frame())
    assert explorer.export_path.value == DEFAULT_EXPORT_PATH
    explorer.category_filter.value = "RATE_LIMIT"
    explorer.export_button.click()
    target = tmp_path / DEFAULT_EXPORT_PATH
    assert pd.read_csv(target, index_col=0).index.tolist() == ["r2", "r4"]
    assert str(target) in explorer.message.value
    explorer.export_path.value = str(tmp_path / "no" / "such")
    (tmp_path / "no").write_text("a file where a directory should be")
    explorer.export_button.click()
    assert "export failed" in explorer.message.value


def test_only_the_visible_page_is_rendered() -> None:
    small = _frame()
    big = small.iloc[np.tile(np.arange(len(small)), 50_000)]  # 350,000 rows
    explorer = Explorer(big, page_size=25)
    explorer.status_filter.value = "failed"
    assert explorer.mask.sum() == 150_000
    assert explorer.table.value.count("<tr>") == 1 + 25  # header and one page
    assert "matching rows 1-25 of 150,000 (page 1 of 6,000)" in explorer.table.value
    assert explorer.page_box.max == 6_000
    explorer.page_box.value = 6_000
    assert explorer._page.positions[-1] == len(big) - 3  # the last failed row
    assert explorer.next_button.disabled and not explorer.prev_button.disabled
    explorer.search_box.value = "too MANY"
    assert explorer.mask.sum() == 100_000
    assert explorer.page_box.value == 1
    assert len(explorer.table.value) < 40_000


def test_accessor_returns_the_explorer() -> None:
    explorer = _frame().hubassoc.explore()
    assert isinstance(explorer, Explorer)
    assert isinstance(explorer.widget, ipywidgets.VBox)


def test_the_explorer_is_a_widget_for_any_layout() -> None:
    explorer = _frame().hubassoc.explore()
    assert isinstance(explorer, ipywidgets.VBox)
    assert explorer.widget is explorer
    assert "hubassoc-explorer" in explorer._dom_classes
    assert explorer.status_filter in explorer.children[1].children
    layout = ipywidgets.HBox([ipywidgets.HTML("my notes"), explorer])
    assert layout.children[1] is explorer
    view = explorer._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == explorer.model_id


def _options(control: ipywidgets.Dropdown) -> list[str]:
    return [text for text, _ in control.options]


def test_opens_on_the_rows_needing_attention() -> None:
    explorer = Explorer(_frame(), page_size=50)
    assert explorer.status_filter.value is NEEDS_ATTENTION
    assert _shown_positions(explorer) == [1, 2, 3, 4, 5, 6]  # all but the associated row
    assert "matching rows 1-6 of 6" in explorer.table.value
    assert _options(explorer.status_filter) == [
        "any status",
        "needs attention (6)",
        "failed (3)",
        "unconfirmed (1)",
        "not_sent (1)",
        "invalid (1)",
        "associated (1)",
    ]
    assert "6 rows need attention" in explorer.counts.value
    assert "6 rows need attention" in repr(explorer)
    explorer.status_filter.value = ""
    assert _shown_positions(explorer) == list(range(7))


@pytest.mark.parametrize("rows", [[0, 1, 5], []])
def test_opens_on_all_rows_when_every_row_succeeded(rows: list[int]) -> None:
    explorer = Explorer(removal_frame().iloc[rows])
    assert explorer.status_filter.value == ""
    assert _shown_positions(explorer) == list(range(len(rows)))


def test_opens_on_all_rows_when_asked_and_refuses_other_choices() -> None:
    assert _shown_positions(Explorer(removal_frame(), opens_on="all")) == list(range(7))
    with pytest.raises(ValueError, match="opens_on must be 'attention' or 'all', not 'failed'"):
        Explorer(_frame(), opens_on="failed")


def test_a_removal_run() -> None:
    explorer = removal_frame().hubassoc.explore(page_size=50)
    assert "hubassoc results, disassociate contacts → companies: 7 rows" in explorer.counts.value
    assert "disassociate contacts → companies" in repr(explorer)
    assert [value for _, value in explorer.status_filter.options] == [
        "",
        NEEDS_ATTENTION,
        "failed",
        "unconfirmed",
        "not_sent",
        "invalid",
        "removed",
    ]
    assert "removed: 3" in explorer.counts.value
    assert status_colour("removed") in explorer.counts.value
    assert _shown_positions(explorer) == [2, 3, 4, 6]
    explorer.status_filter.value = "removed"
    assert _shown_positions(explorer) == [0, 1, 5]
    assert ">removed</span>" in explorer.table.value
    assert explorer.retry_button.disabled is False  # the not_sent and unconfirmed rows


def test_label_filter() -> None:
    explorer = Explorer(removal_frame(), page_size=50)
    assert explorer.label_filter.layout.display is None  # shown
    assert explorer.label_filter.options == (
        ("any label", ""),
        ("Billing contact (2)", "Billing contact"),
        ("Decision maker (2)", "Decision maker"),
        ("(no label) (3)", NO_LABEL),
    )
    assert ">label</th>" in explorer.table.value
    explorer.label_filter.value = "Billing contact"
    assert _shown_positions(explorer) == [3]  # needing attention and so labelled
    explorer.status_filter.value = ""
    assert _shown_positions(explorer) == [0, 3]
    assert "Billing contact" in explorer.table.value
    explorer.label_filter.value = NO_LABEL
    assert _shown_positions(explorer) == [1, 4, 6]
    explorer.label_filter.value = "Decision maker"
    explorer.row_picker.value = 5
    assert re.search(r">label</th><td[^>]*>Decision maker</td>", explorer.detail.value)


def test_no_label_filter_without_a_label_column() -> None:
    explorer = Explorer(_frame())
    assert explorer.label_filter.layout.display == "none"
    assert explorer.label_filter.options == (("any label", ""),)
    assert ">label</th>" not in explorer.table.value


def test_search_box_covers_labels_and_the_inputs_own_columns() -> None:
    explorer = Explorer(removal_frame(), opens_on="all")
    explorer.search_box.value = "decision"
    assert _shown_positions(explorer) == [2, 5]
    explorer.search_box.value = "VIP"  # the input's own object column
    assert _shown_positions(explorer) == [1, 6]
    explorer.search_box.value = "south"  # a categorical column
    assert _shown_positions(explorer) == [1, 5]


def test_labels_are_escaped() -> None:
    nasty = "<img src=x onerror=alert(1)>"
    results = removal_frame()
    results["label"] = pd.array([nasty] * 7, dtype="string")
    explorer = Explorer(results)
    for html_text in (explorer.table.value, explorer._repr_html_(), explorer.detail.value):
        assert nasty not in html_text
        assert html.escape(nasty) in html_text
    assert explorer.label_filter.options[1] == (f"{nasty} (7)", nasty)  # a text, not markup


# -- against the sandbox --------------------------------------------------------------------

TOKEN = "pat-na1-explorer-secret-0000"


@pytest.fixture
def flaky_hub() -> Iterator[Sandbox]:
    """A sandbox whose first two requests fail with a 500; contacts 1..500 exist."""
    with running_hub(
        records={"contacts": range(1, 501), "companies": range(1, 501)},
        tokens={TOKEN: None},
        faults=[Fault("500_json", rate=1.0, times=2)],
        seed=1,
    ) as hub:
        yield hub


def _run(hub: Sandbox) -> pd.DataFrame:
    """120 good pairs, a missing contact and an invalid one, in batches of 50 sent once."""
    frame = pd.DataFrame(
        {"contact": [*range(1, 121), 999, "abc"], "company": [*range(1, 121), 5, 6]}
    )
    return associate_on(
        hub, frame, from_col="contact", to_col="company", token=TOKEN,
        batch_size=50, max_workers=1, max_attempts=1,
    )  # fmt: skip


def _all_widget_states(root: ipywidgets.Widget) -> list[dict[str, Any]]:
    seen: dict[str, ipywidgets.Widget] = {}
    pending = [root]
    while pending:
        widget = pending.pop()
        if widget.model_id in seen:
            continue
        seen[widget.model_id] = widget
        for name in widget.keys:
            value = getattr(widget, name, None)
            items = value if isinstance(value, (list, tuple)) else [value]
            pending.extend(item for item in items if isinstance(item, ipywidgets.Widget))
    return [widget.get_state() for widget in seen.values()]


def test_retry_button_updates_counts_in_place(flaky_hub: Sandbox) -> None:
    results = _run(flaky_hub)
    before = results["status"].value_counts()
    assert before["failed"] == 101  # 100 rows of two failed batches, plus the missing 999
    explorer = results.hubassoc.explore(token=TOKEN)
    explorer.status_filter.value = "failed"
    assert "INTERNAL_ERROR (100)" in [label for label, _ in explorer.category_filter.options]
    assert "failed: 101" in explorer.counts.value
    assert not explorer.retry_button.disabled

    explorer.retry_button.click()

    after = explorer.results["status"].value_counts()
    assert after["associated"] == 120 and after["failed"] == 1 and after["invalid"] == 1
    assert "associated: 120" in explorer.counts.value
    assert "failed: 1<" in explorer.counts.value
    assert explorer.status_filter.value == "failed"  # the filter survives the refresh
    assert _shown_positions(explorer) == [120]  # only the missing contact is still failed
    assert "retried 100 rows" in explorer.message.value
    assert explorer.retry_button.disabled  # nothing left that may succeed
    assert explorer.progress.layout.display == "none"
    assert (explorer.progress.value, explorer.progress.max) == (100, 100)
    assert stored_pairs(flaky_hub) >= {("1", "1"), ("120", "120")}


def test_retry_reads_the_token_from_the_environment(
    flaky_hub: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = _run(flaky_hub)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    explorer = results.hubassoc.explore()
    explorer.retry()
    assert explorer.results["status"].value_counts()["associated"] == 120


def test_retry_without_a_token_says_why(
    flaky_hub: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = _run(flaky_hub)
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    explorer = results.hubassoc.explore()
    explorer.retry_button.click()
    assert "retry stopped" in explorer.message.value
    assert "HUBSPOT_ACCESS_TOKEN" in explorer.message.value
    assert explorer.results is results
    assert not explorer.retry_button.disabled


def test_the_token_is_in_no_widget_state(flaky_hub: Sandbox) -> None:
    results = _run(flaky_hub)
    explorer = results.hubassoc.explore(token=TOKEN)
    explorer.retry_button.click()
    explorer.export_path.value = "unused.csv"
    states = _all_widget_states(explorer.widget)
    assert len(states) > 15  # controls, boxes, layouts and styles
    dumped = json.dumps(states, default=str)
    assert TOKEN not in dumped
    assert TOKEN not in repr(explorer)
    assert TOKEN not in json.dumps(explorer._repr_mimebundle_(), default=str)


def test_detail_shows_hubspots_error_object(flaky_hub: Sandbox) -> None:
    results = _run(flaky_hub)
    explorer = results.hubassoc.explore(token=TOKEN)
    # the message's words: a bare "999" may also occur in a random correlation ID
    explorer.search_box.value = "with ID 999 "
    position = results.index.get_loc(120)
    assert _shown_positions(explorer) == [position]
    error = json.loads(results["error_detail"].iloc[position])
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert explorer.row_picker.value == position
    assert html.escape(json.dumps(error, indent=2)) in explorer.detail.value

    explorer.search_box.value = ""
    explorer.category_filter.value = "INTERNAL_ERROR"
    explorer.row_picker.value = 60
    row = results.iloc[60]
    assert row["status"] == "failed" and row["http_status"] == 500
    assert row["correlation_id"] in explorer.detail.value
    assert json.loads(row["error_detail"])["correlationId"] == row["correlation_id"]
    assert re.search(rf">batch</th><td[^>]*>{row['batch']}</td>", explorer.detail.value)
