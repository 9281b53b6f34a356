"""``read(..., from_id_property=...)``: the associations of the records a column of keys names.

Each distinct key (an email, a unique property's value, a company domain) is looked up once
(:mod:`.key_columns`), then the records found are read as :func:`~.read.read` reads IDs, on
the same client, the same pacer and the same journal: a second call with the journal looks
nothing up again and reads only what it did not finish. The links frame shows each link's
key (that of the first input row of its from-ID) after ``row``; the status frame shows it
first, and one row per key that names no single record, with the status and message
:meth:`~hubassoc_pandas.accessor.HubAssocAccessor.associate` gives its rows. Lookups that
stop the run (Ctrl-C, the daily limit, a refused token) leave every from-ID ``not_sent``:
nothing is read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.jobs.existing.key_columns import id_columns, key_column, unread
from hubassoc_pandas.jobs.existing.read_frames import encode_status, links_frame, status_frame
from hubassoc_pandas.jobs.existing.read_outcome import hand_back_links, read_record
from hubassoc_pandas.jobs.existing.reading import read_existing
from hubassoc_pandas.jobs.pairs.by_keys import Recount
from hubassoc_pandas.jobs.pairs.id_columns import FromIds, read_from_column
from hubassoc_pandas.operations.read import ReadAssociations
from hubassoc_pandas.options import PairJob
from hubassoc_pandas.progress import Progress, make_progress
from hubassoc_pandas.results.outcome import request_counts

__all__ = ["read_by_keys"]


def read_by_keys(frame: pd.DataFrame, job: PairJob) -> pd.DataFrame:
    """Look the keys of ``job.from_col`` up, read the records found, and return the links
    frame with its status (see :func:`~.read.read`)."""
    settings, from_col = job.settings, job.from_col
    with id_columns(frame, job, {"from": from_col}, operation=ReadAssociations.name) as given:
        ids = read_from_column(given.frame, from_col)
        problems = given.problems
        if given.halted is not None:
            existing = unread(ids.ids, ids.rows_of_id, given.halted)
        else:
            existing = read_existing(
                ids.ids,
                settings,
                job.connection.base_url,
                token=None,
                client=given.client,
                progress=_progress(job.run.progress, ids, problems),
                journal=given.journal,
                rows_of_key=ids.rows_of_id,
                invalid_rows=ids.n_invalid,
                pacer=given.pacer,
                first_batch=given.first_batch,
            )
        fields = given.record(job.keys)
    keys = frame[from_col]
    links = links_frame(frame.index, ids, existing)
    first = ids.first_row[pd.Index(ids.ids).get_indexer(links["from_id"].to_numpy(np.int64))]
    key_column(links, 1, from_col, keys.array.take(first))
    status = status_frame(ids, existing, problems=problems, keys=keys)
    record = read_record(existing, job.connection.base_url, settings, str(from_col))
    record.update(fields)
    record.update(request_counts(lookups=fields["lookup_requests"], reads=record["requests"]))
    counts = status["status"].value_counts(sort=False)
    record["counts"] = {str(k): int(v) for k, v in counts.items()}
    record["read_status"] = encode_status(status)
    links.attrs = {"hubassoc": record}
    return hand_back_links(links, existing)


def _progress(progress: bool | Progress, ids: FromIds, problems: pd.DataFrame) -> bool | Progress:
    """The read's progress, counting the rows whose key failed as failed (or not sent)
    rather than invalid."""
    if isinstance(progress, bool | np.bool_) and not progress:
        return False
    sink: Any = progress
    if isinstance(progress, bool | np.bool_):
        sink = make_progress(True, ids.n_rows, desc="reading", success=ReadAssociations.success)
    moved = problems["status"].value_counts().drop("invalid", errors="ignore")
    return Recount(sink, {str(k): int(v) for k, v in moved.items()})
