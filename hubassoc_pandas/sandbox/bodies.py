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
    "too_large_body",
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
    423: "Locked",
    477: "Migration in Progress",
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


def error_body(
    message: str, category: str | None = None, *, correlation_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A whole-request error: status, message, correlationId, category and extras.

    Parameters
    ----------
    message : str
        Human-readable text.
    category : str or None
        HubSpot's error category; None leaves the key out (as for an unknown object type).
    correlation_id : str or None
        The request's correlation ID (a fresh one when None).
    **extra
        More top-level keys (``subCategory``, ``context``, ``errors``, ``links``, ...).

    Returns
    -------
    dict

    Examples
    --------
    >>> error_body("Bad", "VALIDATION_ERROR", correlation_id="c")["correlationId"]
    'c'
    """
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id or str(uuid.uuid4()),
    }
    if category is not None:
        body["category"] = category
    body.update(extra)
    return body


def too_large_body(size: int, maximum: int, correlation_id: str | None = None) -> dict[str, Any]:
    """The 400 for a batch over the cap: "Batch size N exceeds the maximum of M inputs."."""
    return error_body(
        f"Batch size {size} exceeds the maximum of {maximum} inputs.",
        "VALIDATION_ERROR",
        correlation_id=correlation_id,
        context={"maxInputs": [str(maximum)], "inputs": [str(size)]},
    )


def scopes_body(scopes: list[str], key: str, correlation_id: str | None = None) -> dict[str, Any]:
    """A 403 MISSING_SCOPES body naming ``scopes`` under ``errors[0].context[key]``."""
    return error_body(
        _SCOPES_MESSAGE,
        "MISSING_SCOPES",
        correlation_id=correlation_id,
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {key: scopes},
            }
        ],
        links={"scopes": "https://developers.hubspot.com/scopes"},
    )


_POLICIES = {
    "DAILY": "You have reached your daily limit.",
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
}


def rate_limit_body(policy: str, group: str, correlation_id: str | None = None) -> dict[str, Any]:
    """A 429 body for the ``DAILY``, ``TEN_SECONDLY_ROLLING`` or ``SECONDLY`` policy.

    Examples
    --------
    >>> rate_limit_body("SECONDLY", "app")["message"]
    'You have reached your secondly limit.'
    """
    return {
        "status": "error",
        "message": _POLICIES[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id or str(uuid.uuid4()),
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
