"""What existed before a run, per key: only a read can say a pair was absent.

The read of ``associate(check_existing=True)`` says, per key, whether HubSpot holds it now.
A run that keeps a journal records that (before anything is sent) the first time it reads a
key, so a resumed run (after Ctrl-C, a crash, a kill) still knows which pairs it found absent
and may have created, in-flight requests included. A key the journal shows as sent by an
earlier call whose read did not record it (a run without ``check_existing``, or whose read
failed) is of unknown earlier state: it may have existed before, and stays unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubassoc_pandas.engine.journal import Journal

__all__ = ["ABSENT", "PRESENT", "UNKNOWN", "Before", "before_states"]

#: The state of a key before a run.
UNKNOWN, ABSENT, PRESENT = -1, 0, 1


@dataclass(frozen=True)
class Before:
    """Per key: its state before the run (``UNKNOWN``, ``ABSENT``, ``PRESENT``), and whether
    it is left unsent because HubSpot holds it now and it is not the run's own work."""

    state: np.ndarray
    skip: np.ndarray


def before_states(
    present: np.ndarray,
    read_ok: np.ndarray,
    *,
    journal: Journal | None = None,
    keys: list[str] | None = None,
    sent: np.ndarray | None = None,
    record: bool = False,
) -> Before:
    """The earlier state of each key, from this read and the run's journal.

    Parameters
    ----------
    present, read_ok : numpy.ndarray of bool
        Per key, whether this read found it held, and whether its from-ID could be read.
    journal : Journal, optional
        The run's journal; ``keys`` are the keys as it stores them.
    sent : numpy.ndarray of bool, optional
        Per key, whether the journal shows an earlier call sent it.
    record : bool
        Record what this read found for keys the journal knows nothing of (not in a dry run).

    Examples
    --------
    >>> b = before_states(np.array([True, False, True]), np.array([True, True, False]))
    >>> b.state.tolist(), b.skip.tolist()
    ([1, 0, -1], [True, False, False])
    """
    read = np.where(read_ok, present.astype(np.int8), np.int8(UNKNOWN))
    if journal is None or keys is None:
        return Before(read, present & read_ok)
    earlier = np.zeros(len(present), dtype=bool) if sent is None else sent
    recorded = journal.before(keys)
    state = np.where(recorded != UNKNOWN, recorded, np.where(earlier, UNKNOWN, read))
    state = state.astype(np.int8)
    if record:
        new = np.flatnonzero((recorded == UNKNOWN) & ~earlier & read_ok)
        journal.record_before([keys[i] for i in new.tolist()], present[new].tolist())
    ours = (recorded == ABSENT) | earlier
    return Before(state, present & read_ok & ~ours)
