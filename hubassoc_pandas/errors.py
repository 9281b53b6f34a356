"""The exceptions raised by hubassoc_pandas, all under one root.

::

    HubAssocError                    root: catch this to catch everything raised here
    ├── ConfigError (also ValueError)      bad arguments or input, raised before any request
    │   ├── InsecureTransportError         plain HTTP to a host that is not loopback
    │   └── JournalMismatchError           a journal written for another run
    ├── FatalApiError                      HubSpot refused the whole run; ``results`` attached
    │   ├── AuthenticationError            401: the token is missing, wrong or expired
    │   └── MissingScopesError             403: the token lacks a scope; ``scopes`` lists them
    └── JournalError                       the journal could not be written mid-run; the run
                                           stopped and ``results`` holds every row

A :class:`FatalApiError` carries the results frame as it stood when the run stopped
(``exc.results``): every row is there, the confirmed ones ``associated``, the rest ``not_sent``.
No exception message or attribute ever contains the access token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AuthenticationError",
    "ConfigError",
    "FatalApiError",
    "HubAssocError",
    "InsecureTransportError",
    "JournalError",
    "JournalMismatchError",
    "MissingScopesError",
]


class HubAssocError(Exception):
    """Root of every exception raised by hubassoc_pandas."""


class ConfigError(HubAssocError, ValueError):
    """An argument or the input frame cannot be used; the message says what to change."""


class InsecureTransportError(ConfigError):
    """The token would travel over plain HTTP to a host that is not a loopback address."""


class JournalMismatchError(ConfigError):
    """The journal file was written by a run with other object types or another portal."""


class FatalApiError(HubAssocError):
    """HubSpot refused the run as a whole, so no further request can succeed.

    Attributes
    ----------
    status : int
        The HTTP status of the refusing response.
    category : str or None
        HubSpot's error category.
    correlation_id : str or None
        HubSpot's correlation ID, the reference its support asks for.
    body : dict
        The parsed error body.
    results : pandas.DataFrame or None
        The results frame of the run up to the refusal.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        category: str | None = None,
        correlation_id: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.correlation_id = correlation_id
        self.body = body or {}
        self.results: pd.DataFrame | None = None


class AuthenticationError(FatalApiError):
    """HubSpot answered 401: the access token is missing, invalid or expired."""


class MissingScopesError(FatalApiError):
    """HubSpot answered 403: the token lacks scopes; ``scopes`` names them."""

    def __init__(self, message: str, *, scopes: list[str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.scopes = scopes


class JournalError(HubAssocError):
    """The journal could not be written during a run (locked by another process past the
    wait, disk full, file removed). The run stopped; ``results`` holds every row, the ones
    done before the failure included, so no finished work is lost."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.results: pd.DataFrame | None = None
