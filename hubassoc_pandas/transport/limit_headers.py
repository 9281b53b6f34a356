"""Read HubSpot's ``X-HubSpot-RateLimit-*`` headers, believing only sensible values. Pure.

A server's values are bounded so they cannot hang, busy-loop or crash a run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["HEADER_INTERVAL_MS", "MAX_HEADER_LIMIT", "read_limit_headers"]

#: Header values believed: a limit of 1 to 100,000 requests per 0.1 to 60 seconds.
MAX_HEADER_LIMIT = 100_000
HEADER_INTERVAL_MS = (100, 60_000)


def read_limit_headers(headers: Mapping[str, str]) -> tuple[int | None, int | None, int | None]:
    """``(max, interval ms, remaining)`` from ``X-HubSpot-RateLimit-*`` headers, each None
    when absent or absurd: a server's values are bounded so they cannot hang, busy-loop or
    crash a run (a limit over :data:`MAX_HEADER_LIMIT`, an interval outside
    :data:`HEADER_INTERVAL_MS`, or a remaining count outside 0..max are not believed).

    Examples
    --------
    >>> read_limit_headers({"X-HubSpot-RateLimit-Max": "190",
    ...                     "X-HubSpot-RateLimit-Remaining": "150",
    ...                     "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"})
    (190, 10000, 150)
    >>> read_limit_headers({"X-HubSpot-RateLimit-Max": "1e30",
    ...                     "X-HubSpot-RateLimit-Interval-Milliseconds": "86400000"})
    (None, None, None)
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    maximum = _int(lowered.get("x-hubspot-ratelimit-max"))
    if maximum is None or not 1 <= maximum <= MAX_HEADER_LIMIT:
        return None, None, None
    interval = _int(lowered.get("x-hubspot-ratelimit-interval-milliseconds"))
    if interval is not None and not HEADER_INTERVAL_MS[0] <= interval <= HEADER_INTERVAL_MS[1]:
        return None, None, None
    remaining = _int(lowered.get("x-hubspot-ratelimit-remaining"))
    if remaining is not None and not 0 <= remaining <= maximum:
        remaining = None
    return maximum, interval, remaining


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) else None
