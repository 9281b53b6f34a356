"""Removal against a model of the portal: random sequences of associate (checked or not,
labelled or not, with a journal and resumed from it), disassociate, undo (forced or not, twice),
sync (dry or applied, removing extras or not, labelled or not), apply_plan (twice), a colleague
changing the portal behind the client's back, and injected faults (5xx until retries run out,
a 5xx once, answers lost after the work was done, connections dropped), all over real sockets
against one sandbox.

The model is the set of links the portal holds, ``(direction, from, to, type ID)``: direction
``cc`` is contacts -> companies (only that side is kept: the sandbox mirrors it), ``kk`` is
contacts -> contacts, where an unlabelled link (and a label that is the same both ways) is one
association read from both records, so it is kept from both sides. A step whose effect the
contract fixes (no fault injected) must leave the portal exactly as the model predicts; a step
with a fault must stay within bounds; then the model takes what the portal holds.

Invariants (each raises its own exception, so that hypothesis shrinks each apart):

- undo never removes a link that existed before the run it undoes, labels included (a labelled
  run's undo takes off only its label unless the pair was absent before); the one exception is
  documented: ``force=True`` on rows whose earlier state is unknown (a run without
  ``check_existing``, or a from-ID that could not be read) removes the pair the run associated
  (only its label, for a labelled run); and undo touches only the pairs of its run. A run
  resumed from its journal is one run with its earlier parts: the links they created, and
  that stayed in place since, are its own (one that someone removed and someone re-created is
  not);
- a sync (and apply_plan) never touches a from-ID outside its frame, never leaves a from-ID
  with fewer of the frame's pairs than before (for a labelled sync, also fewer holding the
  label), and removes nothing for a from-ID any of whose creates did not succeed (refused,
  5xx, lost answer, not sent): removals come after all that from-ID's creates succeeded;
- a second undo of the same results (after one that ran without faults), or a second apply of
  the same plan, removes nothing;
- every input row is accounted for: results have every input index once, in order, with a
  status of the documented set; a sync plan has one row per distinct pair and per invalid row.

The shortest sequence once found for each invariant is replayed as a test of its own, so each
is checked on every run whatever the random search draws.

Runs are bounded for CI, and a CI run does not shrink a failing sequence (shrinking replays it
hundreds of times: minutes): it prints it as found. ``HYPOTHESIS_PROFILE=long`` runs ten times
as many examples and shrinks; ``HUBASSOC_MODEL_SHRINK=1`` shrinks a CI-sized run;
``HUBASSOC_MODEL_EXAMPLES`` / ``HUBASSOC_MODEL_STEPS`` set the numbers.
``HUBASSOC_MODEL_CHECKS`` (names of the invariant classes below, comma-separated) checks only
those, to find and shrink one invariant's failures apart.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from hubassoc_testkit import RecordingBackoff, running_hub
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas import STATUSES
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.sandbox import Fault, Sandbox

CONTACTS = range(1, 7)
COMPANIES = range(1, 6)
TYPES = {"cc": ("contacts", "companies"), "kk": ("contacts", "contacts")}
#: The label a run of each direction may write, and the one a colleague may add besides.
LABEL = {"cc": "Billing contact", "kk": "Referral"}
OTHER_LABEL = {"cc": "Decision maker", "kk": "Referral"}

#: The links the portal starts with: (direction, from, to, label or None).
SEEDED = (
    ("cc", "1", "1", None),
    ("cc", "2", "1", LABEL["cc"]),
    ("cc", "2", "2", None),
    ("cc", "3", "3", None),
    ("kk", "1", "2", None),
    ("kk", "2", "3", None),
)

#: The documented statuses of each kind of results.
ASSOCIATE_STATUSES = frozenset(STATUSES)
REMOVAL_STATUSES = frozenset({"removed", "failed", "invalid", "unconfirmed", "not_sent"})
SYNC_STATUSES = frozenset(
    {"associated", "removed", "unchanged", "failed", "invalid", "unconfirmed", "not_sent"}
)

#: (direction, from-ID, to-ID, type ID), IDs as text.
Link = tuple[str, str, str, int]
Links = frozenset[Link]
Cell = int | str
Rows = list[tuple[Cell, Cell]]


# -- the invariants ---------------------------------------------------------------------------


class InvariantViolated(AssertionError):
    """A property of removal does not hold."""


class UndoRemovedPreexisting(InvariantViolated):
    """An undo removed a link that existed before the run it undoes."""


class LabelledUndoTookMore(InvariantViolated):
    """The undo of a labelled run took more than its label off a pair that existed before."""


class UndoBeyondItsRun(InvariantViolated):
    """An undo removed a link of a pair its run did not associate."""


class SecondUndoRemoved(InvariantViolated):
    """A second undo of the same results removed something."""


class SyncTouchedOutsideFrame(InvariantViolated):
    """A sync changed a link of a from-ID absent from its frame."""


class SyncLostFramePair(InvariantViolated):
    """A sync left a from-ID with fewer of the frame's pairs than before."""


class SyncRemovedAfterFailedCreate(InvariantViolated):
    """A sync removed links of a from-ID whose creates failed for a passing reason."""


