"""``read()``: the associations that exist for the from-IDs of a frame, and the status of each.

Through ``POST .../batch/read`` (1,000 from-IDs per request at most), every page of each
from-ID. The frames are built by :mod:`.read_frames`.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from ._stack import user_stacklevel
from .backoff import Backoff
from .client import DEFAULT_API_VERSION, HubSpotClient
from .errors import ConfigError, JournalError
from .existing import Existing, read_existing
from .frame_ids import read_from_column
from .key_spec import check_on_ambiguous
from .operations.read import ReadAssociations
from .progress import Progress
from .read_frames import decode_status, encode_status, links_frame, status_frame
from .run_setup import check_column, prepare

__all__ = ["hand_back_links", "read", "read_record", "read_status", "stop_warning"]


def read(
    frame: pd.DataFrame,
    from_type: str,
    to_type: str,
    *,
    from_col: str,
    token: str | None = None,
    base_url: str | None = None,
    batch_size: int | None = None,
    progress: bool | Progress = True,
    journal: str | Path | None = None,
    client: HubSpotClient | None = None,
    api_version: str = DEFAULT_API_VERSION,
    max_workers: int = 16,
    rate_limit: Any = None,
    max_attempts: int = 5,
    timeout: Any = None,
    backoff: Backoff | None = None,
    from_id_property: str | None = None,
    on_ambiguous: str = "fail",
) -> pd.DataFrame:
    """The associations HubSpot holds for the from-IDs of a frame: one row per link.

    Each distinct from-ID of ``from_col`` is read once through ``POST .../batch/read`` (1,000
    per request), following its ``paging`` cursor until every page is in. Pacing, retries,
    the progress bar, Ctrl-C and ``journal`` behave as for :func:`associate`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input; it is not modified.
    from_type, to_type : str
        Object types, e.g. ``"contacts"``, ``"companies"``, ``"0-1"``, ``"p_cars"``.
    from_col : str
        The column of from-record IDs (repeated IDs are read once).
    batch_size : int, optional
        From-IDs per request; default and maximum 1,000.
    journal : path, optional
        SQLite file; a second call with it does not read again the from-IDs it finished
        (nor look up again the keys it found).
    from_id_property : str, optional
        The property ``from_col`` holds instead of record IDs (``"email"``, a property with
        unique values, or ``"domain"`` for companies), as for :func:`associate`: each
        distinct key is looked up once, paced with the reads, and the IDs found are read.
        The links frame shows the key of each from-ID after ``row``; the status frame shows
        it first, and the rows whose key names no single record as ``failed``
        (KEY_NOT_FOUND, KEY_AMBIGUOUS, or the lookup's own failure), ``invalid``
        (INVALID_KEY) or ``not_sent``, one status row per key, with the messages
        :func:`associate` gives.
    on_ambiguous : {"fail", "oldest"}
        A domain several companies have: fail its rows (KEY_AMBIGUOUS), or take the oldest.
    token, base_url, progress, client, api_version, max_workers, rate_limit, max_attempts,
    timeout, backoff
        As for :func:`associate`.

    Returns
    -------
    pandas.DataFrame
        One row per (from-ID, to-ID, association type) found, with a RangeIndex and the
        columns ``row`` (the index label of the first input row holding that from-ID),
        ``from_id``, ``to_id`` (digit strings), ``association_type_id`` (Int64),
        ``association_category`` and ``label`` (``<NA>`` for the unlabelled type). A pair
        holding a label is listed once per type: its unlabelled type and each label.
        ``links.hubassoc.read_status()`` accounts for every from-ID of the input: found,
        none (no association, or no such record: HubSpot does not tell them apart), failed
        or not_sent (with HubSpot's message), and invalid input values.
        ``attrs["hubassoc"]["counts"]`` counts the rows of that status frame by status.

    Raises
    ------
    ConfigError
        Bad arguments, before anything is sent.
    AuthenticationError, MissingScopesError, FatalApiError
        HubSpot refused the run; ``exc.results`` holds the links read so far.

    Examples
    --------
    >>> links = df.hubassoc.read("contacts", "companies", from_col="contact_id")  # doctest: +SKIP
    >>> links.hubassoc.read_status()["status"].value_counts()                   # doctest: +SKIP
    """
    check_column(frame, "from_col", from_col)
    setup = prepare(from_type, to_type, dict(locals()))
    settings = setup.settings
    if settings.batch_size is not None and settings.batch_size > ReadAssociations.max_batch_size:
        raise ConfigError(
            f"batch_size={settings.batch_size}: HubSpot reads at most "
            f"{ReadAssociations.max_batch_size} from-IDs per request; give a smaller number."
        )
    if from_id_property is not None:
        from .keyed_reads import read_by_keys  # it builds on this module

        return read_by_keys(frame, setup)
    check_on_ambiguous(on_ambiguous)
    ids = read_from_column(frame, from_col)
    existing = read_existing(
        ids.ids,
        settings,
        setup.base_url,
        token=token,
        client=client,
        progress=progress,
        journal=setup.args["journal"],
        rows_of_key=ids.rows_of_id,
        invalid_rows=ids.n_invalid,
    )
    links = links_frame(frame.index, ids, existing)
    status = status_frame(ids, existing)
    links.attrs = {"hubassoc": read_record(existing, setup.base_url, settings, str(from_col))}
    counts = status["status"].value_counts(sort=False)
    links.attrs["hubassoc"]["counts"] = {str(k): int(v) for k, v in counts.items()}
    links.attrs["hubassoc"]["read_status"] = encode_status(status)
    return hand_back_links(links, existing)


def read_status(links: pd.DataFrame) -> pd.DataFrame:
    """The status of every from-ID of a :func:`read`: found, none, failed, invalid, not_sent.

    One row per distinct from-ID of the input (and one per kind of unreadable value):
    ``from_id``, ``status``, ``links`` (its rows in the links frame), ``rows`` (input rows
    holding it), ``error_category``, ``error_message``, ``http_status``, ``retryable``.

    Examples
    --------
    >>> links.hubassoc.read_status().query("status == 'failed'")  # doctest: +SKIP
    """
    record = links.attrs.get("hubassoc") or {}
    text = record.get("read_status")
    if not isinstance(text, str):
        raise ConfigError(
            "this frame carries no read status: call df.hubassoc.read(...) and use the frame "
            "it returns (its attrs hold the status; a CSV file does not keep them, Parquet does)."
        )
    return decode_status(text)


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
        "requests": report.requests,
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
