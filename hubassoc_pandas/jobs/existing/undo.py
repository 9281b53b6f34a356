"""``results.hubassoc.undo()``: remove exactly what an associate run created.

A run made with ``check_existing=True`` marks each row ``preexisting``; undo removes the pairs
the run associated (or may have: ``unconfirmed``) that were not associated before it, through
``batch/archive``, and leaves everything that existed before in place. For a labelled run it
removes the label the run added (``batch/labels/archive``), leaving in place an association
that existed before the run (``pair_preexisting``), and the whole association where the run
created it. A run made without
``check_existing`` cannot tell what existed, so undo refuses unless told ``force=True``.

Rows whose ``from_id``/``to_id`` no longer name a pair the run made (edited since: see
:mod:`hubassoc_pandas.results.made`) are left in place; a Primary label the run moved is put
back (:mod:`.primary`); the pairs removed are taken out of the run's journal, so calling that
run again reads them afresh.
"""

from __future__ import annotations

import base64
import datetime as _dt
import sqlite3
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas.engine.journal import Journal
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.inputs.object_types import normalize_object_type
from hubassoc_pandas.jobs.existing.check import PAIR_PREEXISTING
from hubassoc_pandas.jobs.existing.primary import PREVIOUS_PRIMARY, restore_primary
from hubassoc_pandas.jobs.labels.definitions import labels
from hubassoc_pandas.jobs.pairs.pipeline import run_pairs
from hubassoc_pandas.operations.archive import Archive
from hubassoc_pandas.options import LabelOptions, PairJob
from hubassoc_pandas.results.made import made_by_run
from hubassoc_pandas.results.query import LABEL_COLUMN
from hubassoc_pandas.results.schema import ANNOTATION_DTYPES, restore_dtypes
from hubassoc_pandas.status import counted

__all__ = ["undo", "undo_targets", "undo_types", "undone_record", "undone_rows"]

#: Statuses of rows whose pair the run associated, or may have.
_MADE = ("associated", "unconfirmed")


def undo_types(
    results: pd.DataFrame, from_type: Any, to_type: Any, *, force: bool
) -> tuple[Any, Any]:
    """The object types of the run ``results`` come from (``from_type``/``to_type`` when
    given, else its record), refused when ``results`` is not an associate run's results or
    cannot tell what existed before it (unless ``force``)."""
    record = dict(results.attrs.get("hubassoc") or {}) if isinstance(results, pd.DataFrame) else {}
    _check_types(record, from_type, to_type)
    from_type = record.get("from_type") if from_type is None else from_type
    to_type = record.get("to_type") if to_type is None else to_type
    _check_run(results, record, from_type, to_type)
    undo_targets(restore_dtypes(results, "associated"), force=force, checked=_checked(record))
    return from_type, to_type