class SecondApplyRemoved(InvariantViolated):
    """A second apply of the same plan removed something."""


class RowsNotAccounted(InvariantViolated):
    """Results that do not have every input row once with a documented status."""


class ModelMismatch(InvariantViolated):
    """The portal does not hold what the contract says the step leaves."""


CHECKS = {cls.__name__: cls for cls in InvariantViolated.__subclasses__()}
_SELECTED = {n.strip() for n in os.environ.get("HUBASSOC_MODEL_CHECKS", "").split(",") if n.strip()}
if _SELECTED - set(CHECKS):
    raise ValueError(f"HUBASSOC_MODEL_CHECKS names unknown invariants: {_SELECTED - set(CHECKS)}")


def check(holds: bool, violation: type[InvariantViolated], message: str) -> None:
    """Raise ``violation`` with ``message`` unless ``holds`` (or the invariant is not chosen)."""
    if not holds and (not _SELECTED or violation.__name__ in _SELECTED):
        raise violation(message)


# -- bounds of a run --------------------------------------------------------------------------

#: Examples and steps of the CI run (about 10 s on two busy cores when nothing fails; long
#: sequences find the removals that take several steps to set up far more often than many
#: short ones).
_CI = (30, 25)
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = int(os.environ.get("HUBASSOC_MODEL_EXAMPLES", _CI[0] * (10 if LONG else 1)))
STEPS = int(os.environ.get("HUBASSOC_MODEL_STEPS", _CI[1]))
SHRINK = LONG or bool(os.environ.get("HUBASSOC_MODEL_SHRINK"))

SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    phases=[p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain)],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# -- what the rules draw ----------------------------------------------------------------------

# 1..6 exist as contacts, 7 does not, "x" is no ID; records 1..3 (those the portal starts
# with links for) come up most
from_cells = st.one_of(st.integers(1, 3), st.integers(1, 8).map(lambda v: v if v <= 7 else "x"))
# companies 1..5 exist and 6 does not; contacts 1..6 exist
to_cells = st.one_of(st.integers(1, 3), st.integers(1, 7).map(lambda v: v if v <= 6 else "x"))


def _rows(direction: str) -> st.SearchStrategy[tuple[str, Rows]]:
    row = st.tuples(from_cells, to_cells)
    if direction == "kk":
        row = row.filter(lambda r: r[0] != r[1])  # no record associated with itself
    return st.tuples(st.just(direction), st.lists(row, min_size=1, max_size=4))


#: A frame of a few rows in one direction: ("cc" or "kk", [(from, to), ...]).
frames = st.sampled_from(sorted(TYPES)).flatmap(_rows)


def _existing_pair(direction: str) -> st.SearchStrategy[tuple[str, int, int]]:
    to = COMPANIES if direction == "cc" else CONTACTS
    pair = st.tuples(st.integers(CONTACTS[0], CONTACTS[-1]), st.integers(to[0], to[-1]))
    if direction == "kk":
        pair = pair.filter(lambda p: p[0] != p[1])
    return pair.map(lambda p: (direction, p[0], p[1]))


#: A pair of existing records a colleague changes: (direction, from, to).
pairs = st.sampled_from(sorted(TYPES)).flatmap(_existing_pair)

#: A fault for the duration of one call: (kind, which endpoints), or None.
faults = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from(["5xx", "5xx_once", "lost", "dropped"]),
        st.sampled_from(["create", "remove", "read", "any"]),
    ),
)
Faulted = tuple[str, str] | None

_ENDPOINTS = {
    "create": ("associate_default", "create"),
    "remove": ("archive", "labels_archive"),
    "read": ("read",),
    "any": ("associate_default", "create", "archive", "labels_archive", "read"),
}


def fault_rules(fault: Faulted) -> list[Fault]:
    """The sandbox's rules for a drawn fault: ``5xx`` until every attempt is spent, a 5xx
    page once, an answer lost after the work was done, a connection dropped unanswered."""
    if fault is None:
        return []
    kind, target = fault
    endpoints = _ENDPOINTS[target]
    if kind == "5xx":
        return [Fault("500_json", rate=1.0, endpoints=endpoints)]
    if kind == "5xx_once":
        return [Fault("503_html", rate=1.0, times=1, endpoints=endpoints)]
    if kind == "lost":
        return [Fault("close_after_commit", rate=1.0, times=1, endpoints=endpoints)]
    return [Fault("close", rate=1.0, times=1, endpoints=endpoints)]


# -- the portal as links ----------------------------------------------------------------------


def snapshot(hub: Sandbox) -> Links:
    """Every link the sandbox holds."""
    return frozenset(
        (direction, f, t, type_id)
        for direction, (a, b) in TYPES.items()
        for (f, t), types in hub.associations(a, b).items()
        for type_id in types
    )


def implied(direction: str, a: str, b: str, types: list[int]) -> set[Link]:
    """The links writing ``types`` on the pair (a, b) makes: for contacts with contacts, the
    pair read from both records (the types used here are the same both ways)."""
    links = {(direction, a, b, t) for t in types}
    if direction == "kk":
        links |= {(direction, b, a, t) for t in types}
    return links


