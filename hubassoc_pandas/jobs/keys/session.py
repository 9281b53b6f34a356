"""Opening a run's :class:`~.lookup.KeySession` (its client and journal, closed again after),
and turning one column of keys into record IDs with it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from hubassoc_pandas.engine.execute import open_journal
from hubassoc_pandas.engine.settings import RunSettings
from hubassoc_pandas.jobs.keys.lookup import KeyResolution, KeySession
from hubassoc_pandas.progress import Progress
from hubassoc_pandas.transport.client import HubSpotClient

__all__ = ["key_session", "resolve_keys"]


def resolve_keys(
    values: pd.Series,
    object_type: str,
    id_property: str,
    session: KeySession,
    *,
    label: str | None = None,
) -> KeyResolution:
    """Turn a column of keys into record IDs, looking each distinct key up once.

    Parameters
    ----------
    values : pandas.Series
        The key column (emails, unique property values, domains).
    object_type : str
        A normalised object type (``"contacts"``).
    id_property : str
        The property the column holds: ``"email"``, ``"domain"`` (companies, through CRM
        search) or a property with unique values.
    session : KeySession
        The run's client, pacers, journal and progress (see :func:`key_session`).
    label : str, optional
        The column's name, for the returned Series.

    Examples
    --------
    >>> from hubassoc_pandas.engine.settings import make_settings
    >>> session = KeySession(make_settings("contacts", "companies"), "http://127.0.0.1:1",
    ...                      client=None, dry_run=True)
    >>> out = resolve_keys(pd.Series(["Ann@X.io", "nope"]), "contacts", "email", session)
    >>> out.status.tolist(), out.category.tolist()
    (['not_sent', 'invalid'], ['DRY_RUN', 'INVALID_KEY'])
    """
    return session.resolve(values, object_type, id_property, label=label)


@contextmanager
def key_session(
    settings: RunSettings,
    base_url: str,
    *,
    token: str | None,
    client: HubSpotClient | None,
    journal: str | Path | None,
    identity: dict[str, str],
    progress: bool | Progress,
    dry_run: bool,
    on_ambiguous: str = "fail",
    again: str = "retry()",
    additional_domains: bool = True,
    recheck_missing: bool = False,
) -> Iterator[KeySession]:
    """A :class:`KeySession` with its client and journal opened, closed again on exit.

    ``client`` is used as given (never closed); else one is made from ``token`` unless this
    is a dry run. ``journal`` is opened under ``identity`` (the writing operation's, with
    anything the run adds, see :func:`~.execute.open_journal`). ``recheck_missing``: look up
    again the keys the journal found no record for (see :class:`KeySession`).
    """
    opened = None
    if journal is not None:
        opened = open_journal(
            journal, identity, settings, base_url, token=token, client=client, dry_run=dry_run
        )
    owned = None
    if client is None and not dry_run:
        owned = settings.open_client(token, base_url)
    try:
        yield KeySession(
            settings,
            base_url,
            client=client or owned,
            journal=opened,
            progress=progress,
            dry_run=dry_run,
            on_ambiguous=on_ambiguous,
            again=again,
            additional_domains=additional_domains,
            recheck_missing=recheck_missing,
            first_batch=1 if opened is None else opened.last_batch() + 1,
        )
    finally:
        if owned is not None:
            owned.close()
        if opened is not None:
            opened.close()
