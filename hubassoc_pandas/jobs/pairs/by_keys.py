"""Pair operations whose columns hold keys (emails, unique values, domains) instead of IDs.

One run, three phases sharing one client, one pacer of the ten-secondly limit (search has its
own), one journal and one batch numbering: the keys of each side are looked up
(:mod:`.keys`), the pairs of resolved IDs are written (:func:`.sending.execute_pairs`), and the
results frame shows every row with its key columns as given and the IDs they came to in
``from_id``/``to_id``. Rows whose key names no single record say why in ``status``,
``error_category`` and ``error_message``. A run stopped while looking keys up (Ctrl-C, the
daily limit, a fatal refusal) writes nothing.

The journal holds the lookups beside the pairs (their keys begin with the object type and
property, e.g. ``contacts.email:``): resumed with it, a run looks up only keys it has not
found before, and sends only pairs not yet done. ``retry()`` looks up only the keys of rows
whose ID is still missing (those no record had too, even when the journal says so: a record
created since, or not yet in search's index then, is found now), and re-sends the rest by
their IDs.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.engine.execute import Execution
from hubassoc_pandas.engine.ledger import Ledger
from hubassoc_pandas.engine.report import RunReport
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.jobs.keys.lookup import KeySession
from hubassoc_pandas.jobs.keys.outcomes import View, id_view, key_problems, key_view, lay_over
from hubassoc_pandas.jobs.keys.session import key_session
from hubassoc_pandas.jobs.keys.spec import KeySpec, key_spec
from hubassoc_pandas.jobs.labels.labelling import (
    Labelling,
    with_label_columns,
)
from hubassoc_pandas.jobs.labels.primary import warn_of_unread_primary
from hubassoc_pandas.jobs.pairs.planning import Planned, plan_run
from hubassoc_pandas.jobs.pairs.sending import execute_pairs
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.registry import PAIR_VERBS, progress_title
from hubassoc_pandas.operations.typed_pairs import TypedPairs
from hubassoc_pandas.options import KeyOptions, PairJob
from hubassoc_pandas.progress import Progress, make_progress
from hubassoc_pandas.results.ahead import ResultsAhead
from hubassoc_pandas.results.frame import build_results
from hubassoc_pandas.results.outcome import hand_back, request_counts, row_counts, run_record
from hubassoc_pandas.status import INTERRUPTED, NOT_SENT, status_words
from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = [
    "KEY_ARGUMENTS",
    "KeyedRun",
    "Recount",
    "Side",
    "associate_by_keys",
    "is_keyed",
    "label_unplanned",
    "resolve_sides",
    "retry_keyed",
    "run_keyed_pairs",
    "sides_of",
    "write_pairs",
]

#: Arguments (and run-record fields) of a run by keys.
KEY_ARGUMENTS = ("from_id_property", "to_id_property", "on_ambiguous")

_WORDS = status_words("resolved")


@dataclass(frozen=True)
class Side:
    """One side of the pairs: ``"from"`` or ``"to"``, its column, and its key kind (None for
    a column of record IDs)."""

    role: str
    column: Any
    spec: KeySpec | None


def is_keyed(record: dict[str, Any]) -> bool:
    """Whether a run (its arguments or its record) names records by keys on some side."""
    return record.get("from_id_property") is not None or record.get("to_id_property") is not None


def sides_of(settings: RunSettings, keys: KeyOptions, columns: dict[str, Any]) -> list[Side]:
    """The sides of a run (``columns``: role -> column; a read has only ``"from"``), their
    key properties checked against the object types.

    Examples
    --------
    >>> from hubassoc_pandas.engine.settings import make_settings
    >>> sides = sides_of(make_settings("contacts", "companies"),
    ...                  KeyOptions(from_id_property="email"), {"from": "mail", "to": "co"})
    >>> [(s.role, s.column, s.spec is not None) for s in sides]
    [('from', 'mail', True), ('to', 'co', False)]
    """
    sides = []
    for role, object_type in (("from", settings.from_type), ("to", settings.to_type)):
        if role not in columns:
            continue
        prop = keys.property_of(role)
        spec = None if prop is None else key_spec(object_type, prop, role=f"{role}_id_property")
        if spec is not None and columns[role] is None:
            raise ConfigError(
                f"{role}_id_property={prop!r} needs {role}_col: the column that holds the keys "
                "(a results frame read back from a file does not record it)."
            )
        sides.append(Side(role, columns[role], spec))
    return sides


def identity(verb: str, settings: RunSettings, sides: list[Side]) -> dict[str, str]:
    """The journal identity of a run by keys: the writing operation's, and its key kinds."""
    found = {"operation": PAIR_VERBS[verb].plain.name}
    found.update(from_type=settings.from_type, to_type=settings.to_type)
    for side in sides:
        if side.spec is not None:
            found[f"{side.role}_id_property"] = side.spec.id_property
    return found


