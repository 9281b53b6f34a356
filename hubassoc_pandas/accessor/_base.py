"""What every part of the accessor shares: the frame it was reached from, and no state."""

from __future__ import annotations

import pandas as pd

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.results.schema import is_results_frame

__all__ = ["FrameMethods", "require_results"]


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