def undo(results: pd.DataFrame, job: PairJob, *, force: bool) -> pd.DataFrame:
    """Remove exactly the associations an ``associate()`` run created (see
    :meth:`hubassoc_pandas.accessor.HubAssocAccessor.undo`); ``job`` names the run's object
    types (:func:`undo_types`) and how to send the removals."""
    original = results
    record = dict(results.attrs.get("hubassoc") or {})
    results = restore_dtypes(results, "associated")
    target, counts = undo_targets(results, force=force, checked=_checked(record))
    earlier = undone_rows(record, len(results))
    counts["undone_before"] = int((target & earlier).sum())
    target &= ~earlier
    made = made_by_run(record, results["from_id"], results["to_id"])
    edited = np.zeros(len(results), dtype=bool) if made is None else target & ~made
    counts["edited_left"] = int(edited.sum())
    target &= ~edited
    counts["removed"] = int(target.sum())
    if counts["edited_left"]:
        warnings.warn(
            f"{counts['edited_left']} rows were left in place: their from_id/to_id name a pair "
            "the run did not associate (edited since the run?). Undo takes back only the "
            "pairs the run wrote; remove others with disassociate().",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    if counts["undone_before"]:
        warnings.warn(
            f"{counted(counts['undone_before'], 'row')} {_was(counts['undone_before'])} undone "
            f"already (at {record['undone']['at']}) and not removed again: what that undo "
            "removed may have been re-created since, by you or a colleague. An undo takes a row "
            "back once; "
            "to send again removals that failed, call retry() on the frame that undo returned.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    if counts["unknown_left"]:
        unreadable = _unreadable(results)
        why = (
            f" ({unreadable:,} of them have a 'preexisting' value that is not True, False or "
            "empty: edited or garbled since the run)"
            if unreadable
            else ""
        )
        warnings.warn(
            f"{counted(counts['unknown_left'], 'row')} {_was(counts['unknown_left'])} left in "
            f"place: whether their pair existed before the run is unknown{why}, most often "
            "because their from-ID could not be read before it. force=True would remove them "
            "too, and with them any of those pairs that existed before the run.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    subset = results.iloc[np.flatnonzero(target)]
    removal = job.replace(from_col="from_id", to_col="to_id", labels=LabelOptions())
    if _is_labelled(results, record):
        frame, counts["labels_only"] = _labelled_removals(subset, record, job)
        removal = removal.replace(labels=LabelOptions(label_col="association_category"))
    else:
        frame = subset
    removal = removal.replace(run=removal.run.replace(purpose="undo"))
    if not job.run.dry_run:  # an undo is recorded before it sends: it is never sent twice
        kept = dict(original.attrs.get("hubassoc") or {})
        original.attrs["hubassoc"] = {**kept, "undone": undone_record(earlier | target)}
    removed = run_pairs(Archive.verb, frame, removal)
    removed.attrs["hubassoc"]["undo"] = {**counts, "force": bool(force)}
    if not job.run.dry_run:
        _forget_in_journal(record, removed)
        if PREVIOUS_PRIMARY in subset.columns and len(removed) == len(subset):
            taken_back = (removed["status"].astype(str) == Archive.success).to_numpy(dtype=bool)
            restored = restore_primary(subset.iloc[np.flatnonzero(taken_back)], job)
            removed.attrs["hubassoc"]["undo"].update(restored)
    return removed


def _forget_in_journal(record: dict[str, Any], removed: pd.DataFrame) -> None:
    """Take the pairs this undo removed out of the undone run's journal, so that calling
    that run again with its journal reads them afresh (a colleague may have re-created one)
    instead of taking them for its own work and skipping them."""
    path = record.get("journal")
    if not path or not Path(path).is_file():
        return
    done = removed[removed["status"].astype(str) == Archive.success]
    ends = zip(done["from_id"].astype("int64"), done["to_id"].astype("int64"), strict=True)
    pairs = [f"{f}:{t}" for f, t in ends]
    if not pairs:
        return
    identity = {key: str(record[key]) for key in ("from_type", "to_type", "base_url")}
    try:
        journal = Journal(path, identity)
        try:
            journal.forget(pairs)
        finally:
            journal.close()
    except (ConfigError, sqlite3.Error) as exc:
        warnings.warn(
            f"The undone pairs could not be taken out of the run's journal {path!r} ({exc}). "
            "Do not resume that run with this journal: it would take any of those pairs "
            "re-created since for its own work, and a later undo would remove them.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def _is_labelled(results: pd.DataFrame, record: dict[str, Any]) -> bool:
    """Whether the results come from a labelled run: its record says so, or (a frame read
    back from a file) it has the columns only labelled runs add."""
    return (
        bool(record.get("labelled"))
        or PAIR_PREEXISTING in results.columns
        or LABEL_COLUMN in results.columns
    )


def _labelled_removals(
    subset: pd.DataFrame, record: dict[str, Any], job: PairJob
) -> tuple[pd.DataFrame, int]:
    """The rows of a labelled run to remove, each naming the type to remove (in
    ``association_category``, as ``CATEGORY:type_id``): the unlabelled default, which takes
    the whole association (every label with it), only where the pair is known to have been
    absent before the run (``pair_preexisting`` False); everywhere else (the pair existed, or
    whether it did is unknown) only the label the row added. Returns the rows and how many
    take off their label only."""
    if PAIR_PREEXISTING in subset.columns:
        before = _as_boolean(subset[PAIR_PREEXISTING])
        absent = (before == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    else:  # a run without check_existing cannot tell: labels only
        absent = np.zeros(len(subset), dtype=bool)
    pair_before = ~absent
    own = (
        subset["association_category"].astype("string")
        + ":"
        + subset["association_type_id"].astype("Int64").astype("string")
    ).to_numpy(dtype=object)
    default = _default_type(record, job) if (~pair_before).any() else None
    spec = own.copy()
    if default is not None:
        spec[~pair_before] = default
    frame = subset.drop(columns=[c for c in ("label",) if c in subset.columns])
    frame = frame.assign(association_category=pd.array(spec, dtype="string"))
    return frame, int(pair_before.sum())


def _default_type(record: dict[str, Any], job: PairJob) -> str | None:
    """The direction's unlabelled default as ``CATEGORY:type_id``, from the run's record or
    read from HubSpot; None when the direction has none."""
    defined = record.get("labels_defined")
    if defined is None:
        known = labels(
            job.settings.from_type,
            job.settings.to_type,
            token=job.connection.token,
            base_url=job.connection.base_url,
            api_version=job.settings.api_version,
            client=job.connection.client,
        )
        defined = [
            {"category": c, "type_id": t, "label": None if pd.isna(n) else n}
            for c, t, n in zip(known["category"], known["type_id"], known["label"], strict=True)
        ]
    defaults = [d for d in defined if d.get("label") is None]
    return f"{defaults[0]['category']}:{defaults[0]['type_id']}" if len(defaults) == 1 else None


def _no_preexisting(checked: bool | None) -> str:
    """Why undo refuses results without ``preexisting``: the run's record says whether it
    read first (True), did not (False), or is lost (None, a file)."""
    lost = (
        "the column was lost when the results were saved: undo the frame the run returned, "
        "or a file saved with that column (Parquet, CSV)"
    )
    unread = (
        "nothing tells its own pairs from older ones: force=True removes every pair the run "
        "associated, including any that existed before it. Make runs you may want to undo "
        "with associate(..., check_existing=True)"
    )
    if checked:
        return f"These results lack their 'preexisting' column: the run read first, but {lost}."
    if checked is False:
        return (
            "This run was made without check_existing=True, so it cannot tell which of its "
            f"pairs were associated before it: {unread}."
        )
    return (
        "These results have no 'preexisting' column, so undo cannot tell which of their pairs "
        "were associated before the run. If the run was made with check_existing=True, "
        f"{lost}. If it was made without check_existing=True, {unread}."
    )


def undo_targets(
    results: pd.DataFrame, *, force: bool, checked: bool | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Which rows undo removes, and the counts of what it does with the rest.

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["associated", "associated", "failed", "associated"],
    ...                       "preexisting": pd.array([False, True, False, None], "boolean")})
    >>> target, counts = undo_targets(frame, force=False)
    >>> target.tolist(), sorted(counts.items())
    ([True, False, False, False], [('kept_preexisting', 1), ('not_created', 1), ('removed', 1),
    ('unknown_left', 1)])
    """
    made = results["status"].isin(_MADE).to_numpy(dtype=bool)
    if "preexisting" in results.columns:
        before = _as_boolean(results["preexisting"])
        known_new = (before == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
        known_old = before.fillna(False).to_numpy(dtype=bool)
    elif force:
        known_new = np.zeros(len(results), dtype=bool)
        known_old = known_new
    else:
        raise ConfigError(_no_preexisting(checked))
    unknown = made & ~known_new & ~known_old
    target = made & (known_new | (unknown if force else False))
    counts = {
        "removed": int(target.sum()),
        "kept_preexisting": int((made & known_old).sum()),
        "unknown_left": int((unknown & ~target).sum()),
        "not_created": int((~made).sum()),
    }
    return target, counts


def _checked(record: dict[str, Any]) -> bool | None:
    """Whether the run read what existed first, as its record says (None: no record)."""
    if "version" not in record:  # not a run's own record (a file's, rebuilt from its types)
        return None
    return bool(record.get("check_existing"))


def _unreadable(results: pd.DataFrame) -> int:
    """Rows whose ``preexisting`` holds something other than True, False or nothing."""
    if "preexisting" not in results.columns:
        return 0
    given = results["preexisting"]
    return int((given.notna() & _as_boolean(given).isna()).sum())


def _as_boolean(values: pd.Series) -> pd.Series:
    """The ``preexisting`` column as booleans (also when read back from a text file)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    mapped = text.map({"true": True, "false": False, "1": True, "0": False})
    return mapped.astype("boolean")


def _check_types(record: dict[str, Any], from_type: Any, to_type: Any) -> None:
    """Refuse object types that contradict the ones the run recorded."""
    for role, given in (("from_type", from_type), ("to_type", to_type)):
        kept = record.get(role)
        if given is None or kept is None:
            continue
        if normalize_object_type(given, role=role) != normalize_object_type(kept, role=role):
            raise ConfigError(
                f"{role}={given!r}, but the run was {kept!r}: undo takes a run back with the "
                f"object types it was made with; drop {role}= or give {kept!r}."
            )


def undone_record(rows: np.ndarray) -> dict[str, Any]:
    """What a run's record keeps of its undos: when, and which rows (by position, packed).

    Examples
    --------
    >>> record = {"undone": undone_record(np.array([True, False, True]))}
    >>> undone_rows(record, 3).tolist()
    [True, False, True]
    """
    packed = base64.b64encode(np.packbits(rows.astype(bool)).tobytes()).decode("ascii")
    at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    return {"at": at, "rows": packed, "n": len(rows)}


def undone_rows(record: dict[str, Any], n: int) -> np.ndarray:
    """The rows (by position) an earlier undo of the run took back; none if there was none,
    or if the record does not fit these results."""
    kept = record.get("undone")
    if not isinstance(kept, dict) or kept.get("n") != n:
        return np.zeros(n, dtype=bool)
    bits = np.frombuffer(base64.b64decode(kept["rows"]), dtype=np.uint8)
    return np.unpackbits(bits, count=n).astype(bool)


def _check_run(results: Any, record: dict[str, Any], from_type: Any, to_type: Any) -> None:
    if not isinstance(results, pd.DataFrame):
        raise ConfigError(f"undo() takes a results frame, got {type(results).__name__}")
    missing = [c for c in ANNOTATION_DTYPES if c not in results.columns]
    if missing:
        raise ConfigError(
            "undo() needs the results frame returned by associate(); missing: "
            f"{', '.join(missing)}."
        )
    operation = record.get("operation")
    statuses = set(results["status"].astype("string").dropna().unique())
    if operation not in (None, "associate") or ("removed" in statuses):
        raise ConfigError(
            f"undo() takes back an associate() run; these are the results of "
            f"{operation or 'a removal'}."
        )
    if from_type is None or to_type is None:
        raise ConfigError(
            "undo() needs the run's object types: this frame does not record them (a frame "
            "read back from CSV); pass from_type= and to_type= as in the original run."
        )


def _was(n: int) -> str:
    return "was" if n == 1 else "were"
