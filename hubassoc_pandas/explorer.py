"""An interactive explorer of a results frame, for Jupyter.

The module has two layers. Pure, vectorised functions pick and count rows
(:func:`status_counts`, :func:`category_counts`, :func:`match_mask`, :func:`page_of`,
:func:`row_detail`, :func:`retry_mask`, :func:`export_rows`); :class:`Explorer` only wires
them to ipywidgets controls. Only the visible page is ever rendered, so a results frame of
millions of rows stays responsive.

Examples
--------
>>> explorer = results.hubassoc.explore()       # doctest: +SKIP
>>> explorer.status_filter.value = "failed"     # doctest: +SKIP
>>> explorer.filtered.shape                      # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _explorer_view as view
from .api import retry
from .client import _Secret
from .results import ANNOTATION_DTYPES, STATUSES, retry_mask

__all__ = [
    "DEFAULT_EXPORT_PATH",
    "SHOWN_COLUMNS",
    "STATUS_COLOURS",
    "Explorer",
    "Page",
    "category_counts",
    "export_rows",
    "match_mask",
    "page_of",
    "retry_mask",
    "row_detail",
    "search_mask",
    "status_counts",
    "table_columns",
]

STATUS_COLOURS = view.STATUS_COLOURS
#: Annotation columns shown in the table, in order.
SHOWN_COLUMNS = (
    "from_id",
    "to_id",
    "status",
    "error_category",
    "error_message",
    "http_status",
    "attempts",
)
#: Where "Export" writes unless told otherwise.
DEFAULT_EXPORT_PATH = "hubassoc_failures.csv"
#: Columns the free-text search looks in; the flag marks few-distinct-values columns.
_SEARCHED = (
    ("from_id", False),
    ("to_id", False),
    ("error_message", True),
    ("correlation_id", True),
)


# -- pure functions -----------------------------------------------------------------------


def status_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Rows and share per status, every status listed in its canonical order.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": pd.Categorical(["failed", "associated", "failed"])})
    >>> status_counts(frame).loc["failed"].tolist()
    [2.0, 0.6667]
    """
    counts = results["status"].value_counts(sort=False).reindex(list(STATUSES), fill_value=0)
    total = len(results)
    table = pd.DataFrame({"rows": counts.to_numpy(dtype=np.int64)}, index=list(STATUSES))
    table.index.name = "status"
    table["share"] = (table["rows"] / total).round(4) if total else 0.0
    return table


