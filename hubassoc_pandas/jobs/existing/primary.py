"""Primary: the label HubSpot keeps single. A contact (a deal, a ticket) has one Primary
company at most; associating it with another company as Primary moves the label there,
silently, and leaves the old association without it.

A labelled ``associate(check_existing=True)`` run that writes Primary reads, before anything
is sent, which company holds each record's Primary now (the from-IDs' read already says so
when the from side is the contact; a run from companies reads the contacts' side too). Each
row that moves the label gets, in ``previous_primary``, the company it takes it from (a dry
run says where it would), the run warns, and ``undo()`` puts Primary back on that company
where nothing has taken it since.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas.inputs.ids import id_string_array
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.jobs.existing.reading import Existing, read_existing
from hubassoc_pandas.jobs.labels.primary import holder_side, is_primary, is_primary_label
from hubassoc_pandas.jobs.pairs.pipeline import run_pairs
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.options import LabelOptions, PairJob

__all__ = [
    "PREVIOUS_PRIMARY",
    "mark_previous",
    "previous_holders",
    "restore_primary",
    "taken_from",
]

#: The results column naming the company a row's Primary label was taken from.
PREVIOUS_PRIMARY = "previous_primary"


def taken_from(
    holder: np.ndarray,
    company: np.ndarray,
    moving: np.ndarray,
    held_holder: np.ndarray,
    held_company: np.ndarray,
) -> np.ndarray:
    """Per key, the company whose Primary the key takes (-1: none). Pure.

    Parameters
    ----------
    holder, company : numpy.ndarray of int64
        Per key, the record that holds Primary (the contact) and the company it is given.
    moving : numpy.ndarray of bool
        Per key, whether it writes Primary onto a pair that does not hold it yet.
    held_holder, held_company : numpy.ndarray of int64
        The Primary links read: holder and company.

    Examples
    --------
    >>> taken_from(np.array([1, 2, 3, 1]), np.array([10, 20, 30, 11]),
    ...            np.array([True, True, True, False]),
    ...            np.array([1, 2]), np.array([9, 20])).tolist()
    [9, -1, -1, -1]
    """
    now = pd.Series(held_company, index=held_holder, dtype=np.int64)
    now = now[~now.index.duplicated(keep="first")]
    current = now.reindex(holder).fillna(-1).to_numpy(dtype=np.int64)
    return np.where(moving & (current >= 0) & (current != company), current, -1)


@dataclasses.dataclass(frozen=True)
class PrimaryKeys:
    """The keys of a run that write Primary, and whose side holds it."""

    side: str
    keys: np.ndarray

    @classmethod
    def of(cls, types: Sequence[LabelType], tag_of_key: np.ndarray, job: PairJob) -> Any:
        """The Primary keys of a labelled run, or None when it writes no Primary."""
        settings = job.settings
        side = holder_side(settings.from_type, settings.to_type)
        tags = [n for n, t in enumerate(types) if is_primary(t)]
        if side is None or not tags:
            return None
        keys = np.flatnonzero(np.isin(tag_of_key, tags))
        return cls(side, keys) if len(keys) else None


def previous_holders(
    types: Sequence[LabelType],
    tag_of_key: np.ndarray,
    plan: Plan,
    present: np.ndarray,
    existing: Existing,
    job: PairJob,
    **reading: Any,
) -> np.ndarray | None:
    """Per key, the company whose Primary it takes (-1 none); None when the run writes no
    Primary. ``present``: per key, whether the pair holds its label already. ``reading``:
    the client, pacer and batch numbering of a read of the contacts' side."""
    primary = PrimaryKeys.of(types, tag_of_key, job)
    if primary is None:
        return None
    keys = primary.keys
    if primary.side == "from":
        holders, companies = plan.pair_from, plan.pair_to
        held_holder, held_company = _primary_links(existing)
    else:
        holders, companies = plan.pair_to, plan.pair_from
        held_holder, held_company = _read_holders(np.unique(holders[keys]), job, **reading)
    moving = np.zeros(plan.n_pairs, dtype=bool)
    moving[keys] = ~present[keys]
    return taken_from(holders, companies, moving, held_holder, held_company)