@dataclass
class KeyedRun:
    """What a run by keys did: its operation, plan and write phase, the lookups' record
    fields, the per-row key problems (by position), and the input-only parts of its results
    frame (None for a dry run)."""

    planned: Planned
    done: Execution
    fields: dict[str, Any]
    problems: pd.DataFrame
    ahead: ResultsAhead | None = None


def run_keyed_pairs(verb: str, frame: pd.DataFrame, job: PairJob) -> KeyedRun:
    """Look the keys up, then plan and write the pairs as for IDs, with the IDs the keys
    came to (with their labels, if asked for)."""
    settings = job.settings
    sides = sides_of(settings, job.keys, {"from": job.from_col, "to": job.to_col})
    with _session(job, identity(verb, settings, sides), job.run.dry_run) as session:
        columns, views = resolve_sides(session, sides, frame, None)
        by_ids = frame.copy(deep=False)
        for side, column in zip(sides, columns, strict=True):
            by_ids[side.column] = column.array
        planned = plan_run(by_ids, job.through(session.client), verb)
        problems = key_problems(views)
        success, dry_run = planned.operation.success, job.run.dry_run
        ahead = ResultsAhead.of_run(planned.plan, success=success, dry_run=dry_run)
        done = write_pairs(
            planned.operation,
            planned.plan,
            session,
            job,
            problems,
            on_sending=None if ahead is None else ahead.start,
        )
        fields = lookup_record(session, job.keys)
    return KeyedRun(planned, done, fields, problems, ahead)


def resolve_sides(
    session: KeySession, sides: list[Side], frame: pd.DataFrame, ids: pd.DataFrame | None
) -> tuple[list[pd.Series], list[View]]:
    """Each side's record IDs and problems. Keys are looked up for every row, or, given the
    ``ids`` a run already found (``from_id``/``to_id``), only where those are missing."""
    n = len(frame)
    columns: list[pd.Series] = []
    views: list[View] = []
    for side in sides:
        given = frame[side.column] if ids is None else ids[f"{side.role}_id"]
        if side.spec is None:
            columns.append(given)
            views.append(id_view(str(side.column) if ids is None else f"{side.role}_id", given))
            continue
        rows = np.arange(n) if ids is None else np.flatnonzero(given.isna().to_numpy())
        found = session.resolve(
            frame[side.column].iloc[rows],
            side.spec.object_type,
            side.spec.id_property,
            label=str(side.column),
        )
        filled = pd.array(given.array.copy(), dtype="string") if ids is not None else None
        if filled is not None:
            filled[rows] = found.ids.array
        columns.append(found.ids if filled is None else pd.Series(filled, index=frame.index))
        views.append(key_view(str(side.column), found, n, rows))
    return columns, views


