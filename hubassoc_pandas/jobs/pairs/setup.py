"""Checking the frame and the columns a run names, before anything is sent."""

from __future__ import annotations

from typing import Any

import pandas as pd

from hubassoc_pandas.errors import ConfigError

__all__ = ["check_column", "check_frame"]


def check_column(frame: Any, role: str, column: Any) -> None:
    """Refuse a frame that is not a DataFrame, or a column it does not hold (once)."""
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    try:
        hash(column)
    except TypeError:
        raise ConfigError(
            f"{role}={column!r}: give one column name, not {type(column).__name__}."
        ) from None
    if column not in frame.columns:
        available = ", ".join(repr(c) for c in list(frame.columns)[:20])
        raise ConfigError(
            f"{role}={column!r} is not a column of the frame; its columns are: {available}."
        )
    if isinstance(frame[column], pd.DataFrame):
        raise ConfigError(
            f"{role}={column!r} names {frame[column].shape[1]} columns of the frame; make the "
            "column names unique (e.g. df.columns = [...])."
        )


def check_frame(frame: Any, from_col: Any, to_col: Any) -> None:
    """Refuse a frame that is not a DataFrame, a column it lacks, or one column for both."""
    for role, column in (("from_col", from_col), ("to_col", to_col)):
        check_column(frame, role, column)
    if from_col == to_col:
        raise ConfigError(
            f"from_col and to_col are both {from_col!r}: give the column of the from-records "
            "and the column of the to-records."
        )
