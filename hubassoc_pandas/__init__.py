"""Associate HubSpot CRM records in bulk from a pandas DataFrame.

Importing the package registers the ``DataFrame.hubassoc`` accessor::

    import hubassoc_pandas
    results = df.hubassoc.associate("contacts", "companies",
                                    from_col="contact_id", to_col="company_id")
"""

from __future__ import annotations

import logging

from hubassoc_pandas import accessor as _accessor  # registers DataFrame.hubassoc
from hubassoc_pandas._version import __version__
from hubassoc_pandas.api import (
    apply_plan,
    associate,
    disassociate,
    labels,
    read,
    retry,
    sync,
    undo,
)
from hubassoc_pandas.engine.rate_limit import RateLimit
from hubassoc_pandas.errors import (
    AuthenticationError,
    ConfigError,
    FatalApiError,
    HubAssocError,
    InsecureTransportError,
    JournalError,
    JournalMismatchError,
    MissingScopesError,
)
from hubassoc_pandas.results.schema import ANNOTATION_DTYPES, STATUSES
from hubassoc_pandas.transport.backoff import Backoff
from hubassoc_pandas.transport.client import HubSpotClient, Timeout

logging.getLogger("hubassoc_pandas").addHandler(logging.NullHandler())

__all__ = [
    "ANNOTATION_DTYPES",
    "STATUSES",
    "AuthenticationError",
    "Backoff",
    "ConfigError",
    "FatalApiError",
    "HubAssocError",
    "HubSpotClient",
    "InsecureTransportError",
    "JournalError",
    "JournalMismatchError",
    "MissingScopesError",
    "RateLimit",
    "Timeout",
    "__version__",
    "apply_plan",
    "associate",
    "disassociate",
    "labels",
    "read",
    "retry",
    "sync",
    "undo",
]

del _accessor
