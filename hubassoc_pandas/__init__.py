"""Associate HubSpot CRM records in bulk from a pandas DataFrame.

Importing the package registers the ``DataFrame.hubassoc`` accessor::

    import hubassoc_pandas
    results = df.hubassoc.associate("contacts", "companies",
                                    from_col="contact_id", to_col="company_id")
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger("hubassoc_pandas").addHandler(logging.NullHandler())

from . import accessor as _accessor  # noqa: E402  (registers DataFrame.hubassoc)
from .api import associate, disassociate  # noqa: E402
from .backoff import Backoff  # noqa: E402
from .client import HubSpotClient, Timeout  # noqa: E402
from .errors import (  # noqa: E402
    AuthenticationError,
    ConfigError,
    FatalApiError,
    HubAssocError,
    InsecureTransportError,
    JournalError,
    JournalMismatchError,
    MissingScopesError,
)
from .label_types import labels  # noqa: E402
from .pacing import RateLimit  # noqa: E402
from .reads import read  # noqa: E402
from .resend import retry  # noqa: E402
from .results import ANNOTATION_DTYPES, STATUSES  # noqa: E402
from .synchronise import sync  # noqa: E402
from .undo_run import undo  # noqa: E402

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
    "associate",
    "disassociate",
    "labels",
    "read",
    "retry",
    "sync",
    "undo",
]

del _accessor