def pair_links(links: Links, direction: str, a: str, b: str) -> set[Link]:
    """The links between records a and b, either way round for contacts with contacts."""
    ends = {(a, b), (b, a)} if direction == "kk" else {(a, b)}
    return {link for link in links if link[0] == direction and (link[1], link[2]) in ends}


def describe(links: set[Link]) -> str:
    return ", ".join(f"{d}:{f}->{t}#{n}" for d, f, t, n in sorted(links)) or "nothing"


# -- frames -----------------------------------------------------------------------------------


def frame_of(rows: Rows) -> pd.DataFrame:
    """The input frame: columns src and dst, an index of text labels that is not 0..n-1."""
    return pd.DataFrame(
        {"src": [r[0] for r in rows], "dst": [r[1] for r in rows]},
        index=[f"row{len(rows) - i}" for i in range(len(rows))],
        dtype=object,
    )


def valid(cell: Cell) -> bool:
    return isinstance(cell, int)


def exists(direction: str, a: Cell, b: Cell) -> bool:
    return a in CONTACTS and b in (COMPANIES if direction == "cc" else CONTACTS)


def frame_pairs(rows: Rows) -> list[tuple[str, str]]:
    """The distinct valid pairs of a frame's rows, as text."""
    return list(dict.fromkeys((str(a), str(b)) for a, b in rows if valid(a) and valid(b)))


def from_ids(rows: Rows) -> set[str]:
    """The from-IDs a frame names (rows whose to-cell is no ID included)."""
    return {str(a) for a, _ in rows if valid(a)}


def check_accounted(frame: pd.DataFrame, results: pd.DataFrame, allowed: frozenset[str]) -> None:
    """Every input row once, in order, with a documented status."""
    check(
        results.index.equals(frame.index),
        RowsNotAccounted,
        f"results index {list(results.index)} is not the input's {list(frame.index)}",
    )
    statuses = results["status"].astype("string")
    check(bool(statuses.notna().all()), RowsNotAccounted, "a row has no status")
    check(
        set(statuses.dropna()) <= allowed,
        RowsNotAccounted,
        f"statuses {sorted(set(statuses.dropna()) - allowed)} are not documented",
    )


def check_plan_accounted(frame: pd.DataFrame, rows: Rows, plan: pd.DataFrame) -> None:
    """A sync plan: one row per distinct valid pair (create or keep) and per invalid input row,
    each input label at most once; an applied plan's statuses documented."""
    labels = [label for label in plan["row"].tolist() if label is not None and not pd.isna(label)]
    check(len(labels) == len(set(labels)), RowsNotAccounted, f"plan rows repeat: {labels}")
    check(set(labels) <= set(frame.index), RowsNotAccounted, f"plan rows {labels} not input's")
    actions = plan["action"].astype(str)
    for label, (a, b) in zip(frame.index, rows, strict=True):
        if valid(a) and valid(b):
            found = plan[(plan["from_id"] == str(a)) & (plan["to_id"] == str(b))]
            found_actions = sorted(actions[found.index])
            check(
                len(found) == 1 and found_actions[0] in ("create", "keep"),
                RowsNotAccounted,
                f"pair {a}->{b} of row {label} is planned as {found_actions}",
            )
        else:
            found_actions = sorted(actions[plan["row"] == label])
            check(
                found_actions == ["invalid"],
                RowsNotAccounted,
                f"invalid row {label} ({a!r}, {b!r}) is planned as {found_actions}",
            )
    if "status" in plan.columns:
        statuses = plan["status"].astype("string")
        check(
            bool(statuses.notna().all()) and set(statuses) <= SYNC_STATUSES,
            RowsNotAccounted,
            f"plan statuses {sorted(set(statuses.dropna()))} (some missing or undocumented)",
        )


# -- the state kept between steps -------------------------------------------------------------


@dataclass
class Journal:
    """A run kept in a journal file: its parts (the first call and every resume) are one run.

    ``owned``: the links its parts created that have stayed since (a link someone removes is
    no longer the run's, even when it comes back)."""

    path: Path
    owned: set[Link] = field(default_factory=set)


@dataclass
class Run:
    """An associate run (or a resumed part of one) whose results may be undone."""

    direction: str
    rows: Rows
    label: bool
    check_existing: bool
    journal: Journal | None
    #: What the portal held when the call began, and what of it earlier parts of the same
    #: journaled run had created (the run's own, not pre-existing).
    before: Links = field(repr=False)
    own_before: Links = field(repr=False)
    results: pd.DataFrame = field(repr=False)
    #: The force of the earlier undos that ran without faults (None: none did).
    undone_force: bool | None = field(default=None, repr=False)
    #: The pairs those undos took off.
    undone_pairs: set[tuple[str, str]] = field(default_factory=set, repr=False)


@dataclass
class Plan:
    """A dry-run sync's plan, to be applied later."""

    direction: str
    rows: Rows
    label: bool
    plan: pd.DataFrame = field(repr=False)
    applied: bool = field(default=False, repr=False)


_machines = itertools.count()


