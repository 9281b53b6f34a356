"""``sync(..., from_id_property=..., to_id_property=...)``: what a sync by keys adds to its plan.

The keys are looked up first (:mod:`.frame_keys`); the plan is then made from the IDs they
came to, as for a sync by IDs, and this module adds what keys change:

- Rows whose key names no single record are ``invalid`` in the plan, their ``note`` saying
  why in the words :func:`~.api.associate` uses; a real run gives them the status and
  category ``associate()`` gives (``failed`` with KEY_NOT_FOUND or KEY_AMBIGUOUS, ``invalid``
  with INVALID_KEY, ...). They travel in the plan's ``attrs["hubassoc"]["key_problems"]``,
  by plan index label, so :func:`~.synchronise.apply_plan` finds them.
- Nothing is removed for a from-key that did not resolve to exactly one record. Such a key
  has no from-ID, so its rows read and remove nothing; and the records it may mean are held
  back when other rows name them: every candidate of a domain several companies have, and,
  when those cannot all be listed or a domain could not be looked up, every from-ID (a
  company may have several domains). A unique property's value (an email) names at most one
  record, which no other key names, so a failed lookup holds nothing else back. A from-ID
  with a row whose to-key names no single record keeps its extra associations too (the
  frame does not say all it should hold).
- The user's key columns are kept, after ``row``: each pair's keys as its first input row
  gives them, the from-key of its from-ID for an association only HubSpot holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.key_values import normalise_keys
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.jobs.existing.key_columns import IdColumns, key_column

__all__ = [
    "add_key_columns",
    "note_key_problems",
    "pair_holds",
    "sync_holds",
]

_PAIR_ACTIONS = ("create", "keep")


def pair_holds(frame: pd.DataFrame, given: IdColumns, plan: Plan) -> dict[tuple[int, int], str]:
    """The associations a sync by keys keeps whatever the frame lists: for a to-key several
    records have, of which ``on_ambiguous="oldest"`` took one, the others it may mean, per
    from-ID of its rows ({} for a sync without searched to-keys)."""
    side = given.side("to")
    session = given.session
    if session is None or side is None or side.spec is None or not side.spec.searched:
        return {}
    spec = side.spec
    keys, problems = normalise_keys(frame[side.column], spec.kind)
    findings = session.findings(spec.object_type, spec.id_property)
    held: dict[tuple[int, int], str] = {}
    rows = np.flatnonzero((plan.row_from > 0) & (problems == None))  # noqa: E711
    for row in rows.tolist():
        entry = findings.get(keys[row])
        if entry is None or entry.found.n <= 1:
            continue
        note = (
            f"the to-key {spec.id_property} {keys[row]!r} names several records, this one "
            "among them (on_ambiguous='oldest' took the oldest for the frame's pair)"
        )
        for other in entry.found.ids[1:]:
            held[(int(plan.row_from[row]), int(other))] = note
    return held


def sync_holds(
    frame: pd.DataFrame, given: IdColumns, plan: Plan, from_ids: np.ndarray
) -> np.ndarray | None:
    """Per from-ID read, why its extra associations must stay (None: no reason); None for a
    sync by IDs. ``frame`` is the input as given (its key columns)."""
    session = given.session
    if session is None:
        return None
    reasons = np.full(len(from_ids), None, dtype=object)
    index = pd.Index(from_ids)
    positions = given.problems.index.to_numpy(np.int64)
    to_failed = np.unique(plan.row_from[positions][plan.row_from[positions] > 0])
    at = index.get_indexer(to_failed)
    reasons[at[at >= 0]] = "a row of this from-ID has a to-key that names no single record"
    side = given.side("from")
    if side is None or side.spec is None or not side.spec.searched:
        return reasons
    spec = side.spec
    keys, problems = normalise_keys(frame[side.column], spec.kind)
    findings = session.findings(spec.object_type, spec.id_property)
    unknown = None
    for value in pd.unique(keys[problems == None]).tolist():  # noqa: E711
        entry = findings.get(value)
        if entry is None:
            unknown = (
                f"the from-key {spec.id_property} {value!r} could not be looked up, and may "
                "name this record"
            )
            continue
        found = entry.found
        if not found.capped and (found.n <= 1 or session.on_ambiguous != "fail"):
            continue  # one record, none, or the oldest taken
        if found.capped or found.n > len(found.ids):
            unknown = (
                f"{found.n:,} records have {spec.id_property} {value!r} (a from-key), more "
                "than a lookup lists, and this may be one of them"
            )
            continue
        at = index.get_indexer([int(i) for i in found.ids])
        reasons[at[at >= 0]] = (
            f"the from-key {spec.id_property} {value!r} names several records, this one among them"
        )
    if unknown is not None:
        reasons[reasons == None] = unknown  # noqa: E711
    return reasons


def note_key_problems(table: pd.DataFrame, plan: Plan, given: IdColumns) -> None:
    """Give the plan's rows whose key names no single record their message as ``note``, and
    record their status, category and retryable in ``attrs["hubassoc"]["key_problems"]``
    (by plan index label). In place."""
    problems = given.problems
    if given.session is None or problems.empty:
        return
    invalid = np.flatnonzero(plan.pair_of_row < 0)  # the plan's last rows, in input order
    start = len(table) - len(invalid)
    at = start + np.searchsorted(invalid, problems.index.to_numpy(np.int64))
    notes = table["note"].array.copy()
    notes[at] = pd.array(problems["error_message"].tolist(), dtype="string")
    table["note"] = notes
    table.attrs["hubassoc"]["key_problems"] = {
        "labels": [int(label) for label in table.index[at]],
        "status": [str(s) for s in problems["status"]],
        "error_category": [None if pd.isna(c) else str(c) for c in problems["error_category"]],
        "retryable": [bool(r) for r in problems["retryable"]],
    }


def add_key_columns(table: pd.DataFrame, plan: Plan, frame: pd.DataFrame, given: IdColumns) -> None:
    """Insert the user's key columns after ``row`` (see the module). In place."""
    if given.session is None:
        return
    source = _source_rows(table, plan)
    at = 1
    for role, rows in (("from", source[0]), ("to", source[1])):
        side = given.side(role)
        if side is None or side.spec is None:
            continue
        key_column(table, at, side.column, _take(frame[side.column], rows))
        at += 1


