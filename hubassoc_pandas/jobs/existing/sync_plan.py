"""The plan of a ``sync()``: what to create, keep and remove so HubSpot matches a frame. Pure.

One row per pair: each distinct pair of the frame (``create`` when HubSpot does not hold it,
``keep`` when it does; for a labelled sync, "hold" means hold the label), each association
HubSpot holds for a from-ID of the frame that the frame does not list (``remove`` with
``remove_extra=True``, else ``extra``: left in place), and each input row that cannot be read
(``invalid``). Columns: ``row`` (the index label of
the pair's first input row; <NA> for pairs only HubSpot holds), ``from_id``, ``to_id``,
``action``, ``existed`` (whether HubSpot held the pair; <NA> when its from-ID could not be
read) and ``note`` (why, where the action needs a word).

Safety rules: a from-ID whose associations could not be read has nothing removed (its pairs
are sent anyway: creating a pair that exists is harmless); a from-ID with a row whose to-ID
cannot be read keeps its extra associations (the frame does not say fully what it should
hold); from-IDs absent from the frame are never read nor touched; between records of one
object type, the unlabelled association is one link, so a pair the frame lists either way
round is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.ids import id_string_array
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.jobs.existing.read_frames import index_labels
from hubassoc_pandas.jobs.existing.reading import Existing

__all__ = ["ACTIONS", "build_sync_plan"]

#: The actions of a sync plan, in category order.
ACTIONS = ("create", "keep", "remove", "extra", "invalid")
_CREATE, _KEEP, _REMOVE, _EXTRA, _INVALID = range(5)


def build_sync_plan(
    index: pd.Index,
    plan: Plan,
    from_codes: np.ndarray,
    existing: Existing,
    *,
    remove_extra: bool,
    type_id: int | None = None,
    hold: np.ndarray | None = None,
    symmetric: bool = False,
    held_pairs: Mapping[tuple[int, int], str] | None = None,
) -> pd.DataFrame:
    """The plan frame (see the module docstring).

    Parameters
    ----------
    index : pandas.Index
        The input frame's index.
    plan : Plan
        The frame's pairs.
    from_codes : numpy.ndarray of int64
        Per pair of ``plan``, the key of its from-ID in ``existing``.
    existing : Existing
        What reading the from-IDs found.
    remove_extra : bool
        Plan the removal of associations the frame does not list.
    type_id : int, optional
        Only this association type counts (a labelled sync); default: any association.
    hold : numpy.ndarray of object, optional
        Per from-ID of ``existing``, why its extra associations must stay, or None: a sync
        by keys holds back the records a key that names no single record may mean.
    symmetric : bool
        The pairs join records of one object type: the unlabelled association (and a label
        that is the same both ways) is one link read from both records, so a pair listed
        either way round covers it. A label that differs by direction is kept too when the
        frame lists its pair the other way round: a sync never removes what it cannot tell
        apart from what the frame asks for.
    held_pairs : mapping, optional
        ``(from_id, to_id)`` associations that stay whatever the frame lists, with why: the
        other records a key taken as its oldest record may mean.
    """
    read_ok = existing.read_ok
    first_row = _first_rows(plan)
    held = read_ok[from_codes] & existing.holds(from_codes, plan.pair_to, type_id)
    pairs = {
        "position": first_row,
        "key": from_codes,
        "to": plan.pair_to,
        "action": np.where(held, _KEEP, _CREATE),
        "existed": np.where(read_ok[from_codes], held.astype(np.int8), -1),
        "note": _unread_notes(existing, from_codes),
        "group": np.zeros(len(first_row), dtype=np.int8),
    }
    key_first = np.full(len(existing.from_ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(key_first, from_codes, first_row)
    blocked = _blocked_keys(plan, existing.from_ids)
    extra = _extras(existing, from_codes, plan.pair_to, type_id, symmetric)
    extra_keys = extra["key"].to_numpy(np.int64)
    reasons = None if hold is None or not remove_extra else hold[extra_keys]
    if held_pairs and remove_extra:
        reasons = _with_pair_reasons(reasons, existing, extra, held_pairs)
    removable = np.asarray(remove_extra & ~blocked[extra_keys], dtype=bool)
    if reasons is not None:
        removable &= reasons == None  # noqa: E711
    extras = {
        "position": np.full(len(extra), -1, dtype=np.int64),
        "key": extra["key"].to_numpy(np.int64),
        "to": extra["to"].to_numpy(np.int64),
        "action": np.where(removable, _REMOVE, _EXTRA),
        "existed": np.ones(len(extra), dtype=np.int8),
        "note": _extra_notes(removable, blocked[extra_keys], reasons),
        "group": np.ones(len(extra), dtype=np.int8),
    }
    table = pd.concat([pd.DataFrame(pairs), pd.DataFrame(extras)], ignore_index=True)
    table["order"] = key_first[table["key"].to_numpy(np.int64)]
    table = table.sort_values(["order", "group", "position", "to"], kind="stable")
    return _frame(index, plan, existing, table)


def _with_pair_reasons(
    reasons: np.ndarray | None,
    existing: Existing,
    extra: pd.DataFrame,
    held_pairs: Mapping[tuple[int, int], str],
) -> np.ndarray:
    """Per extra association, why it stays: its from-ID's reason, else its pair's."""
    out = np.full(len(extra), None, dtype=object) if reasons is None else reasons.copy()
    from_ids = existing.from_ids[extra["key"].to_numpy(np.int64)].tolist()
    for i, pair in enumerate(zip(from_ids, extra["to"].tolist(), strict=True)):
        if out[i] is None and pair in held_pairs:
            out[i] = held_pairs[pair]
    return out


def _extra_notes(
    removable: np.ndarray, blocked: np.ndarray, reasons: np.ndarray | None = None
) -> np.ndarray:
    """Why an association the frame does not list is left in place (None: it is removed);
    ``reasons`` (per association, or None) come first."""
    notes = np.full(len(removable), None, dtype=object)
    notes[~removable & blocked] = (
        "not in the frame; left in place: a row of this from-ID has a to-ID that cannot be read"
    )
    notes[~removable & ~blocked] = "not in the frame; left in place (remove_extra=False)"
    if reasons is not None:
        given = np.flatnonzero(reasons != None)  # noqa: E711
        notes[given] = ["not in the frame; left in place: " + str(r) for r in reasons[given]]
    return notes


def _first_rows(plan: Plan) -> np.ndarray:
    """Per pair, the position of its first input row."""
    valid = np.flatnonzero(plan.pair_of_row >= 0)
    first = np.empty(plan.n_pairs, dtype=np.int64)
    first[plan.pair_of_row[valid][::-1]] = valid[::-1]
    return first


def _unread_notes(existing: Existing, from_codes: np.ndarray) -> np.ndarray:
    """Per pair, a note when its from-ID's associations could not be read, else None."""
    ledger = existing.ledger
    notes = np.full(len(existing.from_ids), None, dtype=object)
    for key in np.flatnonzero(~existing.read_ok).tolist():
        code = int(ledger.info.codes[key])
        why = ledger.infos[code] if code >= 0 else None
        reason = f" ({why.category}: {why.message})" if why is not None else ""
        notes[key] = (
            f"its from-ID's associations could not be read{reason}: sent anyway (harmless if "
            "it exists); nothing is removed for this from-ID"
        )
    return notes[from_codes]