class RemovalModel(RuleBasedStateMachine):
    """Drives the client against one sandbox and checks the portal against the model."""

    runs = Bundle("runs")
    plans = Bundle("plans")

    def __init__(
        self, hub: Sandbox, session: requests.Session, workdir: Path, backoff: RecordingBackoff
    ) -> None:
        super().__init__()
        self.hub = hub
        self.session = session
        self.backoff = backoff
        self.workdir = workdir / f"machine{next(_machines)}"
        self.workdir.mkdir(parents=True)
        self.journals: list[Journal] = []
        #: Links removed so far, in the order they went (a colleague may put one back).
        self.gone: list[Link] = []
        hub.configure(faults=[])
        hub.reset()
        self.default = {d: hub.association_type_id(*types) for d, types in TYPES.items()}
        self.label_id = {d: hub.label_type_id(*TYPES[d], LABEL[d]) for d in TYPES}
        self.other_id = {d: hub.label_type_id(*TYPES[d], OTHER_LABEL[d]) for d in TYPES}
        # what the portal holds at first: plain pairs, a labelled one, same-type ones
        for direction, a, b, label in SEEDED:
            if label is None:
                self._colleague_call(direction, a, b, "batch/associate/default", None)
            else:
                self._colleague_call(direction, a, b, "batch/create", self.label_id[direction])
        self.model = snapshot(hub)
        assert len(self.model) == 9, describe(set(self.model))

    def _adopt(self, after: Links) -> None:
        """The model takes what the portal holds after a step; a journaled run no longer owns
        the links that went."""
        self.gone.extend(sorted(self.model - after))
        self.model = after
        for journal in self.journals:
            journal.owned &= after

    # -- calling the client ------------------------------------------------------------------

    def _options(self) -> dict[str, Any]:
        return {
            "token": self.hub.token,
            "progress": False,
            "max_attempts": 2,
            "backoff": self.backoff,
            "timeout": 10,
            "rate_limit": (10_000, 1),  # the sandbox has none; no pacing to wait for
            "max_workers": 2,
        }

    @contextmanager
    def _faulty(self, fault: Faulted) -> Iterator[None]:
        """The call inside runs with ``fault`` injected; warnings are the call's own business."""
        self.hub.configure(faults=fault_rules(fault))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        finally:
            self.hub.configure(faults=[])

    def _pair_call(
        self, method: str, direction: str, frame: pd.DataFrame, **options: Any
    ) -> pd.DataFrame:
        from_type, to_type = TYPES[direction]
        call = getattr(frame.hubassoc, method)
        result: pd.DataFrame = call(
            from_type,
            to_type,
            from_col="src",
            to_col="dst",
            base_url=self.hub.url,
            **self._options(),
            **options,
        )
        return result

    def _colleague_call(
        self, direction: str, a: str, b: str, tail: str, type_id: int | None
    ) -> None:
        """A change made by someone else, straight through the portal's API (``tail``: the
        endpoint; ``type_id``: the type it names, for batch/create and batch/labels/archive)."""
        from_type, to_type = TYPES[direction]
        entry: dict[str, Any] = {"from": {"id": a}, "to": {"id": b}}
        if tail == "batch/archive":
            entry["to"] = [{"id": b}]
        if type_id is not None:
            category = "HUBSPOT_DEFINED" if type_id == self.default[direction] else "USER_DEFINED"
            entry["types"] = [{"associationCategory": category, "associationTypeId": type_id}]
        answer = self.session.post(
            f"{self.hub.url}/crm/associations/2026-03/{from_type}/{to_type}/{tail}",
            json={"inputs": [entry]},
            headers={"Authorization": f"Bearer {self.hub.token}"},
            timeout=10,
        )
        assert answer.status_code in (200, 201), (tail, answer.status_code, answer.text)

    # -- the portal is what the model says between steps -------------------------------------

    @invariant()
    def portal_matches_model(self) -> None:
        held = snapshot(self.hub)
        check(
            held == self.model,
            ModelMismatch,
            f"the portal changed between steps: +{describe(set(held - self.model))} "
            f"-{describe(set(self.model - held))}",
        )

    # -- associate ---------------------------------------------------------------------------

    def _types_written(self, direction: str, label: bool) -> list[int]:
        return [self.default[direction]] + ([self.label_id[direction]] if label else [])

    def _associate(
        self,
        direction: str,
        rows: Rows,
        label: bool,
        check_existing: bool,
        journal: Journal | None,
        fault: Faulted,
        *,
        resumed: bool,
    ) -> Run:
        frame = frame_of(rows)
        before = snapshot(self.hub)
        own_before = frozenset(journal.owned) if journal is not None else frozenset()
        path = None if journal is None else journal.path
        options: dict[str, Any] = {"check_existing": check_existing, "journal": path}
        if label:
            options["label"] = LABEL[direction]
        with self._faulty(fault):
            results = self._pair_call("associate", direction, frame, **options)
        after = snapshot(self.hub)
        check_accounted(frame, results, ASSOCIATE_STATUSES)
        types = self._types_written(direction, label)
        made = set(before)
        for a, b in rows:
            if valid(a) and valid(b) and exists(direction, a, b):
                made |= implied(direction, str(a), str(b), types)
        check(
            before <= after <= made,
            ModelMismatch,
            f"associate changed more than its pairs: +{describe(set(after - made))} "
            f"-{describe(set(before - after))}",
        )
        if fault is None and not resumed:
            check(
                after == made,
                ModelMismatch,
                f"associate left out {describe(made - after)}",
            )
            expected = [
                "invalid"
                if not (valid(a) and valid(b))
                else "associated"
                if exists(direction, a, b)
                else "failed"
                for a, b in rows
            ]
            got = results["status"].astype(str).tolist()
            check(got == expected, ModelMismatch, f"statuses {got}, expected {expected}")
        if not resumed:  # a resumed run reports the journal's outcomes
            for f, t in _rows_with(results, ("associated",)):
                wanted = {(direction, f, t, types[-1])}
                check(
                    wanted <= after,
                    ModelMismatch,
                    f"{f}->{t} is reported associated but the portal lacks {describe(wanted)}",
                )
        if journal is not None:
            journal.owned |= after - before
        self._adopt(after)
        return Run(direction, rows, label, check_existing, journal, before, own_before, results)

    @rule(
        target=runs,
        frame=frames,
        label=st.booleans(),
        check_existing=st.booleans(),
        journal=st.booleans(),
        fault=faults,
    )
    def associate(
        self,
        frame: tuple[str, Rows],
        label: bool,
        check_existing: bool,
        journal: bool,
        fault: Faulted,
    ) -> Run:
        direction, rows = frame
        kept = None
        if journal:
            kept = Journal(self.workdir / f"run{len(self.journals) + 1}.db")
            self.journals.append(kept)
        return self._associate(direction, rows, label, check_existing, kept, fault, resumed=False)

    @rule(target=runs, earlier=runs, fault=faults)
    def again(self, earlier: Run, fault: Faulted) -> Run:
        """The same call again: a resume, when the run keeps a journal."""
        return self._associate(
            earlier.direction,
            earlier.rows,
            earlier.label,
            earlier.check_existing,
            earlier.journal,
            fault,
            resumed=earlier.journal is not None,
        )

    # -- disassociate ------------------------------------------------------------------------

    @rule(frame=frames, label=st.booleans(), fault=faults)
    def disassociate(self, frame: tuple[str, Rows], label: bool, fault: Faulted) -> None:
        direction, rows = frame
        table = frame_of(rows)
        before = snapshot(self.hub)
        options = {"label": LABEL[direction]} if label else {}
        with self._faulty(fault):
            results = self._pair_call("disassociate", direction, table, **options)
        after = snapshot(self.hub)
        check_accounted(table, results, REMOVAL_STATUSES)
        gone: set[Link] = set()
        for a, b in rows:
            if valid(a) and valid(b) and exists(direction, a, b):
                gone |= self._removal_links(before, direction, str(a), str(b), label)
        left = before - gone
        check(
            left <= after <= before,
            ModelMismatch,
            f"disassociate changed more than its pairs: +{describe(set(after - before))} "
            f"-{describe(set(left - after))}",
        )
        if fault is None:
            check(after == left, ModelMismatch, f"disassociate left {describe(set(after - left))}")
            expected = [
                "invalid"
                if not (valid(a) and valid(b))
                else "removed"
                if exists(direction, a, b)
                else "failed"
                for a, b in rows
            ]
            got = results["status"].astype(str).tolist()
            check(got == expected, ModelMismatch, f"statuses {got}, expected {expected}")
        self._adopt(after)

    def _removal_links(
        self, links: Links, direction: str, a: str, b: str, label: bool
    ) -> set[Link]:
        """What removing (a, b) takes from ``links``: the whole association, or the label."""
        if label:
            return implied(direction, a, b, [self.label_id[direction]]) & links
        return pair_links(links, direction, a, b)

    # -- undo --------------------------------------------------------------------------------

    @rule(run=runs, force=st.booleans(), fault=faults)
    def undo(self, run: Run, force: bool, fault: Faulted) -> None:
        before = snapshot(self.hub)
        try:
            with self._faulty(fault):
                removal: pd.DataFrame = run.results.hubassoc.undo(force=force, **self._options())
        except ConfigError:
            # refused (a run without check_existing, without force): nothing may change
            after = snapshot(self.hub)
            check(after == before, ModelMismatch, "a refused undo changed the portal")
            self._adopt(after)
            return
        after = snapshot(self.hub)
        check(after <= before, ModelMismatch, f"undo added {describe(set(after - before))}")
        removed = set(before - after)
        index = removal.index
        check(
            index.is_unique and set(index) <= set(run.results.index),
            RowsNotAccounted,
            f"undo's rows {list(index)} are not the run's {list(run.results.index)}",
        )
        statuses = set(removal["status"].astype(str))
        check(statuses <= REMOVAL_STATUSES, RowsNotAccounted, f"undo statuses {statuses}")

        direction = run.direction
        results = run.results
        made = results[results["status"].astype(str).isin(["associated", "unconfirmed"])]
        made_pairs = set(zip(made["from_id"], made["to_id"], strict=True))
        checked = "preexisting" in made.columns
        unknown_rows = made[made["preexisting"].isna()] if checked else made
        unknown = set(zip(unknown_rows["from_id"], unknown_rows["to_id"], strict=True))
        own = self.label_id[direction]

        def among(link: Link, found: set[tuple[str, str]]) -> bool:
            ends = {(link[1], link[2]), (link[2], link[1])} if direction == "kk" else None
            return (link[1], link[2]) in found if ends is None else bool(ends & found)

        for link in sorted(removed):
            check(
                link[0] == direction and among(link, made_pairs),
                UndoBeyondItsRun,
                f"undo removed {describe({link})}, a pair its run did not associate",
            )
            # documented: force removes what the run associated where the earlier state is
            # unknown (for a labelled run, only its label)
            exempt = force and among(link, unknown) and (not run.label or link[3] == own)
            if link not in run.before or link in run.own_before or exempt:
                continue
            pair_before = pair_links(run.before - run.own_before, direction, link[1], link[2])
            if run.label and pair_before and link[3] != own:
                check(
                    False,
                    LabelledUndoTookMore,
                    f"undo(force={force}) of a labelled run removed {describe({link})}: the "
                    f"pair held {describe(pair_before)} before the run",
                )
            else:
                check(
                    False,
                    UndoRemovedPreexisting,
                    f"undo(force={force}) removed {describe({link})}, which existed before the run",
                )
        if run.undone_force is not None:
            if not force or run.undone_force:
                check(
                    not removed,
                    SecondUndoRemoved,
                    f"a second undo of the same results removed {describe(removed)}",
                )
            else:  # forced now: it may take what the first one left as unknown
                again = {link for link in removed if among(link, run.undone_pairs)}
                check(
                    not again,
                    SecondUndoRemoved,
                    f"a second undo of the same results removed {describe(again)}",
                )
        if fault is None:
            run.undone_force = force or bool(run.undone_force)
            run.undone_pairs |= set(zip(removal["from_id"], removal["to_id"], strict=True))
        self._adopt(after)

    # -- sync and apply_plan -----------------------------------------------------------------

    @rule(frame=frames, label=st.booleans(), remove_extra=st.booleans(), fault=faults)
    def sync(
        self, frame: tuple[str, Rows], label: bool, remove_extra: bool, fault: Faulted
    ) -> None:
        direction, rows = frame
        table = frame_of(rows)
        before = snapshot(self.hub)
        options: dict[str, Any] = {"remove_extra": remove_extra, "dry_run": False}
        if label:
            options["label"] = LABEL[direction]
        with self._faulty(fault):
            done = self._pair_call("sync", direction, table, **options)
        after = snapshot(self.hub)
        check_plan_accounted(table, rows, done)
        self._check_sync(direction, rows, label, before, after, done, exact=fault is None)
        self._adopt(after)

    @rule(
        target=plans,
        frame=frames,
        label=st.booleans(),
        remove_extra=st.booleans(),
        fault=faults,
    )
    def sync_dry_run(
        self, frame: tuple[str, Rows], label: bool, remove_extra: bool, fault: Faulted
    ) -> Plan:
        direction, rows = frame
        table = frame_of(rows)
        before = snapshot(self.hub)
        options: dict[str, Any] = {"remove_extra": remove_extra}
        if label:
            options["label"] = LABEL[direction]
        with self._faulty(fault):
            plan = self._pair_call("sync", direction, table, **options)
        after = snapshot(self.hub)
        check(after == before, ModelMismatch, "a dry-run sync changed the portal")
        check_plan_accounted(table, rows, plan)
        return Plan(direction, rows, label, plan)

    @rule(plan=plans, fault=faults)
    def apply_plan(self, plan: Plan, fault: Faulted) -> None:
        before = snapshot(self.hub)
        try:
            with self._faulty(fault):
                done: pd.DataFrame = plan.plan.hubassoc.apply_plan(**self._options())
        except ConfigError:
            # refused (a plan applied already, or gone stale): nothing may change
            after = snapshot(self.hub)
            check(after == before, ModelMismatch, "a refused apply_plan changed the portal")
            self._adopt(after)
            return
        after = snapshot(self.hub)
        check(
            len(done) == len(plan.plan)
            and list(done["action"].astype(str)) == list(plan.plan["action"].astype(str)),
            RowsNotAccounted,
            "the applied plan's rows are not the plan's",
        )
        self._check_sync(plan.direction, plan.rows, plan.label, before, after, done, exact=False)
        if plan.applied:
            check(
                after >= before,
                SecondApplyRemoved,
                f"a second apply of the same plan removed {describe(set(before - after))}",
            )
        if fault is None:
            plan.applied = True
        self._adopt(after)

    def _check_sync(
        self,
        direction: str,
        rows: Rows,
        label: bool,
        before: Links,
        after: Links,
        done: pd.DataFrame,
        *,
        exact: bool,
    ) -> None:
        """The sync invariants over a carried-out plan ``done`` of the frame ``rows``."""
        own = self.label_id[direction]
        action = done["action"].astype(str).to_numpy()
        status = done["status"].astype(str).to_numpy()
        plan_pairs = list(zip(done["from_id"], done["to_id"], strict=True))
        # nothing outside the frame's from-IDs (a contact-contact link also shows on its
        # other record)
        frame_from = from_ids(rows)
        outside = {
            link
            for link in before ^ after
            if link[0] != direction
            or not (link[1] in frame_from or (direction == "kk" and link[2] in frame_from))
        }
        check(
            not outside,
            SyncTouchedOutsideFrame,
            f"the sync of from-IDs {sorted(frame_from)} changed {describe(outside)}",
        )
        # no from-ID ends with fewer of the frame's pairs (holding the label, if labelled)
        for a, b in frame_pairs(rows):
            lost = bool(pair_links(before, direction, a, b)) and not pair_links(
                after, direction, a, b
            )
            check(not lost, SyncLostFramePair, f"the sync removed the frame's pair {a}->{b}")
            if label:
                held = (direction, a, b, own)
                check(
                    held not in before or held in after,
                    SyncLostFramePair,
                    f"the sync took the label off the frame's pair {a}->{b}",
                )
        # removals only after every create of that from-ID succeeded
        unfinished = (action == "create") & (status != "associated")
        unsure = {f for (f, _), bad in zip(plan_pairs, unfinished, strict=True) if bad}
        for (f, t), act in zip(plan_pairs, action, strict=True):
            if act == "remove" and f in unsure:
                gone = self._removal_links(before, direction, f, t, label) - after
                check(
                    not gone,
                    SyncRemovedAfterFailedCreate,
                    f"the sync removed {describe(gone)} though a create of from-ID {f} "
                    "did not succeed",
                )
        # within what the plan says: its creates, then its removals
        created = set(before)
        types = self._types_written(direction, label)
        for (f, t), act in zip(plan_pairs, action, strict=True):
            if act == "create" and exists(direction, int(f), int(t)):
                created |= implied(direction, f, t, types)
        removable: set[Link] = set()
        for (f, t), act in zip(plan_pairs, action, strict=True):
            if act == "remove" and f not in unsure:
                removable |= self._removal_links(frozenset(created), direction, f, t, label)
        expected = created - removable
        check(
            after - before <= created and before - after <= removable,
            ModelMismatch,
            f"the sync changed what its plan does not say: +{describe(set(after - created))} "
            f"-{describe(set(before - after - removable))}",
        )
        if exact:
            check(
                after == expected,
                ModelMismatch,
                f"the sync left +{describe(set(after - expected))} "
                f"-{describe(set(expected - after))} against its plan",
            )
            for (f, t), act, word in zip(plan_pairs, action, status, strict=True):
                if act == "create" and word == "associated":
                    check(
                        (direction, f, t, types[-1]) in after,
                        ModelMismatch,
                        f"{f}->{t} is reported associated but the portal lacks it",
                    )

    # -- a colleague, behind the client's back -----------------------------------------------

    @precondition(lambda self: bool(self.gone))
    @rule(pick=st.integers(0, 7))
    def colleague_puts_back(self, pick: int) -> None:
        """A colleague puts back a link removed earlier (the ``pick``-th latest)."""
        direction, a, b, type_id = self.gone[-1 - pick % len(self.gone)]
        before = snapshot(self.hub)
        default = self.default[direction]
        if type_id == default:
            self._colleague_call(direction, a, b, "batch/associate/default", None)
        else:
            self._colleague_call(direction, a, b, "batch/create", type_id)
        expected = before | implied(direction, a, b, sorted({default, type_id}))
        after = snapshot(self.hub)
        check(
            after == expected,
            ModelMismatch,
            f"putting back {describe({(direction, a, b, type_id)})} left "
            f"+{describe(set(after - expected))} -{describe(set(expected - after))}",
        )
        self.model = after

    @rule(
        pair=pairs,
        action=st.sampled_from(["add", "add_label", "remove", "remove_label"]),
        other_label=st.booleans(),
    )
    def colleague(self, pair: tuple[str, int, int], action: str, other_label: bool) -> None:
        direction, first, second = pair
        a, b = str(first), str(second)
        type_id = (self.other_id if other_label else self.label_id)[direction]
        before = snapshot(self.hub)
        default = self.default[direction]
        if action == "add":
            self._colleague_call(direction, a, b, "batch/associate/default", None)
            expected = before | implied(direction, a, b, [default])
        elif action == "add_label":
            self._colleague_call(direction, a, b, "batch/create", type_id)
            expected = before | implied(direction, a, b, [default, type_id])
        elif action == "remove":
            self._colleague_call(direction, a, b, "batch/archive", None)
            expected = before - pair_links(before, direction, a, b)
        else:
            self._colleague_call(direction, a, b, "batch/labels/archive", type_id)
            expected = before - implied(direction, a, b, [type_id])
        after = snapshot(self.hub)
        check(
            after == expected,
            ModelMismatch,
            f"the colleague's {action} left +{describe(set(after - expected))} "
            f"-{describe(set(expected - after))}",
        )
        self._adopt(after)


