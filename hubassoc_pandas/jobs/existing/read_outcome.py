"""What a read hands back: its run record, its stop warning, or the error that stopped it
with the links read so far attached."""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas._version import __version__
from hubassoc_pandas.errors import JournalError
from hubassoc_pandas.jobs.existing.reading import Existing
from hubassoc_pandas.results.outcome import request_counts

__all__ = ["hand_back_links", "read_record", "stop_warning"]


def read_record(existing: Existing, base_url: str, settings: Any, from_col: str) -> dict[str, Any]:
    """The run record of a read (``links.attrs["hubassoc"]``)."""
    done = existing.execution
    report = done.report
    finished = report.finished or report.started
    kept = {k: v for k, v in done.record.items() if k not in ("dry_run", "resumed_pairs")}
    kept["resumed_from_ids"] = done.record.get("resumed_pairs", 0)
    return {
        "version": __version__,
        "operation": "read",
        "from_type": settings.from_type,
        "to_type": settings.to_type,
        "api_version": settings.api_version,
        "base_url": base_url,
        "from_col": from_col,
        **kept,
        **settings.record(),
        "from_ids": len(existing.from_ids),
        "links": len(existing.link_key),
        **request_counts(reads=report.requests),
        "batches": report.batches,
        "rate_limited_responses": report.rate_limited,
        "stopped": report.stopped,
        "started_at": _iso(report.started),
        "finished_at": _iso(finished),
        "seconds": round(max(0.0, finished - report.started), 3),
    }


def hand_back_links(links: pd.DataFrame, existing: Existing) -> pd.DataFrame:
    """Return the links, or raise the error that stopped the read with them attached."""
    report = existing.execution.report
    if report.fatal is not None:
        report.fatal.results = links
        raise report.fatal
    if report.journal_error is not None:
        error = JournalError(report.journal_error)
        error.results = links
        raise error
    message = stop_warning(report.stopped, "read", "the same call again (with the same journal)")
    if message:
        warnings.warn(message, RuntimeWarning, stacklevel=user_stacklevel())
    return links


def stop_warning(stopped: str | None, what: str, again: str) -> str | None:
    """What to tell the user when a step of ``what`` stopped early, and how to carry on.

    Examples
    --------
    >>> print(stop_warning("DAILY_LIMIT", "read", "read() again"))
    HubSpot's daily API limit was reached: the read stopped early; what is not done is marked
    not_sent (DAILY_LIMIT). Run read() again after the daily reset to finish.
    """
    reasons = {
        "INTERRUPTED": "Interrupted",
        "DAILY_LIMIT": "HubSpot's daily API limit was reached",
        "MIGRATION": "HubSpot is migrating this account (477)",
        "NETWORK": "HubSpot could not be reached",
    }
    if stopped not in reasons:
        return None
    when = " after the daily reset" if stopped == "DAILY_LIMIT" else ""
    return (
        f"{reasons[stopped]}: the {what} stopped early; what is not done is marked not_sent "
        f"({stopped}). Run {again}{when} to finish."
    )


def _iso(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp, tz=_dt.UTC).isoformat(timespec="seconds")
