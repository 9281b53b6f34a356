"""Response bodies in HubSpot's shapes: errors, rate limits, proxy pages."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "AUTH_MESSAGE",
    "error_body",
    "html_page",
    "iso_now",
    "json_bytes",
    "rate_limit_body",
    "scopes_body",
]

AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)

_SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)

_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def iso_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a ``Z`` suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def json_bytes(body: Any) -> bytes:
    """Serialise a body compactly as UTF-8 JSON."""
    return json.dumps(body, separators=(",", ":")).encode()


def error_body(message: str, category: str | None = None, **extra: Any) -> dict[str, Any]:
    """A whole-request error: status, message, a fresh correlationId, category and extras.

    Parameters
    ----------
    message : str
        Human-readable text.
    category : str or None
        HubSpot's error category; None leaves the key out (as for an unknown object type).
    **extra
        More top-level keys (``subCategory``, ``context``, ``errors``, ``links``, ...).

    Returns
    -------
    dict
    """
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
    }
    if category is not None:
        body["category"] = category
    body.update(extra)
    return body


def scopes_body(scopes: list[str], key: str) -> dict[str, Any]:
    """A 403 MISSING_SCOPES body naming ``scopes`` under ``errors[0].context[key]``."""
    return error_body(
        _SCOPES_MESSAGE,
        "MISSING_SCOPES",
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {key: scopes},
            }
        ],
        links={"scopes": "https://developers.hubspot.com/scopes"},
    )


def rate_limit_body(daily: bool, group: str) -> dict[str, Any]:
    """A 429 body for the DAILY or TEN_SECONDLY_ROLLING policy."""
    if daily:
        message, policy = "You have reached your daily limit.", "DAILY"
    else:
        message, policy = (
            "You have reached your ten_secondly_rolling limit.",
            "TEN_SECONDLY_ROLLING",
        )
    return {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
        "groupName": group,
    }


def html_page(status: int) -> bytes:
    """A load balancer's HTML error page for ``status``."""
    reason = _REASONS.get(status, "Error")
    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n"
        f"<body><center><h1>{status} {reason}</h1></center><hr><center>cloudflare</center>"
        "</body></html>\n"
    ).encode()
