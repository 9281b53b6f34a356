"""The two operations behind the accessor and the command line: associate and retry.

Arguments are checked before anything is sent; the run itself is in :mod:`.runner`, the
results frame in :mod:`.results`.
"""

from __future__ import annotations

import datetime as _dt
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from ._stack import user_stacklevel
from .client import (
    DEFAULT_API_VERSION,
    HubSpotClient,
    Timeout,
    check_api_version,
    resolve_base_url,
    resolve_token,
    token_fingerprint,
)
from .errors import ConfigError
from .journal import Journal, identity_of, match_pairs
from .object_types import normalize_object_type
from .pacing import Backoff, Pacer, RateLimit, parse_rate_limit
from .plan import Plan, count_batches, make_plan
from .progress import Progress, make_progress
from .responses import ErrorInfo
from .results import (
    ANNOTATION_DTYPES,
    ASSOCIATED,
    NOT_SENT,
    STATUSES,
    PairOutcomes,
    build_results,
    retry_mask,
)
from .runner import RunOptions, RunReport, run

__all__ = ["associate", "retry"]

logger = logging.getLogger("hubassoc_pandas")

#: Largest batch size accepted; HubSpot documents none for this endpoint.
MAX_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class _Settings:
    from_type: str
    to_type: str
    batch_size: int
    max_workers: int
    max_attempts: int
    rate_limit: RateLimit | None  # the user's ceiling; None: start at the default, follow headers
    timeout: Timeout
    api_version: str
    backoff: Backoff


def associate(
    frame: pd.DataFrame,
    from_type: str,
    to_type: str,
    *,
    from_col: str,
    to_col: str,
    token: str | None = None,
    base_url: str | None = None,
    batch_size: int = 100,
    progress: bool | Progress = True,
    dry_run: bool = False,
    journal: str | Path | None = None,
    client: HubSpotClient | None = None,
    api_version: str = DEFAULT_API_VERSION,
    max_workers: int = 16,
    rate_limit: Any = None,
    max_attempts: int = 5,
    timeout: Any = None,
    backoff: Backoff | None = None,
) -> pd.DataFrame:
    """Associate the record pairs of two ID columns and report on every row.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input; it is not modified.
    from_type, to_type : str
        Object types: a name (``"contacts"``, ``"Company"``), a type ID (``"0-1"``) or a
        custom object (``"2-3453"``, ``"p_cars"``).
    from_col, to_col : str
        The columns holding the record IDs.
    token : str, optional
        Access token; default ``HUBSPOT_ACCESS_TOKEN``. Sent only in the Authorization header.
    base_url : str, optional
        Default ``HUBSPOT_BASE_URL``, else ``https://api.hubapi.com``.
    batch_size : int
        Pairs per request (default 100); shrinks by itself if HubSpot says it is too large.
    progress : bool
        Show a tqdm progress bar.
    dry_run : bool
        Check and plan only; send nothing.
    journal : path, optional
        SQLite file recording each batch; a second call with it skips confirmed pairs.
    client : HubSpotClient, optional
        A ready client (its token, base URL and API version are used).
    api_version : str
        ``"2026-03"`` (default), another date version, or ``"v4"`` for the legacy path.
    max_workers : int
        Requests in flight at once (default 16), all paced by one rate limiter.
    rate_limit : int, tuple or str, optional
        Default None: start at 100 requests per 10 s and follow HubSpot's
        ``X-HubSpot-RateLimit-*`` headers. A value (requests per 10 s, ``(requests,
        seconds)`` or ``"requests/seconds"``) is a ceiling the headers may lower but never
        raise: use it to leave room for other integrations sharing the app.
    max_attempts : int
        Attempts per batch on 5xx and network failures (default 5).
    timeout : float or (connect, read)
        Seconds (default 10 to connect, 60 to read).
    backoff : Backoff, optional
        Waits between attempts after 5xx and network failures (default: from 0.5 s,
        doubling, capped at 30 s, with jitter).

    Returns
    -------
    pandas.DataFrame
        Every input row with its index and columns, plus ``from_id``, ``to_id``, ``status``
        (associated, failed, invalid, unconfirmed, not_sent), ``error_category``,
        ``error_message``, ``http_status``, ``batch``, ``attempts``,
        ``association_type_id``, ``association_category``, ``retryable``,
        ``correlation_id`` and ``error_detail``. ``attrs["hubassoc"]`` records the run.

    Raises
    ------
    ConfigError
        Bad arguments, before anything is sent.
    AuthenticationError, MissingScopesError, FatalApiError
        HubSpot refused the run; ``exc.results`` holds the results so far.

    Examples
    --------
    >>> df = pd.DataFrame({"contact": [1, 2, None], "company": [7, 7, 8]})
    >>> out = associate(df, "contacts", "companies", from_col="contact", to_col="company",
    ...                 dry_run=True, progress=False)
    >>> out["status"].tolist()
    ['not_sent', 'not_sent', 'invalid']
    """
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    for role, column in (("from_col", from_col), ("to_col", to_col)):
        if column not in frame.columns:
            available = ", ".join(repr(c) for c in list(frame.columns)[:20])
            raise ConfigError(
                f"{role}={column!r} is not a column of the frame; its columns are: {available}."
            )
        if isinstance(frame[column], pd.DataFrame):
            raise ConfigError(
                f"{role}={column!r} names {frame[column].shape[1]} columns of the frame; "
                "make the column names unique (e.g. df.columns = [...])."
            )
    settings = _settings(
        from_type,
        to_type,
        batch_size,
        max_workers,
        max_attempts,
        rate_limit,
        timeout,
        api_version if client is None else client.api_version,
        backoff,
    )
    resolved_url = client.base_url if client is not None else resolve_base_url(base_url)
    if client is None and not dry_run:
        resolve_token(token)  # a missing token is reported before any work
    plan = make_plan(frame[from_col], frame[to_col], from_label=str(from_col), to_label=str(to_col))
    attrs = {"from_col": str(from_col), "to_col": str(to_col)}
    outcomes, report, extra = _execute(
        plan,
        settings,
        resolved_url,
        token=token,
        client=client,
        progress=progress,
        dry_run=dry_run,
        journal=journal,
        first_batch=1,
    )
    attrs.update(extra)
    return _finish(frame, plan, outcomes, report, settings, resolved_url, attrs)


