"""The public operations behind the accessor and the command line.

Arguments are checked before anything is sent; the run itself is :func:`.execute.execute`
driving the engine (:mod:`.engine`) with one operation (:mod:`.operations`); the results frame
is built by :mod:`.frame`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .backoff import Backoff
from .client import DEFAULT_API_VERSION, HubSpotClient, resolve_base_url, resolve_token
from .errors import ConfigError
from .execute import Execution, execute
from .frame import build_results
from .journal import check_journal_path
from .key_spec import check_on_ambiguous
from .labelled import Labelling
from .operations.archive import Archive
from .operations.associate_default import AssociateDefault
from .operations.base import PairOperation
from .plan import Plan, make_plan
from .progress import Progress
from .run_outcome import hand_back, row_counts, run_record
from .run_setup import check_column
from .settings import RunSettings, make_settings
from .uniform_frame import build_uniform_results

__all__ = ["associate", "disassociate"]

logger = logging.getLogger("hubassoc_pandas")

#: The pair operations by their user-facing name (``attrs["hubassoc"]["operation"]``).
PAIR_OPERATIONS: dict[str, type[PairOperation]] = {
    AssociateDefault.verb: AssociateDefault,
    Archive.verb: Archive,
}

PROGRESS_TITLES = {"associate": "associating", "disassociate": "removing"}


def associate(
    frame: pd.DataFrame,
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
    max_workers: int = 16,
    rate_limit: Any = None,
    max_attempts: int = 5,
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

    Parameters
    ----------
    frame : pandas.DataFrame
        The input; it is not modified.
    from_type, to_type : str
        Object types: a name (``"contacts"``, ``"Company"``), a type ID (``"0-1"``) or a
        custom object (``"2-3453"``, ``"p_cars"``).
    from_col, to_col : str
        The columns holding the record IDs.
    token : str, optional
        Access token; default ``HUBSPOT_ACCESS_TOKEN``. Sent only in the Authorization header.
    base_url : str, optional
        Default ``HUBSPOT_BASE_URL``, else ``https://api.hubapi.com``.
    batch_size : int, optional
        Pairs per request; default None: 2,000, HubSpot's documented cap for batch create
        requests (HubSpot's rate limit counts requests, not pairs). Shrinks by itself if
        HubSpot refuses a batch as too large, in any words: a whole-batch 400 naming no pair
        whose halves both go through is taken for one, and the size that works is found by
        bisection within a few requests and kept for the run.
    progress : bool
        Show a tqdm progress bar.
    dry_run : bool
        Check and plan only; send nothing.
    journal : path, optional
        SQLite file recording each batch; a second call with it skips confirmed pairs.
    client : HubSpotClient, optional
        A ready client (its token, base URL and API version are used).
    api_version : str
        ``"2026-03"`` (default), another date version, or ``"v4"`` for the legacy path.
    max_workers : int
        Requests in flight at once (default 16), all paced by one rate limiter.
    rate_limit : int, tuple or str, optional
        Default None: start at 100 requests per 10 s and follow HubSpot's
        ``X-HubSpot-RateLimit-*`` headers. A value (requests per 10 s, ``(requests,
        seconds)`` or ``"requests/seconds"``) is a ceiling the headers may lower but never
        raise: use it to leave room for other integrations sharing the app.
    max_attempts : int
        Attempts per batch on 5xx and network failures (default 5).
    timeout : float or (connect, read)
        Seconds (default 10 to connect, 60 to read).
    backoff : Backoff, optional
        Waits between attempts after 5xx and network failures (default: from 0.5 s,
        doubling, capped at 30 s, with jitter).
    label : str, int or (str, int), optional
        Write this association label, through ``POST .../batch/create``: its name as HubSpot
        shows it (any case), its type ID, or a ``(category, type_id)`` pair, looked up once
        among the :func:`hubassoc_pandas.labels` of this direction. An unknown or ambiguous
        label raises ConfigError, listing the labels, before anything is written.
    label_col : str, optional
        The column of each row's label, in the same forms. An empty cell means the
        unlabelled default; a label that does not exist makes its row ``invalid``
        (``INVALID_LABEL``) and the other rows go ahead.
    from_id_property, to_id_property : str, optional
        The property that column holds instead of record IDs: ``"email"``, a property with
        unique values, or ``"domain"`` (companies). Each distinct key is looked up once;
        ``from_id``/``to_id`` show the IDs found (see :mod:`hubassoc_pandas.keys`).
    on_ambiguous : {"fail", "oldest"}
        A domain several companies have: fail its rows (KEY_AMBIGUOUS), or take the oldest.
    check_existing : bool
        Read the from-IDs' associations first (``POST .../batch/read``) and send only the
        pairs not yet associated; adds a boolean ``preexisting`` column (<NA> where the
        from-ID could not be read: such pairs are sent anyway, which is harmless).
        Pre-existing rows are ``associated``, with no batch. Reads cost one request per
        1,000 distinct from-IDs (and one per further page of a from-ID with many targets),
        against one write per 2,000 pairs: with one pair per from-ID the check triples the
        requests, with 20 pairs per from-ID it adds one read per 10 writes. It pays when
        many pairs may exist already (a re-run, an import into a partly linked portal: each
        2,000 pairs found save a write), and whenever the run may have to be taken back:
        only a run made with it can be undone exactly (``results.hubassoc.undo()``). A dry
        run still reads (reads change nothing), so it needs the token.

    Returns
    -------
    pandas.DataFrame
        Every input row with its index and columns, plus ``from_id``, ``to_id``, ``status``
        (associated, failed, invalid, unconfirmed, not_sent), ``error_category``,
        ``error_message``, ``http_status``, ``batch``, ``attempts``,
        ``association_type_id``, ``association_category``, ``retryable``,
        ``correlation_id`` and ``error_detail`` (and ``preexisting`` with
        ``check_existing=True``). ``attrs["hubassoc"]`` records the run.
        A labelled run adds ``label`` after ``association_category``; these three hold the
        type each row asks for (see :mod:`hubassoc_pandas.labelled`).

    Raises
    ------
    ConfigError
        Bad arguments, before anything is sent.
    AuthenticationError, MissingScopesError, FatalApiError
        HubSpot refused the run; ``exc.results`` holds the results so far.

    Examples
    --------
    >>> df = pd.DataFrame({"contact": [1, 2, None], "company": [7, 7, 8]})
    >>> out = associate(df, "contacts", "companies", from_col="contact", to_col="company",
    ...                 dry_run=True, progress=False)
    >>> out["status"].tolist()
    ['not_sent', 'not_sent', 'invalid']
    """
    if check_existing is not False:
        from .check_existing import associate_checked
        from .run_setup import check_flag

        if check_flag("check_existing", check_existing):
            return associate_checked(frame, from_type, to_type, locals())
    return _run_pairs(AssociateDefault, frame, from_type, to_type, locals())