def _read_holders(
    holders: np.ndarray, job: PairJob, **reading: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Read the holders' side (contacts -> companies): each holder's Primary company."""
    return _primary_links(_read_side(holders, job, reverse=True, **reading))


def _read_side(ids: np.ndarray, job: PairJob, *, reverse: bool, **reading: Any) -> Existing:
    """What exists from ``ids`` in the job's direction, or the other (``reverse``), read at
    the read endpoint's own batch size; ``reading`` as for
    :func:`~hubassoc_pandas.jobs.existing.reading.read_existing`."""
    settings = job.settings
    if reverse:
        settings = dataclasses.replace(
            settings, from_type=settings.to_type, to_type=settings.from_type
        )
    return read_existing(
        ids,
        dataclasses.replace(settings, batch_size=None),
        job.connection.base_url,
        token=job.connection.token,
        progress=False,
        **reading,
    )


def _primary_links(found: Existing) -> tuple[np.ndarray, np.ndarray]:
    """The Primary links a read found: each one's from-ID (the holder) and to-ID."""
    held = np.array([is_primary_label(label) for label in found.link_label], dtype=bool)
    return found.from_ids[found.link_key[held]], found.link_to[held]


def mark_previous(results: pd.DataFrame, plan: Plan, previous: np.ndarray, dry_run: bool) -> int:
    """Add ``previous_primary`` (the company each row takes Primary from) and warn; the
    number of rows that move it."""
    pair = plan.pair_of_row
    valid = pair >= 0
    per_row = np.zeros(len(pair), dtype=np.int64)  # 0: takes it from no company
    per_row[valid] = np.maximum(previous[pair[valid]], 0)
    results[PREVIOUS_PRIMARY] = id_string_array(per_row)
    count = int(np.count_nonzero(per_row))
    if count:
        done = "would take" if dry_run else "took"
        warnings.warn(
            f"{count} rows {done} the Primary label from another company: HubSpot keeps one "
            f"Primary company per record and moves it. Column '{PREVIOUS_PRIMARY}' names the "
            "company each row takes it from; undo() puts it back there.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return count


def restore_primary(rows: pd.DataFrame, job: PairJob) -> dict[str, int]:
    """Put Primary back on the companies ``rows`` (undone rows of a run) took it from, where
    the record holding it has no Primary company now and is still associated with that
    company; the counts of what was restored and left."""
    settings = job.settings
    side = holder_side(settings.from_type, settings.to_type)
    previous = rows[PREVIOUS_PRIMARY].astype("string")
    taken = previous.notna().to_numpy(dtype=bool)
    chosen = rows[taken]
    if side is None or chosen.empty:
        return {"primary_restored": 0, "primary_left": 0}
    earlier = pd.to_numeric(previous[taken]).astype("int64").to_numpy()
    ends = chosen["from_id" if side == "from" else "to_id"].astype("int64").to_numpy()
    found = _read_side(np.unique(ends), job, reverse=side != "from", client=job.connection.client)
    code = pd.Index(found.from_ids).get_indexer(ends)
    has_primary = np.isin(ends, _primary_links(found)[0])
    restore = found.read_ok[code] & ~has_primary & found.holds(code, earlier)
    if restore.any():
        pairs = (ends, earlier) if side == "from" else (earlier, ends)
        frame = pd.DataFrame({"from": pairs[0][restore], "to": pairs[1][restore]})
        again = job.replace(from_col="from", to_col="to", labels=LabelOptions(label="Primary"))
        again = again.replace(run=again.run.replace(purpose="undo", journal=None))
        back = run_pairs(AssociateDefault.verb, frame, again)
        restored = int((back["status"].astype(str) == "associated").sum())
    else:
        restored = 0
    left = len(chosen) - restored
    if left:
        warnings.warn(
            f"Primary was not put back for {left} of the {len(chosen)} records the run took it "
            "from: each has another Primary company now, is no longer associated with the "
            "earlier one, could not be read, or the request failed. Column "
            f"'{PREVIOUS_PRIMARY}' of the undone results names the earlier companies.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return {"primary_restored": restored, "primary_left": left}