def retry(
    results: pd.DataFrame,
    *,
    token: str | None = None,
    base_url: str | None = None,
    progress: bool | Progress = True,
    journal: str | Path | None = None,
    client: HubSpotClient | None = None,
    **knobs: Any,
) -> pd.DataFrame:
    """Re-send the rows that may still succeed and return the whole frame, updated.

    Rows ``failed`` with ``retryable`` true, ``unconfirmed`` and ``not_sent`` are sent again;
    every other row is returned untouched. The object types, base URL and batch size come
    from ``results.attrs["hubassoc"]`` unless given.

    Examples
    --------
    >>> fixed = retry(results, token="...")          # doctest: +SKIP
    >>> fixed["status"].value_counts()               # doctest: +SKIP
    """
    record = dict(results.attrs.get("hubassoc") or {})
    missing = [c for c in ANNOTATION_DTYPES if c not in results.columns]
    if missing or "from_type" not in record:
        raise ConfigError(
            "retry() needs a results frame returned by associate() (with its attrs); "
            f"missing: {', '.join(missing) or 'attrs[hubassoc]'}."
        )
    settings = _settings(
        knobs.pop("from_type", record["from_type"]),
        knobs.pop("to_type", record["to_type"]),
        knobs.pop("batch_size", record.get("batch_size", 100)),
        knobs.pop("max_workers", record.get("max_workers", 16)),
        knobs.pop("max_attempts", record.get("max_attempts", 5)),
        knobs.pop("rate_limit", record.get("rate_limit")),
        knobs.pop("timeout", None),
        client.api_version
        if client is not None
        else knobs.pop("api_version", record.get("api_version", DEFAULT_API_VERSION)),
        knobs.pop("backoff", None),
    )
    if knobs:
        raise ConfigError(f"retry() got unexpected arguments: {', '.join(sorted(knobs))}")
    resolved_url = (
        client.base_url
        if client is not None
        else resolve_base_url(base_url if base_url is not None else record.get("base_url"))
    )
    positions = np.flatnonzero(retry_mask(results))
    if len(positions) == 0:
        logger.info("retry(): no row is failed-and-retryable, unconfirmed or not_sent")
        unchanged = results.copy()
        unchanged.attrs = {"hubassoc": {**record, "retried_rows": 0}}
        return unchanged
    subset = results.iloc[positions]
    plan = make_plan(subset["from_id"], subset["to_id"], from_label="from_id", to_label="to_id")
    first_batch = int(results["batch"].max()) + 1 if results["batch"].notna().any() else 1
    outcomes, report, extra = _execute(
        plan,
        settings,
        resolved_url,
        token=token,
        client=client,
        progress=progress,
        dry_run=False,
        journal=journal,
        first_batch=first_batch,
    )
    redone = build_results(subset[["from_id"]].iloc[:, :0], plan, outcomes, {})
    updated = results.copy()
    columns = [c for c in ANNOTATION_DTYPES if c not in ("from_id", "to_id", "attempts")]
    for column in columns:
        values = updated[column].array.copy()
        values[positions] = redone[column].array
        updated[column] = values
    attempts = updated["attempts"].array.copy()
    attempts[positions] = attempts[positions] + redone["attempts"].array
    updated["attempts"] = attempts
    record.update(extra)
    record["counts"] = _counts(updated)
    record["retries"] = int(record.get("retries", 0)) + 1
    record["retried_rows"] = len(positions)
    updated.attrs = {"hubassoc": record}
    _warn_if_stopped(report)
    if report.fatal is not None:
        report.fatal.results = updated
        raise report.fatal
    return updated


