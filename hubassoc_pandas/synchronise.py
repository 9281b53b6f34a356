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
import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from ._stack import user_stacklevel
from .api import check_frame
from .backoff import Backoff
from .client import DEFAULT_API_VERSION, HubSpotClient
from .engine.attempt import Attempts
from .errors import ConfigError, FatalApiError
from .existing import Existing, read_existing
from .frame_ids import plan_pairs
from .frame_keys import id_columns, unread
from .keyed_sync import add_key_columns, note_key_problems, sync_holds
from .label_resolve import resolve_label
from .label_types import LabelType, fetch_label_types
from .progress import Progress
from .reads import stop_warning
from .run_setup import Setup, check_flag, open_client, prepare
from .sync_apply import apply_actions, outcome_columns
from .sync_plan import ACTIONS, build_sync_plan

__all__ = ["apply_plan", "sync"]

_AGAIN = "sync() again (it reads HubSpot afresh and carries on)"


def sync(
    frame: pd.DataFrame,
    from_type: str,
    to_type: str,
    *,
    from_col: str,
    to_col: str,
    label: Any = None,
    remove_extra: bool = False,
    dry_run: bool = True,
    token: str | None = None,
    base_url: str | None = None,
    batch_size: int | None = None,
    progress: bool | Progress = True,
    client: HubSpotClient | None = None,
    api_version: str = DEFAULT_API_VERSION,
    max_workers: int = 16,
    rate_limit: Any = None,
    max_attempts: int = 5,
    timeout: Any = None,
    backoff: Backoff | None = None,
    from_id_property: str | None = None,
    to_id_property: str | None = None,
    on_ambiguous: str = "fail",
) -> pd.DataFrame:
    """Make HubSpot's associations of the frame's from-IDs equal the frame's pairs.

    Reads the associations of every from-ID of the frame (towards ``to_type``), then plans:
    ``create`` each pair HubSpot lacks, ``keep`` each it holds, and for associations HubSpot
    holds that the frame does not list, ``remove`` them with ``remove_extra=True``, else
    leave them (``extra``). From-IDs absent from the frame are never read nor touched; a
    from-ID whose read failed has nothing removed (its pairs are sent anyway, harmlessly),
    and neither has one with a row whose to-ID cannot be read.

    ``dry_run`` defaults to True: the call only reads and returns the plan. Look at it, then
    call again with ``dry_run=False`` to apply it (that call reads again, so it acts on what
    HubSpot holds then). Stopping half-way (Ctrl-C, the daily limit) is safe: creation goes
    first and removals are skipped once a step stopped; calling ``sync()`` again finishes.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per wanted pair; it is not modified.
    from_type, to_type, from_col, to_col
        As for :func:`associate`.
    label : str, int or (str, int), optional
        Compare and write only this label (in the forms :func:`associate` takes): a pair
        counts as held when it holds the label; ``create`` writes it (batch/create) and
        ``remove`` takes it off (batch/labels/archive), leaving the association and its
        other labels. Default None: any association counts, and removal takes the whole
        association (batch/archive).
    remove_extra : bool
        Remove the associations the frame does not list (default False: leave them).
    dry_run : bool
        Default True: read and plan only.
    batch_size : int, optional
        Inputs per request in every step (reads at most 1,000); default each endpoint's cap.
    from_id_property, to_id_property : str, optional
        The property a column holds instead of record IDs (``"email"``, a property with
        unique values, ``"domain"`` for companies), as for :func:`associate`: each distinct
        key is looked up once (also in a dry run: lookups are reads), and the plan is made
        from the IDs found. The plan keeps the key columns after ``row``; rows whose key
        names no single record are ``invalid`` with the reason in ``note`` (a real run gives
        them the status and category :func:`associate` gives). Nothing is removed for a
        from-key that did not resolve to exactly one record, nor for the records it may
        mean (see :mod:`hubassoc_pandas.keyed_sync`).
    on_ambiguous : {"fail", "oldest"}
        A domain several companies have: fail its rows (KEY_AMBIGUOUS), or take the oldest.
    token, base_url, progress, client, api_version, max_workers, rate_limit, max_attempts,
    timeout, backoff
        As for :func:`associate`.

    Returns
    -------
    pandas.DataFrame
        The plan, one row per pair (see :mod:`hubassoc_pandas.sync_plan`): ``row``,
        ``from_id``, ``to_id``, ``action`` (create, keep, remove, extra, invalid),
        ``existed``, ``note``; a real run adds each action's outcome: ``status``
        (associated, removed, unchanged, failed, invalid, unconfirmed, not_sent),
        ``error_category``, ``error_message``, ``http_status``, ``retryable``.
        ``attrs["hubassoc"]`` records the run (``actions`` and ``counts``).

    Examples
    --------
    >>> plan = df.hubassoc.sync("contacts", "companies", from_col="contact_id",
    ...                         to_col="company_id", remove_extra=True)   # doctest: +SKIP
    >>> plan["action"].value_counts()                                     # doctest: +SKIP
    >>> done = df.hubassoc.sync(..., remove_extra=True, dry_run=False)    # doctest: +SKIP
    """
    check_frame(frame, from_col, to_col)
    check_flag("remove_extra", remove_extra)
    check_flag("dry_run", dry_run)
    setup = prepare(from_type, to_type, dict(locals()))
    with id_columns(frame, setup, {"from": from_col, "to": to_col}, operation="sync") as given:
        opened = given.client
        plan = plan_pairs(given.frame, from_col, to_col)
        codes, uniques = pd.factorize(plan.pair_from)
        from_codes = codes.astype(np.int64)
        rows_of_key = np.bincount(from_codes, plan.rows_of_pair, len(uniques)).astype(np.int64)
        typed = None if label is None or given.halted else _resolve(label, setup, opened)
        if given.halted is not None:
            existing = unread(np.asarray(uniques, np.int64), rows_of_key, given.halted)
        else:
            existing = read_existing(
                np.asarray(uniques, dtype=np.int64),
                _read_settings(setup),
                setup.base_url,
                token=None,
                client=opened,
                progress=progress,
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
        )
        record = _record(setup, str(from_col), str(to_col), table, existing)
        record["label"] = None if typed is None else dataclasses.asdict(typed)
        record.update(given.record(setup.args))
        table.attrs = {"hubassoc": record}
        note_key_problems(table, plan, given)
        add_key_columns(table, plan, frame, given)
        if existing.execution.report.fatal is not None:
            return _stop_or_raise(table, existing)
        if existing.stopped is not None:
            if not dry_run:
                table = outcome_columns(table, stopped=existing.stopped)
            return _stop_or_raise(table, existing)
        if dry_run:
            return table
        return apply_actions(table, setup, opened, pacer=given.pacer)


