"""What every part of the accessor shares: the frame it was reached from, and no state."""

from __future__ import annotations

import pandas as pd

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.results.schema import is_results_frame

__all__ = ["FrameMethods", "require_outcomes", "require_results"]


class FrameMethods:
    """The frame ``df.hubassoc`` was reached from. pandas may build a new accessor object on
    every attribute access, so a method takes everything from its arguments and the frame
    (``frame.attrs`` included)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame


def require_results(frame: pd.DataFrame) -> None:
    """Refuse a frame that is not the results of a run."""
    if not is_results_frame(frame):
        raise ConfigError(
            "this is not a results frame: call df.hubassoc.associate(...) (or "
            "disassociate(...)) first and use the frame it returns."
        )


def require_outcomes(frame: pd.DataFrame, method: str) -> None:
    """Refuse a frame without per-row outcomes (status, error category and message), saying
    what to call instead: results frames and carried-out sync plans have them."""
    if is_results_frame(frame) or all(
        column in frame.columns for column in ("status", "error_category", "error_message")
    ):
        return
    record = frame.attrs.get("hubassoc") or {}
    if record.get("operation") == "read":
        raise ConfigError(
            f"{method}() takes a frame of outcomes; this is the links frame read() returned: "
            "call links.hubassoc.read_status() for the status of every from-ID read."
        )
    if record.get("operation") == "sync" or "action" in frame.columns:
        raise ConfigError(
            f"{method}() takes a frame of outcomes; this sync plan was not carried out: look "
            "at plan['action'].value_counts(), then carry it out with "
            "plan.hubassoc.apply_plan() (the frame it returns has a summary)."
        )
    require_results(frame)
