"""Where read(), check_existing and sync() turn key columns (emails, unique property values,
company domains) into record IDs, before :mod:`.frame_ids` reads them as ID columns.

:func:`id_columns` opens what the phases of a run share and yields an :class:`IdColumns`:
the frame with each key column replaced by the record IDs its keys came to (digit strings,
<NA> where a key names no single record), and the rows whose key names none, with the
status, category and message :func:`~.api.associate` gives them (``failed`` with
KEY_NOT_FOUND or KEY_AMBIGUOUS, ``invalid`` with INVALID_KEY, or the lookup's own failure).
The phases after the lookups see those rows as rows without an ID and leave them out; the
caller lays the key problems over them.

A run by IDs gets its frame as it is and one client. A run by keys gets one
:class:`~.keys.KeySession`: one client, one pacer of the ten-secondly limit for the lookups
and every phase after them (CRM search keeps its own), the journal (lookups are recorded
beside the run's other work, so a resumed run looks nothing up again) and one batch
numbering. When the lookups stop the run (Ctrl-C, the daily limit, a refused token),
:func:`unread` stands for the read that is then not made.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.engine.execute import Execution
from hubassoc_pandas.engine.journal import Journal
from hubassoc_pandas.engine.ledger import Ledger
from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.report import RunReport
from hubassoc_pandas.jobs.existing.reading import Existing
from hubassoc_pandas.jobs.keys.lookup import KeySession
from hubassoc_pandas.jobs.keys.outcomes import key_problems
from hubassoc_pandas.jobs.keys.session import key_session
from hubassoc_pandas.jobs.pairs.by_keys import Side, lookup_record, resolve_sides, sides_of
from hubassoc_pandas.operations.read import ReadAssociations
from hubassoc_pandas.options import KeyOptions, PairJob
from hubassoc_pandas.status import INTERRUPTED, NOT_SENT
from hubassoc_pandas.transport.client import HubSpotClient
from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = ["PROBLEM_COLUMNS", "IdColumns", "id_columns", "key_column", "unread"]

#: How the jobs without a retry() look a key no record had up again, by operation.
_AGAIN = {ReadAssociations.name: "read() again", "sync": "sync() again"}

#: The columns of :attr:`IdColumns.problems` (see :func:`~.key_outcomes.key_problems`).
PROBLEM_COLUMNS = (
    "status",
    "error_category",
    "error_message",
    "retryable",
    "http_status",
    "batch",
    "attempts",
)


@dataclass
class IdColumns:
    """A frame whose key columns hold the record IDs they came to, and what the run shares.

    Attributes
    ----------
    frame : pandas.DataFrame
        The input, with each key column replaced by its record IDs (digit strings, <NA>
        where the key names no single record); ID columns as given.
    client : HubSpotClient
        The run's one client.
    problems : pandas.DataFrame
        The rows whose key names no single record, by position in the frame: the
        :data:`PROBLEM_COLUMNS` their results show. Empty for a run by IDs.
    sides : list of Side
        Each side's role, column and kind of key (None: IDs).
    session : KeySession or None
        The lookups' session (None for a run by IDs).
    """

    frame: pd.DataFrame
    client: HubSpotClient
    problems: pd.DataFrame
    sides: list[Side]
    session: KeySession | None = None

    @property
    def journal(self) -> Journal | None:
        """The run's open journal (a run by keys only; a run by IDs opens its own)."""
        return None if self.session is None else self.session.journal

    @property
    def pacer(self) -> Pacer | None:
        """The pacer the phases after the lookups share (None: each phase makes its own)."""
        return None if self.session is None else self.session.pacer

    @property
    def first_batch(self) -> int:
        """The request number the next phase starts at."""
        return 1 if self.session is None else self.session.next_batch

    @property
    def halted(self) -> Execution | None:
        """The lookup phase that stopped the run, if one did: nothing more may be sent."""
        return None if self.session is None else self.session.halted

    def side(self, role: str) -> Side | None:
        """The side ``"from"`` or ``"to"``, when the run has it."""
        return next((side for side in self.sides if side.role == role), None)

    def record(self, keys: KeyOptions) -> dict[str, Any]:
        """The run record's fields about the lookups ({} for a run by IDs)."""
        return {} if self.session is None else lookup_record(self.session, keys)


