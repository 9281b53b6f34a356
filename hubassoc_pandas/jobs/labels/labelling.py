"""Labelled runs: ``associate(label=...)`` / ``disassociate(label=...)`` and their retry.

A labelled run reads the labels of its direction once (``GET .../labels``), resolves
``label=`` (or each row's ``label_col`` value) before anything is written, and sends keys of
(from, to, association type) through ``batch/create`` or ``batch/labels/archive``. Its results
frame says, for every row with a usable label, which type the row asks for: ``label`` (the
name as HubSpot shows it, <NA> for the unlabelled default), ``association_type_id`` and
``association_category`` (written where the status is ``associated``). A row whose label
names no type of the direction is ``invalid`` with ``error_category`` ``INVALID_LABEL``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas.engine.attempt import Attempts
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.inputs.plan import Plan, make_plan
from hubassoc_pandas.jobs.labels.definitions import LabelList, read_label_list
from hubassoc_pandas.jobs.labels.resolve import label_setting, resolve_label, resolve_label_column
from hubassoc_pandas.operations.archive_labels import ArchiveLabels
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.operations.registry import PAIR_VERBS
from hubassoc_pandas.operations.typed_pairs import TypedPairs
from hubassoc_pandas.options import Connection, LabelOptions, PairJob
from hubassoc_pandas.results.query import LABEL_COLUMN
from hubassoc_pandas.status import INVALID_LABEL

__all__ = [
    "Labelling",
    "is_labelled_retry",
    "retry_setup",
    "with_label_columns",
]

_BLANK_REMOVAL = (
    "no label given: name the label to remove (to remove the whole association, give the "
    "unlabelled default's type ID, or call disassociate() without labels)"
)


@dataclass(frozen=True)
class Labelling:
    """The label arguments of one run: ``label`` or ``label_col``, for a verb.

    Examples
    --------
    >>> Labelling.of(LabelOptions(), "associate") is None
    True
    """

    label: Any
    label_col: Any
    verb: str

    @classmethod
    def of(cls, labels: LabelOptions, verb: str) -> Labelling | None:
        """The labelling a call asks for, or None for an unlabelled run."""
        label, label_col = labels.label, labels.label_col
        if label is None and label_col is None:
            return None
        if label is not None and label_col is not None:
            raise ConfigError(
                "give label= (one label for every row) or label_col= (a column of labels), "
                "not both."
            )
        return cls(label, label_col, verb)

    def check(self, frame: pd.DataFrame, from_col: Any, to_col: Any) -> None:
        """Refuse a ``label_col`` that is not one column of the frame, before any request."""
        column = self.label_col
        if column is None:
            return
        try:
            hash(column)
        except TypeError:
            raise ConfigError(
                f"label_col={column!r}: give one column name, not {type(column).__name__}."
            ) from None
        if column not in frame.columns or isinstance(frame[column], pd.DataFrame):
            available = ", ".join(repr(c) for c in list(frame.columns)[:20])
            raise ConfigError(
                f"label_col={column!r} is not one column of the frame; its columns are: "
                f"{available}."
            )
        if column in (from_col, to_col):
            raise ConfigError(
                f"label_col={column!r} is also the column of record IDs; give the column "
                "holding each row's label."
            )

    def prepare(self, frame: pd.DataFrame, job: PairJob) -> tuple[Plan, TypedPairs, LabelList]:
        """Check ``label_col``, read the direction's labels, resolve the run's, plan the keys.

        Returns the plan, the operation and every label type of the direction (with the
        requests reading them took).
        """
        from_col, to_col, settings = job.from_col, job.to_col, job.settings
        self.check(frame, from_col, to_col)
        listed = self._read_types(settings, job.connection)
        known = listed.types
        ids = (frame[from_col], frame[to_col])
        names = (str(from_col), str(to_col))
        where = (settings.from_type, settings.to_type)
        if self.label_col is None:
            types = [resolve_label(self.label, known, *where)]
            plan = make_plan(*ids, from_label=names[0], to_label=names[1])
        else:
            blank = _blank_meaning(known, self.verb, *where)
            read = resolve_label_column(
                frame[self.label_col], known, *where, blank=blank, column=str(self.label_col)
            )
            types = read.table
            plan = make_plan(
                *ids,
                from_label=names[0],
                to_label=names[1],
                tags=read.tags,
                tag_problems=read.problems,
            )
        operation_class = PAIR_VERBS[self.verb].labelled
        return plan, operation_class(*where, settings.api_version, plan, types), listed

    def row_types(
        self, frame: pd.DataFrame, known: Sequence[LabelType], settings: RunSettings
    ) -> tuple[np.ndarray, list[LabelType]]:
        """Per row of ``frame``, the index of the type it asks for in the returned list (-1:
        none), as :meth:`prepare` reads them; for rows kept out of the plan (keys that named
        no record), so that retry() knows what to send for them."""
        where = (settings.from_type, settings.to_type)
        if self.label_col is None:
            return np.zeros(len(frame), dtype=np.int64), [resolve_label(self.label, known, *where)]
        blank = _blank_meaning(known, self.verb, *where)
        read = resolve_label_column(
            frame[self.label_col], known, *where, blank=blank, column=str(self.label_col)
        )
        return np.asarray(read.tags, dtype=np.int64), list(read.table)

    def _read_types(self, settings: RunSettings, connection: Connection) -> LabelList:
        attempts = Attempts(settings.max_attempts, backoff=settings.backoff)
        with connection.open(settings) as client:
            return read_label_list(client, settings.from_type, settings.to_type, attempts=attempts)

    def record(self, known: Sequence[LabelType]) -> dict[str, Any]:
        """What the run record keeps about the labels (JSON-serialisable)."""
        return {
            "labelled": True,
            "label": label_setting(self.label),
            "label_col": None if self.label_col is None else str(self.label_col),
            "labels_defined": [
                {"category": t.category, "type_id": t.type_id, "label": t.label} for t in known
            ],
        }

    def finish(self, results: pd.DataFrame, plan: Plan, operation: TypedPairs) -> pd.DataFrame:
        """The results frame with its label columns, an input ``label`` column renamed."""
        if LABEL_COLUMN in results.columns:
            new_name = f"{LABEL_COLUMN}_input"
            while new_name in results.columns:
                new_name += "_"
            results = results.rename(columns={LABEL_COLUMN: new_name})
            if self.label_col != LABEL_COLUMN:
                warnings.warn(
                    f"input column renamed to keep it beside the result columns: "
                    f"{LABEL_COLUMN!r} -> {new_name!r}",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
        return with_label_columns(results, plan, operation)


def with_label_columns(results: pd.DataFrame, plan: Plan, operation: TypedPairs) -> pd.DataFrame:
    """Fill ``association_type_id``/``association_category`` and add ``label`` after them
    from the type each row asks for; rows refused for their label get INVALID_LABEL."""
    keys = plan.pair_of_row
    tags = np.full(len(keys), -1, dtype=np.int64)
    has_key = keys >= 0
    tags[has_key] = operation.tag_of_key[keys[has_key]]
    types = operation.types
    results = results.copy(deep=False)
    results["association_type_id"] = pd.array([t.type_id for t in types], dtype="Int64").take(
        tags, allow_fill=True
    )
    results["association_category"] = pd.array([t.category for t in types], dtype="string").take(
        tags, allow_fill=True
    )
    names = pd.array([t.label for t in types], dtype="string").take(tags, allow_fill=True)
    results.insert(results.columns.get_loc("association_category") + 1, LABEL_COLUMN, names)
    bad_label = (plan.row_from > 0) & (plan.row_to > 0) & ~has_key
    if bad_label.any():
        category = results["error_category"].array.copy()
        category[bad_label] = INVALID_LABEL
        results["error_category"] = category
    return results


def _blank_meaning(known: Sequence[LabelType], verb: str, from_type: str, to_type: str) -> Any:
    """What an empty label cell means: the unlabelled default when writing (if the direction
    has one); a problem when removing, where it would remove every label of the pair."""
    if verb == ArchiveLabels.verb:
        return _BLANK_REMOVAL
    defaults = [t for t in known if t.label is None]
    if len(defaults) == 1:
        return defaults[0]
    return f"no label given, and {from_type} -> {to_type} has no unlabelled default"


# -- retry ----------------------------------------------------------------------------------


def is_labelled_retry(record: dict[str, Any], subset: pd.DataFrame) -> bool:
    """Whether the rows to re-send come from a labelled run: its record says so, or (a frame
    read back from a file) they name association types, which only labelled runs do for rows
    not yet done."""
    if record.get("labelled"):
        return True
    return bool(subset["association_type_id"].notna().any())


def retry_setup(verb: str, subset: pd.DataFrame, settings: RunSettings) -> tuple[Plan, TypedPairs]:
    """The plan and operation re-sending labelled rows with the type each one names."""
    if LABEL_COLUMN not in subset.columns:
        raise ConfigError(
            "retry() of a labelled run needs its 'label' column (the label each row asks for); "
            "keep it when saving the results."
        )
    categories = subset["association_category"].astype("string")
    type_ids = subset["association_type_id"].astype("Int64").astype("string")
    names = subset[LABEL_COLUMN].astype("string").str.strip().fillna("")
    text = categories + "\x00" + type_ids + "\x00" + names  # <NA> without a type
    codes, distinct = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
    types = []
    for key in distinct.tolist():
        category, type_id, label = key.split("\x00")
        types.append(LabelType(category, int(type_id), label or None))
    tags = codes.astype(np.int64)
    problems = np.full(len(tags), None, dtype=object)
    problems[tags < 0] = "no association type to re-send"
    plan = make_plan(
        subset["from_id"], subset["to_id"], from_label="from_id", to_label="to_id",
        tags=tags, tag_problems=problems,
    )  # fmt: skip
    operation = PAIR_VERBS[verb].labelled(
        settings.from_type, settings.to_type, settings.api_version, plan, types
    )
    return plan, operation