def associate_by_keys(verb: str, frame: pd.DataFrame, job: PairJob) -> pd.DataFrame:
    """A pair operation whose columns hold keys: look them up, write, and lay the key
    problems over the rows of the results frame."""
    settings = job.settings
    run = run_keyed_pairs(verb, frame, job)
    warn_of_unread_primary(run.planned.operation, job)
    operation, plan, done = run.planned.operation, run.planned.plan, run.done
    lookups = run.fields["lookup_requests"] + run.planned.label_requests
    record = run_record(operation, plan, done, settings, job.connection.base_url, lookups=lookups)
    record.update(from_col=str(job.from_col), to_col=str(job.to_col), **run.fields)
    results = (
        build_results(frame, plan, done.ledger, record, success=operation.success)
        if run.ahead is None  # a dry run
        else run.ahead.finish(frame, done.ledger, record, success=operation.success)
    )
    labelling = run.planned.labelling
    if labelling is not None and isinstance(operation, TypedPairs):
        record.update(labelling.record(run.planned.known))
        results = labelling.finish(results, plan, operation)
        label_unplanned(results, frame, run.problems, labelling, run.planned.known, settings)
    lay_over(results, run.problems, np.arange(len(results)))
    results.attrs["hubassoc"]["counts"] = row_counts(results, operation.success)
    return hand_back(results, done)


def label_unplanned(
    results: pd.DataFrame,
    frame: pd.DataFrame,
    problems: pd.DataFrame,
    labelling: Labelling | None,
    known: list[Any] | None,
    settings: RunSettings,
) -> None:
    """Rows whose key failed (not for being invalid) still say which association type they
    ask for, so that retry() can send it once their key is found. In place."""
    rows = problems.index.to_numpy()[(problems["status"] != "invalid").to_numpy()]
    if labelling is None or len(rows) == 0:
        return
    tags, types = labelling.row_types(frame.iloc[rows], known or [], settings)
    rows, tags = rows[tags >= 0], tags[tags >= 0]
    for column, values, dtype in (
        ("association_type_id", [t.type_id for t in types], "Int64"),
        ("association_category", [t.category for t in types], "string"),
        ("label", [t.label for t in types], "string"),
    ):
        held = results[column].array.copy()
        held[rows] = pd.array(values, dtype=dtype).take(tags)
        results[column] = held


def retry_keyed(
    verb: str,
    subset: pd.DataFrame,
    record: dict[str, Any],
    job: PairJob,
    first_batch: int,
) -> tuple[PairOperation, Execution, pd.DataFrame, dict[str, Any]]:
    """Re-send rows of a run by keys: look up again only the keys of rows whose ID is still
    missing, send the rest by the IDs they came to (labelled rows with the type each names).
    Returns the operation, the write phase, the rows' new annotations (``from_id``/``to_id``
    included) and the record's fields."""
    settings = job.settings
    keys = KeyOptions.from_record(record)
    sides = sides_of(settings, keys, {"from": record.get("from_col"), "to": record.get("to_col")})
    for side in sides:
        if side.spec is not None and side.column not in subset.columns:
            raise ConfigError(
                f"retry() looks {side.role}-keys up from the column {side.column!r}, which "
                "these results lack; keep the input's columns in the results frame."
            )
    job = job.replace(keys=keys, run=job.run.replace(dry_run=False))
    with _session(job, identity(verb, settings, sides), False, recheck_missing=True) as session:
        session.next_batch = max(session.next_batch, first_batch)
        columns, views = resolve_sides(session, sides, subset, subset)
        filled = subset.copy(deep=False)
        filled["from_id"], filled["to_id"] = columns[0].array, columns[1].array
        planned = plan_run(filled, job, verb, retried=record)
        operation, plan = planned.operation, planned.plan
        problems = key_problems(views)
        done = write_pairs(operation, plan, session, job, problems)
        fields = lookup_record(session, keys)
    fields.update(request_counts(lookups=fields["lookup_requests"], writes=done.report.requests))
    fields["lookup_requests"] += int(record.get("lookup_requests") or 0)
    redone = build_results(subset.iloc[:, :0], plan, done.ledger, {}, success=operation.success)
    if isinstance(operation, TypedPairs):
        redone = with_label_columns(redone, plan, operation)
    lay_over(redone, problems, np.arange(len(subset)))
    return operation, done, redone, fields


