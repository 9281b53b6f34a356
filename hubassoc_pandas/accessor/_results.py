"""On a results frame: ``retry()``, ``summary()``, ``failures()`` and ``explore()``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from hubassoc_pandas.accessor._base import FrameMethods, require_outcomes
from hubassoc_pandas.accessor._docs import shared_docs
from hubassoc_pandas.jobs.pairs.retry import RetryOptions, retry
from hubassoc_pandas.progress import Progress
from hubassoc_pandas.results import schema
from hubassoc_pandas.transport.backoff import Backoff
from hubassoc_pandas.transport.client import HubSpotClient

if TYPE_CHECKING:
    from hubassoc_pandas.explorer import Explorer

__all__ = ["ResultMethods"]


class ResultMethods(FrameMethods):
    """Look at the results of a run, and send again what may still succeed."""

    @shared_docs
    def retry(
        self,
        *,
        token: str | None = None,
        base_url: str | None = None,
        progress: bool | Progress = True,
        journal: str | Path | None = None,
        client: HubSpotClient | None = None,
        batch_size: int | None = None,
        max_workers: int | None = None,
        max_attempts: int | None = None,
        rate_limit: Any = None,
        timeout: Any = None,
        backoff: Backoff | None = None,
        api_version: str | None = None,
        from_type: str | None = None,
        to_type: str | None = None,
        from_col: str | None = None,
        to_col: str | None = None,
        from_id_property: str | None = None,
        to_id_property: str | None = None,
        on_ambiguous: str | None = None,
        operation: str | None = None,
    ) -> pd.DataFrame:
        """Re-send the rows that may still succeed and return the whole frame, updated.

        Rows ``failed`` with ``retryable`` true, ``unconfirmed`` and ``not_sent`` are sent
        again with the operation that made the frame (associate or disassociate); every
        other row is returned untouched. Rows of a labelled run go again with the
        association type their ``association_category``/``association_type_id`` columns
        name (and the ``label`` column confirms by name). In a run by keys, the keys of rows
        whose ID is still missing are looked up again.

        Every argument left None keeps what the run recorded in ``attrs["hubassoc"]``. A
        frame read back from CSV or Parquet (its attrs lost) works too: pass ``from_type=``
        and ``to_type=``; its columns are brought back to their dtypes, and the operation is
        told by its statuses (or ``operation=``).

        Parameters
        ----------
        base_url : str, optional
            Default: the run's, else as for :meth:`associate`.
        batch_size, max_workers, max_attempts, rate_limit, api_version : optional
            Default: the run's (see :meth:`associate`).
        from_type, to_type, from_col, to_col : str, optional
            Default: the run's; needed for a frame whose attrs are lost.
        from_id_property, to_id_property, on_ambiguous : str, optional
            Default: the run's (see :meth:`associate`).
        operation : {"associate", "disassociate"}, optional
            Default: the run's, else told by the statuses.
        @shared token progress journal client timeout backoff

        Returns
        -------
        pandas.DataFrame
            The whole frame, the retried rows updated (their ``attempts`` added up);
            ``attrs["hubassoc"]`` counts the retries.

        Examples
        --------
        >>> fixed = results.hubassoc.retry()            # doctest: +SKIP
        >>> fixed["status"].value_counts()              # doctest: +SKIP
        """
        given = RetryOptions(
            token=token,
            base_url=base_url,
            client=client,
            progress=progress,
            journal=journal,
            batch_size=batch_size,
            max_workers=max_workers,
            max_attempts=max_attempts,
            rate_limit=rate_limit,
            timeout=timeout,
            backoff=backoff,
            api_version=api_version,
            from_type=from_type,
            to_type=to_type,
            from_col=from_col,
            to_col=to_col,
            from_id_property=from_id_property,
            to_id_property=to_id_property,
            on_ambiguous=on_ambiguous,
            operation=operation,
        )
        return retry(self._frame, given)

    def summary(self) -> pd.DataFrame:
        """Rows and shares by status and by error category (of a run's results, an undo's,
        or a sync plan carried out).

        Examples
        --------
        >>> df = pd.DataFrame({"contact": [1, 2], "company": [7, 8]})
        >>> out = df.hubassoc.associate("contacts", "companies", from_col="contact",
        ...                             to_col="company", dry_run=True, progress=False)
        >>> out.hubassoc.summary()["rows"].tolist()
        [2, 2]
        """
        require_outcomes(self._frame, "summary")
        return schema.summary(self._frame)

    def failures(self) -> pd.DataFrame:
        """Every row that did not succeed, the most common errors first."""
        require_outcomes(self._frame, "failures")
        return schema.failures(self._frame)

    def explore(
        self,
        token: str | None = None,
        *,
        page_size: int = 20,
        user_columns: int = 3,
        opens_on: str = "attention",
    ) -> Explorer:
        """An interactive explorer of the results (an ipywidgets view); display it to show it.

        It takes any frame of outcomes: a run's results, an undo's, a sync plan carried out
        (whose rows a sync carries on with ``sync()`` again, so its Retry button is off), or
        a read's status (``links.hubassoc.read_status()``).

        Parameters
        ----------
        token : str, optional
            Used only by its "Retry failed" button (None: ``HUBSPOT_ACCESS_TOKEN`` at click
            time); never stored in a widget.
        page_size : int
            Rows per page (default 20).
        user_columns : int
            How many of the input's own columns the table shows (default 3).
        opens_on : {"attention", "all"}
            Open on the rows needing attention (default), or on every row.

        Returns
        -------
        Explorer
            ``explorer.results`` is the frame after any retry.
        """
        require_outcomes(self._frame, "explore")
        from hubassoc_pandas.explorer import Explorer  # ipywidgets loads when first needed

        return Explorer(
            self._frame,
            token=token,
            page_size=page_size,
            user_columns=user_columns,
            opens_on=opens_on,
        )