def _rows_with(results: pd.DataFrame, statuses: tuple[str, ...]) -> list[tuple[str, str]]:
    chosen = results[results["status"].astype(str).isin(statuses)]
    return list(zip(chosen["from_id"], chosen["to_id"], strict=True))


# -- the test ---------------------------------------------------------------------------------

# -- the shortest sequences found ------------------------------------------------------------
# Each once broke one invariant; found and shrunk by the model above (the steps that changed
# nothing taken out), and replayed on every run whatever the random search draws.


def resumed_run_believes_its_journal(state: RemovalModel) -> None:
    """A pair that existed is sent again after the read failed; the resumed run then takes it
    for its own, and its undo removes it."""
    first = state.associate(
        frame=("cc", [(1, 1)]),
        label=False,
        check_existing=True,
        journal=True,
        fault=("5xx", "read"),
    )
    resumed = state.again(earlier=first, fault=None)
    state.undo(run=resumed, force=False, fault=None)


def resumed_run_claims_a_pair_recreated_since(state: RemovalModel) -> None:
    """A pair the first part created is undone and a colleague creates it again; the resumed
    run takes it for its own, and its undo removes the colleague's pair."""
    first = state.associate(
        frame=("cc", [(1, 4)]), label=False, check_existing=True, journal=True, fault=None
    )
    state.undo(run=first, force=False, fault=None)
    state.colleague(pair=("cc", 1, 4), action="add", other_label=False)
    resumed = state.again(earlier=first, fault=None)
    state.undo(run=resumed, force=False, fault=None)


