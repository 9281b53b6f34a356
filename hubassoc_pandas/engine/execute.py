"""Carry out one operation over the keys of a plan: resume from a journal, open a client,
pace, run the engine, and say what happened. Shared by every public operation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hubassoc_pandas.engine.attempt import Attempts
from hubassoc_pandas.engine.journal import Journal, identity_of
from hubassoc_pandas.engine.ledger import Ledger
from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.report import EngineOptions, RunReport
from hubassoc_pandas.engine.run import run
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.operations.base import Operation
from hubassoc_pandas.progress import Progress, make_progress
from hubassoc_pandas.status import DRY_RUN, NOT_SENT, SUCCESS
from hubassoc_pandas.transport.client import HubSpotClient, resolve_token, token_fingerprint
from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = ["Execution", "execute", "open_journal"]

logger = logging.getLogger("hubassoc_pandas")


@dataclass
class Execution:
    """The outcome of :func:`execute`: the ledger, the engine's report and the run record."""

    ledger: Ledger
    report: RunReport
    record: dict[str, Any] = field(default_factory=dict)


def execute(
    operation: Operation,
    rows_of_key: np.ndarray,
    settings: RunSettings,
    base_url: str,
    *,
    token: str | None,
    client: HubSpotClient | None,
    progress: bool | Progress,
    dry_run: bool,
    journal: str | Path | Journal | None,
    first_batch: int,
    total_rows: int,
    invalid_rows: int,
    pacer: Pacer | None = None,
    purpose: str | None = None,
    on_sending: Callable[[], object] | None = None,
) -> Execution:
    """Send every key of ``operation`` (those a journal records as done excepted).

    ``rows_of_key`` weighs each key by the input rows sharing it, for progress and counts.
    One function because it owns the journal's and the client's lifetimes: both are opened
    and closed here, whatever happens. A run of several phases (keys resolved, then pairs
    written) passes its open ``journal`` (see :func:`open_journal`), its ``client`` and its
    ``pacer`` to each phase instead: those are then neither opened nor closed here. A
    journal belongs to one kind of run: ``purpose`` (default: the operation's verb; ``undo``
    for an undo) is part of its identity. ``on_sending()`` is called once, when the first
    request is on its way (never in a dry run, nor when nothing is left to send).
    """
    ledger = Ledger(rows_of_key, operation.value_columns)
    pending = np.arange(operation.n_keys, dtype=np.int64)
    batch_size = settings.batch_size_for(operation.max_batch_size)
    record: dict[str, Any] = {
        "journal": None if journal is None else str(getattr(journal, "path", journal)),
        "resumed_pairs": 0,
        "dry_run": bool(dry_run),
        "batch_size": batch_size,
    }
    opened: Journal | None = None
    given = journal if isinstance(journal, Journal) else None
    try:
        if isinstance(journal, Journal):
            opened = journal
        elif journal is not None:
            opened = open_journal(
                journal,
                {**operation.identity(), "purpose": purpose or operation.verb},
                settings,
                base_url,
                token=token,
                client=client,
                dry_run=dry_run,
            )
        if opened is not None:
            pending, resumed = _resume(opened, operation, ledger, pending)
            first_batch = max(first_batch, opened.last_batch() + 1)
            record["resumed_pairs"] = resumed
        record["planned_batches"] = -(-len(pending) // batch_size)
        if dry_run:
            info = ErrorInfo(DRY_RUN, "Dry run: not sent.", retryable=True)
            ledger.refused(pending, info, status=NOT_SENT, batch=0, attempts=0)
            _dry_run_progress(progress, operation, ledger, pending, invalid_rows, total_rows)
            return Execution(ledger, RunReport(), record)
        sink = progress if not isinstance(progress, bool) else make_progress(progress, total_rows)
        _start_progress(sink, operation, ledger, invalid_rows)
        logger.info(
            "%s: sending %d keys (%d rows) %s -> %s in batches of %d",
            *(operation.verb, len(pending), total_rows, settings.from_type, settings.to_type),
            batch_size,
        )
        run_as = {
            "progress": sink,
            "journal": opened,
            "first_batch": first_batch,
            "invalid_rows": invalid_rows,
            "on_sending": on_sending,
        }
        owned = client or settings.open_client(token, base_url)
        try:
            report = _send(
                operation, pending, ledger, owned, settings, batch_size, record, run_as, pacer
            )
        finally:
            if client is None:
                owned.close()
        return Execution(ledger, report, record)
    finally:
        if opened is not None and given is None:
            opened.close()


def _send(
    operation: Operation,
    pending: np.ndarray,
    ledger: Ledger,
    client: HubSpotClient,
    settings: RunSettings,
    batch_size: int,
    record: dict[str, Any],
    run_as: dict[str, Any],
    pacer: Pacer | None = None,
) -> RunReport:
    """Pace and run the engine; ``run_as`` holds progress, journal, first batch, invalid rows
    and the ``on_sending`` call."""
    # the first two requests go at once (the window is empty), then one at a time
    pacer = pacer or Pacer(settings.rate_limit, ceiling=settings.rate_limit, start=2)
    options = EngineOptions(
        batch_size,
        settings.max_workers,
        Attempts(settings.max_attempts, backoff=settings.backoff),
    )
    report = run(operation, pending, ledger, client.post, pacer, options, **run_as)
    record["rate_limit_in_force"] = [pacer.limit.requests, pacer.limit.period]
    return report


def _dry_run_progress(
    progress: bool | Progress,
    operation: Operation,
    ledger: Ledger,
    pending: np.ndarray,
    invalid_rows: int,
    total_rows: int,
) -> None:
    """A dry run decides every row at once (``not_sent``, resumed or invalid): its progress,
    if shown, is filled to the end and closed."""
    if isinstance(progress, bool | np.bool_) and not progress:
        return
    sink = (
        progress if not isinstance(progress, bool | np.bool_) else make_progress(True, total_rows)
    )
    _start_progress(sink, operation, ledger, invalid_rows)
    resumed = ledger.rows_by_status()[SUCCESS]
    not_sent = ledger.tally_decided(pending)
    counts = {operation.success: int(resumed), "invalid": invalid_rows, "not_sent": not_sent}
    sink.advance(not_sent, {word: rows for word, rows in counts.items() if rows})
    sink.close()


def _start_progress(
    sink: Progress, operation: Operation, ledger: Ledger, invalid_rows: int
) -> None:
    """Count the keys resumed from a journal and show them, with the invalid rows, at once."""
    resumed_rows = ledger.tally_decided(np.flatnonzero(ledger.status == SUCCESS))
    counts = {operation.success: resumed_rows} if resumed_rows else {}
    counts["invalid"] = invalid_rows
    sink.advance(invalid_rows + resumed_rows, counts)


def open_journal(
    path: str | Path,
    identity: dict[str, str],
    settings: RunSettings,
    base_url: str,
    *,
    token: str | None,
    client: HubSpotClient | None,
    dry_run: bool,
) -> Journal:
    """Open a run's journal, keyed by ``identity`` (its ``operation`` and anything the run
    adds) besides the object types, the portal's base URL and the token's fingerprint.

    Examples
    --------
    >>> import tempfile, os
    >>> from hubassoc_pandas.engine.settings import make_settings
    >>> path = os.path.join(tempfile.mkdtemp(), "run.db")
    >>> journal = open_journal(path, {"operation": "archive"}, make_settings("contacts",
    ...     "companies"), "http://127.0.0.1:1", token=None, client=None, dry_run=True)
    >>> journal.last_batch()
    0
    >>> journal.close()
    """
    if dry_run:
        credential = None
    elif client is not None:
        credential = client.token_fingerprint()
    else:
        credential = token_fingerprint(resolve_token(token))
    full = identity_of(
        settings.from_type, settings.to_type, base_url, credential, operation=identity["operation"]
    )
    full.update(identity)
    return Journal(path, full)


def _resume(
    journal: Journal, operation: Operation, ledger: Ledger, pending: np.ndarray
) -> tuple[np.ndarray, int]:
    """Mark the keys the journal records as done; return the keys still to send."""
    done = journal.done(operation.success)
    found, rows = operation.find_in_journal(done["key"].tolist())
    if len(found) == 0:
        return pending, 0
    picked = done.iloc[rows]
    stored = picked["values"].tolist()
    ledger.restore(
        found,
        batch=picked["batch"].to_numpy(np.int64),
        attempts=picked["attempts"].to_numpy(np.int64),
        http_status=picked["http_status"].fillna(0).to_numpy(np.int64),
        values={name: [v.get(name) for v in stored] for name in ledger.values},
    )
    return np.setdiff1d(pending, found, assume_unique=True), len(found)
