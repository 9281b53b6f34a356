"""Re-send the rows of a results frame that may still succeed: ``retry()``.

The operation, object types, base URL and batch size come from the frame's
``attrs["hubassoc"]``; only the rows that are failed-and-retryable, unconfirmed or not_sent
are sent again, and the whole frame comes back with them updated.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .api import PAIR_OPERATIONS, check_flags, execute_pairs
from .client import DEFAULT_API_VERSION, HubSpotClient, resolve_base_url
from .errors import ConfigError
from .execute import Execution
from .frame import build_results
from .journal import check_journal_path
from .keyed import KEY_ARGUMENTS, is_keyed, retry_keyed
from .labelled import is_labelled_retry, retry_setup, with_label_columns
from .operations.archive import Archive
from .operations.associate_default import AssociateDefault
from .operations.base import PairOperation
from .plan import make_plan
from .progress import Progress
from .results import ANNOTATION_DTYPES, restore_dtypes, retry_mask
from .run_outcome import hand_back, row_counts
from .settings import RunSettings, make_settings

__all__ = ["retry"]

logger = logging.getLogger("hubassoc_pandas")


def retry(
    results: pd.DataFrame,
    *,
    token: str | None = None,
    base_url: str | None = None,
    progress: bool | Progress = True,
    journal: str | Path | None = None,
    client: HubSpotClient | None = None,
    **knobs: Any,
) -> pd.DataFrame:
    """Re-send the rows that may still succeed and return the whole frame, updated.

    Rows ``failed`` with ``retryable`` true, ``unconfirmed`` and ``not_sent`` are sent again
    with the operation that made the frame (associate or disassociate); every other row is
    returned untouched. Rows of a labelled run go again with the association type their
    ``association_category``/``association_type_id`` columns name (and the ``label`` column
    confirms by name). The object types, base URL and batch size come from
    ``results.attrs["hubassoc"]`` unless given. A frame read back from CSV or Parquet (its
    attrs lost) works too: pass ``from_type=`` and ``to_type=``; its columns are brought back
    to their dtypes, and the operation is told by its statuses (or ``operation=``).

    Examples
    --------
    >>> fixed = retry(results, token="...")          # doctest: +SKIP
    >>> fixed["status"].value_counts()               # doctest: +SKIP
    """
    record = dict(results.attrs.get("hubassoc") or {})
    for name in ("from_type", "to_type", "from_col", "to_col", *KEY_ARGUMENTS):
        if name in knobs:
            record[name] = knobs.pop(name)
    verb = _operation_of(results, record, knobs.pop("operation", None))
    results = restore_dtypes(results, PAIR_OPERATIONS[verb].success)
    settings, resolved_url = _settings_of(record, knobs, base_url, client)
    positions = np.flatnonzero(retry_mask(results))
    if len(positions) == 0:
        logger.info("retry(): no row is failed-and-retryable, unconfirmed or not_sent")
        unchanged = results.copy()
        unchanged.attrs = {**results.attrs, "hubassoc": {**record, "retried_rows": 0}}
        return unchanged
    subset = results.iloc[positions]
    first_batch = int(results["batch"].max()) + 1 if results["batch"].notna().any() else 1
    check_flags(progress, False)
    checked = check_journal_path(journal) if journal is not None else None
    args = {"token": token, "client": client, "progress": progress, "journal": checked}
    keyed = is_keyed(record)
    if keyed:  # keys whose ID is still missing are looked up again
        operation, done, redone, fields = retry_keyed(
            PAIR_OPERATIONS[verb], subset, record, settings, resolved_url, args, first_batch
        )
        record.update(fields)
    else:
        operation, done, redone = _resend_by_ids(
            verb, subset, record, settings, resolved_url, args, first_batch
        )
    updated = _merge_retried(results, positions, redone, ids=keyed)
    record.update(done.record)
    record["counts"] = row_counts(updated, operation.success)
    record["retries"] = int(record.get("retries", 0)) + 1
    record["retried_rows"] = len(positions)
    updated.attrs = {**results.attrs, "hubassoc": record}
    return hand_back(updated, done)


def _resend_by_ids(
    verb: str,
    subset: pd.DataFrame,
    record: dict[str, Any],
    settings: RunSettings,
    resolved_url: str,
    args: dict[str, Any],
    first_batch: int,
) -> tuple[PairOperation, Execution, pd.DataFrame]:
    """Send the rows again by their IDs (labelled rows with the type each one names)."""
    labelled = is_labelled_retry(record, subset)
    operation: PairOperation
    if labelled:  # each row again with the association type it names
        plan, typed = retry_setup(verb, subset, settings)
        operation = typed
    else:
        plan = make_plan(subset["from_id"], subset["to_id"], from_label="from_id", to_label="to_id")
        operation = PAIR_OPERATIONS[verb](
            settings.from_type, settings.to_type, settings.api_version, plan
        )
    done = execute_pairs(operation, plan, settings, resolved_url, args, first_batch=first_batch)
    redone = build_results(
        subset[["from_id"]].iloc[:, :0], plan, done.ledger, {}, success=operation.success
    )
    if labelled:
        redone = with_label_columns(redone, plan, typed)
    return operation, done, redone


def _operation_of(results: pd.DataFrame, record: dict[str, Any], given: Any) -> str:
    """Which operation made the frame: given, recorded, or told by its statuses."""
    missing = [c for c in ANNOTATION_DTYPES if c not in results.columns]
    if missing or "from_type" not in record or "to_type" not in record:
        raise ConfigError(
            "retry() needs a results frame returned by associate() or disassociate(); "
            f"missing: {', '.join(missing) or 'its object types'}. For a frame read back from "
            "a file, pass from_type= and to_type= (and operation= if it is not clear)."
        )
    verb = given or record.get("operation")
    if verb is None:
        seen = set(results["status"].astype("string").dropna().unique())
        if "removed" in seen and "associated" not in seen:
            verb = Archive.verb
        elif "associated" in seen or "version" in record:
            verb = AssociateDefault.verb
        else:
            raise ConfigError(
                "retry() cannot tell whether these results come from associate() or "
                "disassociate(): pass operation='associate' or operation='disassociate'."
            )
    if verb not in PAIR_OPERATIONS:
        raise ConfigError(
            f"operation={verb!r}: retry() re-sends {', '.join(map(repr, PAIR_OPERATIONS))} runs."
        )
    record["operation"] = verb
    return str(verb)


def _settings_of(
    record: dict[str, Any], knobs: dict[str, Any], base_url: str | None, client: Any
) -> tuple[RunSettings, str]:
    """The run's settings and base URL: the knobs given, else the frame's record."""
    settings = make_settings(
        record["from_type"],
        record["to_type"],
        batch_size=knobs.pop("batch_size", record.get("batch_size")),
        max_workers=knobs.pop("max_workers", record.get("max_workers", 16)),
        max_attempts=knobs.pop("max_attempts", record.get("max_attempts", 5)),
        rate_limit=knobs.pop("rate_limit", record.get("rate_limit")),
        timeout=knobs.pop("timeout", None),
        api_version=client.api_version
        if client is not None
        else knobs.pop("api_version", record.get("api_version", DEFAULT_API_VERSION)),
        backoff=knobs.pop("backoff", None),
    )
    if knobs:
        raise ConfigError(f"retry() got unexpected arguments: {', '.join(sorted(knobs))}")
    resolved_url = (
        client.base_url
        if client is not None
        else resolve_base_url(base_url if base_url is not None else record.get("base_url"))
    )
    return settings, resolved_url


def _merge_retried(
    results: pd.DataFrame, positions: np.ndarray, redone: pd.DataFrame, *, ids: bool = False
) -> pd.DataFrame:
    """The results with the retried rows' annotations replaced (``from_id``/``to_id`` too
    when ``ids``: keys looked up again) and their attempts added up."""
    updated = results.copy()
    kept = ("attempts",) if ids else ("from_id", "to_id", "attempts")
    columns = [c for c in redone.columns if c not in kept]
    for column in columns:
        values = updated[column].array.copy()
        values[positions] = redone[column].array
        updated[column] = values
    attempts = updated["attempts"].array.copy()
    attempts[positions] = attempts[positions] + redone["attempts"].array
    updated["attempts"] = attempts
    return updated
