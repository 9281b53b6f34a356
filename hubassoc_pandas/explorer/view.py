"""HTML and text rendering for the results explorer. Pure: strings in, strings out.

Every value taken from a results frame is escaped before it reaches the markup, so IDs,
messages, labels and the user's own columns can never inject HTML into a notebook.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from hubassoc_pandas.results.query import ATTENTION_STATUSES
from hubassoc_pandas.results.schema import STATUSES
from hubassoc_pandas.status import counted

__all__ = [
    "STATUS_COLOURS",
    "attention_text",
    "changes_text",
    "counts_html",
    "counts_text",
    "detail_html",
    "dropdown_options",
    "message_html",
    "status_colour",
    "table_html",
    "title",
]

#: A distinct colour for every status word known so far, successes in greens and teals.
_PALETTE: dict[str, str] = {
    "associated": "#1a7f37",
    "removed": "#0e7c86",
    "failed": "#cf222e",
    "invalid": "#8250df",
    "unconfirmed": "#b35900",
    "not_sent": "#57606a",
}
_OTHER_SUCCESS = "#4d8c2a"
_OTHER_ATTENTION = "#6e7781"

_CELL = "padding:2px 8px;border-bottom:1px solid #d0d7de;text-align:left;vertical-align:top"
_MAX_CELL_CHARS = 160
_MAX_CATEGORIES_SHOWN = 12


def _text(value: Any) -> str:
    """A cell's text: empty for missing values, shortened past a readable length."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return ""
    text = str(value)
    if len(text) > _MAX_CELL_CHARS:
        text = text[: _MAX_CELL_CHARS - 1] + "…"
    return text


def status_colour(status: str) -> str:
    """A status's colour; a status word without its own gets a success or attention colour.

    Examples
    --------
    >>> status_colour("failed"), status_colour("merged")
    ('#cf222e', '#4d8c2a')
    """
    if status in _PALETTE:
        return _PALETTE[status]
    return _OTHER_ATTENTION if status in ATTENTION_STATUSES else _OTHER_SUCCESS


#: One distinct colour per status of the results schema, used for badges, the bar and table.
STATUS_COLOURS: dict[str, str] = {status: status_colour(status) for status in STATUSES}


def _badge(status: str, label: str | None = None) -> str:
    colour = status_colour(status)
    return (
        f'<span class="hubassoc-status" style="background:{colour};color:#fff;'
        f'border-radius:8px;padding:1px 7px;white-space:nowrap">'
        f"{html.escape(label if label is not None else status)}</span>"
    )


def counts_html(statuses: pd.DataFrame, categories: pd.DataFrame, title: str) -> str:
    """Status badges, a stacked bar of the statuses and the error categories table.

    Parameters
    ----------
    statuses : pandas.DataFrame
        ``rows`` and ``share`` indexed by status (see :func:`explorer.status_counts`).
    categories : pandas.DataFrame
        ``error_category``, ``rows`` and ``share``, most frequent first.
    title : str
        A heading, e.g. ``"contacts → companies: 302 rows"``.
    """
    badges = " ".join(
        _badge(str(status), f"{status}: {int(row.rows):,}")
        for status, row in statuses.iterrows()
        if row.rows
    )
    segments = "".join(
        f'<div title="{html.escape(str(status))}: {int(row.rows):,}" '
        f'style="width:{100 * float(row.share):.3f}%;'
        f'background:{status_colour(str(status))}">'
        "</div>"
        for status, row in statuses.iterrows()
        if row.rows
    )
    bar = (
        '<div style="display:flex;height:8px;border-radius:4px;overflow:hidden;'
        f'margin:6px 0;background:#eaeef2">{segments}</div>'
    )
    return (
        f'<div class="hubassoc-counts"><b>{html.escape(title)}</b>'
        f"<div>{badges or 'no rows'}</div>{bar}"
        f'<div class="hubassoc-attention">{html.escape(attention_text(statuses))}</div>'
        f"{_categories_html(categories)}</div>"
    )


