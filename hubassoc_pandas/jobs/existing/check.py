"""``associate(..., check_existing=True)``: read what exists first, send only what is missing.

The from-IDs' associations are read (batch/read), pairs already associated are not sent, and
every row is marked with ``preexisting`` (True: the pair was associated before the run;
False: it was not; <NA>: unknown, because its from-ID could not be read or the row is
invalid). In a labelled run, ``preexisting`` says whether the pair held the row's label, and
``pair_preexisting`` whether it was associated at all. Pairs whose from-ID could not be read
are sent anyway: associating a pair that already is is harmless. ``undo()`` relies on these
columns to remove only what the run made. Columns of keys (``from_id_property``,
``to_id_property``) are looked up first (:mod:`.frame_keys`), on the client, pacer, journal
and batch numbering the read and the writes then share; rows whose key names no single record
say why, as in ``associate()``, and their ``preexisting`` is <NA>.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas.engine.execute import Execution
from hubassoc_pandas.engine.journal import Journal, identity_of
from hubassoc_pandas.engine.ledger import Interned, Ledger
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.jobs.existing.before import PRESENT, UNKNOWN, Before, before_states
from hubassoc_pandas.jobs.existing.key_columns import IdColumns, id_columns, unread
from hubassoc_pandas.jobs.existing.primary import PREVIOUS_PRIMARY, mark_previous, previous_holders
from hubassoc_pandas.jobs.existing.read_outcome import stop_warning
from hubassoc_pandas.jobs.existing.reading import Existing, read_existing
from hubassoc_pandas.jobs.keys.outcomes import lay_over
from hubassoc_pandas.jobs.pairs.by_keys import label_unplanned
from hubassoc_pandas.jobs.pairs.id_columns import operation_over
from hubassoc_pandas.jobs.pairs.planning import plan_run
from hubassoc_pandas.jobs.pairs.sending import execute_pairs
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.registry import progress_title
from hubassoc_pandas.operations.typed_pairs import TypedPairs
from hubassoc_pandas.options import PairJob
from hubassoc_pandas.progress import Progress, make_progress
from hubassoc_pandas.results.frame import build_results
from hubassoc_pandas.results.made import MADE, made_of_run
from hubassoc_pandas.results.outcome import hand_back, row_counts, run_record
from hubassoc_pandas.results.schema import is_results_frame
from hubassoc_pandas.status import NOT_SENT, SUCCESS
from hubassoc_pandas.transport.client import HubSpotClient
from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = ["associate_checked", "merge_outcomes"]

#: The result column marking keys HubSpot held before the run (for a labelled run: the pair
#: held that label).
PREEXISTING = "preexisting"
#: A labelled run's column marking pairs associated (by any type) before the run.
PAIR_PREEXISTING = "pair_preexisting"


def associate_checked(frame: pd.DataFrame, job: PairJob) -> pd.DataFrame:
    """Read the from-IDs' associations, send the keys not yet held (a labelled key: its pair
    holds that label; else: the pair is associated at all), and return the results with
    ``preexisting`` (and, for a labelled run, ``pair_preexisting``)."""
    columns = {"from": job.from_col, "to": job.to_col}
    with id_columns(frame, job, columns, operation=AssociateDefault.name) as given:
        client = given.client
        planned = plan_run(given.frame, job.through(client), AssociateDefault.verb)
        plan, operation = planned.plan, planned.operation
        key_types = None
        if isinstance(operation, TypedPairs):
            key_types = np.array([t.type_id for t in operation.types], np.int64)
            key_types = key_types[operation.tag_of_key]
        existing, from_codes = _read(plan, job, given)
        read_ok = existing.read_ok[from_codes]
        present = read_ok & existing.holds(from_codes, plan.pair_to, key_types)
        before = _before(operation, job, client, given.journal, present, read_ok)
        previous = None
        if isinstance(operation, TypedPairs) and existing.stopped is None:
            previous = previous_holders(
                operation.types,
                operation.tag_of_key,
                plan,
                present,
                existing,
                job,
                client=client,
                pacer=given.pacer,
            )
        done = None
        if existing.stopped is None:
            done = _send(operation, np.flatnonzero(~before.skip), job, given)
        lookups = given.record(job.keys)
    ledger = _outcomes(plan, operation, existing, from_codes, before.skip, done)
    base_url = job.connection.base_url
    record = run_record(
        operation,
        plan,
        done or existing.execution,
        job.settings,
        base_url,
        lookups=lookups.get("lookup_requests", 0) + planned.label_requests,
        reads=existing.execution.report.requests,
        writes=0 if done is None else done.report.requests,
    )
    record.update(
        from_col=str(job.from_col),
        to_col=str(job.to_col),
        check_existing=True,
        preexisting_pairs=int((before.state == PRESENT).sum()),
        read=_read_record(existing),
        **lookups,
    )
    if not job.run.dry_run:
        record[MADE] = made_of_run(plan, ledger)
    results = build_results(frame, plan, ledger, record, success=operation.success)
    labelling = planned.labelling
    typed = operation if isinstance(operation, TypedPairs) else None
    if labelling is not None and typed is not None:
        record.update(labelling.record(planned.known))
        results = labelling.finish(results, plan, typed)
    known = before.state != UNKNOWN
    _mark(results, plan, before.state == PRESENT, known, replace=is_results_frame(frame))
    if previous is not None:
        moved = mark_previous(results, plan, previous, job.run.dry_run)
        results.attrs["hubassoc"][PREVIOUS_PRIMARY] = moved
    if labelling is not None and typed is not None:
        paired = read_ok & existing.holds(from_codes, plan.pair_to)
        _mark(results, plan, paired, read_ok, replace=True, column=PAIR_PREEXISTING)
        label_unplanned(results, frame, given.problems, labelling, planned.known, job.settings)
    lay_over(results, given.problems, np.arange(len(results)))
    results.attrs["hubassoc"]["counts"] = row_counts(results, operation.success)
    if done is None:
        return _read_stopped(results, existing)
    return hand_back(results, done)


def _read(plan: Plan, job: PairJob, given: IdColumns) -> tuple[Existing, np.ndarray]:
    """Read the associations of the plan's from-IDs (none when looking keys up stopped the
    run); also return each pair's from-ID key."""
    codes, from_ids = pd.factorize(plan.pair_from)
    from_codes = codes.astype(np.int64)
    rows_of_key = np.bincount(from_codes, plan.rows_of_pair, len(from_ids)).astype(np.int64)
    if given.halted is not None:
        return unread(np.asarray(from_ids, np.int64), rows_of_key, given.halted), from_codes
    existing = read_existing(
        np.asarray(from_ids, dtype=np.int64),
        dataclasses.replace(job.settings, batch_size=None),  # batch_size counts pairs
        job.connection.base_url,
        token=None,
        client=given.client,
        progress=_phase_progress(job.run.progress, plan, "checking existing", "read"),
        rows_of_key=rows_of_key,
        pacer=given.pacer,
        first_batch=given.first_batch,
    )
    return existing, from_codes


