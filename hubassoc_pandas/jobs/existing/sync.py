"""``sync()``: make HubSpot's associations of a frame's from-IDs equal the frame's pairs.

Read what exists (batch/read), plan (:mod:`.sync_plan`), then, unless it is a dry run, create
what is missing (batch/associate/default) and, only with ``remove_extra=True``, remove what the
frame does not list (batch/archive). A labelled sync compares one label, writes it through
batch/create and takes it off through batch/labels/archive (see :mod:`.sync_apply`).
Creation goes first, so a run that stops early leaves extra associations, never missing ones;
removals are not sent once a step has stopped.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas._stack import user_stacklevel
from hubassoc_pandas._version import __version__
from hubassoc_pandas.engine.attempt import Attempts
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.errors import ConfigError, FatalApiError
from hubassoc_pandas.jobs.existing.key_columns import id_columns, unread
from hubassoc_pandas.jobs.existing.read_outcome import stop_warning
from hubassoc_pandas.jobs.existing.reading import Existing, read_existing
from hubassoc_pandas.jobs.existing.sync_apply import apply_actions, outcome_columns
from hubassoc_pandas.jobs.existing.sync_by_keys import (
    add_key_columns,
    note_key_problems,
    pair_holds,
    sync_holds,
)
from hubassoc_pandas.jobs.existing.sync_plan import ACTIONS, build_sync_plan
from hubassoc_pandas.jobs.labels.definitions import read_label_list
from hubassoc_pandas.jobs.labels.resolve import resolve_label
from hubassoc_pandas.jobs.pairs.id_columns import plan_pairs
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.options import PairJob
from hubassoc_pandas.results.outcome import request_counts
from hubassoc_pandas.status import counted
from hubassoc_pandas.transport.client import HubSpotClient

__all__ = ["apply_plan", "plan_record", "sync"]

_AGAIN = "sync() again (it reads HubSpot afresh and carries on)"


def sync(frame: pd.DataFrame, job: PairJob, *, remove_extra: bool, dry_run: bool) -> pd.DataFrame:
    """Make HubSpot's associations of the frame's from-IDs equal the frame's pairs: read,
    plan, and unless ``dry_run``, apply (see
    :meth:`hubassoc_pandas.accessor.HubAssocAccessor.sync`). ``job.labels.label``: the one
    label compared and written."""
    from_col, to_col, label = job.from_col, job.to_col, job.labels.label
    with id_columns(frame, job, {"from": from_col, "to": to_col}, operation="sync") as given:
        opened = given.client
        plan = plan_pairs(given.frame, from_col, to_col)
        codes, uniques = pd.factorize(plan.pair_from)
        from_codes = codes.astype(np.int64)
        rows_of_key = np.bincount(from_codes, plan.rows_of_pair, len(uniques)).astype(np.int64)
        typed, label_requests = None, 0
        if label is not None and given.halted is None:
            typed, label_requests = _resolve(label, job, opened)
        if given.halted is not None:
            existing = unread(np.asarray(uniques, np.int64), rows_of_key, given.halted)
        else:
            existing = read_existing(
                np.asarray(uniques, dtype=np.int64),
                _read_settings(job),
                job.connection.base_url,
                token=None,
                client=opened,
                progress=job.run.progress,
                rows_of_key=rows_of_key,
                pacer=given.pacer,
                first_batch=given.first_batch,
            )
        table = build_sync_plan(
            frame.index,
            plan,
            from_codes,
            existing,
            remove_extra=bool(remove_extra),
            type_id=None if typed is None else typed.type_id,
            hold=sync_holds(frame, given, plan, existing.from_ids),
            symmetric=job.settings.from_type == job.settings.to_type,
            held_pairs=pair_holds(frame, given, plan),
        )
        record = _record(job, table, existing, remove_extra=remove_extra, dry_run=dry_run)
        record["label"] = None if typed is None else dataclasses.asdict(typed)
        record.update(given.record(job.keys))
        record.update(
            request_counts(
                lookups=record.get("lookup_requests", 0) + label_requests,
                reads=existing.execution.report.requests,
            )
        )
        table.attrs = {"hubassoc": record}
        note_key_problems(table, plan, given)
        add_key_columns(table, plan, frame, given)
        if existing.execution.report.fatal is not None:
            return _stop_or_raise(table, existing)
        if existing.stopped is not None:
            if not dry_run:
                table = outcome_columns(table, stopped=existing.stopped)
            return _stop_or_raise(table, existing)
        _warn_unread(existing)
        if dry_run:
            return table
        return apply_actions(table, job.through(opened, given.pacer))


def plan_record(plan: pd.DataFrame) -> dict[str, Any]:
    """The record of a plan a dry-run :func:`sync` returned, refused when the frame is not
    such a plan or was carried out already."""
    record = dict(plan.attrs.get("hubassoc") or {})
    if record.get("operation") != "sync" or "action" not in plan.columns:
        raise ConfigError("apply_plan() takes the plan a dry-run sync() returned.")
    if "status" in plan.columns or record.get("applied_at"):
        when = f" at {record['applied_at']}" if record.get("applied_at") else ""
        raise ConfigError(
            f"this plan was carried out already{when}: nothing was sent again (what it removed "
            "may have been re-created since). Call sync() again for a plan of what HubSpot "
            "holds now."
        )
    _check_plan_rows(plan)
    return record


def _check_plan_rows(plan: pd.DataFrame) -> None:
    """Refuse a hand-edited plan whose actions or IDs cannot be carried out, naming the rows."""
    missing = [c for c in ("from_id", "to_id", "action") if c not in plan.columns]
    if missing:
        raise ConfigError(f"this plan lacks its column(s) {', '.join(missing)}: make it again.")
    action = plan["action"].astype("string")
    unknown = ~action.isin(ACTIONS).fillna(False).to_numpy(dtype=bool)
    sent = action.isin(["create", "remove"]).fillna(False).to_numpy(dtype=bool)
    ids_ok = np.ones(len(plan), dtype=bool)
    for column in ("from_id", "to_id"):
        text = plan[column].astype("string").str.strip()
        ids_ok &= text.str.fullmatch(r"[1-9][0-9]{0,18}").fillna(False).to_numpy(dtype=bool)
    bad = np.flatnonzero(unknown | (sent & ~ids_ok))
    if len(bad):
        shown = ", ".join(repr(label) for label in plan.index[bad[:5]].tolist())
        raise ConfigError(
            f"{counted(len(bad), 'row')} of this plan cannot be carried out "
            f"({'row' if len(bad) == 1 else 'rows'} {shown}"
            f"{' ...' if len(bad) > 5 else ''}): each action must be one of {', '.join(ACTIONS)}"
            ", and a create or remove row needs from_id and to_id as record IDs. Nothing was "
            "sent; fix those rows or make the plan again with sync()."
        )


def apply_plan(plan: pd.DataFrame, job: PairJob) -> pd.DataFrame:
    """Carry out a plan returned by a dry-run :func:`sync`, exactly as it stands: create the
    pairs marked ``create``, remove those marked ``remove``; nothing is read again.

    A plan is carried out once, on the portal and with the token it was made with: the plan
    is marked as carried out (its ``attrs``), and a plan of another portal or token is
    refused before anything is sent."""
    record = plan_record(plan)
    _check_same_portal(record, job)
    plan.attrs["hubassoc"] = {**record, "applied_at": _iso(time.time())}
    with job.connection.open(job.settings) as opened:
        return apply_actions(plan, job.through(opened))


def _check_same_portal(record: dict[str, Any], job: PairJob) -> None:
    """Refuse a plan made on another portal, or with another token, than ``job`` sends to."""
    made_on, sending_to = record.get("base_url"), job.connection.base_url
    if made_on is not None and str(made_on).rstrip("/") != sending_to.rstrip("/"):
        raise ConfigError(
            f"this plan was made on {made_on}, not {sending_to}: its removals name that "
            "portal's records. Make a new plan with sync() on this portal."
        )
    made_with, sending_with = record.get("credential"), job.connection.fingerprint()
    if made_with is not None and sending_with is not None and made_with != sending_with:
        raise ConfigError(
            "this plan was made with another access token (another portal, or a rotated "
            "token): its removals may name another portal's records. Make a new plan with "
            "sync() using this token."
        )


def _resolve(label: Any, job: PairJob, client: HubSpotClient) -> tuple[LabelType, int]:
    """The association type ``label`` names in this direction (read from HubSpot), and the
    requests reading the direction's labels took."""
    settings = job.settings
    attempts = Attempts(settings.max_attempts, backoff=settings.backoff)
    listed = read_label_list(client, settings.from_type, settings.to_type, attempts=attempts)
    return resolve_label(label, listed.types, settings.from_type, settings.to_type), listed.requests