def disassociate(
    frame: pd.DataFrame,
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
    max_workers: int = 16,
    rate_limit: Any = None,
    max_attempts: int = 5,
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
    ``api_version="v4"``). Every association between each pair goes, labelled or not and in
    both directions; the records themselves stay. Removing a pair that is not associated is
    not a failure: HubSpot treats it as a no-op, so the row is ``removed`` too.

    With ``label`` (or ``label_col``, in the forms :func:`associate` takes), only that label
    goes, through ``POST .../batch/labels/archive``; the pair keeps its other associations.
    Removing the unlabelled default (by its type ID) removes the whole association, every
    label included, as in HubSpot; an empty ``label_col`` cell is ``invalid``.

    Takes the same arguments as :func:`associate` and returns the same frame, with status
    ``removed`` where HubSpot holds no association between the pair any more. Missing
    records, malformed IDs, auth, scopes, rate limits, 5xx, Ctrl-C, journals and
    :func:`retry` behave as for :func:`associate`. ``batch_size`` None means 2,000 (HubSpot
    documents no cap for removals; a batch refused as too large shrinks by itself).

    Examples
    --------
    >>> df = pd.DataFrame({"contact": [1, "x"], "company": [7, 7]})
    >>> out = disassociate(df, "contacts", "companies", from_col="contact", to_col="company",
    ...                    dry_run=True, progress=False)
    >>> out["status"].tolist()
    ['not_sent', 'invalid']
    """
    return _run_pairs(Archive, frame, from_type, to_type, locals())


def _run_pairs(
    operation_class: type[PairOperation],
    frame: Any,
    from_type: Any,
    to_type: Any,
    args: dict[str, Any],
) -> pd.DataFrame:
    """Check the arguments of a pair operation, run it and build its results frame."""
    check_frame(frame, args["from_col"], args["to_col"])
    check_flags(args["progress"], args["dry_run"])
    if args["journal"] is not None:
        args["journal"] = check_journal_path(args["journal"])
    client: HubSpotClient | None = args["client"]
    settings = make_settings(
        from_type,
        to_type,
        batch_size=args["batch_size"],
        max_workers=args["max_workers"],
        max_attempts=args["max_attempts"],
        rate_limit=args["rate_limit"],
        timeout=args["timeout"],
        api_version=args["api_version"] if client is None else client.api_version,
        backoff=args["backoff"],
    )
    base_url = client.base_url if client is not None else resolve_base_url(args["base_url"])
    if client is None and not args["dry_run"]:
        resolve_token(args["token"])  # a missing token is reported before any work
    from_col, to_col = args["from_col"], args["to_col"]
    if args.get("from_id_property") is not None or args.get("to_id_property") is not None:
        from .keyed import associate_by_keys  # it builds on this module

        return associate_by_keys(operation_class, frame, settings, base_url, args)
    check_on_ambiguous(args.get("on_ambiguous", "fail"))
    labelling = Labelling.of(args, operation_class.verb)
    operation: PairOperation
    if labelling is None:
        plan = make_plan(
            frame[from_col], frame[to_col], from_label=str(from_col), to_label=str(to_col)
        )
        operation = operation_class(
            settings.from_type, settings.to_type, settings.api_version, plan
        )
    else:
        plan, typed, known = labelling.prepare(frame, settings, base_url, args)
        operation = typed
    done = execute_pairs(operation, plan, settings, base_url, args, first_batch=1)
    record = run_record(operation, plan, done, settings, base_url)
    record.update(from_col=str(from_col), to_col=str(to_col))
    results = None
    if args["dry_run"] and labelling is None:  # every key alike: built without per-key arrays
        results = build_uniform_results(frame, plan, done.ledger, record, success=operation.success)
    if results is None:
        results = build_results(frame, plan, done.ledger, record, success=operation.success)
    if labelling is not None:
        record.update(labelling.record(known))
        results = labelling.finish(results, plan, typed)
    results.attrs["hubassoc"]["counts"] = row_counts(results, operation.success)
    return hand_back(results, done)


def check_frame(frame: Any, from_col: Any, to_col: Any) -> None:
    """Refuse a frame that is not a DataFrame, a column it lacks, or one column for both."""
    for role, column in (("from_col", from_col), ("to_col", to_col)):
        check_column(frame, role, column)
    if from_col == to_col:
        raise ConfigError(
            f"from_col and to_col are both {from_col!r}: give the column of the from-records "
            "and the column of the to-records."
        )


def check_flags(progress: Any, dry_run: Any) -> None:
    if not isinstance(dry_run, bool | np.bool_):
        raise ConfigError(f"dry_run={dry_run!r}: give True or False.")
    if not isinstance(progress, bool | np.bool_) and not all(
        callable(getattr(progress, name, None)) for name in ("advance", "note", "close")
    ):
        raise ConfigError(
            f"progress={progress!r}: give True, False, or an object with advance(), note() "
            "and close() (see hubassoc_pandas.progress.Progress)."
        )


def execute_pairs(
    operation: PairOperation,
    plan: Plan,
    settings: RunSettings,
    base_url: str,
    args: dict[str, Any],
    *,
    first_batch: int,
) -> Execution:
    progress = args["progress"]
    if progress is True:
        from .progress import make_progress

        progress = make_progress(
            True,
            plan.n_rows,
            desc=PROGRESS_TITLES.get(operation.verb, operation.verb),
            success=operation.success,
        )
    return execute(
        operation,
        plan.rows_of_pair,
        settings,
        base_url,
        token=args["token"],
        client=args["client"],
        progress=progress,
        dry_run=bool(args.get("dry_run", False)),
        journal=args["journal"],
        first_batch=first_batch,
        total_rows=plan.n_rows,
        invalid_rows=plan.n_invalid,
        pacer=args.get("pacer"),
    )
