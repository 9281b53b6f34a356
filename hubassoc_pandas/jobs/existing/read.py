"""``read()``: the associations that exist for the from-IDs of a frame, and the status of each.

Through ``POST .../batch/read`` (1,000 from-IDs per request at most), every page of each
from-ID. The frames are built by :mod:`.read_frames`.
"""

from __future__ import annotations

import pandas as pd

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.jobs.existing.read_by_keys import read_by_keys
from hubassoc_pandas.jobs.existing.read_frames import (
    decode_status,
    encode_status,
    links_frame,
    status_frame,
)
from hubassoc_pandas.jobs.existing.read_outcome import hand_back_links, read_record
from hubassoc_pandas.jobs.existing.reading import read_existing
from hubassoc_pandas.jobs.pairs.id_columns import read_from_column
from hubassoc_pandas.operations.read import ReadAssociations
from hubassoc_pandas.options import PairJob

__all__ = ["read", "read_status"]


def read(frame: pd.DataFrame, job: PairJob) -> pd.DataFrame:
    """The associations HubSpot holds for the from-IDs of ``job.from_col``: one row per link
    (see :meth:`hubassoc_pandas.accessor.HubAssocAccessor.read`)."""
    settings = job.settings
    if settings.batch_size is not None and settings.batch_size > ReadAssociations.max_batch_size:
        raise ConfigError(
            f"batch_size={settings.batch_size}: HubSpot reads at most "
            f"{ReadAssociations.max_batch_size} from-IDs per request; give a smaller number."
        )
    if job.keys.keyed:
        return read_by_keys(frame, job)
    ids = read_from_column(frame, job.from_col)
    existing = read_existing(
        ids.ids,
        settings,
        job.connection.base_url,
        token=job.connection.token,
        client=job.connection.client,
        progress=job.run.progress,
        journal=job.run.journal,
        rows_of_key=ids.rows_of_id,
        invalid_rows=ids.n_invalid,
    )
    links = links_frame(frame.index, ids, existing)
    status = status_frame(ids, existing)
    base_url = job.connection.base_url
    links.attrs = {"hubassoc": read_record(existing, base_url, settings, str(job.from_col))}
    counts = status["status"].value_counts(sort=False)
    links.attrs["hubassoc"]["counts"] = {str(k): int(v) for k, v in counts.items()}
    links.attrs["hubassoc"]["read_status"] = encode_status(status)
    return hand_back_links(links, existing)


def read_status(links: pd.DataFrame) -> pd.DataFrame:
    """The status of every from-ID of a :func:`read`: found, none, failed, invalid, not_sent.

    One row per distinct from-ID of the input (and one per kind of unreadable value):
    ``from_id``, ``status``, ``links`` (its rows in the links frame), ``rows`` (input rows
    holding it), ``error_category``, ``error_message``, ``http_status``, ``retryable``.

    Examples
    --------
    >>> links.hubassoc.read_status().query("status == 'failed'")  # doctest: +SKIP
    """
    record = links.attrs.get("hubassoc") or {}
    text = record.get("read_status")
    if not isinstance(text, str):
        raise ConfigError(
            "this frame carries no read status: call df.hubassoc.read(...) and use the frame "
            "it returns (its attrs hold the status; a CSV file does not keep them, Parquet does)."
        )
    return decode_status(text)
