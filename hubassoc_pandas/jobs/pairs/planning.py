"""The one way every run starts: a frame's pairs planned, and the operation that sends them.

Plain and labelled runs, runs by keys (once their keys are replaced by the IDs they came to),
checked runs, retries, undo and sync's own steps all get their plan and operation here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.inputs.plan import Plan, make_plan
from hubassoc_pandas.jobs.labels.labelling import Labelling, is_labelled_retry, retry_setup
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.operations.registry import PAIR_VERBS
from hubassoc_pandas.options import PairJob

__all__ = ["Planned", "pair_operation", "plan_run"]


@dataclass(frozen=True)
class Planned:
    """A run's plan, the operation sending it, and for a labelled run its labelling, the
    direction's label types and the requests reading them took."""

    plan: Plan
    operation: PairOperation
    labelling: Labelling | None = None
    known: list[LabelType] = field(default_factory=list)
    label_requests: int = 0


def pair_operation(
    verb: str, settings: RunSettings, plan: Plan, types: list[LabelType] | None = None
) -> PairOperation:
    """The operation of ``verb`` over ``plan``: the unlabelled one, or with ``types`` the
    labelled one (each key's type given by the plan's tags).

    Examples
    --------
    >>> from hubassoc_pandas.engine.settings import make_settings
    >>> plan = make_plan(pd.Series([1]), pd.Series([7]))
    >>> type(pair_operation("disassociate", make_settings("contacts", "companies"), plan))
    <class 'hubassoc_pandas.operations.archive.Archive'>
    """
    entry = PAIR_VERBS[verb]
    where = (settings.from_type, settings.to_type, settings.api_version)
    if types is None:
        return entry.plain(*where, plan)
    return entry.labelled(*where, plan, types)


def plan_run(
    frame: pd.DataFrame,
    job: PairJob,
    verb: str,
    *,
    retried: Mapping[str, Any] | None = None,
) -> Planned:
    """Plan the pairs of ``frame`` for a run of ``verb``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to send, their ID columns holding record IDs (a run by keys passes the frame
        with its keys replaced by the IDs they came to).
    job : PairJob
        The run: its columns, settings and labels (label names are resolved against the
        direction's label list, read through the job's connection).
    verb : {"associate", "disassociate"}
        What the run does.
    retried : mapping, optional
        For a retry, the run record of the results being sent again: the rows go by their
        ``from_id``/``to_id``, a labelled run's rows each with the type its columns name.

    Returns
    -------
    Planned
    """
    settings = job.settings
    if retried is not None:
        if is_labelled_retry(dict(retried), frame):
            plan, typed = retry_setup(verb, frame, settings)
            return Planned(plan, typed)
        plan = make_plan(frame["from_id"], frame["to_id"], from_label="from_id", to_label="to_id")
        return Planned(plan, pair_operation(verb, settings, plan))
    labelling = Labelling.of(job.labels, verb)
    if labelling is None:
        from_col, to_col = job.from_col, job.to_col
        plan = make_plan(
            frame[from_col], frame[to_col], from_label=str(from_col), to_label=str(to_col)
        )
        return Planned(plan, pair_operation(verb, settings, plan))
    plan, typed, listed = labelling.prepare(frame, job)
    return Planned(plan, typed, labelling, listed.types, listed.requests)
