"""Which rows and fields the explorer shows: pages, table columns, one row's detail, export.

Pure except :func:`export_rows`, which writes the file it is asked to. Only positions and the
visible page are ever materialised, so a frame of millions of rows stays cheap to page.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.results.query import LABEL_COLUMN, user_columns

__all__ = [
    "DEFAULT_EXPORT_PATH",
    "DETAIL_FIELDS",
    "SHOWN_COLUMNS",
    "Page",
    "export_rows",
    "page_of",
    "row_detail",
    "table_columns",
]

#: Result columns shown in the table, in order (those the frame has).
SHOWN_COLUMNS = (
    "from_id",
    "to_id",
    "status",
    LABEL_COLUMN,
    "error_category",
    "error_message",
    "http_status",
    "attempts",
)
#: Result columns listed in a row's detail, in order (those the frame has).
DETAIL_FIELDS = (
    "from_id",
    "to_id",
    "status",
    LABEL_COLUMN,
    "error_category",
    "error_message",
    "http_status",
    "correlation_id",
    "batch",
    "attempts",
    "retryable",
)
#: Where "Export" writes unless told otherwise.
DEFAULT_EXPORT_PATH = "hubassoc_failures.csv"


def table_columns(results: pd.DataFrame, limit: int = 3) -> list[Hashable]:
    """The table's columns: :data:`SHOWN_COLUMNS`, then up to ``limit`` of the user's own.

    Examples
    --------
    >>> table_columns(pd.DataFrame(columns=["owner", "from_id", "status", "label"]))
    ['from_id', 'status', 'label', 'owner']
    """
    shown: list[Hashable] = [c for c in SHOWN_COLUMNS if c in results.columns]
    return shown + user_columns(results)[: max(limit, 0)]


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


def _pretty_error(raw: Any) -> str | None:
    """HubSpot's verbatim error object re-indented, or the raw text if it is not JSON."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw


def row_detail(results: pd.DataFrame, position: int) -> dict[str, Any] | None:
    """One row's fields for the detail view, with its error object pretty-printed.

    Returns None when ``position`` is outside the frame. The fields are the row number, its
    index label, each of :data:`DETAIL_FIELDS` the frame has (None where missing) and
    ``error_detail``: HubSpot's verbatim error object re-indented (or the raw text if it is
    not JSON).

    Examples
    --------
    >>> row_detail(results, 0)["correlation_id"]   # doctest: +SKIP
    'ba83011d-a27d-4f2d-b452-aa2b75ca761a'
    """
    if not 0 <= position < len(results):
        return None
    detail: dict[str, Any] = {"row": position, "index": results.index[position]}
    for name in DETAIL_FIELDS:
        if name in results.columns:
            value = results[name].iloc[position]
            detail[name] = None if pd.isna(value) else value
    raw = results["error_detail"].iloc[position] if "error_detail" in results.columns else None
    detail["error_detail"] = _pretty_error(raw)
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