def _session(
    job: PairJob, journal_identity: dict[str, str], dry_run: bool, *, recheck_missing: bool = False
) -> AbstractContextManager[KeySession]:
    """The key session of a job: its connection, journal, progress and rule for ambiguous
    keys (``recheck_missing``: a retry, which looks up again the keys no record had)."""
    return key_session(
        job.settings,
        job.connection.base_url,
        token=job.connection.token,
        client=job.connection.client,
        journal=job.run.journal,
        identity=journal_identity,
        progress=job.run.progress,
        dry_run=dry_run,
        on_ambiguous=job.keys.on_ambiguous,
        recheck_missing=recheck_missing,
    )


def lookup_record(session: KeySession, keys: KeyOptions) -> dict[str, Any]:
    """What the run record says about the lookups."""
    return {
        **keys.record(),
        "key_lookups": session.summaries,
        "lookup_requests": session.requests,
        "lookup_rate_limited": session.rate_limited,
    }


def write_pairs(
    operation: PairOperation,
    plan: Plan,
    session: KeySession,
    job: PairJob,
    problems: pd.DataFrame,
    on_sending: Callable[[], object] | None = None,
) -> Execution:
    """The write phase, with the session's client, pacer, journal and batch numbering; when
    the lookups stopped the run, nothing is sent and every pair is ``not_sent``.
    ``on_sending`` as for :func:`~hubassoc_pandas.engine.execute.execute`.

    Its progress counts the rows whose key failed as failed (or not sent), not as invalid.
    """
    halted = session.halted
    if halted is None:
        progress = job.run.progress
        if progress is True:
            title = progress_title(operation)
            progress = make_progress(True, plan.n_rows, desc=title, success=operation.success)
        moved = problems["status"].value_counts().drop(_WORDS[2], errors="ignore")
        run = job.run.replace(
            opened=session.journal,
            pacer=session.pacer,
            progress=Recount(progress, moved.to_dict()) if progress is not False else False,
        )
        connection = job.connection.without_token(session.client)
        sent = job.replace(connection=connection, run=run)
        return execute_pairs(
            operation, plan, sent, first_batch=session.next_batch, on_sending=on_sending
        )
    stopped = halted.report
    reason = stopped.stopped or INTERRUPTED
    info = ErrorInfo(
        reason,
        f"Not sent: the run stopped ({reason}) while looking keys up. Run retry() on these "
        "results, or the same call again with the same journal.",
        retryable=True,
    )
    ledger = Ledger(plan.rows_of_pair, operation.value_columns)
    ledger.refused(np.arange(plan.n_pairs), info, status=NOT_SENT, batch=0, attempts=0)
    shown: bool | Progress = job.run.progress
    if not isinstance(shown, bool | np.bool_):
        shown.close()
    report = RunReport(
        stopped=stopped.stopped, fatal=stopped.fatal, journal_error=stopped.journal_error
    )
    report.finished = report.started
    record = {
        "journal": None if session.journal is None else str(session.journal.path),
        "resumed_pairs": 0,
        "dry_run": job.run.dry_run,
        "batch_size": job.settings.batch_size_for(operation.max_batch_size),
        "planned_batches": 0,
    }
    return Execution(ledger, report, record)


class Recount:
    """Progress of the phase after the lookups (writes, reads), counting rows whose key failed
    as failed (or not sent): that phase sees only rows without IDs, which it counts as
    invalid. ``moved`` gives the rows to move, by the status word they belong under."""

    def __init__(self, sink: Progress, moved: dict[str, int]) -> None:
        self._sink, self._moved = sink, moved

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        counts = dict(counts)
        for word, rows_moved in self._moved.items():
            counts[_WORDS[2]] = counts.get(_WORDS[2], 0) - rows_moved
            counts[word] = counts.get(word, 0) + rows_moved
        self._sink.advance(rows, counts)

    def note(self, text: str | None) -> None:
        self._sink.note(text)

    def close(self) -> None:
        self._sink.close()
