"""The options of a run, as small frozen objects built and checked once at the surface.

Every public call (the accessor, the package's functions, the command line, the explorer's
Retry button) turns its keyword arguments into these objects, refusing bad values with a
:class:`~hubassoc_pandas.errors.ConfigError` before anything is sent; everything below the
surface takes them and nothing else:

- :class:`Connection`: where requests go, with which token, or a caller's client;
- :class:`RunOptions`: how a run sends (its :class:`~hubassoc_pandas.engine.settings.RunSettings`),
  whether it shows progress, whether it is a dry run, and its journal;
- :class:`KeyOptions`: which property a column holds instead of record IDs;
- :class:`LabelOptions`: which association label a run writes or removes;
- :class:`PairJob`: the columns of a run and the four above.

Examples
--------
>>> run = RunOptions.of("contacts", "Companies", batch_size=500, dry_run=True)
>>> job = PairJob("c", "co", Connection.of(needs_token=False), run)
>>> job.settings.to_type, job.settings.batch_size, job.connection.base_url
('companies', 500, 'https://api.hubapi.com')
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hubassoc_pandas.engine.journal import Journal, check_journal_path
from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.settings import RunSettings, make_settings
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.progress import Progress
from hubassoc_pandas.transport.backoff import Backoff
from hubassoc_pandas.transport.client import (
    DEFAULT_API_VERSION,
    HubSpotClient,
    Secret,
    resolve_base_url,
    resolve_token,
    token_fingerprint,
)

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_WORKERS",
    "ON_AMBIGUOUS",
    "Connection",
    "KeyOptions",
    "LabelOptions",
    "PairJob",
    "RunOptions",
    "check_flag",
    "check_on_ambiguous",
    "check_progress",
]

#: What to do with a key several records have: fail its rows, or take the oldest record.
ON_AMBIGUOUS = ("fail", "oldest")

#: Requests in flight at once, unless a call says otherwise.
DEFAULT_MAX_WORKERS = 16
#: Attempts per batch on 5xx and network failures, unless a call says otherwise.
DEFAULT_MAX_ATTEMPTS = 5


def check_flag(name: str, value: Any) -> bool:
    """A True/False argument, refused with a message otherwise.

    Examples
    --------
    >>> check_flag("dry_run", True)
    True
    """
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(f"{name}={value!r}: give True or False.")
    return bool(value)


def check_on_ambiguous(on_ambiguous: Any) -> str:
    """The rule for keys several records have, checked.

    Examples
    --------
    >>> check_on_ambiguous("oldest")
    'oldest'
    """
    if on_ambiguous not in ON_AMBIGUOUS:
        raise ConfigError(
            f"on_ambiguous={on_ambiguous!r}: give 'fail' (rows whose key several records "
            "have fail with KEY_AMBIGUOUS) or 'oldest' (take the oldest of them: the earliest "
            "createdate, then the lowest ID)."
        )
    return str(on_ambiguous)


def check_progress(progress: Any) -> bool | Progress:
    """True, False, or an object with ``advance()``, ``note()`` and ``close()``."""
    if isinstance(progress, bool | np.bool_):
        return bool(progress)
    if all(callable(getattr(progress, name, None)) for name in ("advance", "note", "close")):
        return progress
    raise ConfigError(
        f"progress={progress!r}: give True, False, or an object with advance(), note() "
        "and close() (see hubassoc_pandas.progress.Progress)."
    )


@dataclass(frozen=True)
class Connection:
    """Where a run's requests go: the base URL, the token, or a caller's client.

    The token is held as a :class:`~hubassoc_pandas.transport.client.Secret`: never shown,
    never pickled. With ``client``, its token, base URL and API version are used.
    """

    base_url: str
    secret: Secret | None = None
    client: HubSpotClient | None = None

    @property
    def token(self) -> str | None:
        """The token given (None: the client's, or ``HUBSPOT_ACCESS_TOKEN``)."""
        return None if self.secret is None else self.secret.reveal()

    @classmethod
    def of(
        cls,
        token: str | None = None,
        base_url: str | None = None,
        client: HubSpotClient | None = None,
        *,
        needs_token: bool = True,
    ) -> Connection:
        """Check and resolve: ``base_url`` None means ``HUBSPOT_BASE_URL`` or HubSpot's; a
        missing token is refused here (unless nothing will be sent), before any work.

        Examples
        --------
        >>> Connection.of(base_url="http://127.0.0.1:8000", needs_token=False).base_url
        'http://127.0.0.1:8000'
        """
        if client is not None:
            if not isinstance(client, HubSpotClient):
                raise ConfigError(
                    f"client={client!r}: give a hubassoc_pandas.HubSpotClient or None."
                )
            return cls(client.base_url, None, client)
        resolved = resolve_base_url(base_url)
        if needs_token:
            resolve_token(token)
        return cls(resolved, None if token is None else Secret(token), None)

    def fingerprint(self) -> str | None:
        """A one-way fingerprint of the token in use (None when there is none yet): tells
        portals and tokens apart in run records without revealing the token."""
        if self.client is not None:
            return self.client.token_fingerprint()
        try:
            return token_fingerprint(resolve_token(self.token))
        except ConfigError:
            return None

    def without_token(self, client: HubSpotClient | None) -> Connection:
        """The same portal through ``client`` alone (a phase that must not open its own)."""
        return dataclasses.replace(self, secret=None, client=client)

    def with_client(self, client: HubSpotClient | None) -> Connection:
        """The same connection through an open client (None: unchanged)."""
        return self if client is None else dataclasses.replace(self, client=client)

    @contextlib.contextmanager
    def open(self, settings: RunSettings) -> Iterator[HubSpotClient]:
        """The caller's client, or one opened for the run and closed after it."""
        if self.client is not None:
            yield self.client
            return
        client = settings.open_client(self.token, self.base_url)
        try:
            yield client
        finally:
            client.close()


@dataclass(frozen=True)
class RunOptions:
    """How a run sends (:class:`~hubassoc_pandas.engine.settings.RunSettings`), shows
    progress, and records its work.

    ``opened`` and ``pacer`` are set below the surface only, when several phases of one run
    share one open journal and one rate limit; ``purpose`` names a run that is part of
    another job (``"undo"``), so that its journal cannot be taken for a plain run's.
    """

    settings: RunSettings
    progress: bool | Progress = True
    dry_run: bool = False
    journal: Path | None = None
    pacer: Pacer | None = None
    opened: Journal | None = None
    purpose: str | None = None

    @property
    def journal_in_use(self) -> Path | Journal | None:
        """The open journal the run shares, else the path of the one it keeps, else None."""
        return self.opened if self.opened is not None else self.journal

    @classmethod
    def of(
        cls,
        from_type: Any,
        to_type: Any,
        *,
        batch_size: int | None = None,
        progress: bool | Progress = True,
        dry_run: bool = False,
        journal: str | Path | None = None,
        api_version: str = DEFAULT_API_VERSION,
        max_workers: int = DEFAULT_MAX_WORKERS,
        rate_limit: Any = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: Any = None,
        backoff: Backoff | None = None,
        client: HubSpotClient | None = None,
    ) -> RunOptions:
        """Check every knob (ConfigError names what to fix). With ``client``, its API
        version is used."""
        check_flag("dry_run", dry_run)
        shown = check_progress(progress)
        settings = make_settings(
            from_type,
            to_type,
            batch_size=batch_size,
            max_workers=max_workers,
            max_attempts=max_attempts,
            rate_limit=rate_limit,
            timeout=timeout,
            api_version=api_version if client is None else client.api_version,
            backoff=backoff,
        )
        checked = None if journal is None else check_journal_path(journal)
        return cls(settings, shown, bool(dry_run), checked)

    def replace(self, **changes: Any) -> RunOptions:
        """A copy with some fields changed (``progress``, ``journal``, ``pacer``, ...)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class KeyOptions:
    """Which property each side's column holds instead of record IDs (None: record IDs),
    and what to do with a key several records have.

    Examples
    --------
    >>> KeyOptions.of(from_id_property="email").keyed
    True
    """

    from_id_property: str | None = None
    to_id_property: str | None = None
    on_ambiguous: str = "fail"

    @classmethod
    def of(
        cls,
        from_id_property: str | None = None,
        to_id_property: str | None = None,
        on_ambiguous: str = "fail",
    ) -> KeyOptions:
        """Checked key options (the properties are checked against the object types when
        the run is planned)."""
        return cls(from_id_property, to_id_property, check_on_ambiguous(on_ambiguous))

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> KeyOptions:
        """The key options a run record (``attrs["hubassoc"]``) kept."""
        return cls.of(
            record.get("from_id_property"),
            record.get("to_id_property"),
            record.get("on_ambiguous") or "fail",
        )

    @property
    def keyed(self) -> bool:
        """Whether some side holds keys rather than record IDs."""
        return self.from_id_property is not None or self.to_id_property is not None

    def property_of(self, role: str) -> str | None:
        """The key property of side ``role`` (``"from"`` or ``"to"``)."""
        return self.from_id_property if role == "from" else self.to_id_property

    def record(self) -> dict[str, Any]:
        """The fields a run record keeps."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class LabelOptions:
    """The association label a run writes or removes: one for every row (``label``), or a
    column of them (``label_col``); neither for the unlabelled default."""

    label: Any = None
    label_col: Any = None

    @property
    def given(self) -> bool:
        """Whether the run is labelled."""
        return self.label is not None or self.label_col is not None


@dataclass(frozen=True)
class PairJob:
    """Everything a run needs besides its frame: the columns, the connection, how it sends,
    its keys and its label. ``to_col`` is None for a read."""

    from_col: Any
    to_col: Any
    connection: Connection
    run: RunOptions
    keys: KeyOptions = KeyOptions()
    labels: LabelOptions = LabelOptions()

    @property
    def settings(self) -> RunSettings:
        """The run's settings (object types, batching, pacing, retries)."""
        return self.run.settings

    def replace(self, **changes: Any) -> PairJob:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def through(self, client: HubSpotClient | None, pacer: Pacer | None = None) -> PairJob:
        """The same job sent through an open client (and a shared pacer)."""
        run = self.run if pacer is None else self.run.replace(pacer=pacer)
        return dataclasses.replace(self, connection=self.connection.with_client(client), run=run)