def _read_settings(job: PairJob) -> RunSettings:
    """The settings of the read step: the batch size given, at most the read's cap."""
    size = job.settings.batch_size
    return dataclasses.replace(job.settings, batch_size=None if size is None else min(size, 1000))


def _record(
    job: PairJob, table: pd.DataFrame, existing: Existing, *, remove_extra: bool, dry_run: bool
) -> dict[str, Any]:
    settings = job.settings
    report = existing.execution.report
    actions = table["action"].value_counts(sort=False)
    return {
        "version": __version__,
        "operation": "sync",
        "from_type": settings.from_type,
        "to_type": settings.to_type,
        "api_version": settings.api_version,
        "base_url": job.connection.base_url,
        "credential": job.connection.fingerprint(),
        "from_col": str(job.from_col),
        "to_col": str(job.to_col),
        "remove_extra": bool(remove_extra),
        "dry_run": bool(dry_run),
        **settings.record(),
        "actions": {name: int(actions.get(name, 0)) for name in ACTIONS},
        "read": {
            "from_ids": len(existing.from_ids),
            "unread_from_ids": int((~existing.read_ok).sum()),
            "requests": report.requests,
            "stopped": report.stopped,
        },
        "stopped": report.stopped,
    }


def _warn_unread(existing: Existing) -> None:
    """Say loudly when some from-IDs could not be compared: their extra associations are
    neither listed nor removed."""
    unread = int((~existing.read_ok).sum())
    if unread == 0:
        return
    total = len(existing.from_ids)
    which = f"any of the {total:,}" if unread == total else f"{unread:,} of the {total:,}"
    warnings.warn(
        f"sync could not read the associations of {which} from-IDs of the frame, so it could "
        "not compare them with HubSpot: their pairs are created (harmless if they exist), but "
        "nothing is listed as extra or removed for them. The plan's note says why; run "
        "sync() again to compare them.",
        RuntimeWarning,
        stacklevel=user_stacklevel(),
    )


def _stop_or_raise(table: pd.DataFrame, existing: Existing) -> pd.DataFrame:
    fatal: FatalApiError | None = existing.execution.report.fatal
    if fatal is not None:
        fatal.results = table
        raise fatal
    message = stop_warning(existing.stopped, "sync", _AGAIN)
    if message:
        warnings.warn(
            message + " Nothing was written.", RuntimeWarning, stacklevel=user_stacklevel()
        )
    return table


def _iso(seconds: float) -> str:
    return _dt.datetime.fromtimestamp(seconds, _dt.UTC).isoformat(timespec="seconds")