def _blocked_keys(plan: Plan, from_ids: np.ndarray) -> np.ndarray:
    """Per from-ID key, whether a row of it has a to-ID that cannot be read."""
    blocked = np.zeros(len(from_ids), dtype=bool)
    bad = plan.row_from[(plan.pair_of_row < 0) & (plan.row_from > 0)]
    if len(bad):
        at = pd.Index(from_ids).get_indexer(np.unique(bad))
        blocked[at[at >= 0]] = True
    return blocked


def _extras(
    existing: Existing,
    from_codes: np.ndarray,
    pair_to: np.ndarray,
    type_id: int | None,
    symmetric: bool = False,
) -> pd.DataFrame:
    """The distinct (key, to-ID) pairs HubSpot holds (of ``type_id`` if given) that the frame
    does not list (either way round when ``symmetric``), for from-IDs read to the end."""
    chosen = np.ones(len(existing.link_key), dtype=bool)
    if type_id is not None:
        chosen &= existing.link_type == type_id
    chosen &= existing.read_ok[existing.link_key]
    links = pd.DataFrame({"key": existing.link_key[chosen], "to": existing.link_to[chosen]})
    links = links.drop_duplicates()
    listed = pd.MultiIndex.from_arrays([existing.from_ids[from_codes], pair_to])
    link_from = existing.from_ids[links["key"].to_numpy(np.int64)]
    link_to = links["to"].to_numpy(np.int64)
    unlisted = ~pd.MultiIndex.from_arrays([link_from, link_to]).isin(listed)
    if symmetric:
        unlisted &= ~pd.MultiIndex.from_arrays([link_to, link_from]).isin(listed)
    return links[unlisted].reset_index(drop=True)


def _frame(index: pd.Index, plan: Plan, existing: Existing, table: pd.DataFrame) -> pd.DataFrame:
    """The plan frame from the sorted table, followed by the invalid input rows."""
    positions = table["position"].to_numpy(np.int64)
    invalid = np.flatnonzero(plan.pair_of_row < 0)
    rows = np.concatenate([positions, invalid])
    labels = np.full(len(rows), pd.NA, dtype=object)  # shown <NA>, as pandas shows missing
    has_row = rows >= 0
    labels[has_row] = index_labels(index, rows[has_row])
    from_ids = np.concatenate(
        [existing.from_ids[table["key"].to_numpy(np.int64)], plan.row_from[invalid]]
    )
    to_ids = np.concatenate([table["to"].to_numpy(np.int64), plan.row_to[invalid]])
    actions = np.concatenate(
        [table["action"].to_numpy(np.int64), np.full(len(invalid), _INVALID, np.int64)]
    )
    existed = np.concatenate([table["existed"].to_numpy(np.int64), np.full(len(invalid), -1)])
    notes: list[Any] = [*table["note"].tolist(), *plan.row_problem[invalid].tolist()]
    return pd.DataFrame(
        {
            "row": labels,
            "from_id": id_string_array(from_ids),
            "to_id": id_string_array(to_ids),
            "action": pd.Categorical.from_codes(actions, categories=list(ACTIONS)),
            "existed": pd.arrays.BooleanArray(existed == 1, existed < 0),
            "note": pd.array(notes, dtype="string"),
        }
    )
