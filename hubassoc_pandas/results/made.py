"""Which pairs a run associated, kept in its record so that an undo can tell rows whose
``from_id`` / ``to_id`` were edited since the run from rows it wrote.

The record holds one 32-bit fingerprint per pair the run associated (or may have:
``unconfirmed``), packed: 4 bytes a pair, made from the plan's integer IDs (no per-row text is
hashed) while the run sends, so that :func:`made_of_run` only picks the pairs made. An undo
sorts them, fingerprints the pairs its rows name now and takes back only the rows whose pair
the run made; a row whose IDs were changed to a pair the run did not make is left in place (a
chance of about one in 4 billion per pair that an edited pair shares a fingerprint with one
the run made).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.engine.ledger import Ledger
from hubassoc_pandas.inputs.ids import read_id_column
from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.status import SUCCESS, UNCONFIRMED

__all__ = ["MADE", "made_by_run", "made_of_run", "made_record", "merge_made", "pair_fingerprints"]

#: The record's key.
MADE = "made_pairs"
_MIX = np.uint64(0x9E3779B97F4A7C15)


def pair_fingerprints(from_ids: np.ndarray, to_ids: np.ndarray) -> np.ndarray:
    """A 32-bit fingerprint per (from, to) pair of integer IDs.

    Examples
    --------
    >>> a = pair_fingerprints(np.array([1, 2]), np.array([7, 7]))
    >>> b = pair_fingerprints(np.array([7, 1]), np.array([1, 7]))
    >>> a.dtype.name, bool(a[0] == b[1]), bool(a[0] == b[0])
    ('uint32', True, False)
    """
    with np.errstate(over="ignore"):
        f = _mix(np.asarray(from_ids).astype(np.uint64))
        t = _mix(np.asarray(to_ids).astype(np.uint64) ^ _MIX)
        both = _mix(f ^ (t * np.uint64(31)))
    return ((both >> np.uint64(32)) ^ (both & np.uint64(0xFFFFFFFF))).astype(np.uint32)


def _mix(values: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's), so neighbouring IDs land far apart."""
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def made_record(from_ids: np.ndarray, to_ids: np.ndarray) -> str:
    """The packed fingerprints of the pairs a run made, for its record.

    Examples
    --------
    >>> packed = made_record(np.array([1, 2, 1]), np.array([7, 7, 7]))
    >>> record = {"made_pairs": packed}
    >>> made_by_run(record, pd.Series(["1", "2", "3"]), pd.Series(["7", "7", "7"])).tolist()
    [True, True, False]
    """
    return _pack(pair_fingerprints(from_ids, to_ids))


def made_of_run(plan: Plan, ledger: Ledger, fingerprints: np.ndarray | None = None) -> str:
    """The packed fingerprints of the pairs of ``plan`` that ``ledger`` shows associated
    (or unconfirmed); ``fingerprints``: those of every pair of the plan, if made already."""
    made = (ledger.status == SUCCESS) | (ledger.status == UNCONFIRMED)
    if fingerprints is None:
        return made_record(plan.pair_from[made], plan.pair_to[made])
    return _pack(fingerprints if made.all() else fingerprints[made])


def merge_made(record: dict[str, Any], rows: pd.DataFrame) -> None:
    """Add to ``record`` the pairs ``rows`` (a retry's results) show associated or
    unconfirmed; a record that keeps no fingerprints is left without (a part would make every
    other row look edited)."""
    packed = record.get(MADE)
    if not isinstance(packed, str):
        return
    made = rows[rows["status"].astype("string").isin(["associated", "unconfirmed"]).fillna(False)]
    f, f_ok = _as_ids(made["from_id"])
    t, t_ok = _as_ids(made["to_id"])
    ok = f_ok & t_ok
    record[MADE] = _pack(np.concatenate([_unpack(packed), pair_fingerprints(f[ok], t[ok])]))


def made_by_run(
    record: Mapping[str, Any], from_ids: pd.Series, to_ids: pd.Series
) -> np.ndarray | None:
    """Per row, whether its pair (as the row names it now) is one the run made; None when
    the record keeps no fingerprints (results read back from a file, older versions)."""
    packed = record.get(MADE)
    if not isinstance(packed, str):
        return None
    made = _sorted_set(_unpack(packed))
    f, f_ok = _as_ids(from_ids)
    t, t_ok = _as_ids(to_ids)
    wanted = pair_fingerprints(f, t)
    at = np.minimum(np.searchsorted(made, wanted), max(len(made) - 1, 0))
    found = made[at] == wanted if len(made) else np.zeros(len(wanted), dtype=bool)
    return found & f_ok & t_ok


def _as_ids(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer IDs and whether each value is one (an edit may leave anything there)."""
    column = read_id_column(pd.Series(values, copy=False))
    ok = np.ones(len(column.ids), dtype=bool)
    ok[column.bad] = False
    return column.ids, ok


def _sorted_set(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a compare: quicker than ``np.unique`` here)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _pack(fingerprints: np.ndarray) -> str:
    # the array's own bytes when already little-endian uint32: no copy before the encoding
    return base64.b64encode(np.ascontiguousarray(fingerprints, dtype="<u4").data).decode("ascii")


def _unpack(packed: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed), dtype="<u4").astype(np.uint32)