def _outcomes(
    plan: Plan,
    operation: PairOperation,
    existing: Existing,
    from_codes: np.ndarray,
    held: np.ndarray,
    done: Execution | None,
) -> Ledger:
    """Every pair's outcome: pre-existing ones associated (with the type read), the others
    as the run left them (or not sent, when reading stopped)."""
    ledger = Ledger(plan.rows_of_pair, operation.value_columns)
    held_keys = np.flatnonzero(held)
    ledger.succeeded(
        held_keys,
        batch=0,
        attempts=0,
        http_status=0,
        values={
            name: values
            for name, values in _held_values(
                existing, from_codes[held_keys], plan.pair_to[held_keys]
            ).items()
            if name in ledger.columns
        },
    )
    send = np.flatnonzero(~held)
    if done is not None:
        merge_outcomes(ledger, send, done.ledger)
    else:
        info = ErrorInfo(
            existing.stopped,
            f"Not sent: reading what exists stopped early ({existing.stopped}). Run the same "
            "call again to carry on.",
            retryable=True,
        )
        ledger.refused(send, info, status=NOT_SENT, batch=0, attempts=0)
    return ledger


def _phase_progress(
    progress: bool | Progress, plan: Plan, desc: str, success: str
) -> bool | Progress:
    if progress is True:
        return make_progress(True, plan.n_rows - plan.n_invalid, desc=desc, success=success)
    return progress


def _send(
    operation: PairOperation,
    send: np.ndarray,
    job: PairJob,
    given: IdColumns,
) -> Execution:
    """Run the operation over its keys ``send`` only (in a run by keys: with the lookups'
    journal, pacer and batch numbering)."""
    subset = operation_over(operation, send)
    progress = job.run.progress if not job.run.dry_run else False
    if progress is True:
        progress = make_progress(
            True,
            int(subset.plan.rows_of_pair.sum()),
            desc=progress_title(subset),
            success=subset.success,
        )
    run = job.run.replace(progress=progress, pacer=given.pacer, opened=given.journal)
    sent = job.replace(connection=job.connection.with_client(given.client), run=run)
    return execute_pairs(subset, subset.plan, sent, first_batch=given.first_batch)


