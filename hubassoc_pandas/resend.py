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

from .api import PAIR_OPERATIONS, check_flags, execute_pairs, hand_back, row_counts
from .client import DEFAULT_API_VERSION, HubSpotClient, resolve_base_url
from .errors import ConfigError
from .frame import build_results
from .journal import check_journal_path
from .operations.associate_default import AssociateDefault
from .plan import make_plan
from .progress import Progress
from .results import ANNOTATION_DTYPES, retry_mask
from .settings import make_settings

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
    returned untouched. The object types, base URL and batch size come from
    ``results.attrs["hubassoc"]`` unless given.

    Examples
    --------
    >>> fixed = retry(results, token="...")          # doctest: +SKIP
    >>> fixed["status"].value_counts()               # doctest: +SKIP
    """
    record = dict(results.attrs.get("hubassoc") or {})
    missing = [c for c in ANNOTATION_DTYPES if c not in results.columns]
    if missing or "from_type" not in record:
        raise ConfigError(
            "retry() needs a results frame returned by associate() or disassociate() (with "
            f"its attrs); missing: {', '.join(missing) or 'attrs[hubassoc]'}."
        )
    verb = record.get("operation", AssociateDefault.verb)
    if verb not in PAIR_OPERATIONS:
        raise ConfigError(f"retry() cannot re-send a {verb!r} run.")
    settings = make_settings(
        knobs.pop("from_type", record["from_type"]),
        knobs.pop("to_type", record["to_type"]),
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
    positions = np.flatnonzero(retry_mask(results))
    if len(positions) == 0:
        logger.info("retry(): no row is failed-and-retryable, unconfirmed or not_sent")
        unchanged = results.copy()
        unchanged.attrs = {"hubassoc": {**record, "retried_rows": 0}}
        return unchanged
    subset = results.iloc[positions]
    plan = make_plan(subset["from_id"], subset["to_id"], from_label="from_id", to_label="to_id")
    operation = PAIR_OPERATIONS[verb](
        settings.from_type, settings.to_type, settings.api_version, plan
    )
    first_batch = int(results["batch"].max()) + 1 if results["batch"].notna().any() else 1
    check_flags(progress, False)
    checked = check_journal_path(journal) if journal is not None else None
    args = {"token": token, "client": client, "progress": progress, "journal": checked}
    done = execute_pairs(operation, plan, settings, resolved_url, args, first_batch=first_batch)
    redone = build_results(
        subset[["from_id"]].iloc[:, :0], plan, done.ledger, {}, success=operation.success
    )
    updated = _merge_retried(results, positions, redone)
    record.update(done.record)
    record["counts"] = row_counts(updated, operation.success)
    record["retries"] = int(record.get("retries", 0)) + 1
    record["retried_rows"] = len(positions)
    updated.attrs = {"hubassoc": record}
    return hand_back(updated, done)


def _merge_retried(
    results: pd.DataFrame, positions: np.ndarray, redone: pd.DataFrame
) -> pd.DataFrame:
    updated = results.copy()
    columns = [c for c in redone.columns if c not in ("from_id", "to_id", "attempts")]
    for column in columns:
        values = updated[column].array.copy()
        values[positions] = redone[column].array
        updated[column] = values
    attempts = updated["attempts"].array.copy()
    attempts[positions] = attempts[positions] + redone["attempts"].array
    updated["attempts"] = attempts
    return updated