def _categories_html(categories: pd.DataFrame) -> str:
    if not len(categories):
        return "<div>no errors</div>"
    shown = categories.head(_MAX_CATEGORIES_SHOWN)
    body = "".join(
        f'<tr><td style="{_CELL}">{html.escape(str(row.error_category))}</td>'
        f'<td style="{_CELL};text-align:right">{int(row.rows):,}</td>'
        f'<td style="{_CELL};text-align:right">{100 * float(row.share):.1f}%</td></tr>'
        for row in shown.itertuples()
    )
    more = len(categories) - len(shown)
    if more > 0:
        body += f'<tr><td style="{_CELL}" colspan="3">… {more} more categories</td></tr>'
    return (
        '<table class="hubassoc-categories" style="border-collapse:collapse;'
        'font-size:90%"><thead><tr>'
        f'<th style="{_CELL}">error category</th><th style="{_CELL}">rows</th>'
        f'<th style="{_CELL}">share</th></tr></thead><tbody>{body}</tbody></table>'
    )


def attention_text(statuses: pd.DataFrame) -> str:
    """How many rows need attention, from :func:`inspect.status_counts`'s table.

    Examples
    --------
    >>> attention_text(pd.DataFrame({"rows": [3, 1]}, index=["removed", "failed"]))
    '1 row needs attention (failed, unconfirmed, not_sent or invalid)'
    """
    rows = int(statuses["rows"][statuses.index.isin(ATTENTION_STATUSES)].sum())
    if not rows:
        return "no row needs attention" if len(statuses) else "no rows"
    verb = "row needs" if rows == 1 else "rows need"
    return f"{rows:,} {verb} attention (failed, unconfirmed, not_sent or invalid)"


def counts_text(statuses: pd.DataFrame, categories: pd.DataFrame, title: str) -> str:
    """The same counts as :func:`counts_html`, as plain text for terminals."""
    lines = [title, attention_text(statuses), "status:"]
    for status, row in statuses.iterrows():
        lines.append(f"  {status:<12} {int(row.rows):>10,}  {100 * float(row.share):5.1f}%")
    if len(categories):
        lines.append("error categories (most frequent first):")
        width = max(len(str(c)) for c in categories["error_category"].head(_MAX_CATEGORIES_SHOWN))
        for row in categories.head(_MAX_CATEGORIES_SHOWN).itertuples():
            lines.append(
                f"  {row.error_category!s:<{width}} {int(row.rows):>10,}  "
                f"{100 * float(row.share):5.1f}%"
            )
        if len(categories) > _MAX_CATEGORIES_SHOWN:
            lines.append(f"  … {len(categories) - _MAX_CATEGORIES_SHOWN} more categories")
    return "\n".join(lines)