def forced_labelled_undo_archives_the_pair(state: RemovalModel) -> None:
    """A label added to a pair that existed unlabelled: the forced undo removes the pair."""
    run = state.associate(
        frame=("cc", [(1, 1)]), label=True, check_existing=False, journal=False, fault=None
    )
    state.undo(run=run, force=True, fault=None)


def second_undo_removes_a_recreated_pair(state: RemovalModel) -> None:
    run = state.associate(
        frame=("kk", [(1, 3)]), label=False, check_existing=True, journal=False, fault=None
    )
    state.undo(run=run, force=False, fault=None)
    state.colleague(pair=("kk", 1, 3), action="add", other_label=False)
    state.undo(run=run, force=False, fault=None)


def second_apply_removes_a_recreated_pair(state: RemovalModel) -> None:
    plan = state.sync_dry_run(frame=("cc", [(1, 2)]), label=False, remove_extra=True, fault=None)
    state.apply_plan(plan=plan, fault=None)
    state.colleague_puts_back(pick=0)
    state.apply_plan(plan=plan, fault=None)


def same_type_sync_removes_a_listed_pair(state: RemovalModel) -> None:
    """Contact 1 -> 2 is listed; read from contact 2 it is an extra, and is removed."""
    state.sync(frame=("kk", [(1, 2), (2, 3)]), label=False, remove_extra=True, fault=None)