@contextmanager
def id_columns(
    frame: pd.DataFrame,
    job: PairJob,
    columns: dict[str, Any],
    *,
    operation: str,
) -> Iterator[IdColumns]:
    """The frame's ID columns for a run, its keys looked up first (see the module).

    Parameters
    ----------
    frame : pandas.DataFrame
        The input.
    job : PairJob
        The checked run: its connection, settings, progress, keys and journal (a run by
        keys records its lookups there, with the run's own work).
    columns : dict
        The run's columns by role (``{"from": ..., "to": ...}``; read has only ``"from"``).
    operation : str
        The run's operation, part of its journal's identity.

    Examples
    --------
    >>> with id_columns(df, job, {"from": "email"}, operation="read") as given:  # doctest: +SKIP
    ...     given.frame["email"]     # the record IDs the emails came to
    """
    settings = job.settings
    sides = sides_of(settings, job.keys, columns)
    if all(side.spec is None for side in sides):
        with job.connection.open(settings) as client:
            yield IdColumns(frame, client, pd.DataFrame(columns=list(PROBLEM_COLUMNS)), sides)
        return
    found = {"operation": operation, "from_type": settings.from_type, "to_type": settings.to_type}
    for side in sides:
        if side.spec is not None:
            found[f"{side.role}_id_property"] = side.spec.id_property
    with key_session(
        settings,
        job.connection.base_url,
        token=job.connection.token,
        client=job.connection.client,
        journal=job.run.journal,
        identity=found,
        progress=job.run.progress,
        dry_run=False,
        on_ambiguous=job.keys.on_ambiguous,
        again=_AGAIN.get(operation, "retry()"),  # no retry() for reads: the same call again
    ) as session:
        if session.client is None:  # a session that is not a dry run always has one
            raise RuntimeError("the key session opened no client")
        resolved, views = resolve_sides(session, sides, frame, None)
        by_ids = frame.copy(deep=False)
        for side, values in zip(sides, resolved, strict=True):
            if side.spec is not None:
                by_ids[side.column] = values.array
        problems = key_problems(views)
        yield IdColumns(by_ids, session.client, problems, sides, session)


def unread(from_ids: np.ndarray, rows_of_key: np.ndarray, halted: Execution) -> Existing:
    """What reading ``from_ids`` comes to when the lookups stopped the run first: nothing
    read, every from-ID ``not_sent`` with the reason, and the lookups' stop, fatal refusal
    or journal error in its report (so the caller stops, raises or warns as for a read).

    Examples
    --------
    >>> halted = Execution(Ledger(np.ones(0, np.int64), {}), RunReport(stopped="INTERRUPTED"))
    >>> unread(np.array([5]), np.array([2]), halted).ledger.status.tolist()
    [4]
    """
    stopped = halted.report
    reason = stopped.stopped or INTERRUPTED
    info = ErrorInfo(
        reason,
        f"Not read: the run stopped ({reason}) while looking keys up. Run the same call "
        "again (with the same journal, if it had one) to carry on.",
        retryable=True,
    )
    ids = np.asarray(from_ids, dtype=np.int64)
    ledger = Ledger(np.asarray(rows_of_key, dtype=np.int64), ReadAssociations.value_columns)
    ledger.refused(np.arange(len(ids)), info, status=NOT_SENT, batch=0, attempts=0)
    report = RunReport(
        stopped=stopped.stopped, fatal=stopped.fatal, journal_error=stopped.journal_error
    )
    report.finished = report.started
    record = {
        "journal": halted.record.get("journal"),
        "resumed_pairs": 0,
        "dry_run": False,
        "batch_size": ReadAssociations.max_batch_size,
        "planned_batches": 0,
    }
    none = np.empty(0, dtype=np.int64)
    texts = np.empty(0, dtype=object)
    return Existing(ids, Execution(ledger, report, record), none, none, none, texts, texts)


def key_column(
    out: pd.DataFrame, at: int, column: Any, values: pd.api.extensions.ExtensionArray
) -> None:
    """Insert the user's key column ``column`` into ``out`` at position ``at``, in place;
    named ``<name>_input`` when ``out`` already has a column of that name.

    Examples
    --------
    >>> out = pd.DataFrame({"row": [0], "from_id": ["5"]})
    >>> key_column(out, 1, "from_id", pd.array(["a@x.io"]))
    >>> out.columns.tolist()
    ['row', 'from_id_input', 'from_id']
    """
    name = column
    while name in out.columns:
        name = f"{name}_input"
    out.insert(at, name, values)
