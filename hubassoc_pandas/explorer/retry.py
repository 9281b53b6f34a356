"""The explorer's "Retry failed": re-send a results frame, reporting progress to callbacks.

Kept apart from the widget so the widget only wires buttons; this module knows nothing of
ipywidgets.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from hubassoc_pandas.explorer import view
from hubassoc_pandas.jobs.pairs.retry import RetryOptions, retry
from hubassoc_pandas.results.query import status_counts
from hubassoc_pandas.results.schema import is_results_frame
from hubassoc_pandas.status import counted
from hubassoc_pandas.transport.client import Secret

__all__ = ["BarProgress", "RetryOutcome", "resend", "retry_refusal"]


class BarProgress:
    """Reports a retry's progress: rows decided to ``show_done``, a line of text to ``say``."""

    def __init__(
        self, total: int, show_done: Callable[[int], None], say: Callable[[str], None]
    ) -> None:
        self._total = total
        self._done = 0
        self._show_done = show_done
        self._say = say

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        self._done = min(self._done + rows, self._total)
        self._show_done(self._done)
        self._say(f"retrying: {self._done:,} of {counted(self._total, 'row')} decided")

    def note(self, text: str | None) -> None:
        if text:
            self._say(f"retrying: {self._done:,} of {counted(self._total, 'row')}; {text}")

    def close(self) -> None:
        pass


def retry_refusal(results: pd.DataFrame) -> str | None:
    """Why "Retry failed" cannot re-send the rows of this frame, or None when it can (the
    results of associate(), disassociate(), an undo or a retry).

    Examples
    --------
    >>> print(retry_refusal(pd.DataFrame(columns=["status", "action"])))
    Retry re-sends the results of associate() or disassociate(); a sync carries on with \
sync() again, which reads HubSpot afresh.
    """
    if is_results_frame(results):
        return None
    record = results.attrs.get("hubassoc") or {}
    if record.get("operation") == "sync" or "action" in results.columns:
        return (
            "Retry re-sends the results of associate() or disassociate(); a sync carries on "
            "with sync() again, which reads HubSpot afresh."
        )
    if record.get("operation") == "read" or "rows" in results.columns:
        return (
            "Retry re-sends the results of associate() or disassociate(); a read carries on "
            "with read() again (with the same journal)."
        )
    return "Retry re-sends the results of associate() or disassociate()."


@dataclass(frozen=True)
class RetryOutcome:
    """The frame after a retry (None if it stopped with no frame) and a line describing it."""

    results: pd.DataFrame | None
    text: str
    error: bool = False


def resend(
    results: pd.DataFrame, token: Secret | None, total: int, progress: BarProgress
) -> RetryOutcome:
    """Re-send the rows of ``results`` that may still succeed; never raises.

    A failure is described in the outcome (with the partial frame its exception carries, if
    any); warnings raised during the run are appended to the description.
    """
    before = status_counts(results)["rows"]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            given = RetryOptions(
                token=token.reveal() if token is not None else None, progress=progress
            )
            updated = retry(results, given)
    except Exception as exc:
        partial = getattr(exc, "results", None)
        return RetryOutcome(
            partial if isinstance(partial, pd.DataFrame) else None,
            f"retry stopped: {type(exc).__name__}: {exc}",
            error=True,
        )
    changes = view.changes_text(before, status_counts(updated)["rows"])
    notes = "; ".join(str(item.message) for item in caught)
    return RetryOutcome(
        updated, f"retried {counted(total, 'row')}: {changes}" + (f" ({notes})" if notes else "")
    )
