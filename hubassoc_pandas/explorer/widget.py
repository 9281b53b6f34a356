"""An interactive explorer of a results frame, for Jupyter.

:class:`Explorer` is an ipywidgets ``VBox`` that only wires controls: :mod:`.inspect` counts
and picks rows, ``_explorer_rows`` pages and describes them, ``_explorer_view`` renders them
(the pure functions are re-exported here). Only the visible page is ever rendered, so a
results frame of millions of rows stays responsive. It works for any operation's results.

Examples
--------
>>> explorer = results.hubassoc.explore()       # doctest: +SKIP
>>> explorer.status_filter.value = "failed"     # doctest: +SKIP
>>> explorer.filtered.shape                      # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from hubassoc_pandas.explorer import view
from hubassoc_pandas.explorer.retry import BarProgress, resend, retry_refusal
from hubassoc_pandas.explorer.rows import (
    DEFAULT_EXPORT_PATH,
    SHOWN_COLUMNS,
    Page,
    export_rows,
    page_of,
    row_detail,
    table_columns,
)
from hubassoc_pandas.results.query import (
    ATTENTION_STATUSES,
    LABEL_COLUMN,
    NEEDS_ATTENTION,
    NO_LABEL,
    category_choices,
    category_counts,
    label_choices,
    label_counts,
    match_mask,
    opening_status,
    search_mask,
    status_choices,
    status_counts,
)
from hubassoc_pandas.results.schema import retry_mask
from hubassoc_pandas.status import counted
from hubassoc_pandas.transport.client import Secret

__all__ = [
    "ATTENTION_STATUSES",
    "DEFAULT_EXPORT_PATH",
    "NEEDS_ATTENTION",
    "NO_LABEL",
    "OPENS_ON",
    "SHOWN_COLUMNS",
    "STATUS_COLOURS",
    "Explorer",
    "Page",
    "category_counts",
    "export_rows",
    "label_counts",
    "match_mask",
    "page_of",
    "retry_mask",
    "row_detail",
    "search_mask",
    "status_counts",
    "table_columns",
]

STATUS_COLOURS = view.STATUS_COLOURS
#: What the explorer can open on: the rows needing attention (all rows if none do), or all.
OPENS_ON = ("attention", "all")


class Explorer(w.VBox):
    """Browse, filter, retry and export a results frame in Jupyter; an ipywidgets ``VBox``.

    The view shows the rows per status (each status in its own colour) and per error
    category, filters by status, error category, label and free text, a paged table of the
    matching rows, the detail of one row (HubSpot's verbatim error object), a "Retry failed"
    button and a CSV export of the matching rows. It opens on the rows needing attention
    (all rows when every row succeeded). Being a widget, it can sit inside a layout of your
    own; where widgets cannot render (a terminal, a static notebook viewer) it displays as a
    text or HTML summary instead.

    Parameters
    ----------
    results : pandas.DataFrame
        A results frame returned by any operation (``associate()``, ``retry()``,
        ``undo()``, ...), a sync plan carried out, or a read's status frame; "Retry failed"
        is off for the last two, whose rows the same call made again carries on.
    token : str or None
        Token used by "Retry failed"; None reads ``HUBSPOT_ACCESS_TOKEN`` when the button is
        clicked. It is never put into a widget, so it is neither displayed nor saved with the
        notebook.
    page_size : int
        Rows per table page.
    user_columns : int
        How many of the input's own columns the table shows (the first ones).
    opens_on : {"attention", "all"}
        ``"attention"``: open on the rows needing attention when there are any, else on all
        rows; ``"all"``: open on all rows.

    Attributes
    ----------
    status_filter, category_filter, label_filter, search_box : ipywidgets widgets
        The filters; ``status_filter.value`` is ``""`` (any), a status or
        ``NEEDS_ATTENTION``, ``label_filter.value`` is ``""``, a label or
        ``NO_LABEL`` (hidden when the frame has no ``label`` column).
    counts, table, detail, message : ipywidgets.HTML
    prev_button, page_box, next_button, row_picker : ipywidgets widgets
    retry_button, progress, export_path, export_button : ipywidgets widgets

    Examples
    --------
    >>> explorer = results.hubassoc.explore()         # doctest: +SKIP
    >>> explorer                                       # doctest: +SKIP
    >>> ipywidgets.HBox([explorer, other_widget])     # doctest: +SKIP
    >>> explorer.status_filter.value = "failed"       # doctest: +SKIP
    >>> explorer.retry_button.click()                 # doctest: +SKIP
    >>> explorer.results.hubassoc.summary()           # doctest: +SKIP
    """

    def __init__(
        self,
        results: pd.DataFrame,
        *,
        token: str | None = None,
        page_size: int = 20,
        user_columns: int = 3,
        opens_on: str = "attention",
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size!r}")
        if opens_on not in OPENS_ON:
            raise ValueError(f"opens_on must be 'attention' or 'all', not {opens_on!r}")
        self._results = results
        self._no_retry = retry_refusal(results)
        self._token = Secret(token) if token is not None else None  # never on a widget
        self._page_size = int(page_size)
        self._user_columns = int(user_columns)
        self._mask = np.ones(len(results), dtype=bool)
        self._page = page_of(self._mask, 0, self._page_size)
        self._syncing = False
        super().__init__(
            self._build_controls(), layout=w.Layout(border="1px solid #d0d7de", padding="6px")
        )
        self.add_class("hubassoc-explorer")
        self._wire()
        opening = opening_status(results) if opens_on == "attention" else None
        self._refresh(status=opening or "")

    def _build_controls(self) -> list[w.Widget]:
        """Create the controls (as attributes) and return the rows of the layout."""
        wide = w.Layout(width="auto")
        self.counts = w.HTML()
        self.status_filter = w.Dropdown(description="Status", layout=w.Layout(width="260px"))
        self.category_filter = w.Dropdown(description="Category", layout=w.Layout(width="340px"))
        self.label_filter = w.Dropdown(description="Label", layout=w.Layout(width="300px"))
        self.search_box = w.Text(
            description="Search",
            placeholder="ID, message, label or your columns",
            continuous_update=False,
            layout=w.Layout(width="320px"),
        )
        self.prev_button = w.Button(description="Previous", icon="chevron-left", layout=wide)
        self.next_button = w.Button(description="Next", icon="chevron-right", layout=wide)
        self.page_box = w.BoundedIntText(
            description="Page", min=1, max=1, value=1, layout=w.Layout(width="180px")
        )
        self.table = w.HTML()
        self.row_picker = w.BoundedIntText(description="Row #", layout=w.Layout(width="200px"))
        self.detail = w.HTML()
        self.retry_button = w.Button(
            description="Retry failed",
            icon="redo",
            button_style="warning",
            tooltip="send failed-and-retryable, unconfirmed and not_sent rows again",
            layout=wide,
        )
        self.progress = w.IntProgress(min=0, max=1, layout=w.Layout(display="none"))
        self.export_path = w.Text(
            value=DEFAULT_EXPORT_PATH, description="Export to", layout=w.Layout(width="360px")
        )
        self.export_button = w.Button(description="Export CSV", icon="download", layout=wide)
        self.message = w.HTML()
        filters = [self.status_filter, self.category_filter, self.label_filter, self.search_box]
        return [
            self.counts,
            w.HBox(filters, layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.prev_button, self.page_box, self.next_button]),
            self.table,
            w.HBox([self.row_picker]),
            self.detail,
            w.HBox([self.retry_button, self.progress]),
            w.HBox([self.export_path, self.export_button]),
            self.message,
        ]

    def _wire(self) -> None:
        for control in (self.status_filter, self.category_filter, self.label_filter):
            control.observe(self._on_filter, names="value")
        self.search_box.observe(self._on_filter, names="value")  # on Enter or leaving the box
        self.row_picker.observe(self._on_row, names="value")
        self.page_box.observe(self._on_page_box, names="value")
        self.prev_button.on_click(lambda _: self._turn(-1))
        self.next_button.on_click(lambda _: self._turn(+1))
        self.retry_button.on_click(lambda _: self.retry())
        self.export_button.on_click(lambda _: self.export())

    # -- what callers read ----------------------------------------------------------------

    @property
    def widget(self) -> Explorer:
        """The explorer itself, which is the widget: ``explorer.widget is explorer``."""
        return self

    @property
    def results(self) -> pd.DataFrame:
        """The current results frame (updated in place by "Retry failed")."""
        return self._results

    @property
    def mask(self) -> np.ndarray:
        """Boolean mask of the rows matching the current filters."""
        return self._mask.copy()

    @property
    def filtered(self) -> pd.DataFrame:
        """The rows matching the current filters, every column."""
        return self._results.iloc[np.flatnonzero(self._mask)]

    # -- actions --------------------------------------------------------------------------

    def retry(self) -> pd.DataFrame:
        """Re-send the rows that may still succeed, then refresh counts and table in place.

        Returns the updated frame (also :attr:`results`). Errors are shown in the message
        line rather than raised, since this runs from a button.
        """
        if self._no_retry is not None:
            self._say(self._no_retry)
            return self._results
        total = int(retry_mask(self._results).sum())
        if not total:
            self._say("nothing to retry: no failed-and-retryable, unconfirmed or not_sent rows")
            return self._results
        self.retry_button.disabled = True
        self.progress.max, self.progress.value = total, 0
        self.progress.layout.display = None
        self._say(f"retrying {counted(total, 'row')}…")
        progress = BarProgress(total, show_done=self._show_done, say=self._say)
        try:
            outcome = resend(self._results, self._token, total, progress)
            if outcome.results is not None:
                self._results = outcome.results
                self._refresh()
            self._say(outcome.text, error=outcome.error)
        finally:
            self.progress.layout.display = "none"
            self.retry_button.disabled = not self._can_retry()
        return self._results

    def export(self, path: str | os.PathLike[str] | None = None) -> Path | None:
        """Write the matching rows to CSV at ``path`` (default: the "Export to" box).

        Returns the absolute path written, or None if writing failed (the reason is shown).
        """
        target = (
            path if path is not None else (self.export_path.value.strip() or DEFAULT_EXPORT_PATH)
        )
        try:
            written = export_rows(self._results, self._mask, target)
        except OSError as exc:
            self._say(f"export failed: {exc}", error=True)
            return None
        self._say(f"wrote {counted(int(self._mask.sum()), 'row')} to {written}")
        return written

    # -- wiring ---------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        own = self._token.reveal() if self._token is not None else None
        secrets = (own, os.environ.get("HUBSPOT_ACCESS_TOKEN"))
        self.message.value = view.message_html(text, error=error, secrets=secrets)

    def _show_done(self, rows: int) -> None:
        self.progress.value = rows

    def _title(self) -> str:
        return view.title(self._results.attrs.get("hubassoc"), len(self._results))

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change controls without their observers re-filtering."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _refresh(self, status: Any = None) -> None:
        """Recompute counts, filter choices, matches and the visible page.

        ``status`` selects a status filter value; None keeps the current one if still offered.
        """
        results = self._results
        by_category = category_counts(results)
        self.counts.value = view.counts_html(status_counts(results), by_category, self._title())
        with self._quietly():
            self._offer(self.status_filter, "any status", status_choices(results), status)
            self._offer(self.category_filter, "any category", category_choices(by_category))
            self._offer(self.label_filter, "any label", label_choices(results))
            self.label_filter.layout.display = None if LABEL_COLUMN in results else "none"
            self.row_picker.max = max(len(results) - 1, 0)
        self.retry_button.disabled = not self._can_retry()
        if self._no_retry is not None:
            self.retry_button.tooltip = self._no_retry
        self._apply_filters()

    def _can_retry(self) -> bool:
        return self._no_retry is None and bool(retry_mask(self._results).any())

    @staticmethod
    def _offer(control: w.Dropdown, anything: str, choices: list[Any], value: Any = None) -> None:
        """Offer ``choices`` (value, text, rows); select ``value``, else keep the current one."""
        wanted = control.value if value is None else value
        control.options = view.dropdown_options(anything, choices)
        offered = any(choice == wanted for choice, _, _ in choices)
        control.value = wanted if offered else ""

    def _on_filter(self, _change: Any = None) -> None:
        if not self._syncing:
            self._apply_filters()

    def _apply_filters(self) -> None:
        self._mask = match_mask(
            self._results,
            status=self.status_filter.value or None,
            category=self.category_filter.value or None,
            label=self.label_filter.value or None,
            search=self.search_box.value,
        )
        self._show_page(0)

    def _turn(self, step: int) -> None:
        self._show_page(self._page.number + step)

    def _on_page_box(self, _change: Any = None) -> None:
        if not self._syncing:
            self._show_page(int(self.page_box.value) - 1)

    def _show_page(self, number: int) -> None:
        self._page = page = page_of(self._mask, number, self._page_size)
        with self._quietly():
            self.page_box.max = page.pages
            self.page_box.value = page.number + 1
        self.table.value = self._page_html(page)
        self.prev_button.disabled = page.number == 0
        self.next_button.disabled = page.number >= page.pages - 1
        if len(page.positions):
            first = int(page.positions[0])
            if self.row_picker.value != first:
                self.row_picker.value = first  # the observer renders the detail
                return
        self._on_row()

    def _page_html(self, page: Page) -> str:
        columns = table_columns(self._results, self._user_columns)
        rows = self._results.iloc[page.positions][columns]
        return view.table_html(rows, page.positions, page.caption)

    def _on_row(self, _change: Any = None) -> None:
        self.detail.value = view.detail_html(row_detail(self._results, int(self.row_picker.value)))

    # -- display where widgets cannot render ----------------------------------------------

    def _summary_text(self) -> str:
        text = view.counts_text(
            status_counts(self._results), category_counts(self._results), self._title()
        )
        return text + "\n(interactive explorer: open in Jupyter with ipywidgets)"

    def _repr_html_(self) -> str:
        return (
            self.counts.value
            + self._page_html(page_of(self._mask, 0, self._page_size))
            + "<div><i>Interactive explorer: open in Jupyter with ipywidgets.</i></div>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget where a front end can show it, with text and HTML fallbacks."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self._summary_text()
        bundle["text/html"] = self._repr_html_()
        return bundle

    def __repr__(self) -> str:
        return self._summary_text()