def apply_plan(plan: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """Carry out a plan returned by a dry-run :func:`sync`, exactly as it stands.

    Creates the pairs marked ``create`` and removes those marked ``remove``; nothing is read
    again. ``options``: ``token``, ``base_url``, ``client``, ``progress``, ``batch_size`` and
    the pacing knobs, as for :func:`sync` (object types and API version come from the plan).

    Examples
    --------
    >>> plan = df.hubassoc.sync(..., remove_extra=True)   # doctest: +SKIP
    >>> done = apply_plan(plan, token="...")              # doctest: +SKIP
    """
    record = dict(plan.attrs.get("hubassoc") or {})
    if record.get("operation") != "sync" or "action" not in plan.columns:
        raise ConfigError("apply_plan() takes the plan a dry-run sync() returned.")
    if "status" in plan.columns:
        raise ConfigError("this plan was carried out already: call sync() again for a new one.")
    options.setdefault("base_url", record.get("base_url"))
    options.setdefault("api_version", record.get("api_version", DEFAULT_API_VERSION))
    setup = prepare(record["from_type"], record["to_type"], options)
    with open_client(setup) as opened:
        return apply_actions(plan, setup, opened)


def _resolve(label: Any, setup: Setup, client: HubSpotClient) -> LabelType:
    """The association type ``label`` names in this direction (read from HubSpot)."""
    settings = setup.settings
    attempts = Attempts(settings.max_attempts, backoff=settings.backoff)
    known = fetch_label_types(client, settings.from_type, settings.to_type, attempts=attempts)
    return resolve_label(label, known, settings.from_type, settings.to_type)


def _read_settings(setup: Setup) -> Any:
    """The settings of the read step: the batch size given, at most the read's cap."""
    size = setup.settings.batch_size
    return dataclasses.replace(setup.settings, batch_size=None if size is None else min(size, 1000))


def _record(
    setup: Setup, from_col: str, to_col: str, table: pd.DataFrame, existing: Existing
) -> dict[str, Any]:
    settings = setup.settings
    report = existing.execution.report
    actions = table["action"].value_counts(sort=False)
    return {
        "version": __version__,
        "operation": "sync",
        "from_type": settings.from_type,
        "to_type": settings.to_type,
        "api_version": settings.api_version,
        "base_url": setup.base_url,
        "from_col": from_col,
        "to_col": to_col,
        "remove_extra": bool(setup.args["remove_extra"]),
        "dry_run": bool(setup.args["dry_run"]),
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