def _settings(
    from_type: Any,
    to_type: Any,
    batch_size: Any,
    max_workers: Any,
    max_attempts: Any,
    rate_limit: Any,
    timeout: Any,
    api_version: Any,
    backoff: Backoff | None = None,
) -> _Settings:
    for name, value, low, high in (
        ("batch_size", batch_size, 1, MAX_BATCH_SIZE),
        ("max_workers", max_workers, 1, 256),
        ("max_attempts", max_attempts, 1, 100),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or not low <= value <= high
        ):
            raise ConfigError(f"{name}={value!r}: give a whole number from {low} to {high}.")
    return _Settings(
        from_type=normalize_object_type(from_type, role="from_type"),
        to_type=normalize_object_type(to_type, role="to_type"),
        batch_size=int(batch_size),
        max_workers=int(max_workers),
        max_attempts=int(max_attempts),
        rate_limit=None if rate_limit is None else parse_rate_limit(rate_limit),
        timeout=Timeout.of(timeout),
        api_version=check_api_version(api_version),
        backoff=backoff if backoff is not None else Backoff(),
    )


def _execute(
    plan: Plan,
    settings: _Settings,
    base_url: str,
    *,
    token: str | None,
    client: HubSpotClient | None,
    progress: bool | Progress,
    dry_run: bool,
    journal: str | Path | None,
    first_batch: int,
) -> tuple[PairOutcomes, RunReport, dict[str, Any]]:
    outcomes = PairOutcomes(plan.n_pairs)
    pending = np.arange(plan.n_pairs, dtype=np.int64)
    extra: dict[str, Any] = {
        "journal": str(journal) if journal is not None else None,
        "resumed_pairs": 0,
        "dry_run": bool(dry_run),
    }
    opened: Journal | None = None
    owned_client: HubSpotClient | None = None
    report = RunReport()
    try:
        if journal is not None:
            if dry_run:
                credential = None
            elif client is not None:
                credential = client.token_fingerprint()
            else:
                credential = token_fingerprint(resolve_token(token))
            opened = Journal(
                journal, identity_of(settings.from_type, settings.to_type, base_url, credential)
            )
            done = opened.associated()
            found, rows = match_pairs(done, plan.pair_from, plan.pair_to)
            if len(found):
                picked = done.iloc[rows]
                outcomes.restore(
                    found,
                    picked["batch"].to_numpy(np.int64),
                    picked["attempts"].to_numpy(np.int64),
                    picked["association_type_id"].fillna(-1).to_numpy(np.int64),
                    picked["association_category"].to_numpy(object),
                    picked["http_status"].fillna(0).to_numpy(np.int64),
                )
                pending = np.setdiff1d(pending, found, assume_unique=True)
            first_batch = max(first_batch, opened.last_batch() + 1)
            extra["resumed_pairs"] = len(found)
        extra["planned_batches"] = count_batches(len(pending), settings.batch_size)
        if dry_run:
            outcomes.refused(
                pending,
                ErrorInfo("DRY_RUN", "Dry run: not sent.", retryable=True),
                status=NOT_SENT,
                batch=0,
                attempts=0,
            )
            return outcomes, report, extra
        if client is None:
            owned_client = client = HubSpotClient(
                token,
                base_url=base_url,
                api_version=settings.api_version,
                timeout=settings.timeout,
                pool_size=settings.max_workers,
            )
        sink = progress if not isinstance(progress, bool) else make_progress(progress, plan.n_rows)
        already = plan.n_invalid + int(plan.rows_of_pair[outcomes.status == ASSOCIATED].sum())
        sink.advance(already, {"invalid": plan.n_invalid, **outcomes.counts(plan.rows_of_pair)})
        logger.info(
            "sending %d pairs (%d rows) %s -> %s in batches of %d",
            len(pending),
            plan.n_rows,
            settings.from_type,
            settings.to_type,
            settings.batch_size,
        )
        pacer = Pacer(settings.rate_limit, ceiling=settings.rate_limit)
        report = run(
            plan,
            pending,
            outcomes,
            client,
            pacer,
            RunOptions(
                settings.from_type,
                settings.to_type,
                settings.batch_size,
                settings.max_workers,
                settings.max_attempts,
                backoff=settings.backoff,
            ),
            progress=sink,
            journal=opened,
            first_batch=first_batch,
        )
        extra["rate_limit_in_force"] = [pacer.limit.requests, pacer.limit.period]
        return outcomes, report, extra
    finally:
        if opened is not None:
            opened.close()
        if owned_client is not None:
            owned_client.close()


