"""``df.hubassoc.associate()`` and ``df.hubassoc.disassociate()``: the pair writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hubassoc_pandas.accessor._base import FrameMethods
from hubassoc_pandas.accessor._docs import shared_docs
from hubassoc_pandas.jobs.existing.check import associate_checked
from hubassoc_pandas.jobs.pairs.pipeline import run_pairs
from hubassoc_pandas.jobs.pairs.setup import check_frame
from hubassoc_pandas.operations.archive import Archive
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.options import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_WORKERS,
    Connection,
    KeyOptions,
    LabelOptions,
    PairJob,
    RunOptions,
    check_flag,
)
from hubassoc_pandas.progress import Progress
from hubassoc_pandas.transport.backoff import Backoff
from hubassoc_pandas.transport.client import DEFAULT_API_VERSION, HubSpotClient

__all__ = ["PairMethods"]


class PairMethods(FrameMethods):
    """Write or remove the pairs of two columns."""

    @shared_docs
    def associate(
        self,
        from_type: str,
        to_type: str,
        *,
        from_col: str,
        to_col: str,
        token: str | None = None,
        base_url: str | None = None,
        batch_size: int | None = None,
        progress: bool | Progress = True,
        dry_run: bool = False,
        journal: str | Path | None = None,
        client: HubSpotClient | None = None,
        api_version: str = DEFAULT_API_VERSION,
        max_workers: int = DEFAULT_MAX_WORKERS,
        rate_limit: Any = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: Any = None,
        backoff: Backoff | None = None,
        label: Any = None,
        label_col: str | None = None,
        from_id_property: str | None = None,
        to_id_property: str | None = None,
        on_ambiguous: str = "fail",
        check_existing: bool = False,
    ) -> pd.DataFrame:
        """Associate the record pairs of two ID columns and report on every row.

        Each pair goes to ``POST /crm/associations/2026-03/{from}/{to}/batch/associate/default``
        (the unlabelled default association), or with ``label``/``label_col`` to
        ``POST .../batch/create``, in batches, paced to HubSpot's rate limit.

        Parameters
        ----------
        from_type, to_type : str
            Object types: a name (``"contacts"``, ``"Company"``), a type ID (``"0-1"``) or a
            custom object (``"2-3453"``, ``"p_cars"``).
        from_col, to_col : str
            The columns holding the record IDs (or keys, with ``from_id_property``/
            ``to_id_property``).
        batch_size : int, optional
            Pairs per request; default None: 2,000, HubSpot's documented cap for batch
            create requests (HubSpot's rate limit counts requests, not pairs). Shrinks by
            itself if HubSpot refuses a batch as too large, in any words: a whole-batch 400
            naming no pair whose halves both go through is taken for one, and the size that
            works is found by bisection within a few requests and kept for the run.
        check_existing : bool
            Read the from-IDs' associations first (``POST .../batch/read``) and send only
            the pairs not yet associated; adds a boolean ``preexisting`` column (<NA> where
            the from-ID could not be read: such pairs are sent anyway, which is harmless).
            Pre-existing rows are ``associated``, with no batch. Reads cost one request per
            1,000 distinct from-IDs (and one per further page of a from-ID with many
            targets), against one write per 2,000 pairs: with one pair per from-ID the check
            triples the requests, with 20 pairs per from-ID it adds one read per 10 writes.
            It pays when many pairs may exist already (a re-run, an import into a partly
            linked portal), and whenever the run may have to be taken back: only a run made
            with it can be undone exactly (``results.hubassoc.undo()``). A dry run still
            reads (reads change nothing), so it needs the token.
        @shared token base_url progress dry_run journal client api_version max_workers
        @shared rate_limit max_attempts timeout backoff label label_col id_property
        @shared on_ambiguous

        Returns
        -------
        pandas.DataFrame
            Every input row with its index and columns, plus ``from_id``, ``to_id``,
            ``status`` (associated, failed, invalid, unconfirmed, not_sent),
            ``error_category``, ``error_message``, ``http_status``, ``batch``, ``attempts``,
            ``association_type_id``, ``association_category``, ``retryable``,
            ``correlation_id`` and ``error_detail`` (and ``preexisting`` with
            ``check_existing=True``). ``attrs["hubassoc"]`` records the run. A labelled run
            adds ``label`` after ``association_category``; these three hold the type each
            row asks for (see :mod:`hubassoc_pandas.jobs.labels.labelling`). A run with
            ``check_existing=True`` that writes Primary adds ``previous_primary``: the company
            each row takes Primary from (HubSpot keeps one per record), which ``undo()`` puts
            back.

        Raises
        ------
        ConfigError
            Bad arguments, before anything is sent.
        AuthenticationError, MissingScopesError, FatalApiError
            HubSpot refused the run; ``exc.results`` holds the results so far.

        Examples
        --------
        >>> df = pd.DataFrame({"contact": [1, 2, None], "company": [7, 7, 8]})
        >>> out = df.hubassoc.associate("contacts", "companies", from_col="contact",
        ...                             to_col="company", dry_run=True, progress=False)
        >>> out["status"].tolist()
        ['not_sent', 'not_sent', 'invalid']
        """
        check_frame(self._frame, from_col, to_col)
        checked = check_existing is not False and check_flag("check_existing", check_existing)
        run = RunOptions.of(
            from_type,
            to_type,
            batch_size=batch_size,
            progress=progress,
            dry_run=dry_run,
            journal=journal,
            api_version=api_version,
            max_workers=max_workers,
            rate_limit=rate_limit,
            max_attempts=max_attempts,
            timeout=timeout,
            backoff=backoff,
            client=client,
        )
        job = PairJob(
            from_col,
            to_col,
            Connection.of(token, base_url, client, needs_token=checked or not run.dry_run),
            run,
            KeyOptions.of(from_id_property, to_id_property, on_ambiguous),
            LabelOptions(label, label_col),
        )
        if checked:
            return associate_checked(self._frame, job)
        return run_pairs(AssociateDefault.verb, self._frame, job)

    @shared_docs
    def disassociate(
        self,
        from_type: str,
        to_type: str,
        *,
        from_col: str,
        to_col: str,
        token: str | None = None,
        base_url: str | None = None,
        batch_size: int | None = None,
        progress: bool | Progress = True,
        dry_run: bool = False,
        journal: str | Path | None = None,
        client: HubSpotClient | None = None,
        api_version: str = DEFAULT_API_VERSION,
        max_workers: int = DEFAULT_MAX_WORKERS,
        rate_limit: Any = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: Any = None,
        backoff: Backoff | None = None,
        label: Any = None,
        label_col: str | None = None,
        from_id_property: str | None = None,
        to_id_property: str | None = None,
        on_ambiguous: str = "fail",
    ) -> pd.DataFrame:
        """Remove every association between the record pairs of two ID columns.

        Uses ``POST /crm/associations/2026-03/{from}/{to}/batch/archive`` (the v4 path with
        ``api_version="v4"``). Every association between each pair goes, labelled or not and
        in both directions; the records themselves stay. Removing a pair that is not
        associated is not a failure: HubSpot treats it as a no-op, so the row is ``removed``
        too.

        With ``label`` (or ``label_col``), only that label goes, through
        ``POST .../batch/labels/archive``; the pair keeps its other associations. Removing
        the unlabelled default (by its type ID) removes the whole association, every label
        included, as in HubSpot; an empty ``label_col`` cell is ``invalid``.

        Parameters
        ----------
        from_type, to_type : str
            Object types, as for :meth:`associate`.
        from_col, to_col : str
            The columns holding the record IDs (or keys).
        batch_size : int, optional
            Pairs per request; default None means 2,000 (HubSpot documents no cap for
            removals; a batch refused as too large shrinks by itself).
        @shared token base_url progress dry_run journal client api_version max_workers
        @shared rate_limit max_attempts timeout backoff label label_col id_property
        @shared on_ambiguous

        Returns
        -------
        pandas.DataFrame
            The frame :meth:`associate` returns, with status ``removed`` where HubSpot holds
            no association between the pair any more. Missing records, malformed IDs, auth,
            scopes, rate limits, 5xx, Ctrl-C, journals and :meth:`retry` behave as for
            :meth:`associate`.

        Raises
        ------
        ConfigError
            Bad arguments, before anything is sent.
        AuthenticationError, MissingScopesError, FatalApiError
            HubSpot refused the run; ``exc.results`` holds the results so far.

        Examples
        --------
        >>> df = pd.DataFrame({"contact": [1, "x"], "company": [7, 7]})
        >>> out = df.hubassoc.disassociate("contacts", "companies", from_col="contact",
        ...                                to_col="company", dry_run=True, progress=False)
        >>> out["status"].tolist()
        ['not_sent', 'invalid']
        """
        check_frame(self._frame, from_col, to_col)
        run = RunOptions.of(
            from_type,
            to_type,
            batch_size=batch_size,
            progress=progress,
            dry_run=dry_run,
            journal=journal,
            api_version=api_version,
            max_workers=max_workers,
            rate_limit=rate_limit,
            max_attempts=max_attempts,
            timeout=timeout,
            backoff=backoff,
            client=client,
        )
        job = PairJob(
            from_col,
            to_col,
            Connection.of(token, base_url, client, needs_token=not run.dry_run),
            run,
            KeyOptions.of(from_id_property, to_id_property, on_ambiguous),
            LabelOptions(label, label_col),
        )
        return run_pairs(Archive.verb, self._frame, job)
