"""Read HubSpot's answers, whatever the endpoint: the exchange, and error bodies.

Pure: no I/O. What an answer means for a batch is decided in :mod:`.engine.policy`; how a 2xx
body maps onto the keys sent belongs to each operation (:mod:`.operations`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiResponse",
    "ErrorInfo",
    "parse_error",
    "retry_after_seconds",
    "whole_number",
]

#: Per-input error categories that a later attempt may get past.
_TRANSIENT_CATEGORIES = frozenset({"RATE_LIMIT", "RATE_LIMITS", "INTERNAL_ERROR", "TIMEOUT"})
_DETAIL_LIMIT = 4000


@dataclass(frozen=True)
class ApiResponse:
    """One HTTP exchange as the rest of the package sees it.

    ``status`` is 0 when no response arrived; ``error`` then says what happened, and
    ``lost`` whether the request may have reached the server all the same (the connection
    dropped after sending, a read timeout, a body cut short).
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    text: str = ""
    error: str | None = None
    elapsed: float = 0.0
    lost: bool = False

    @property
    def correlation_id(self) -> str | None:
        """HubSpot's correlation (or request) ID from the headers, if any."""
        for name in ("X-HubSpot-Correlation-Id", "X-HubSpot-Request-Id", "X-Request-Id"):
            value = self.header(name)
            if value:
                return value
        return None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True)
class ErrorInfo:
    """Why HubSpot (or the network) refused a pair or a batch."""

    category: str | None
    message: str
    http_status: int | None = None
    sub_category: str | None = None
    correlation_id: str | None = None
    detail: str | None = None
    retryable: bool = False


def parse_error(obj: Any, *, http_status: int | None = None) -> ErrorInfo:
    """Read a HubSpot StandardError or whole-request error body; every field is optional.

    Examples
    --------
    >>> info = parse_error({"category": "OBJECT_NOT_FOUND", "message": "No contact 5"})
    >>> info.category, info.message, info.retryable
    ('OBJECT_NOT_FOUND', 'No contact 5', False)
    """
    if not isinstance(obj, dict):
        text = str(obj)[:_DETAIL_LIMIT] if obj is not None else ""
        return ErrorInfo(category=None, message=text, http_status=http_status, detail=text)
    category = text_or_none(obj.get("category")) or text_or_none(obj.get("errorType"))
    sub_category = obj.get("subCategory")
    if isinstance(sub_category, dict):
        sub_category = json.dumps(sub_category, sort_keys=True)
    return ErrorInfo(
        category=category,
        message=text_or_none(obj.get("message")) or "",
        http_status=http_status,
        sub_category=text_or_none(sub_category),
        correlation_id=text_or_none(obj.get("correlationId")) or text_or_none(obj.get("id")),
        detail=_dump(obj),
        retryable=category in _TRANSIENT_CATEGORIES,
    )


def retry_after_seconds(response: ApiResponse) -> float | None:
    """The Retry-After header in seconds, when present and readable."""
    value = response.header("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _dump(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, default=str)
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 3] + "..."


def whole_number(value: Any) -> int | None:
    """A whole number an answer gives as a JSON number or a digit string (IDs, counts);
    None otherwise.

    Examples
    --------
    >>> whole_number(7), whole_number("7"), whole_number(True), whole_number("7.0")
    (7, 7, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    return None