def _finish(
    frame: pd.DataFrame,
    plan: Plan,
    outcomes: PairOutcomes,
    report: RunReport,
    settings: _Settings,
    base_url: str,
    attrs: dict[str, Any],
) -> pd.DataFrame:
    record: dict[str, Any] = {
        "version": __version__,
        "from_type": settings.from_type,
        "to_type": settings.to_type,
        "api_version": settings.api_version,
        "base_url": base_url,
        **attrs,
        "batch_size": settings.batch_size,
        "final_batch_size": report.final_batch_size or settings.batch_size,
        "max_workers": settings.max_workers,
        "max_attempts": settings.max_attempts,
        "rate_limit": None
        if settings.rate_limit is None
        else [settings.rate_limit.requests, settings.rate_limit.period],
        "rows": plan.n_rows,
        "unique_pairs": plan.n_pairs,
        "requests": report.requests,
        "batches": report.batches,
        "rate_limited_responses": report.rate_limited,
        "stopped": report.stopped,
        "started_at": _iso(report.started),
        "finished_at": _iso(report.finished or report.started),
        "seconds": round(max(0.0, (report.finished or report.started) - report.started), 3),
        "retries": 0,
    }
    results = build_results(frame, plan, outcomes, record)
    results.attrs["hubassoc"]["counts"] = _counts(results)
    _warn_if_stopped(report)
    if report.fatal is not None:
        report.fatal.results = results
        raise report.fatal
    return results


def _counts(results: pd.DataFrame) -> dict[str, int]:
    counts = results["status"].value_counts()
    return {name: int(counts.get(name, 0)) for name in STATUSES}


def _warn_if_stopped(report: RunReport) -> None:
    if report.stopped == "DAILY_LIMIT":
        warnings.warn(
            "HubSpot's daily API limit was reached: the rows not yet sent are "
            "not_sent (DAILY_LIMIT). Run retry() after the daily reset.",
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )
    elif report.stopped == "INTERRUPTED":
        warnings.warn(
            "Interrupted: finished rows are kept; the rest are not_sent "
            "(INTERRUPTED). Run retry() to send them.",
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )


def _iso(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp, tz=_dt.UTC).isoformat(timespec="seconds")