def table_html(page: pd.DataFrame, positions: Any, caption: str) -> str:
    """An HTML table of one page of rows; ``positions`` label each row (the ``#`` column).

    Parameters
    ----------
    page : pandas.DataFrame
        The rows to show, already cut down to the visible page and columns.
    positions : array-like of int
        Row numbers of these rows in the whole results frame.
    caption : str
        A line above the table, e.g. ``"rows 1-20 of 301 matching"``.
    """
    head = "".join(f'<th style="{_CELL}">{html.escape(str(c))}</th>' for c in page.columns)
    rows = []
    columns = list(page.columns)
    status_at = columns.index("status") if "status" in columns else -1
    for position, values in zip(positions, page.itertuples(index=False, name=None), strict=True):
        cells = [f'<td style="{_CELL};color:#57606a">{int(position)}</td>']
        for i, value in enumerate(values):
            if i == status_at and not pd.isna(value):
                cells.append(f'<td style="{_CELL}">{_badge(str(value))}</td>')
            else:
                cells.append(f'<td style="{_CELL}">{html.escape(_text(value))}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    body = "".join(rows) or (
        f'<tr><td style="{_CELL}" colspan="{len(columns) + 1}">no matching rows</td></tr>'
    )
    return (
        f'<div class="hubassoc-table"><div style="margin:4px 0">{html.escape(caption)}</div>'
        '<table style="border-collapse:collapse;font-size:90%;font-family:monospace">'
        f'<thead><tr><th style="{_CELL}">#</th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def detail_html(detail: dict[str, Any] | None) -> str:
    """One row's detail: its fields, then HubSpot's verbatim error object as pretty JSON."""
    if detail is None:
        return '<div class="hubassoc-detail">no row selected</div>'
    cell = "padding:1px 8px;text-align:left;vertical-align:top"
    fields = "".join(
        f'<tr><th style="{cell};color:#57606a">{html.escape(name)}</th><td style="{cell}">'
        + (_badge(str(value)) if name == "status" else html.escape(_text(value)))
        + "</td></tr>"
        for name, value in detail.items()
        if name != "error_detail"
    )
    error = detail.get("error_detail")
    error_block = (
        '<pre class="hubassoc-error-detail" style="max-height:18em;overflow:auto;'
        f'background:#f6f8fa;padding:6px;margin:4px 0">{html.escape(error)}</pre>'
        if error
        else "<div>no error object for this row</div>"
    )
    return (
        '<div class="hubassoc-detail" style="display:flex;flex-wrap:wrap;gap:16px">'
        f'<table style="border-collapse:collapse;font-size:90%">{fields}</table>'
        '<div style="flex:1;min-width:320px"><b>HubSpot error object</b>'
        f"{error_block}</div></div>"
    )


def title(record: Any, rows: int) -> str:
    """The heading: the run's operation (when recorded), its object types and row count.

    Examples
    --------
    >>> title({"operation": "disassociate", "from_type": "contacts", "to_type": "deals"}, 3)
    'hubassoc results, disassociate contacts → deals: 3 rows'
    """
    record = record if isinstance(record, Mapping) else {}
    operation = record.get("operation")
    pair = f"{record.get('from_type', '?')} → {record.get('to_type', '?')}"
    doing = f"{operation} {pair}" if operation else pair
    return f"hubassoc results, {doing}: {counted(rows, 'row')}"


def dropdown_options(anything: str, choices: Iterable[tuple[Any, str, int]]) -> list[Any]:
    """A dropdown's ``(text, value)`` options: ``anything`` (value ``""``), then each choice.

    Examples
    --------
    >>> dropdown_options("any status", [("failed", "failed", 1200)])
    [('any status', ''), ('failed (1,200)', 'failed')]
    """
    return [(anything, "")] + [(f"{text} ({rows:,})", value) for value, text, rows in choices]


def changes_text(before: pd.Series, after: pd.Series) -> str:
    """What a retry changed, from rows per status before and after; ``"no change"`` if none.

    Examples
    --------
    >>> changes_text(pd.Series({"failed": 3, "removed": 0}), pd.Series({"failed": 1, "removed": 2}))
    'failed 3 → 1, removed 0 → 2'
    """
    statuses = list(before.index) + [s for s in after.index if s not in before.index]
    old = before.reindex(statuses, fill_value=0)
    new = after.reindex(statuses, fill_value=0)
    changed = [
        f"{status} {int(old[status]):,} → {int(new[status]):,}"
        for status in statuses
        if old[status] != new[status]
    ]
    return ", ".join(changed) or "no change"


def message_html(text: str, *, error: bool = False, secrets: Sequence[str | None] = ()) -> str:
    """The message line: ``text`` with every secret replaced by ``***``, escaped.

    Examples
    --------
    >>> message_html("bad token pat-123", error=True, secrets=["pat-123", None])
    '<span style="color:#cf222e">bad token ***</span>'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    colour = status_colour("failed") if error else "inherit"
    return f'<span style="color:{colour}">{html.escape(text)}</span>'