def _source_rows(table: pd.DataFrame, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Per plan row, the input row its from-key and its to-key come from (-1: none)."""
    action = table["action"].astype(str).to_numpy()
    valid = np.flatnonzero(plan.pair_of_row >= 0)
    first_of_pair = np.empty(plan.n_pairs, dtype=np.int64)
    first_of_pair[plan.pair_of_row[valid][::-1]] = valid[::-1]
    from_rows = np.full(len(table), -1, dtype=np.int64)
    to_rows = np.full(len(table), -1, dtype=np.int64)
    pairs = np.flatnonzero(np.isin(action, _PAIR_ACTIONS))
    asked = pd.MultiIndex.from_arrays([_ids(table["from_id"], pairs), _ids(table["to_id"], pairs)])
    pair = pd.MultiIndex.from_arrays([plan.pair_from, plan.pair_to]).get_indexer(asked)
    from_rows[pairs] = to_rows[pairs] = first_of_pair[pair]
    extras = np.flatnonzero(np.isin(action, ("remove", "extra")))
    seen, first = np.unique(plan.row_from[valid], return_index=True)
    where = np.searchsorted(seen, _ids(table["from_id"], extras))
    from_rows[extras] = valid[first[np.minimum(where, max(len(seen) - 1, 0))]]
    invalid = np.flatnonzero(action == "invalid")
    from_rows[invalid] = to_rows[invalid] = np.flatnonzero(plan.pair_of_row < 0)
    return from_rows, to_rows


def _ids(column: pd.Series, rows: np.ndarray) -> Any:
    return np.asarray(column.to_numpy(dtype=object)[rows], dtype=np.int64)


def _take(values: pd.Series, rows: np.ndarray) -> Any:
    """The values at ``rows``, missing at -1 (<NA> among objects; numpy integers and
    booleans, which hold no missing value, as objects)."""
    array = values.array
    if array.dtype.kind in "iubO":
        array = pd.array(values.to_numpy(dtype=object), dtype=object)
        return array.take(rows, allow_fill=True, fill_value=pd.NA)
    return array.take(rows, allow_fill=True)
