"""What exists: ``read()``, ``read_status()``, ``sync()``, ``apply_plan()`` and ``undo()``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hubassoc_pandas.accessor._base import FrameMethods, require_results
from hubassoc_pandas.accessor._docs import shared_docs
from hubassoc_pandas.jobs.existing import read as reading
from hubassoc_pandas.jobs.existing import sync as syncing
from hubassoc_pandas.jobs.existing import undo as undoing
from hubassoc_pandas.jobs.pairs.setup import check_column, check_frame
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

__all__ = ["ExistingMethods"]


class ExistingMethods(FrameMethods):
    """Read what HubSpot holds, make it match the frame, take a run back."""

    @shared_docs
    def read(
        self,
        from_type: str,
        to_type: str,
        *,
        from_col: str,
        token: str | None = None,
        base_url: str | None = None,
        batch_size: int | None = None,
        progress: bool | Progress = True,
        journal: str | Path | None = None,
        client: HubSpotClient | None = None,
        api_version: str = DEFAULT_API_VERSION,
        max_workers: int = DEFAULT_MAX_WORKERS,
        rate_limit: Any = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: Any = None,
        backoff: Backoff | None = None,
        from_id_property: str | None = None,
        on_ambiguous: str = "fail",
    ) -> pd.DataFrame:
        """The associations HubSpot holds for the from-IDs of the frame: one row per link.

        Each distinct from-ID of ``from_col`` is read once through ``POST .../batch/read``
        (1,000 per request), following its ``paging`` cursor until every page is in.
        Pacing, retries, the progress bar, Ctrl-C and ``journal`` behave as for
        :meth:`associate`.

        Parameters
        ----------
        from_type, to_type : str
            Object types, e.g. ``"contacts"``, ``"companies"``, ``"0-1"``, ``"p_cars"``.
        from_col : str
            The column of from-record IDs (repeated IDs are read once).
        batch_size : int, optional
            From-IDs per request; default and maximum 1,000.
        from_id_property : str, optional
            The property ``from_col`` holds instead of record IDs (``"email"``, a property
            with unique values, or ``"domain"`` for companies): each distinct key is looked
            up once, paced with the reads, and the IDs found are read. The links frame shows
            the key of each from-ID after ``row``; the status frame shows it first, and the
            rows whose key names no single record as ``failed`` (KEY_NOT_FOUND,
            KEY_AMBIGUOUS, or the lookup's own failure), ``invalid`` (INVALID_KEY) or
            ``not_sent``, one status row per key, with the messages :meth:`associate` gives.
        @shared token base_url progress journal client api_version max_workers rate_limit
        @shared max_attempts timeout backoff on_ambiguous

        Returns
        -------
        pandas.DataFrame
            One row per (from-ID, to-ID, association type) found, with a RangeIndex and the
            columns ``row`` (the index label of the first input row holding that from-ID),
            ``from_id``, ``to_id`` (digit strings), ``association_type_id`` (Int64),
            ``association_category`` and ``label`` (``<NA>`` for the unlabelled type). A
            pair holding a label is listed once per type: its unlabelled type and each
            label. ``links.hubassoc.read_status()`` accounts for every from-ID of the input:
            found, none (no association, or no such record: HubSpot does not tell them
            apart), failed or not_sent (with HubSpot's message), and invalid input values.
            ``attrs["hubassoc"]["counts"]`` counts the rows of that status frame by status.

        Raises
        ------
        ConfigError
            Bad arguments, before anything is sent.
        AuthenticationError, MissingScopesError, FatalApiError
            HubSpot refused the run; ``exc.results`` holds the links read so far.

        Examples
        --------
        >>> links = df.hubassoc.read("contacts", "companies",
        ...                          from_col="contact_id")              # doctest: +SKIP
        >>> links.hubassoc.read_status()["status"].value_counts()    # doctest: +SKIP
        """
        check_column(self._frame, "from_col", from_col)
        run = RunOptions.of(
            from_type,
            to_type,
            batch_size=batch_size,
            progress=progress,
            journal=journal,
            api_version=api_version,
            max_workers=max_workers,
            rate_limit=rate_limit,
            max_attempts=max_attempts,
            timeout=timeout,
            backoff=backoff,
            client=client,
        )
        connection = Connection.of(token, base_url, client)
        keys = KeyOptions.of(from_id_property, None, on_ambiguous)
        return reading.read(self._frame, PairJob(from_col, None, connection, run, keys))

    def read_status(self) -> pd.DataFrame:
        """On the frame :meth:`read` returned: the status of every from-ID read.

        One row per distinct from-ID of the input (and one per kind of unreadable value):
        ``from_id``, ``status`` (found, none, failed, invalid, not_sent), ``links`` (its
        rows in the links frame), ``rows`` (input rows holding it), ``error_category``,
        ``error_message``, ``http_status``, ``retryable``.

        Examples
        --------
        >>> links.hubassoc.read_status().query("status == 'failed'")  # doctest: +SKIP
        """
        return reading.read_status(self._frame)

    @shared_docs
    def sync(
        self,
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
        max_workers: int = DEFAULT_MAX_WORKERS,
        rate_limit: Any = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: Any = None,
        backoff: Backoff | None = None,
        from_id_property: str | None = None,
        to_id_property: str | None = None,
        on_ambiguous: str = "fail",
    ) -> pd.DataFrame:
        """Make HubSpot's associations of the frame's from-IDs equal the frame's pairs.

        Reads the associations of every from-ID of the frame (towards ``to_type``), then
        plans: ``create`` each pair HubSpot lacks, ``keep`` each it holds, and for
        associations HubSpot holds that the frame does not list, ``remove`` them with
        ``remove_extra=True``, else leave them (``extra``). From-IDs absent from the frame
        are never read nor touched; a from-ID whose read failed has nothing removed (its
        pairs are sent anyway, harmlessly), and neither has one with a row whose to-ID
        cannot be read.

        ``dry_run`` defaults to True: the call only reads and returns the plan. Look at it,
        then call again with ``dry_run=False`` to apply it (that call reads again, so it
        acts on what HubSpot holds then), or carry the plan out as it stands with
        :meth:`apply_plan`. Stopping half-way (Ctrl-C, the daily limit) is safe: creation
        goes first and removals are skipped once a step stopped; calling ``sync()`` again
        finishes.

        Parameters
        ----------
        from_type, to_type : str
            Object types, as for :meth:`associate`.
        from_col, to_col : str
            One row per wanted pair: the columns of record IDs (or keys).
        label : str, int or (str, int), optional
            Compare and write only this label (in the forms :meth:`associate` takes): a pair
            counts as held when it holds the label; ``create`` writes it (batch/create) and
            ``remove`` takes it off (batch/labels/archive), leaving the association and its
            other labels. Default None: any association counts, and removal takes the whole
            association (batch/archive).
        remove_extra : bool
            Remove the associations the frame does not list (default False: leave them).
        dry_run : bool
            Default True: read and plan only.
        batch_size : int, optional
            Inputs per request in every step (reads at most 1,000); default each endpoint's
            cap.
        @shared id_property
            Keys are looked up in a dry run too (lookups are reads), and the plan is made
            from the IDs found. The plan keeps the key columns after ``row``; rows whose key
            names no single record are ``invalid`` with the reason in ``note`` (a real run
            gives them the status and category :meth:`associate` gives). Nothing is removed
            for a from-key that did not resolve to exactly one record, nor for the records
            it may mean (see :mod:`hubassoc_pandas.jobs.existing.sync_by_keys`).
        @shared on_ambiguous token base_url progress client api_version max_workers
        @shared rate_limit max_attempts timeout backoff

        Returns
        -------
        pandas.DataFrame
            The plan, one row per pair (see :mod:`hubassoc_pandas.jobs.existing.sync_plan`):
            ``row``, ``from_id``, ``to_id``, ``action`` (create, keep, remove, extra,
            invalid), ``existed``, ``note``; a real run adds each action's outcome:
            ``status`` (associated, removed, unchanged, failed, invalid, unconfirmed,
            not_sent), ``error_category``, ``error_message``, ``http_status``,
            ``retryable``. ``attrs["hubassoc"]`` records the run (``actions`` and
            ``counts``).

        Examples
        --------
        >>> plan = df.hubassoc.sync("contacts", "companies", from_col="contact_id",
        ...                         to_col="company_id", remove_extra=True)   # doctest: +SKIP
        >>> plan["action"].value_counts()                                     # doctest: +SKIP
        >>> done = plan.hubassoc.apply_plan()                                 # doctest: +SKIP
        """
        check_frame(self._frame, from_col, to_col)
        check_flag("remove_extra", remove_extra)
        check_flag("dry_run", dry_run)
        run = RunOptions.of(
            from_type,
            to_type,
            batch_size=batch_size,
            progress=progress,
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
            Connection.of(token, base_url, client),
            run,
            KeyOptions.of(from_id_property, to_id_property, on_ambiguous),
            LabelOptions(label),
        )
        return syncing.sync(self._frame, job, remove_extra=remove_extra, dry_run=dry_run)

    @shared_docs
    def apply_plan(
        self,
        *,
        token: str | None = None,
        base_url: str | None = None,
        batch_size: int | None = None,
        progress: bool | Progress = True,
        client: HubSpotClient | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        rate_limit: Any = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: Any = None,
        backoff: Backoff | None = None,
    ) -> pd.DataFrame:
        """On a plan a dry-run :meth:`sync` returned: carry it out exactly as it stands.

        Creates the pairs marked ``create`` and removes those marked ``remove``; nothing is
        read again. The object types, API version and base URL come from the plan.

        Parameters
        ----------
        base_url : str, optional
            Default: the plan's.
        batch_size : int, optional
            Inputs per request; default each endpoint's cap.
        @shared token progress client max_workers rate_limit max_attempts timeout backoff

        Returns
        -------
        pandas.DataFrame
            The plan with each row's outcome, as ``sync(..., dry_run=False)`` returns it.

        Examples
        --------
        >>> plan = df.hubassoc.sync(..., remove_extra=True)   # doctest: +SKIP
        >>> done = plan.hubassoc.apply_plan()                 # doctest: +SKIP
        """
        record = syncing.plan_record(self._frame)
        run = RunOptions.of(
            record["from_type"],
            record["to_type"],
            batch_size=batch_size,
            progress=progress,
            api_version=record.get("api_version", DEFAULT_API_VERSION),
            max_workers=max_workers,
            rate_limit=rate_limit,
            max_attempts=max_attempts,
            timeout=timeout,
            backoff=backoff,
            client=client,
        )
        url = base_url if base_url is not None else record.get("base_url")
        job = PairJob("from_id", "to_id", Connection.of(token, url, client), run)
        return syncing.apply_plan(self._frame, job)

    @shared_docs
    def undo(
        self,
        *,
        force: bool = False,
        from_type: str | None = None,
        to_type: str | None = None,
        token: str | None = None,
        base_url: str | None = None,
        batch_size: int | None = None,
        progress: bool | Progress = True,
        dry_run: bool = False,
        journal: str | Path | None = None,
        client: HubSpotClient | None = None,
        api_version: str | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        rate_limit: Any = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: Any = None,
        backoff: Backoff | None = None,
    ) -> pd.DataFrame:
        """On the results of an associate run: remove exactly the associations it created.

        The rows ``associated`` (or ``unconfirmed``: sending them may have associated them)
        whose pair was not associated before the run (``preexisting`` False) are removed
        through ``POST .../batch/archive``; pairs that existed before are left in place. For
        a labelled run, only the label the run added goes where the pair existed before.
        Each row is taken back once (a second undo removes none of them); a row whose
        ``from_id``/``to_id`` no longer name a pair the run made (edited since) is left in
        place; a Primary label the run moved (``previous_primary``) is put back; the pairs
        removed are taken out of the run's journal, so calling the run again reads them
        afresh.

        Parameters
        ----------
        force : bool
            Also remove the pairs whose earlier state is unknown: every associated pair of
            a run made without ``check_existing`` (which cannot tell what existed before
            it), or the pairs whose from-ID could not be read (``preexisting`` <NA>). Pairs
            known to have existed before are never removed.
        from_type, to_type : str, optional
            Default: the run's (pass them for a frame read back from a file, its attrs
            lost).
        base_url : str, optional
            Default: the run's, else as for :meth:`associate`.
        api_version : str, optional
            Default: the run's.
        batch_size : int, optional
            Pairs per request (default 2,000).
        @shared token progress dry_run journal client max_workers rate_limit max_attempts
        @shared timeout backoff

        Returns
        -------
        pandas.DataFrame
            The removal results, as :meth:`disassociate` returns them, for the rows removed
            (their index labels are the run's): status ``removed`` and the usual columns.
            ``attrs["hubassoc"]["undo"]`` counts the rows removed (``removed``), kept as
            pre-existing (``kept_preexisting``), left as unknown (``unknown_left``), not
            created by the run (``not_created``), undone already (``undone_before``), left
            as edited (``edited_left``), and, where the run moved Primary, put back
            (``primary_restored``) or not (``primary_left``).

        Raises
        ------
        ConfigError
            Not the results of an associate run, or a run made without ``check_existing``
            (and no ``force=True``).

        Examples
        --------
        >>> results = df.hubassoc.associate("contacts", "companies", from_col="c",
        ...                                 to_col="co", check_existing=True)  # doctest: +SKIP
        >>> removed = results.hubassoc.undo()                                # doctest: +SKIP
        """
        require_results(self._frame)
        check_flag("force", force)
        record = dict(self._frame.attrs.get("hubassoc") or {})
        types = undoing.undo_types(self._frame, from_type, to_type, force=force)
        version = api_version or record.get("api_version") or DEFAULT_API_VERSION
        run = RunOptions.of(
            *types,
            batch_size=batch_size,
            progress=progress,
            dry_run=dry_run,
            journal=journal,
            api_version=version,
            max_workers=max_workers,
            rate_limit=rate_limit,
            max_attempts=max_attempts,
            timeout=timeout,
            backoff=backoff,
            client=client,
        )
        url = base_url if base_url is not None else record.get("base_url")
        connection = Connection.of(token, url, client, needs_token=not run.dry_run)
        job = PairJob("from_id", "to_id", connection, run)
        return undoing.undo(self._frame, job, force=force)
