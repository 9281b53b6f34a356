"""What HubSpot holds for a set of from-IDs: one batch/read run, flattened to its links.

:func:`read_existing` runs :class:`~.operations.read.ReadAssociations` through the engine
(pacing, retries, progress, Ctrl-C, journal) and returns an :class:`Existing`: per from-ID
whether it was read, and every link found. ``read()``, ``associate(check_existing=True)`` and
``sync()`` build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.engine.execute import Execution, execute
from hubassoc_pandas.engine.journal import Journal
from hubassoc_pandas.engine.ledger import Interned, Ledger
from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.operations.read import ReadAssociations, decode_links
from hubassoc_pandas.progress import Progress, make_progress
from hubassoc_pandas.status import SUCCESS
from hubassoc_pandas.transport.client import HubSpotClient

__all__ = ["Existing", "read_existing"]


@dataclass(eq=False)
class Existing:
    """The outcome of reading the associations of some from-IDs (the keys).

    Attributes
    ----------
    from_ids : numpy.ndarray of int64
        The from-IDs read, by key.
    execution : Execution
        The run: its ledger holds each key's status, error and links text.
    link_key, link_to, link_type : numpy.ndarray of int64
        Per link found: its from-ID's key, the to-ID, the association type ID (-1 unknown).
    link_category, link_label : numpy.ndarray of object
        Per link: the association category and label (None for the unlabelled type).
    """

    from_ids: np.ndarray
    execution: Execution
    link_key: np.ndarray
    link_to: np.ndarray
    link_type: np.ndarray
    link_category: np.ndarray
    link_label: np.ndarray

    @property
    def ledger(self) -> Ledger:
        return self.execution.ledger

    @property
    def read_ok(self) -> np.ndarray:
        """Per key, whether its associations were read to the end."""
        return np.asarray(self.ledger.status == SUCCESS)

    @property
    def stopped(self) -> str | None:
        """Why the read stopped early (INTERRUPTED, DAILY_LIMIT, FATAL, ...), or None."""
        return self.execution.report.stopped

    def links_per_key(self) -> np.ndarray:
        """How many links each key holds."""
        return np.bincount(self.link_key, minlength=len(self.from_ids)).astype(np.int64)

    def holds(self, keys: np.ndarray, to_ids: np.ndarray, type_id: Any = None) -> np.ndarray:
        """Whether each (from-ID key, to-ID) pair was found linked: by any type (``type_id``
        None), by one type (an int), or by each pair's own type (an array, one per pair).

        Examples
        --------
        >>> found = Existing(np.array([5]), None, np.array([0, 0]), np.array([7, 8]),
        ...                  np.array([279, 1]), np.array([None, None]), np.array([None, None]))
        >>> found.holds(np.array([0, 0]), np.array([7, 9])).tolist()
        [True, False]
        >>> found.holds(np.array([0, 0]), np.array([7, 8]), type_id=1).tolist()
        [False, True]
        >>> found.holds(np.array([0, 0]), np.array([7, 8]), type_id=np.array([279, 1])).tolist()
        [True, True]
        """
        asked = [np.asarray(keys, dtype=np.int64), np.asarray(to_ids, dtype=np.int64)]
        held = [self.link_key, self.link_to]
        if type_id is None:
            pass
        elif np.ndim(type_id) == 0:
            chosen = self.link_type == int(type_id)
            held = [self.link_key[chosen], self.link_to[chosen]]
        else:
            asked.append(np.asarray(type_id, dtype=np.int64))
            held.append(self.link_type)
        found = pd.MultiIndex.from_arrays(held)
        return np.asarray(pd.MultiIndex.from_arrays(asked).isin(found), dtype=bool)


def read_existing(
    from_ids: np.ndarray,
    settings: RunSettings,
    base_url: str,
    *,
    token: str | None,
    client: HubSpotClient | None,
    progress: bool | Progress,
    journal: str | Path | Journal | None = None,
    rows_of_key: np.ndarray | None = None,
    invalid_rows: int = 0,
    pacer: Pacer | None = None,
    first_batch: int = 1,
) -> Existing:
    """Read every association of ``from_ids`` (distinct) towards ``settings.to_type``.

    ``rows_of_key`` weighs each from-ID by its input rows for the progress bar (default 1).
    A run of several phases passes its ``pacer`` and the ``first_batch`` number of this one.
    """
    from_ids = np.asarray(from_ids, dtype=np.int64)
    weights = np.ones(len(from_ids), np.int64) if rows_of_key is None else rows_of_key
    total = int(weights.sum()) + invalid_rows
    operation = ReadAssociations(
        settings.from_type, settings.to_type, settings.api_version, from_ids
    )
    sink = (
        make_progress(progress, total, desc="reading", success=operation.success)
        if isinstance(progress, bool | np.bool_)
        else progress
    )
    done = execute(
        operation,
        weights,
        settings,
        base_url,
        token=token,
        client=client,
        progress=sink,
        dry_run=False,
        journal=journal,
        first_batch=first_batch,
        total_rows=total,
        invalid_rows=invalid_rows,
        pacer=pacer,
    )
    return _flatten(from_ids, done)


def _flatten(from_ids: np.ndarray, done: Execution) -> Existing:
    """Every link of the keys read, from the JSON text each key holds (parsed once per
    distinct text)."""
    ledger = done.ledger
    column = ledger.columns["links"]
    assert isinstance(column, Interned)
    parsed = [decode_links(text) for text in column.table]
    keys = np.flatnonzero((ledger.status == SUCCESS) & (column.codes >= 0))
    codes = column.codes[keys].tolist()
    counts = np.fromiter((len(parsed[c]) for c in codes), dtype=np.int64, count=len(codes))
    links = [link for c in codes for link in parsed[c]]
    return Existing(
        from_ids=from_ids,
        execution=done,
        link_key=np.repeat(keys.astype(np.int64), counts),
        link_to=np.fromiter((link[0] for link in links), dtype=np.int64, count=len(links)),
        link_type=np.fromiter(
            (-1 if link[1] is None else link[1] for link in links),
            dtype=np.int64,
            count=len(links),
        ),
        link_category=np.array([link[2] for link in links], dtype=object),
        link_label=np.array([link[3] for link in links], dtype=object),
    )