def _before(
    operation: PairOperation,
    job: PairJob,
    client: HubSpotClient,
    opened: Journal | None,
    present: np.ndarray,
    read_ok: np.ndarray,
) -> Before:
    """What existed before the run (see :mod:`.before`), from this read and, when the run
    keeps a journal, what its first read recorded there; what this read found is recorded
    before anything is sent. ``opened``: the run's journal, already open (a run by keys),
    else it is opened here."""
    path = job.run.journal
    if job.run.dry_run or (opened is None and path is None):
        return before_states(present, read_ok)
    settings = job.settings
    identity = identity_of(
        settings.from_type,
        settings.to_type,
        job.connection.base_url,
        client.token_fingerprint(),
        operation=operation.name,
    )
    identity.update(operation.identity())
    if opened is not None:
        journal = opened
    elif path is not None:
        journal = Journal(path, identity)
    try:
        stored = [
            *journal.done(operation.success)["key"].tolist(),
            *journal.done("unconfirmed")["key"].tolist(),
        ]
        sent = np.zeros(len(present), dtype=bool)
        sent[operation.find_in_journal(stored)[0]] = True
        keys = operation.journal_keys(np.arange(len(present), dtype=np.int64))
        return before_states(present, read_ok, journal=journal, keys=keys, sent=sent, record=True)
    finally:
        if opened is None:
            journal.close()


def _held_values(existing: Existing, keys: np.ndarray, to_ids: np.ndarray) -> dict[str, list[Any]]:
    """The association type ID and category of each pre-existing pair: its unlabelled type
    when it has one, else the first listed."""
    links = pd.DataFrame(
        {
            "key": existing.link_key,
            "to": existing.link_to,
            "type": existing.link_type,
            "category": existing.link_category,
            "labelled": pd.notna(existing.link_label),
        }
    ).sort_values(["labelled"], kind="stable")
    first = links.drop_duplicates(["key", "to"]).set_index(["key", "to"])
    at = first.index.get_indexer(pd.MultiIndex.from_arrays([keys, to_ids]))
    types = first["type"].to_numpy()[at] if len(at) else np.empty(0, np.int64)
    categories = first["category"].to_numpy()[at] if len(at) else np.empty(0, object)
    return {
        "association_type_id": [None if t < 0 else int(t) for t in types.tolist()],
        "association_category": categories.tolist(),
    }


def merge_outcomes(full: Ledger, keys: np.ndarray, part: Ledger) -> None:
    """Copy the outcomes of ``part`` (a run over ``keys`` of ``full``, in that order) into
    ``full``.

    Examples
    --------
    >>> full, part = Ledger(np.ones(3, np.int64), {}), Ledger(np.ones(1, np.int64), {})
    >>> part.succeeded(np.array([0]), batch=4, attempts=1, http_status=200, values={})
    >>> merge_outcomes(full, np.array([2]), part)
    >>> full.status.tolist(), full.batch.tolist()
    ([4, 4, 0], [0, 0, 4])
    """
    for name in ("status", "http_status", "batch", "attempts", "retryable"):
        getattr(full, name)[keys] = getattr(part, name)
    _copy_codes(full.info, keys, part.info)
    for name, column in part.columns.items():
        target = full.columns[name]
        if isinstance(column, Interned) and isinstance(target, Interned):
            _copy_codes(target, keys, column)
        elif not isinstance(column, Interned) and not isinstance(target, Interned):
            target[keys] = column


def _copy_codes(target: Interned, keys: np.ndarray, source: Interned) -> None:
    remap = np.array([*(target.code(value) for value in source.table), -1], dtype=np.int32)
    target.codes[keys] = remap[source.codes]


def _mark(
    results: pd.DataFrame,
    plan: Plan,
    held: np.ndarray,
    known: np.ndarray,
    *,
    replace: bool,
    column: str = PREEXISTING,
) -> None:
    """Add ``column``: per row, ``held`` of its pair, <NA> where not ``known`` (or invalid).
    An input column of that name is replaced when the input is a results frame, else kept
    renamed."""
    if column in results.columns:
        if replace:
            results.drop(columns=column, inplace=True)
        else:
            results.rename(columns={column: f"{column}_input"}, inplace=True)
    pair = plan.pair_of_row
    valid = pair >= 0
    values = np.zeros(len(pair), dtype=bool)
    values[valid] = held[pair[valid]]
    unknown = ~valid
    unknown[valid] = ~known[pair[valid]]
    results[column] = pd.arrays.BooleanArray(values, unknown)


def _read_record(existing: Existing) -> dict[str, Any]:
    report = existing.execution.report
    status = existing.ledger.status
    return {
        "from_ids": len(existing.from_ids),
        "unread_from_ids": int((status != SUCCESS).sum()),
        "requests": report.requests,
        "stopped": report.stopped,
    }


def _read_stopped(results: pd.DataFrame, existing: Existing) -> pd.DataFrame:
    """The results of a run whose read stopped: raise its fatal error, or warn."""
    report = existing.execution.report
    if report.fatal is not None:
        report.fatal.results = results
        raise report.fatal
    message = stop_warning(report.stopped, "check of what exists", "the same call again")
    if message:
        warnings.warn(message + " Nothing was sent.", RuntimeWarning, stacklevel=user_stacklevel())
    return results