def category_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Rows and share per error category, most frequent first (ties by name).

    Examples
    --------
    >>> frame = pd.DataFrame({"error_category": pd.array(["B", "A", "B", None], dtype="string")})
    >>> category_counts(frame)["error_category"].tolist()
    ['B', 'A']
    """
    counts = results["error_category"].dropna().value_counts()
    table = pd.DataFrame(
        {
            "error_category": counts.index.astype(str).to_numpy(),
            "rows": counts.to_numpy(dtype=np.int64),
        }
    )
    table = table.sort_values(["rows", "error_category"], ascending=[False, True], kind="stable")
    total = len(results)
    table["share"] = (table["rows"] / total).round(4) if total else 0.0
    return table.reset_index(drop=True)


def _contains(column: pd.Series, needle: str, few_values: bool) -> np.ndarray:
    fold = needle.lower() != needle.upper()  # only text with letters needs case folding
    if few_values:
        # match each distinct value once, then spread the verdicts back over the rows
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        hits = (
            pd.Series(uniques, dtype="string")
            .str.contains(needle, case=not fold, regex=False)
            .fillna(False)
            .to_numpy(dtype=bool)
        )
        return np.append(hits, False)[codes]  # code -1 (missing) picks the trailing False
    found = column.astype("string").str.contains(needle, case=not fold, regex=False)
    return found.fillna(False).to_numpy(dtype=bool)


def search_mask(results: pd.DataFrame, text: str) -> np.ndarray:
    """Rows whose IDs, error message or correlation ID contain ``text`` (any case).

    The text is matched literally (no regular expressions); blank text matches every row.

    Examples
    --------
    >>> frame = pd.DataFrame({c: pd.array(v, dtype="string") for c, v in {
    ...     "from_id": ["11", "12"], "to_id": ["7", "8"],
    ...     "error_message": [None, "Not Found"], "correlation_id": [None, None]}.items()})
    >>> search_mask(frame, "not found").tolist()
    [False, True]
    """
    needle = text.strip()
    mask = np.zeros(len(results), dtype=bool) if needle else np.ones(len(results), dtype=bool)
    if not needle:
        return mask
    for column, few_values in _SEARCHED:
        if column in results.columns:
            mask |= _contains(results[column], needle, few_values)
    return mask


def match_mask(
    results: pd.DataFrame,
    *,
    status: str | None = None,
    category: str | None = None,
    search: str = "",
) -> np.ndarray:
    """Rows matching every given filter; None or blank means "any".

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "status": pd.Categorical(["failed", "associated"]),
    ...     "error_category": pd.array(["RATE_LIMIT", None], dtype="string"),
    ...     "from_id": pd.array(["1", "2"], dtype="string")})
    >>> match_mask(frame, status="failed").tolist()
    [True, False]
    """
    mask = np.ones(len(results), dtype=bool)
    if status:
        mask &= (results["status"] == status).to_numpy(dtype=bool)
    if category:
        mask &= (results["error_category"] == category).fillna(False).to_numpy(dtype=bool)
    if search.strip():
        mask &= search_mask(results, search)
    return mask


def table_columns(results: pd.DataFrame, limit: int = 3) -> list[str]:
    """The table's columns: :data:`SHOWN_COLUMNS`, then up to ``limit`` of the user's own."""
    own = [c for c in results.columns if c not in ANNOTATION_DTYPES][:limit]
    return [c for c in SHOWN_COLUMNS if c in results.columns] + own


@dataclass(frozen=True)
class Page:
    """One page of matching rows: ``positions`` are row numbers in the results frame."""

    number: int
    pages: int
    matches: int
    start: int
    positions: np.ndarray

    @property
    def caption(self) -> str:
        """E.g. ``"matching rows 21-40 of 301 (page 2 of 16)"``."""
        if not self.matches:
            return "no matching rows"
        return (
            f"matching rows {self.start + 1:,}-{self.start + len(self.positions):,} of "
            f"{self.matches:,} (page {self.number + 1:,} of {self.pages:,})"
        )


def page_of(mask: np.ndarray, number: int, size: int) -> Page:
    """The ``number``-th (0-based, clamped) page of ``size`` rows among the rows in ``mask``.

    Examples
    --------
    >>> page = page_of(np.array([True, False, True, True]), number=1, size=2)
    >>> page.positions.tolist(), page.pages
    ([3], 2)
    """
    positions = np.flatnonzero(mask)
    matches = len(positions)
    pages = max(1, -(-matches // size))
    number = min(max(number, 0), pages - 1)
    start = number * size
    return Page(number, pages, matches, start, positions[start : start + size])


def row_detail(results: pd.DataFrame, position: int) -> dict[str, Any] | None:
    """One row's fields for the detail view, with its error object pretty-printed.

    Returns None when ``position`` is outside the frame. ``error_detail`` is HubSpot's
    verbatim error object re-indented (or the raw text if it is not JSON).

    Examples
    --------
    >>> row_detail(results, 0)["correlation_id"]   # doctest: +SKIP
    'ba83011d-a27d-4f2d-b452-aa2b75ca761a'
    """
    if not 0 <= position < len(results):
        return None
    row = results.iloc[position]
    raw = row["error_detail"]
    pretty: str | None = None
    if isinstance(raw, str) and raw:
        try:
            pretty = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
        except ValueError:
            pretty = raw
    fields = (
        "from_id",
        "to_id",
        "status",
        "error_category",
        "error_message",
        "http_status",
        "correlation_id",
        "batch",
        "attempts",
        "retryable",
    )
    detail: dict[str, Any] = {"row": position, "index": results.index[position]}
    for name in fields:
        value = row[name]
        detail[name] = None if pd.isna(value) else value
    detail["error_detail"] = pretty
    return detail


def export_rows(results: pd.DataFrame, mask: np.ndarray, path: str | os.PathLike[str]) -> Path:
    """Write the rows in ``mask`` (every column, with the index) to a CSV file.

    Returns the absolute path written; parent directories are created.

    Examples
    --------
    >>> export_rows(results, results["status"].eq("failed").to_numpy(), "failed.csv")
    ... # doctest: +SKIP
    """
    target = Path(path).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    results.iloc[np.flatnonzero(mask)].to_csv(target)
    return target


# -- the widget -----------------------------------------------------------------------------


class _BarProgress:
    """Shows a retry's progress in the explorer's bar and message line."""

    def __init__(self, explorer: Explorer, total: int) -> None:
        self._explorer = explorer
        self._total = total
        self._done = 0

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        self._done = min(self._done + rows, self._total)
        self._explorer.progress.value = self._done
        self._explorer._say(f"retrying: {self._done:,} of {self._total:,} rows decided")

    def note(self, text: str | None) -> None:
        if text:
            self._explorer._say(f"retrying: {self._done:,} of {self._total:,} rows; {text}")

    def close(self) -> None:
        pass


class Explorer:
    """Browse, filter, retry and export a results frame in Jupyter.

    The view shows the rows per status (each status in its own colour) and per error
    category, filters by status, error category and free text, a paged table of the matching
    rows, the detail of one row (HubSpot's verbatim error object), a "Retry failed" button and
    a CSV export of the matching rows. Where widgets cannot render (a terminal, a static
    notebook viewer) it displays as a text or HTML summary instead.

    Parameters
    ----------
    results : pandas.DataFrame
        A results frame returned by ``associate()`` or ``retry()``.
    token : str or None
        Token used by "Retry failed"; None reads ``HUBSPOT_ACCESS_TOKEN`` when the button is
        clicked. It is never put into a widget, so it is neither displayed nor saved with the
        notebook.
    page_size : int
        Rows per table page.
    user_columns : int
        How many of the input's own columns the table shows (the first ones).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole view; its controls are also attributes (``status_filter``,
        ``category_filter``, ``search_box``, ``prev_button``, ``page_box``, ``next_button``,
        ``table``, ``row_picker``, ``detail``,
        ``retry_button``, ``export_path``, ``export_button``, ``message``, ...).

    Examples
    --------
    >>> explorer = results.hubassoc.explore()         # doctest: +SKIP
    >>> explorer                                       # doctest: +SKIP
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
    ) -> None:
        import ipywidgets as w

        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size!r}")
        self._results = results
        self._token = _Secret(token) if token is not None else None  # never on a widget
        self._page_size = int(page_size)
        self._user_columns = int(user_columns)
        self._mask = np.ones(len(results), dtype=bool)
        self._page = page_of(self._mask, 0, self._page_size)
        self._syncing = False

        wide = w.Layout(width="auto")
        self.counts = w.HTML()
        self.status_filter = w.Dropdown(description="Status", layout=w.Layout(width="240px"))
        self.category_filter = w.Dropdown(description="Category", layout=w.Layout(width="340px"))
        self.search_box = w.Text(
            description="Search",
            placeholder="ID, message or correlation ID",
            continuous_update=False,
            layout=w.Layout(width="320px"),
        )
        self.prev_button = w.Button(description="Previous", icon="chevron-left", layout=wide)
        self.next_button = w.Button(description="Next", icon="chevron-right", layout=wide)
        self.page_box = w.BoundedIntText(
            description="Page", min=1, max=1, value=1, layout=w.Layout(width="180px")
        )
        self.table = w.HTML()
        self.row_picker = w.BoundedIntText(
            description="Row #", min=0, max=max(len(results) - 1, 0), layout=w.Layout(width="200px")
        )
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

        self.widget = w.VBox(
            [
                self.counts,
                w.HBox([self.status_filter, self.category_filter, self.search_box]),
                w.HBox([self.prev_button, self.page_box, self.next_button]),
                self.table,
                w.HBox([self.row_picker]),
                self.detail,
                w.HBox([self.retry_button, self.progress]),
                w.HBox([self.export_path, self.export_button]),
                self.message,
            ],
            layout=w.Layout(border="1px solid #d0d7de", padding="6px"),
        )
        self.widget.add_class("hubassoc-explorer")

        for control in (self.status_filter, self.category_filter, self.search_box):
            control.observe(self._on_filter, names="value")
        self.row_picker.observe(self._on_row, names="value")
        self.page_box.observe(self._on_page_box, names="value")
        self.prev_button.on_click(lambda _: self._turn(-1))
        self.next_button.on_click(lambda _: self._turn(+1))
        self.retry_button.on_click(lambda _: self.retry())
        self.export_button.on_click(lambda _: self.export())
        self._refresh()

    # -- what callers read ----------------------------------------------------------------

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
        total = int(retry_mask(self._results).sum())
        if not total:
            self._say("nothing to retry: no failed-and-retryable, unconfirmed or not_sent rows")
            return self._results
        self.retry_button.disabled = True
        self.progress.max, self.progress.value = total, 0
        self.progress.layout.display = None
        self._say(f"retrying {total:,} rows…")
        before = status_counts(self._results)["rows"]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                updated = retry(
                    self._results,
                    token=self._token.reveal() if self._token is not None else None,
                    progress=_BarProgress(self, total),
                )
        except Exception as exc:
            partial = getattr(exc, "results", None)
            if isinstance(partial, pd.DataFrame):
                self._results = partial
                self._refresh()
            self._say(f"retry stopped: {type(exc).__name__}: {exc}", error=True)
        else:
            self._results = updated
            self._refresh()
            after = status_counts(updated)["rows"]
            changes = ", ".join(
                f"{name} {int(before[name]):,} → {int(after[name]):,}"
                for name in STATUSES
                if before[name] != after[name]
            )
            notes = "; ".join(str(item.message) for item in caught)
            self._say(
                f"retried {total:,} rows: {changes or 'no change'}"
                + (f" ({notes})" if notes else "")
            )
        finally:
            self.progress.layout.display = "none"
            self.retry_button.disabled = not retry_mask(self._results).any()
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
        self._say(f"wrote {int(self._mask.sum()):,} rows to {written}")
        return written

    # -- wiring ---------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        own = self._token.reveal() if self._token is not None else None
        for secret in (own, os.environ.get("HUBSPOT_ACCESS_TOKEN")):
            if secret:
                text = text.replace(secret, "***")
        colour = view.STATUS_COLOURS["failed"] if error else "inherit"
        self.message.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    def _title(self) -> str:
        record = self._results.attrs.get("hubassoc") or {}
        pair = f"{record.get('from_type', '?')} → {record.get('to_type', '?')}"
        return f"hubassoc results, {pair}: {len(self._results):,} rows"

    def _refresh(self) -> None:
        """Recompute counts, filter choices, matches and the visible page."""
        statuses = status_counts(self._results)
        categories = category_counts(self._results)
        self.counts.value = view.counts_html(statuses, categories, self._title())
        self._syncing = True
        try:
            self._set_choices(
                self.status_filter,
                "any status",
                [(name, int(rows)) for name, rows in statuses["rows"].items()],
            )
            self._set_choices(
                self.category_filter,
                "any category",
                [(str(row.error_category), int(row.rows)) for row in categories.itertuples()],
            )
            self.row_picker.max = max(len(self._results) - 1, 0)
        finally:
            self._syncing = False
        self.retry_button.disabled = not retry_mask(self._results).any()
        self._apply_filters()

    @staticmethod
    def _set_choices(control: Any, anything: str, choices: list[tuple[str, int]]) -> None:
        """Offer ``choices`` (value, rows) in a dropdown, keeping its value when still offered."""
        kept = control.value or ""
        control.options = [(anything, "")] + [(f"{v} ({n:,})", v) for v, n in choices]
        control.value = kept if any(v == kept for v, _ in choices) else ""

    def _on_filter(self, _change: Any = None) -> None:
        if not self._syncing:
            self._apply_filters()

    def _apply_filters(self) -> None:
        self._mask = match_mask(
            self._results,
            status=self.status_filter.value or None,
            category=self.category_filter.value or None,
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
        self._syncing = True
        try:
            self.page_box.max = page.pages
            self.page_box.value = page.number + 1
        finally:
            self._syncing = False
        columns = table_columns(self._results, self._user_columns)
        rows = self._results.iloc[page.positions][columns]
        self.table.value = view.table_html(rows, page.positions, page.caption)
        self.prev_button.disabled = page.number == 0
        self.next_button.disabled = page.number >= page.pages - 1
        if len(page.positions):
            first = int(page.positions[0])
            if self.row_picker.value != first:
                self.row_picker.value = first  # the observer renders the detail
                return
        self._on_row()

    def _on_row(self, _change: Any = None) -> None:
        self.detail.value = view.detail_html(row_detail(self._results, int(self.row_picker.value)))

    # -- display where widgets cannot render ----------------------------------------------

    def _summary_text(self) -> str:
        text = view.counts_text(
            status_counts(self._results), category_counts(self._results), self._title()
        )
        return text + "\n(interactive explorer: open in Jupyter with ipywidgets)"

    def _repr_html_(self) -> str:
        statuses = status_counts(self._results)
        categories = category_counts(self._results)
        columns = table_columns(self._results, self._user_columns)
        page = page_of(self._mask, 0, self._page_size)
        return (
            view.counts_html(statuses, categories, self._title())
            + view.table_html(
                self._results.iloc[page.positions][columns], page.positions, page.caption
            )
            + "<div><i>Interactive explorer: open in Jupyter with ipywidgets.</i></div>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        """The live widget where a front end can show it, with text and HTML fallbacks."""
        make_bundle = getattr(self.widget, "_repr_mimebundle_", None)
        bundle = dict(make_bundle(**kwargs) or {}) if callable(make_bundle) else {}
        bundle["text/plain"] = self._summary_text()
        bundle["text/html"] = self._repr_html_()
        return bundle

    def __repr__(self) -> str:
        return self._summary_text()