def sync_removes_after_failed_creates(state: RemovalModel) -> None:
    state.sync(frame=("cc", [(1, 2)]), label=False, remove_extra=True, fault=("5xx", "create"))


def same_type_sync_removes_a_held_back_from_ids_link(state: RemovalModel) -> None:
    """Contact 3's new pair does not go in; the link 2-3, an extra of contact 2, is also one
    of contact 3's, and stays."""
    state.colleague(pair=("kk", 2, 1), action="add", other_label=False)
    state.colleague(pair=("kk", 2, 3), action="add", other_label=False)
    state.sync(
        frame=("kk", [(3, 6), (2, 1)]), label=False, remove_extra=True, fault=("5xx", "create")
    )


FOUND = {
    resumed_run_believes_its_journal: "UndoRemovedPreexisting",
    resumed_run_claims_a_pair_recreated_since: "UndoRemovedPreexisting",
    forced_labelled_undo_archives_the_pair: "LabelledUndoTookMore",
    second_undo_removes_a_recreated_pair: "SecondUndoRemoved",
    second_apply_removes_a_recreated_pair: "SecondApplyRemoved",
    same_type_sync_removes_a_listed_pair: "SyncLostFramePair",
    sync_removes_after_failed_creates: "SyncRemovedAfterFailedCreate",
    same_type_sync_removes_a_held_back_from_ids_link: "SyncRemovedAfterFailedCreate",
}


