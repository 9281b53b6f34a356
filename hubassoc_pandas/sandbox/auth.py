"""Reading the Authorization header: the bearer token, its shape, and the 401 bodies.

A token the portal does not know gets 401 INVALID_AUTHENTICATION, "Authentication credentials
not found. ..." (as a missing one does), unless it is malformed: characters no token has, or a
private-app prefix (``pat-``) without a private-app token's shape (``pat-<region>-<uuid>``).
HubSpot answers those with 401 EXPIRED_AUTHENTICATION, "The OAuth token used to make this call
expired N day(s) ago." with an absurd N (counted from 1970), and so does the sandbox.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from .bodies import error_body

__all__ = ["bearer", "expired_body", "is_malformed"]

_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9._~+/=-]+$")
_PRIVATE_APP = re.compile(
    r"^pat-[a-z]{2,3}\d+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def bearer(value: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_malformed(token: str) -> bool:
    """Whether a token has a shape no HubSpot token has.

    Examples
    --------
    >>> is_malformed("pat-na1-0c9b8a7f-dead-beef-cafe-123456789abc"), is_malformed("pat-na1-x")
    (False, True)
    >>> is_malformed("wrong-token"), is_malformed("a token")
    (False, True)
    """
    if not _TOKEN_CHARS.match(token):
        return True
    return token.startswith("pat-") and not _PRIVATE_APP.match(token)


def expired_body(days: int | None, correlation_id: str) -> dict[str, Any]:
    """The 401 EXPIRED_AUTHENTICATION body; ``days`` None counts from 1970 (a malformed token)."""
    if days is None:
        days = (datetime.now(UTC) - datetime(1970, 1, 1, tzinfo=UTC)).days
    return error_body(
        f"The OAuth token used to make this call expired {days} day(s) ago.",
        "EXPIRED_AUTHENTICATION",
        correlation_id=correlation_id,
    )