@pytest.fixture(scope="module")
def portal() -> Iterator[Sandbox]:
    """One sandbox for every example: contacts 1..6, companies 1..5, and a contact-contact
    label that is the same both ways."""
    with running_hub(records={"contacts": CONTACTS, "companies": COMPANIES}) as hub:
        forward, reverse = hub.define_label("contacts", "contacts", LABEL["kk"])
        assert forward == reverse
        yield hub


@pytest.mark.timeout(0 if SHRINK else 300)
def test_removal_keeps_what_it_did_not_make(
    portal: Sandbox, tmp_path: Path, fast_backoff: RecordingBackoff
) -> None:
    with requests.Session() as colleague:
        run_state_machine_as_test(
            lambda: RemovalModel(portal, colleague, tmp_path, fast_backoff),  # type: ignore[arg-type]
            settings=SETTINGS,
        )


@pytest.mark.parametrize(
    "sequence",
    [pytest.param(sequence, id=f"{sequence.__name__}-{name}") for sequence, name in FOUND.items()],
)
def test_sequence_the_model_found(
    portal: Sandbox,
    tmp_path: Path,
    fast_backoff: RecordingBackoff,
    sequence: Callable[[RemovalModel], None],
) -> None:
    with requests.Session() as colleague:
        state = RemovalModel(portal, colleague, tmp_path, fast_backoff)
        sequence(state)
        state.portal_matches_model()
